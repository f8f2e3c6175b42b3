import CLVCore
import CLVData
import CLVModels
import Foundation
import Synchronization

/// What the overview shows about a population, computed once per population snapshot.
struct PopulationInsights: Sendable {
    var customers: Int
    /// P(alive) ≥ 0.5.
    var activeCustomers: Int
    var predictedPurchases: Double
    var predictedValue: Double
    /// (share of customers, share of predicted value), customers sorted by value, best first; 101 points.
    var lorenz: [(x: Double, y: Double)]
    var top20Share: Double
    var histogram: [(label: String, count: Int)]
    var churnCounts: [ChurnRisk: Int]
    /// Indices into the population's customers.
    var mostValuable: [Int]
    var slippingAway: [Int]

    init(_ population: Population) {
        let c = population.customers
        customers = c.count
        activeCustomers = c.filter { $0.score.probabilityAlive >= 0.5 }.count
        predictedPurchases = c.reduce(0) { $0 + $1.score.expectedPurchases }
        predictedValue = c.reduce(0) { $0 + ($1.score.clv ?? 0) }
        let values = c.map { $0.score.clv ?? $0.score.expectedPurchases }
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && c[$0].row.customer < c[$1].row.customer) }
        let total = max(values.reduce(0, +), 1e-12)
        var cumulative = [0.0]
        for i in order { cumulative.append(cumulative.last! + values[i]) }
        lorenz = (0...100).map { p in
            let k = Int((Double(p) / 100 * Double(order.count)).rounded())
            return (Double(p) / 100, cumulative[k] / total)
        }
        top20Share = cumulative[Int((0.2 * Double(order.count)).rounded())] / total
        churnCounts = Dictionary(grouping: c, by: \.churnBand).mapValues(\.count)
        mostValuable = Array(order.prefix(10))
        // Slipping away: customers who were worth a lot (past repeat spend) but are probably gone: P(alive) < 0.5.
        let past = c.map { Double($0.row.frequency) * $0.row.monetaryValue }
        slippingAway = Array(c.indices.filter { c[$0].score.probabilityAlive < 0.5 && c[$0].row.frequency > 0 }
            .sorted { past[$0] > past[$1] || (past[$0] == past[$1] && c[$0].row.customer < c[$1].row.customer) }.prefix(10))
        histogram = Self.histogram(values)
    }

    /// Counts in about 12 bins of equal width up to the 98th percentile, the last open-ended.
    static func histogram(_ values: [Double]) -> [(label: String, count: Int)] {
        let sorted = values.sorted()
        guard let last = sorted.last, last > 0 else { return [] }
        let p98 = sorted[Int(Double(sorted.count - 1) * 0.98)]
        let step = Chart.ticks(0...max(p98, 1e-9), count: 12).dropFirst().first ?? max(p98 / 12, 1e-9)
        let bins = max(1, Int((p98 / step).rounded(.up)))
        var counts = [Int](repeating: 0, count: bins + 1)
        for v in values { counts[min(bins, Int(max(v, 0) / step))] += 1 }
        return counts.indices.map { i in
            let label = i == bins ? "\(Format.number(Double(i) * step, decimals: 0))+" : Format.number(Double(i) * step, decimals: 0)
            return (label, counts[i])
        }
    }
}

/// The model page's analysis: the three models refitted on the first half of the data and checked on the second.
struct ModelAnalysis: Sendable {
    struct Candidate: Sendable {
        var kind: ModelKind
        var model: AnyPurchaseModel
        var holdout: HoldoutComparison
    }

    var firstDay: CalendarDay
    var calibrationEnd: CalendarDay
    var holdoutEnd: CalendarDay
    var unit: TimeUnit
    var customers: Int
    var candidates: [Candidate]
    /// The kind the service scores with (its holdout and tracking are charted).
    var active: ModelKind
    /// Week index (from the first day), cumulative actual and expected repeat purchases.
    var tracking: [(week: Double, actual: Double, expected: Double)]
    var heatmap: Heatmaps

    struct Heatmaps: Sendable {
        var age: Double
        var horizon: Double
        var frequencies: [Int]
        var recencies: [Double]
        var expected: [[Double?]]
        var alive: [[Double?]]
    }

    static let kinds: [ModelKind] = [.bgnbd, .pnbd, .mbgnbd]

    /// - Throws: storage errors; a model that fails to fit is left out of the comparison.
    static func compute(days: [CustomerDay], population: Population, horizon: Double) -> ModelAnalysis? {
        guard let first = days.map(\.day).min() else { return nil }
        let end = population.asOf, unit = population.models.unit
        let calibrationEnd = first.adding(days: first.days(to: end) / 2)
        let rows = CustomerSummarizer.summarise(days, window: .init(calibrationEnd: calibrationEnd, holdoutEnd: end, unit: unit))
        var summaries: [CustomerSummary] = [], holdoutCounts: [Int] = [], holdoutLengths: [Double] = []
        for row in rows {
            guard let s = try? row.summary() else { continue }
            summaries.append(s)
            holdoutCounts.append(row.holdout?.frequency ?? 0)
            holdoutLengths.append(row.holdout?.duration ?? 0)
        }
        let active = population.models.purchase.kind
        var candidates: [Candidate] = []
        for kind in Set(kinds + [active]).sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let model = try? AnyPurchaseModel.fit(kind, customers: summaries) else { continue }
            candidates.append(Candidate(
                kind: kind, model: model,
                holdout: model.holdoutComparison(calibration: summaries, holdoutPurchases: holdoutCounts, holdoutLength: holdoutLengths)
            ))
        }
        candidates.sort { (kinds.firstIndex(of: $0.kind) ?? 9) < (kinds.firstIndex(of: $1.kind) ?? 9) }
        let trackingModel = candidates.first { $0.kind == active }?.model ?? population.models.purchase
        return ModelAnalysis(
            firstDay: first, calibrationEnd: calibrationEnd, holdoutEnd: end, unit: unit, customers: summaries.count, candidates: candidates, active: active,
            tracking: tracking(days: days, first: first, end: end, calibrationEnd: calibrationEnd, model: trackingModel, unit: unit),
            heatmap: heatmaps(population: population, horizon: horizon)
        )
    }

    /// Cumulative repeat purchases by week: actual (every purchase day after a customer's first) against the sum of
    /// E[X(t − first purchase)] (the model's unconditional expectation) over customers who joined in calibration.
    static func tracking(days: [CustomerDay], first: CalendarDay, end: CalendarDay, calibrationEnd: CalendarDay,
                         model: AnyPurchaseModel, unit: TimeUnit) -> [(week: Double, actual: Double, expected: Double)] {
        let weeks = max(1, first.days(to: end) / 7 + 1)
        var repeatsPerWeek = [Double](repeating: 0, count: weeks + 1)
        var cohortSizes: [Int: Int] = [:]
        var previous: CustomerID?, joined = false
        for d in days {
            if d.customer != previous {
                previous = d.customer
                joined = d.day <= calibrationEnd
                if joined { cohortSizes[first.days(to: d.day), default: 0] += 1 }
                continue
            }
            if joined { repeatsPerWeek[min(weeks, first.days(to: d.day) / 7 + 1)] += 1 }
        }
        let m = model.model
        var out: [(Double, Double, Double)] = []
        var actual = 0.0
        for w in 1...weeks {
            actual += repeatsPerWeek[w]
            let t = Double(w * 7)
            var expected = 0.0
            for (offset, count) in cohortSizes where Double(offset) < t {
                expected += Double(count) * m.expectedPurchases(within: (t - Double(offset)) / unit.days)
            }
            out.append((Double(w), actual, expected))
        }
        return out
    }

    /// Expected purchases in the horizon and P(alive) over a frequency × recency grid at the population's longest age.
    static func heatmaps(population: Population, horizon: Double) -> Heatmaps {
        let model = population.models.purchase.model
        let age = population.customers.map(\.row.age).max() ?? 1
        let sortedFrequency = population.sortedFrequency
        let p99 = sortedFrequency.isEmpty ? 10 : Int(sortedFrequency[Int(Double(sortedFrequency.count - 1) * 0.99)])
        let maxFrequency = min(max(p99, 5), 24)
        let columns = 12
        let recencies = (0..<columns).map { age * (Double($0) + 0.5) / Double(columns) }
        var expected: [[Double?]] = [], alive: [[Double?]] = []
        for x in 0...maxFrequency {
            var e: [Double?] = [], a: [Double?] = []
            for r in recencies {
                guard let s = try? CustomerSummary(frequency: x, recency: x == 0 ? 0 : r, age: age) else { e.append(nil); a.append(nil); continue }
                e.append(model.expectedPurchases(within: horizon, given: s))
                a.append(model.probabilityAlive(given: s))
            }
            expected.append(e)
            alive.append(a)
        }
        return Heatmaps(age: age, horizon: horizon, frequencies: Array(0...maxFrequency), recencies: recencies, expected: expected, alive: alive)
    }
}

/// Heavy dashboard computations, cached per population snapshot (model run, "as of" day and build time).
final class DashboardCache: Sendable {
    private struct Entry<Value: Sendable>: Sendable {
        var key: String
        var value: Value
    }

    private let insights = Mutex<Entry<PopulationInsights>?>(nil)
    private let analysis = Mutex<Entry<ModelAnalysis>?>(nil)

    static func key(_ p: Population) -> String { "\(p.models.purchaseRun.id)|\(p.asOf)|\(p.builtAt.timeIntervalSince1970)" }

    func insights(_ population: Population) -> PopulationInsights {
        let key = Self.key(population)
        if let hit = insights.withLock({ $0 }), hit.key == key { return hit.value }
        let value = PopulationInsights(population)
        insights.withLock { $0 = Entry(key: key, value: value) }
        return value
    }

    /// The model analysis; refitting is costly, so it is kept while the model run and "as of" day are unchanged.
    func analysis(_ population: Population, store: any ServiceStore, horizon: Double) async throws -> ModelAnalysis? {
        let key = "\(population.models.purchaseRun.id)|\(population.asOf)"
        if let hit = analysis.withLock({ $0 }), hit.key == key { return hit.value }
        let days = try await store.purchaseDays(through: population.asOf)
        guard let value = ModelAnalysis.compute(days: days, population: population, horizon: horizon) else { return nil }
        analysis.withLock { $0 = Entry(key: key, value: value) }
        return value
    }
}
