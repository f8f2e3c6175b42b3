import CLVCore
import CLVData
import CLVModels
import Foundation
import Synchronization

/// The fitted models the service scores with.
struct ActiveModels: Sendable {
    var purchase: AnyPurchaseModel
    var purchaseRun: ModelRunRecord
    var spend: GammaGamma?
    var spendRun: ModelRunRecord?
    /// Parameter draws for prediction intervals, made once per model.
    var draws: [AnyPurchaseModel]
    var unit: TimeUnit { purchaseRun.unit }
}

/// How predictions are made: horizon, CLV discounting, tiers.
struct ScoringPolicy: Sendable {
    var horizonWeeks: Double
    var clvMonths: Int
    var monthlyDiscountRate: Double
    var snapshotMaxAge: TimeInterval
    var tiers = ValueTiers.standard
    var sampling = ParameterSampling(draws: 100, level: 0.9)

    func horizon(in unit: TimeUnit) -> Double { horizonWeeks * 7 / unit.days }
    func cashFlow(in unit: TimeUnit) -> DiscountedCashFlow {
        DiscountedCashFlow(months: clvMonths, monthlyDiscountRate: monthlyDiscountRate, timeUnit: unit)
    }
}

/// One customer's predictions and segment memberships.
struct ScoredCustomer: Sendable {
    var row: CustomerSummaryRow
    var score: CustomerScore
    var tier: String
    var rfm: RFMScore
    var segment: RFMSegment
    var churnBand: ChurnRisk
    var interval: (purchases: (lower: Double, upper: Double), clv: (lower: Double, upper: Double)?)?
}

/// Every customer scored at one moment: the basis of segments, tiers, audiences and RFM ranks.
struct Population: Sendable {
    let models: ActiveModels
    let asOf: CalendarDay
    let builtAt: Date
    let customers: [ScoredCustomer]
    let index: [CustomerID: Int]
    /// Lowest CLV (or expected purchases, without a spend model) of each tier, best tier first.
    let tierFloors: [(name: String, floor: Double)]
    /// Sorted values behind the RFM quintiles, to rank a customer re-scored after this snapshot.
    let sortedRecency: [Double], sortedFrequency: [Double], sortedMonetary: [Double]

    /// The tier of a value under this population's thresholds.
    func tier(of value: Double) -> String {
        for t in tierFloors.dropLast() where value >= t.floor { return t.name }
        return tierFloors.last?.name ?? ""
    }

    /// The quintile a new value would get among this population (mid-rank, as ``RFM/quintiles(_:)``).
    static func quintile(of value: Double, in sorted: [Double]) -> Int {
        let n = sorted.count
        guard n > 0 else { return 3 }
        let below = sorted.partitioningIndex { $0 >= value }
        let atOrBelow = sorted.partitioningIndex { $0 > value }
        let midRank = Double(below + atOrBelow) / 2 + 0.5
        return min(5, max(1, Int((5 * midRank / Double(n + 1)).rounded(.down)) + 1))
    }
}

extension Array where Element == Double {
    /// The first index whose element satisfies `predicate`, for a predicate false then true along the array.
    func partitioningIndex(where predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// Scores customers with the current models, in real time for one customer and by snapshot for the population.
///
/// Reads never wait on a rebuild: the current models and population are swapped atomically under a lock, and a
/// rebuild runs at most once at a time.
final class ScoreBook: Sendable {
    private struct State {
        var models: ActiveModels?
        var population: Population?
        var asOf: CalendarDay?
        var stale = true
        var lastProblem: String?
    }

    let store: any ServiceStore
    let policy: ScoringPolicy
    let modelKind: ModelKind
    private let state = Mutex(State())
    private let rebuilding = Mutex(false)

    init(store: any ServiceStore, policy: ScoringPolicy, model: ModelKind) {
        self.store = store
        self.policy = policy
        self.modelKind = model
    }

    var models: ActiveModels? { state.withLock { $0.models } }
    var asOf: CalendarDay? { state.withLock { $0.asOf } }
    var problem: String? { state.withLock { $0.lastProblem } }

    /// Loads the latest saved runs, fitting (and saving) them when there are none.
    func start() async throws {
        guard let last = try await store.statistics().lastDay else {
            state.withLock { $0.lastProblem = "no orders yet: ingest with `clv ingest orders` or POST /v1/events" }
            return
        }
        state.withLock { $0.asOf = max($0.asOf ?? last, last) }
        try await loadModels(fitIfMissing: true)
    }

    /// Reloads the newest runs (after a fit) and rebuilds the population.
    func loadModels(fitIfMissing: Bool) async throws {
        guard let asOf else { return }
        var purchaseRun = try await store.latestModelRun(model: modelKind.rawValue)
        var spendRun = try await store.latestModelRun(model: ModelKind.gg.rawValue)
        if purchaseRun == nil || (spendRun == nil && fitIfMissing) {
            guard fitIfMissing else { return }
            let unit = purchaseRun?.unit ?? .week
            let fits = try await ModelFitter(store: store).fit(kinds: purchaseRun == nil ? [modelKind, .gg] : [.gg], end: asOf, unit: unit, penalizer: 0)
            purchaseRun = purchaseRun ?? fits.first { $0.model == modelKind.rawValue }
            spendRun = fits.first { $0.model == ModelKind.gg.rawValue }
        }
        guard let purchaseRun else { return }
        let purchase = try JSONDecoder().decode(AnyPurchaseModel.self, from: Data(purchaseRun.fitJSON.utf8))
        var spend: GammaGamma?
        if let spendRun, spendRun.unit == purchaseRun.unit {
            spend = try? JSONDecoder().decode(GammaGamma.self, from: Data(spendRun.fitJSON.utf8))
        }
        var rng = SplitMix64(seed: UInt64(bitPattern: purchaseRun.id))
        let draws = purchase.sampleModels(policy.sampling, using: &rng)
        let models = ActiveModels(purchase: purchase, purchaseRun: purchaseRun, spend: spend, spendRun: spend == nil ? nil : spendRun, draws: draws)
        state.withLock {
            $0.models = models
            $0.stale = true
            $0.lastProblem = nil
        }
        _ = try await population(maxAge: 0)
    }

    /// Marks the population out of date (new events, erasure); `day` moves "now" forward when later.
    func invalidate(seenDay day: CalendarDay? = nil) {
        state.withLock {
            $0.stale = true
            if let day { $0.asOf = max($0.asOf ?? day, day) }
        }
    }

    /// The population, rebuilt when stale and older than `maxAge` seconds (0: whenever stale).
    func population(maxAge: TimeInterval) async throws -> Population? {
        let (current, stale) = state.withLock { ($0.population, $0.stale) }
        if let current, !stale || Date().timeIntervalSince(current.builtAt) < maxAge { return current }
        guard rebuilding.withLock({ busy in defer { busy = true }; return !busy }) else { return current }
        defer { rebuilding.withLock { $0 = false } }
        guard let models, let asOf else { return current }
        state.withLock { $0.stale = false }
        let rows = CustomerSummarizer.summarise(
            try await store.purchaseDays(through: asOf), window: .init(calibrationEnd: asOf, unit: models.unit)
        )
        let built = Self.build(rows: rows, models: models, asOf: asOf, policy: policy)
        state.withLock { $0.population = built }
        return built
    }

    static func build(rows: [CustomerSummaryRow], models: ActiveModels, asOf: CalendarDay, policy: ScoringPolicy) -> Population {
        let summaries = rows.compactMap { try? $0.summary() }
        let spend = models.spend.map { (model: $0, meanSpend: rows.map(\.monetaryValue)) }
        let scores = models.purchase.score(
            summaries, horizon: policy.horizon(in: models.unit), spend: spend, cashFlow: policy.cashFlow(in: models.unit)
        )
        let values = scores.map { $0.clv ?? $0.expectedPurchases }
        let tiers = policy.tiers.assign(values)
        let recency = rows.map { $0.age - $0.recency }
        let frequency = rows.map { Double($0.frequency) }
        let monetary = rows.map(\.monetaryValue)
        let rfm = RFM.scores(timeSinceLastPurchase: recency, frequency: frequency, monetary: monetary)
        var floors: [(String, Double)] = []
        for tier in policy.tiers.tiers {
            let members = values.indices.filter { tiers[$0] == tier.name }.map { values[$0] }
            floors.append((tier.name, members.min() ?? .infinity))
        }
        let customers = rows.indices.map { i in
            ScoredCustomer(
                row: rows[i], score: scores[i], tier: tiers[i], rfm: rfm[i],
                segment: RFMSegment(recency: rfm[i].recency, frequencyMonetary: rfm[i].frequencyMonetary),
                churnBand: ChurnRisk.band(probabilityAlive: scores[i].probabilityAlive), interval: nil
            )
        }
        return Population(
            models: models, asOf: asOf, builtAt: Date(), customers: customers,
            index: Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1.customer, $0) }),
            tierFloors: floors, sortedRecency: recency.map { -$0 }.sorted(), sortedFrequency: frequency.sorted(),
            sortedMonetary: monetary.sorted()
        )
    }

    /// One customer scored now from their stored purchase days, with a prediction interval when `level` is given.
    func score(_ id: CustomerID, days: [CustomerDay], level: Double?) async throws -> ScoredCustomer? {
        guard let models, let asOf = self.asOf else { return nil }
        let purchases = days.filter { $0.purchaseLines > 0 }
        guard let row = CustomerSummarizer.summarise(purchases, window: .init(calibrationEnd: asOf, unit: models.unit)).first else { return nil }
        let summary = try row.summary()
        let horizon = policy.horizon(in: models.unit), cashFlow = policy.cashFlow(in: models.unit)
        let spend = models.spend.map { (model: $0, meanSpend: [row.monetaryValue]) }
        guard let score = models.purchase.score([summary], horizon: horizon, spend: spend, cashFlow: cashFlow).first else { return nil }
        let population = try await population(maxAge: policy.snapshotMaxAge)
        let value = score.clv ?? score.expectedPurchases
        let r = population.map { Population.quintile(of: -(row.age - row.recency), in: $0.sortedRecency) } ?? 3
        let f = population.map { Population.quintile(of: Double(row.frequency), in: $0.sortedFrequency) } ?? 3
        let m = population.map { Population.quintile(of: row.monetaryValue, in: $0.sortedMonetary) } ?? 3
        let fm = Int((Double(f + m) / 2).rounded(.toNearestOrAwayFromZero))
        var scored = ScoredCustomer(
            row: row, score: score, tier: population?.tier(of: value) ?? "", rfm: RFMScore(recency: r, frequency: f, monetary: m, frequencyMonetary: fm),
            segment: RFMSegment(recency: r, frequencyMonetary: fm), churnBand: ChurnRisk.band(probabilityAlive: score.probabilityAlive), interval: nil
        )
        if let level, !models.draws.isEmpty {
            let sampling = ParameterSampling(draws: models.draws.count, level: level)
            let drawn = models.draws.map { $0.score([summary], horizon: horizon, spend: spend, cashFlow: cashFlow)[0] }
            // Bounds are NaN when too many draws were unusable: then there is no interval rather than a NaN one.
            let purchasesBounds = sampling.bounds(of: drawn.map(\.expectedPurchases))
            let clvBounds = spend == nil ? nil : sampling.bounds(of: drawn.map { $0.clv ?? 0 })
            if purchasesBounds.lower.isFinite, purchasesBounds.upper.isFinite {
                scored.interval = (purchasesBounds, clvBounds.flatMap { $0.lower.isFinite && $0.upper.isFinite ? $0 : nil })
            }
        }
        return scored
    }
}
