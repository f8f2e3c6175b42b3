import CLVCore
import CLVData
import CLVModels

/// A check of the models on the store's own data: the candidate models fitted on the first half of the history and
/// compared on the second, the tracking plot of the model in use, and its expectation and P(alive) over a grid.
///
/// Computed by a background job when the scoring models load (``Workflow/analysis(of:population:)``); pages read it.
public struct ModelAnalysis: Sendable {
    public struct Candidate: Sendable {
        public var kind: ModelKind
        public var model: AnyPurchaseModel
        public var holdout: HoldoutComparison
    }

    public struct Heatmaps: Sendable {
        public var age: Double
        public var horizon: Double
        public var frequencies: [Int]
        public var recencies: [Double]
        public var expected: [[Double?]]
        public var alive: [[Double?]]
    }

    public var firstDay: CalendarDay
    public var calibrationEnd: CalendarDay
    public var holdoutEnd: CalendarDay
    public var unit: TimeUnit
    public var customers: Int
    /// In the order of ``kinds``; a model that fails to fit is left out.
    public var candidates: [Candidate]
    /// The kind the service scores with (its holdout and tracking are charted).
    public var active: ModelKind
    /// Week index (from the first day), cumulative actual and expected repeat purchases.
    public var tracking: [(week: Double, actual: Double, expected: Double)]
    public var heatmap: Heatmaps

    /// The models compared, besides the one in use.
    public static let kinds: [ModelKind] = [.bgnbd, .pnbd, .mbgnbd]
}

extension Workflow {
    /// The model analysis of a population scored with `models`; nil when the store has no history to split.
    public func analysis(of models: ActiveModels, population: Population, horizon: Double) async throws -> ModelAnalysis? {
        let end = population.asOf, unit = models.unit
        // The first purchase day is the oldest customer's, read off the population's T (whole days in the unit),
        // without asking the store again (a guest line or a return may come earlier than any purchase).
        guard let oldest = population.customers.map(\.row.age).max() else { return nil }
        let first = end.adding(days: -Int((oldest * unit.days).rounded()))
        guard first < end else { return nil }
        let calibrationEnd = first.adding(days: first.days(to: end) / 2)
        let table = try CustomerTable(rows: try await summaries(SummaryWindow(calibrationEnd: calibrationEnd, holdoutEnd: end, unit: unit)))
        let active = models.purchase.kind
        var candidates: [ModelAnalysis.Candidate] = []
        for kind in ModelAnalysis.kinds + (ModelAnalysis.kinds.contains(active) ? [] : [active]) {
            guard let (model, holdout) = try? Self.evaluate(kind, table, unit: unit) else { continue }
            candidates.append(.init(kind: kind, model: model, holdout: holdout))
        }
        let trackingModel = candidates.first { $0.kind == active }?.model ?? models.purchase
        let timeline = try await store.purchaseTimeline(through: end, cohortEnd: calibrationEnd)
        return ModelAnalysis(
            firstDay: first, calibrationEnd: calibrationEnd, holdoutEnd: end, unit: unit, customers: table.count,
            candidates: candidates, active: active,
            tracking: Self.tracking(timeline, first: first, end: end, model: trackingModel, unit: unit),
            heatmap: Self.heatmaps(population: population, model: models.purchase, horizon: horizon)
        )
    }

    /// Cumulative repeat purchases by week since `first`: actual against Σ E[X(t − first purchase)] over the cohort
    /// (Fader, Hardie & Lee 2005, Figure 2), through ``expectedCumulativeRepeatTransactions(model:firstPurchaseTimes:at:)``.
    static func tracking(
        _ timeline: [PurchaseTimelineDay], first: CalendarDay, end: CalendarDay, model: AnyPurchaseModel, unit: TimeUnit
    ) -> [(week: Double, actual: Double, expected: Double)] {
        let weeks = max(1, first.days(to: end) / 7 + 1)
        // Times in the model's unit from `first`; a week's tally counts purchases up to the end of that week.
        let times = (1...weeks).map { Double($0 * 7) / unit.days }
        var births: [Double] = [], repeats: [Double] = []
        for day in timeline {
            let t = Double(first.days(to: day.day)) / unit.days
            births += repeatElement(t, count: day.firstPurchases)
            repeats += repeatElement(t, count: day.repeatPurchases)
        }
        // A purchase on day d of week w (d in [7(w-1), 7w)) is counted by week w: shift by a fraction of a day so
        // that the purchase falls strictly before its week's end.
        let actual = actualCumulativeRepeatTransactions(repeatPurchaseTimes: repeats.map { $0 + 0.5 / unit.days }, at: times)
        let expected = expectedCumulativeRepeatTransactions(model: model.model, firstPurchaseTimes: births, at: times)
        return (0..<weeks).map { (Double($0 + 1), actual[$0], expected[$0]) }
    }

    /// Expected purchases in the horizon and P(alive) over a frequency × recency grid at the population's longest age.
    static func heatmaps(population: Population, model: AnyPurchaseModel, horizon: Double) -> ModelAnalysis.Heatmaps {
        let m = model.model
        let age = population.customers.map(\.row.age).max() ?? 1
        let sorted = population.sortedFrequency
        let p99 = sorted.isEmpty ? 10 : Int(sorted[Int(Double(sorted.count - 1) * 0.99)])
        let maxFrequency = min(max(p99, 5), 24)
        let columns = 12
        let recencies = (0..<columns).map { age * (Double($0) + 0.5) / Double(columns) }
        var expected: [[Double?]] = [], alive: [[Double?]] = []
        for x in 0...maxFrequency {
            var e: [Double?] = [], a: [Double?] = []
            for r in recencies {
                guard let s = try? CustomerSummary(frequency: x, recency: x == 0 ? 0 : r, age: age) else {
                    e.append(nil)
                    a.append(nil)
                    continue
                }
                e.append(m.expectedPurchases(within: horizon, given: s))
                a.append(m.probabilityAlive(given: s))
            }
            expected.append(e)
            alive.append(a)
        }
        return .init(age: age, horizon: horizon, frequencies: Array(0...maxFrequency), recencies: recencies, expected: expected, alive: alive)
    }
}
