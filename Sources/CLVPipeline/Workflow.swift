import CLVCore
import CLVData
import CLVModels
import Foundation

/// The one way through CLVKit: summaries from a store, fit, save, load the run in use, score a population,
/// evaluate on a holdout, analyse. Both `clv` and the server call these; neither fits, scores or aggregates itself.
///
/// Heavy steps (fits, analyses) are synchronous CPU work inside an `async` function: callers run them as CLI
/// commands or background jobs, never inside an HTTP request.
public struct Workflow: Sendable {
    public let store: any ServiceStore

    public init(store: some ServiceStore) { self.store = store }

    // MARK: - Summaries

    /// The window through `end` (default: the last day with an order) with an optional holdout.
    /// - Throws: ``WorkflowError/noOrders`` when `end` is nil and the store is empty.
    public func window(end: CalendarDay?, holdoutEnd: CalendarDay? = nil, unit: TimeUnit) async throws -> SummaryWindow {
        if let end { return SummaryWindow(calibrationEnd: end, holdoutEnd: holdoutEnd, unit: unit) }
        guard let last = try await store.statistics().lastDay else { throw WorkflowError.noOrders }
        return SummaryWindow(calibrationEnd: last, holdoutEnd: holdoutEnd, unit: unit)
    }

    /// Every customer's summary for the window, as the store computes it.
    public func summaries(_ window: SummaryWindow) async throws -> [CustomerSummaryRow] {
        try await store.summaries(for: window)
    }

    /// The customers of the window as the models take them.
    /// - Throws: ``WorkflowError/noCustomers(before:)`` when nobody bought by the calibration end.
    public func customers(_ window: SummaryWindow) async throws -> CustomerTable {
        let rows = try await summaries(window)
        guard !rows.isEmpty else { throw WorkflowError.noCustomers(before: window.calibrationEnd) }
        return try CustomerTable(rows: rows)
    }

    // MARK: - Fitting and model runs

    /// Fits each kind on the window's customers and saves each fit as a model run, in order.
    /// - Throws: ``FitError`` (e.g. no repeat buyers), ``WorkflowError``, or a storage error; runs fitted before the
    ///   failure stay saved.
    public func fitAndSave(_ kinds: [ModelKind], window: SummaryWindow, options: EstimatorOptions = EstimatorOptions()) async throws -> [SavedModel] {
        let table = try await customers(window)
        var saved: [SavedModel] = []
        for kind in kinds {
            let fitted = try Self.fit(kind, table, options: options, unit: window.unit, calibrationEnd: window.calibrationEnd)
            saved.append(try await save(fitted, dataEnd: window.calibrationEnd))
        }
        return saved
    }

    /// Fits `kind` on a table: pure, for callers that do not save (summary files, comparisons).
    public static func fit(
        _ kind: ModelKind, _ table: CustomerTable, options: EstimatorOptions = EstimatorOptions(), unit: TimeUnit, calibrationEnd: CalendarDay?
    ) throws(FitError) -> FittedModel {
        try FittedModel.fit(
            kind, customers: table.summaries, monetary: table.monetary, weights: table.weights, options: options, unit: unit, calibrationEnd: calibrationEnd)
    }

    /// Saves a fit as a model run.
    public func save(_ fitted: FittedModel, dataEnd: CalendarDay) async throws -> SavedModel {
        var record = try SavedModel.record(of: fitted, dataEnd: dataEnd)
        record.id = try await store.saveModelRun(record)
        return SavedModel(record: record, fitted: fitted)
    }

    /// The newest saved run of `kind`, read back; nil when there is none, or none in `unit` when a unit is given.
    public func latest(_ kind: ModelKind, unit: TimeUnit? = nil) async throws -> SavedModel? {
        guard let record = try await store.latestModelRun(kind: kind), unit == nil || record.unit == unit else { return nil }
        return try SavedModel(record)
    }

    /// One saved run, read back.
    public func modelRun(id: Int64) async throws -> SavedModel? {
        try await store.modelRun(id: id).map { record throws(WorkflowError) in try SavedModel(record) }
    }

    /// The models a service scores with: the newest runs of `kind` and of the spend model in the same unit, fitted
    /// through `asOf` (in weeks) and saved first when `fitIfMissing` and there are none.
    /// - Returns: nil when there is no purchase-model run and `fitIfMissing` is false.
    public func activeModels(_ kind: ModelKind, asOf: CalendarDay, fitIfMissing: Bool, sampling: ParameterSampling) async throws -> ActiveModels? {
        guard kind.isPurchaseModel else { throw WorkflowError.wrongKind(kind, expected: "a purchase model") }
        var purchase = try await latest(kind)
        var spend = try await latest(.gg, unit: purchase?.record.unit)
        if fitIfMissing, purchase == nil || spend == nil {
            let window = SummaryWindow(calibrationEnd: asOf, unit: purchase?.record.unit ?? .week)
            let fits = try await fitAndSave(purchase == nil ? [kind, .gg] : [.gg], window: window)
            purchase = purchase ?? fits.first { $0.record.kind == kind }
            spend = fits.first { $0.record.kind == .gg }
        }
        guard let purchase else { return nil }
        return ActiveModels(purchase: purchase, spend: spend, sampling: sampling)
    }

    // MARK: - Scoring

    /// Every customer with a purchase through `asOf`, scored with `models`.
    public func population(_ models: ActiveModels, asOf: CalendarDay, policy: ScoringPolicy) async throws -> Population {
        let rows = try await summaries(SummaryWindow(calibrationEnd: asOf, unit: models.unit))
        return Population(table: try CustomerTable(rows: rows), purchase: models.purchase, spend: models.spend, policy: policy, asOf: asOf, unit: models.unit)
    }

    /// Every customer of a table scored with `purchase` (and `spend`, when the table has monetary values), with
    /// prediction intervals from `draws` when an interval level is given.
    public static func predict(
        _ table: CustomerTable, purchase: AnyPurchaseModel, spend: GammaGamma?, policy: ScoringPolicy,
        interval: (level: Double, draws: [AnyPurchaseModel])? = nil
    ) -> (scores: [CustomerScore], intervals: [PredictionInterval?]?) {
        let spendInput = spend.flatMap { model in table.monetary.map { (model: model, meanSpend: $0) } }
        let scores = purchase.score(table.summaries, horizon: policy.horizon, spend: spendInput, cashFlow: policy.cashFlow)
        let intervals = interval.map { PredictionInterval.of(table.summaries, draws: $0.draws, spend: spendInput, policy: policy, level: $0.level) }
        return (scores, intervals)
    }

    /// Writes the scores of a table's customers back to the store under the purchase-model run that made them, in
    /// one transaction per 100,000 customers (several processes may write disjoint shards at once).
    public func saveScores(_ table: CustomerTable, _ scores: [CustomerScore], run: Int64, horizon: Double) async throws {
        precondition(table.ids.count == scores.count, "one score per customer of the table")
        for start in stride(from: 0, to: scores.count, by: 100_000) {
            let rows = (start..<min(scores.count, start + 100_000)).map { i in
                StoredScore(
                    customer: table.ids[i], run: run, horizon: horizon, expectedPurchases: scores[i].expectedPurchases,
                    probabilityAlive: scores[i].probabilityAlive, expectedSpend: scores[i].expectedSpend, clv: scores[i].clv)
            }
            try await store.saveScores(rows)
        }
    }

    // MARK: - Evaluation

    /// Fits `kind` on the calibration window and compares its predictions with the holdout purchases.
    public static func evaluate(
        _ kind: ModelKind, _ table: CustomerTable, options: EstimatorOptions = EstimatorOptions(), unit: TimeUnit
    ) throws -> (model: AnyPurchaseModel, comparison: HoldoutComparison) {
        guard kind.isPurchaseModel else { throw WorkflowError.wrongKind(kind, expected: "a purchase model (bgnbd, pnbd, mbgnbd, bgbb)") }
        guard let actual = table.holdoutPurchases, let lengths = table.holdoutLength else { throw WorkflowError.missingHoldout }
        let model = try fit(kind, table, options: options, unit: unit, calibrationEnd: nil).purchase!
        return (model, model.holdoutComparison(calibration: table.summaries, holdoutPurchases: actual, holdoutLength: lengths))
    }
}
