import CLVCore
import CLVData
import CLVInsight
import CLVLearn
import CLVModels
import Foundation

/// Learned CLV over any store: features at a cutoff, training, saved runs, a side-by-side evaluation against the
/// probabilistic models, and explanations. The CLI calls these; CLVLearn does the arithmetic.
public struct LearnWorkflow: Sendable {
    public let store: any ServiceStore

    public init(store: some ServiceStore) { self.store = store }

    // MARK: - Fit and save

    /// A learned model as saved in a model run: the model with its feature set, and the window it learned from.
    public struct SavedRun: Sendable, Codable {
        public static let schemaVersion = 1
        public var schemaVersion = Self.schemaVersion
        public var model: LearnedModel
        /// `name@version` of the features, with the groups used.
        public var featureSet: String
        public var groups: [FeatureGroup]
        public var end: CalendarDay
        public var holdoutEnd: CalendarDay
        public var unit: TimeUnit
        public var label: Label
        /// The probabilistic fits' penalizer, so that the features can be rebuilt the same way.
        public var penalizer: Double
        public var seed: UInt64
    }

    /// Trains `kind` on every customer of `dataset` (features of `groups`) and saves it as a `learned` model run.
    /// - Returns: the run's id and what was saved.
    public func fitAndSave(
        _ kind: LearnedModelKind, dataset: LearnDataset, groups: Set<FeatureGroup>, seed: UInt64 = 0
    ) async throws -> (
        id: Int64, run: SavedRun
    ) {
        let table = try dataset.table.keeping(groups)
        let model = try LearnedModel.fit(kind, table, seed: seed)
        let run = SavedRun(
            model: model, featureSet: table.featureSet.identifier, groups: table.featureSet.groups, end: dataset.window.calibrationEnd,
            holdoutEnd: dataset.window.holdoutEnd!, unit: dataset.window.unit, label: dataset.label,
            penalizer: dataset.penalizer, seed: seed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let loss = model.trainingLoss()
        let record = ModelRunRecord(
            kind: .learned, dataEnd: dataset.window.calibrationEnd, unit: dataset.window.unit, customers: table.count, logLikelihood: loss.map { -$0 },
            converged: true, fitJSON: String(decoding: try encoder.encode(run), as: UTF8.self))
        return (try await store.saveModelRun(record), run)
    }

    /// The newest saved learned run, read back; nil when there is none.
    /// - Throws: ``WorkflowError/unreadableModelRun(id:kind:reason:)`` for JSON this CLVKit cannot read.
    public func latestRun() async throws -> (id: Int64, run: SavedRun)? {
        guard let record = try await store.latestModelRun(kind: .learned) else { return nil }
        do {
            let run = try JSONDecoder().decode(SavedRun.self, from: Data(record.fitJSON.utf8))
            guard run.schemaVersion == SavedRun.schemaVersion else {
                throw WorkflowError.unreadableModelRun(
                    id: record.id, kind: .learned, reason: "schema version \(run.schemaVersion) is not one this CLVKit reads")
            }
            return (record.id, run)
        } catch let error as WorkflowError {
            throw error
        } catch {
            throw WorkflowError.unreadableModelRun(id: record.id, kind: .learned, reason: "\(error)")
        }
    }

    // MARK: - Evaluation

    /// One line of the side-by-side table.
    public struct EvaluationRow: Sendable, Codable {
        /// `first-purchase-value`, `bgnbd+gg`, `pnbd+gg` (or `bgnbd`, `pnbd` for purchase counts), or a learned kind.
        public var model: String
        /// The feature groups a learned model used; empty for the baselines.
        public var features: [FeatureGroup]
        /// Nil when the model could not be trained (too few buyers, say); `note` says why.
        public var metrics: LiftMetrics?
        public var note: String?
    }

    public struct Evaluation: Sendable, Codable {
        public var featureSet: String
        public var label: Label
        public var end: CalendarDay
        public var holdoutEnd: CalendarDay
        public var trainingCustomers: Int
        public var testCustomers: Int
        /// Share of test customers who bought in the label period.
        public var testBuyerShare: Double
        public var rows: [EvaluationRow]
    }

    /// Every baseline and every learned model of `kinds`, with and without text when the dataset has text,
    /// trained on a seeded `1 − testFraction` of the customers and measured on the rest.
    ///
    /// The probabilistic models were fitted on every customer's calibration period (they never see a label); the
    /// first-purchase-value baseline is the first purchase scaled by the training customers' mean label over
    /// their mean first purchase (scaling changes no ranking, only the errors).
    public func evaluate(
        _ dataset: LearnDataset, kinds: [LearnedModelKind] = LearnedModelKind.allCases, testFraction: Double = 0.3, seed: UInt64 = 0,
        progress: @Sendable (String) -> Void = { _ in }
    ) throws -> Evaluation {
        guard testFraction > 0, testFraction < 1 else { throw LearnError.invalidOption("The test fraction must be in (0, 1)") }
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<dataset.table.count)
        order.shuffle(using: &rng)
        let testCount = Int((Double(order.count) * testFraction).rounded())
        let test = order.prefix(testCount).sorted()
        let training = order.dropFirst(testCount).sorted()
        let labels = dataset.table.labels!
        let actual = test.map { labels[$0] }
        var rows: [EvaluationRow] = []

        let trainMeanLabel = training.reduce(0) { $0 + labels[$1] } / Double(max(training.count, 1))
        let trainMeanFirst = training.reduce(0) { $0 + dataset.firstPurchaseValue[$1] } / Double(max(training.count, 1))
        let ratio = trainMeanFirst > 0 ? trainMeanLabel / trainMeanFirst : 0
        rows.append(
            EvaluationRow(
                model: "first-purchase-value", features: [],
                metrics: LiftMetrics(predicted: test.map { ratio * dataset.firstPurchaseValue[$0] }, actual: actual),
                note: nil))
        for (name, model) in [("bgnbd", dataset.bgnbd), ("pnbd", dataset.pnbd)] {
            let m = model.model
            let summaries = test.map { dataset.customers.summaries[$0] }
            let purchases = summaries.map { m.expectedPurchases(within: dataset.horizon, given: $0) }
            let buys = summaries.map { 1 - m.probabilityOfPurchases(0, within: dataset.horizon, given: $0) }
            var predicted = purchases
            var label = name
            if let spend = dataset.spend, let monetary = dataset.customers.monetary {
                predicted = zip(test, purchases).map { i, x in
                    x * spend.expectedAverageSpend(frequency: dataset.customers.summaries[i].frequency, meanSpend: monetary[i])
                }
                label += "+gg"
            }
            rows.append(EvaluationRow(model: label, features: [], metrics: LiftMetrics(predicted: predicted, actual: actual, probability: buys), note: nil))
        }
        let all = Set(dataset.table.featureSet.groups)
        var variants: [Set<FeatureGroup>] = [all.subtracting([.text])]
        if all.contains(.text) { variants.append(all) }
        let trainingTable = try dataset.table.selecting(training)
        let testTable = try dataset.table.selecting(test)
        for kind in kinds {
            for groups in variants {
                let names = FeatureGroup.allCases.filter(groups.contains)
                progress("train \(kind.rawValue) on \(names.map(\.rawValue).joined(separator: "+"))")
                // A model that cannot be trained on this data is a finding of the comparison, not its end.
                let (fitted, note) = try Self.fitUnlessTooFew(kind, try trainingTable.keeping(groups), seed: seed)
                guard let model = fitted else {
                    rows.append(EvaluationRow(model: kind.rawValue, features: names, metrics: nil, note: note))
                    continue
                }
                let predicted = try model.predict(try testTable.keeping(groups))
                rows.append(
                    EvaluationRow(
                        model: kind.rawValue, features: names,
                        metrics: LiftMetrics(predicted: predicted.map(\.mean), actual: actual, probability: predicted.map(\.probability)), note: nil))
            }
        }
        return Evaluation(
            featureSet: dataset.table.featureSet.identifier, label: dataset.label, end: dataset.window.calibrationEnd, holdoutEnd: dataset.window.holdoutEnd!,
            trainingCustomers: training.count, testCustomers: test.count, testBuyerShare: Double(actual.filter { $0 > 0 }.count) / Double(max(actual.count, 1)),
            rows: rows)
    }

    /// The trained model, or nil and the reason when the table has too few rows or buyers for it.
    static func fitUnlessTooFew(_ kind: LearnedModelKind, _ table: LearningTable, seed: UInt64) throws(LearnError) -> (LearnedModel?, String?) {
        do {
            return (try LearnedModel.fit(kind, table, seed: seed), nil)
        } catch {
            if case .tooFewRows = error { return (nil, error.description) }
            throw error
        }
    }

    // MARK: - Predictions

    /// One customer's learned prediction for the period after the cutoff.
    public struct Prediction: Sendable, Codable {
        public var customer: CustomerID
        public var probabilityBuysAgain: Double
        public var expectedValue: Double
        /// The 90% interval of the zero-inflated lognormal.
        public var lower90: Double
        public var upper90: Double
    }

    /// The newest learned run applied at one day: every customer's prediction and, on request, why.
    ///
    /// Building it refits the probabilistic models and rebuilds every customer's features (seconds on a large
    /// store); asking it afterwards costs one row's arithmetic, so a server keeps one and asks it per request.
    public struct Scoring: Sendable {
        public let runID: Int64
        public let run: SavedRun
        /// The features' cutoff.
        public let asOf: CalendarDay
        /// The last day of the predicted period (as long after `asOf` as the run's label period was after its cutoff).
        public let through: CalendarDay
        public let predictions: [Prediction]
        let dataset: LearnDataset
        let table: LearningTable
        let rows: [CustomerID: Int]

        /// The customer's prediction; nil when they had no purchase by `asOf`.
        public func prediction(for customer: CustomerID) -> Prediction? { rows[customer].map { predictions[$0] } }

        /// Why the run and BG/NBD predict what they do for `customer`; nil when they had no purchase by `asOf`.
        public func explain(_ customer: CustomerID) throws -> CustomerExplanation? {
            guard let row = rows[customer] else { return nil }
            let explanation = try run.model.explain(table, row: row)
            let drivers = ProbabilisticDriver.drivers(
                for: dataset.customers.summaries[row], model: dataset.bgnbd, unit: run.unit, horizon: dataset.horizon, spend: dataset.spend,
                meanSpend: dataset.customers.monetary?[row])
            let interval = explanation.prediction.interval(level: 0.9)
            return CustomerExplanation(
                customer: customer, modelRunID: runID, model: run.model.kind, featureSet: run.featureSet, end: asOf,
                expectedValue: explanation.prediction.mean, probabilityBuysAgain: explanation.prediction.probability,
                interval90: [interval.lower, interval.upper], explanation: explanation, probabilisticDrivers: drivers)
        }
    }

    /// The newest learned run applied at `asOf` (default: the last day with an order), its features rebuilt there
    /// exactly as at training (the probabilistic models refitted through `asOf`).
    /// - Throws: ``LearnError/invalidOption(_:)`` when no learned model is saved, ``WorkflowError/noOrders``.
    public func scoring(asOf: CalendarDay?, text: TextModels?) async throws -> Scoring {
        try await scoring(try requireLatestRun(), asOf: asOf, text: text)
    }

    private func requireLatestRun() async throws -> (id: Int64, run: SavedRun) {
        guard let latest = try await latestRun() else {
            throw LearnError.invalidOption("No learned model is saved: run `clv learn fit --end DATE --holdout-end DATE` first")
        }
        return latest
    }

    private func scoring(_ latest: (id: Int64, run: SavedRun), asOf: CalendarDay?, text: TextModels?) async throws -> Scoring {
        let (id, run) = latest
        var day = asOf
        if day == nil { day = try await store.statistics().lastDay }
        guard let day else { throw WorkflowError.noOrders }
        let through = CalendarDay(daysSinceEpoch: day.daysSinceEpoch + run.end.days(to: run.holdoutEnd))
        let dataset = try await dataset(
            end: day, holdoutEnd: through, unit: run.unit, label: run.label, text: run.groups.contains(.text) ? text : nil,
            options: EstimatorOptions(penalizer: run.penalizer))
        let table = try dataset.table.keeping(Set(run.groups))
        let predictions = try run.model.predict(table).enumerated().map { i, d in
            let interval = d.interval(level: 0.9)
            return Prediction(
                customer: table.customers[i], probabilityBuysAgain: d.probability, expectedValue: d.mean, lower90: interval.lower, upper90: interval.upper)
        }
        let rows = Dictionary(table.customers.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return Scoring(runID: id, run: run, asOf: day, through: through, predictions: predictions, dataset: dataset, table: table, rows: rows)
    }

    /// Scores every customer who bought by `asOf` (default: the last day with an order) with the newest learned run.
    /// - Returns: the run's id and what it saved, the last day of the predicted period, and the predictions.
    public func predict(asOf: CalendarDay?, text: TextModels?) async throws -> (id: Int64, run: SavedRun, through: CalendarDay, predictions: [Prediction]) {
        let scoring = try await scoring(asOf: asOf, text: text)
        return (scoring.runID, scoring.run, scoring.through, scoring.predictions)
    }

    // MARK: - Explanations

    /// Why the saved model and the probabilistic models predict what they do for one customer.
    public struct CustomerExplanation: Sendable, Codable {
        public var customer: CustomerID
        public var modelRunID: Int64
        public var model: LearnedModelKind
        public var featureSet: String
        /// The features' cutoff.
        public var end: CalendarDay
        /// The learned prediction for the period after `end`, with its 90% interval.
        public var expectedValue: Double
        public var probabilityBuysAgain: Double
        public var interval90: [Double]
        public var explanation: LearnedExplanation
        /// Plain-language drivers of BG/NBD (+ Gamma-Gamma) for the same customer.
        public var probabilisticDrivers: [ProbabilisticDriver]
    }

    /// Explains `customer` under the newest learned run with features at `asOf` (default: the run's own cutoff,
    /// where the model was trained).
    /// - Returns: nil when the customer had no purchase by then.
    /// - Throws: ``LearnError/invalidOption(_:)`` when no learned model is saved.
    public func explain(_ customer: CustomerID, asOf: CalendarDay? = nil, text: TextModels?) async throws -> CustomerExplanation? {
        let latest = try await requireLatestRun()
        return try await scoring(latest, asOf: asOf ?? latest.run.end, text: text).explain(customer)
    }
}

extension LearnedModel {
    /// The best validation loss of training (for trees, of the classifier), saved in the run's log-likelihood column.
    func trainingLoss() -> Double? {
        switch self {
        case let .ziln(m): m.report.validationLoss.min()
        case let .trees(m): m.classifierReport.validationLoss.min()
        }
    }
}
