import CLVCore
import CLVData
import CLVModels
import Foundation

/// The fitted models a population is scored with: a purchase model, optionally a spend model, and parameter draws
/// for prediction intervals.
public struct ActiveModels: Sendable {
    public var purchase: AnyPurchaseModel
    public var purchaseRun: ModelRunRecord
    public var spend: GammaGamma?
    public var spendRun: ModelRunRecord?
    /// Parameter draws for prediction intervals, made once per model (seeded by the run id, so reproducible).
    public var draws: [AnyPurchaseModel]
    public var unit: TimeUnit { purchaseRun.unit }

    public init(purchase: SavedModel, spend: SavedModel?, sampling: ParameterSampling) {
        self.purchase = purchase.fitted.purchase!
        purchaseRun = purchase.record
        self.spend = spend?.fitted.spend
        spendRun = self.spend == nil ? nil : spend?.record
        var rng = SplitMix64(seed: UInt64(bitPattern: purchase.record.id))
        draws = self.purchase.sampleModels(sampling, using: &rng)
    }
}

/// How predictions are made: the horizon, how CLV is discounted, the tiers and the interval draws.
public struct ScoringPolicy: Sendable {
    /// Prediction horizon of expected purchases, in the models' time unit.
    public var horizon: Double
    public var cashFlow: DiscountedCashFlow
    public var tiers: ValueTiers
    public var sampling: ParameterSampling

    public init(
        horizon: Double, cashFlow: DiscountedCashFlow, tiers: ValueTiers = .standard, sampling: ParameterSampling = ParameterSampling(draws: 100, level: 0.9)
    ) {
        self.horizon = horizon
        self.cashFlow = cashFlow
        self.tiers = tiers
        self.sampling = sampling
    }

    /// The service's policy for models fitted in `unit`: a horizon in weeks and a CLV over whole months.
    public static func service(horizonWeeks: Double, clvMonths: Int, monthlyDiscountRate: Double, unit: TimeUnit) -> ScoringPolicy {
        ScoringPolicy(
            horizon: horizonWeeks * 7 / unit.days,
            cashFlow: DiscountedCashFlow(months: clvMonths, monthlyDiscountRate: monthlyDiscountRate, timeUnit: unit)
        )
    }
}

/// One customer's predictions and segment memberships.
public struct ScoredCustomer: Sendable {
    public var row: CustomerSummaryRow
    public var score: CustomerScore
    public var tier: String
    public var rfm: RFMScore
    public var segment: RFMSegment
    public var churnBand: ChurnRisk
    public var interval: PredictionInterval?

    /// Predicted CLV, or expected purchases without a spend model: what tiers and rankings order by.
    public var value: Double { score.clv ?? score.expectedPurchases }
}

/// Every customer scored at one moment: the basis of segments, tiers, audiences and RFM ranks.
public struct Population: Sendable {
    public let asOf: CalendarDay
    /// The time unit of the summaries and models.
    public let unit: TimeUnit
    public let builtAt: Date
    public let customers: [ScoredCustomer]
    public let index: [CustomerID: Int]
    /// Whether CLV is in money (a spend model was used) or in expected purchases.
    public let hasSpend: Bool
    /// The tier names, best first.
    public let tierNames: [String]
    /// Lowest value of each tier, best tier first.
    public let tierFloors: [(name: String, floor: Double)]
    /// Sorted values behind the RFM quintiles, to rank a customer re-scored after this snapshot.
    public let sortedRecency: [Double], sortedFrequency: [Double], sortedMonetary: [Double]

    /// Scores every customer of `table` with `purchase` (and `spend` when the table has monetary values).
    public init(
        table: CustomerTable, purchase: AnyPurchaseModel, spend: GammaGamma?, policy: ScoringPolicy, asOf: CalendarDay, unit: TimeUnit, builtAt: Date = Date()
    ) {
        let scores = Workflow.predict(table, purchase: purchase, spend: spend, policy: policy).scores
        let values = scores.map { $0.clv ?? $0.expectedPurchases }
        let tiers = policy.tiers.assign(values)
        let rows = table.rows
        let recency = rows.map { $0.age - $0.recency }
        let frequency = rows.map { Double($0.frequency) }
        let rfm = RFM.scores(timeSinceLastPurchase: recency, frequency: frequency, monetary: table.monetary)
        tierFloors = policy.tiers.tiers.map { tier in
            (tier.name, values.indices.filter { tiers[$0] == tier.name }.map { values[$0] }.min() ?? .infinity)
        }
        customers = rows.indices.map { i in
            ScoredCustomer(
                row: rows[i], score: scores[i], tier: tiers[i], rfm: rfm[i],
                segment: RFMSegment(recency: rfm[i].recency, frequencyMonetary: rfm[i].frequencyMonetary),
                churnBand: ChurnRisk.band(probabilityAlive: scores[i].probabilityAlive), interval: nil
            )
        }
        index = Dictionary(rows.enumerated().map { ($1.customer, $0) }, uniquingKeysWith: { first, _ in first })
        self.asOf = asOf
        self.unit = unit
        self.builtAt = builtAt
        hasSpend = spend != nil && table.monetary != nil
        tierNames = policy.tiers.tiers.map(\.name)
        sortedRecency = recency.map { -$0 }.sorted()
        sortedFrequency = frequency.sorted()
        sortedMonetary = (table.monetary ?? []).sorted()
    }

    /// The tier of a value under this population's thresholds.
    public func tier(of value: Double) -> String {
        for t in tierFloors.dropLast() where value >= t.floor { return t.name }
        return tierFloors.last?.name ?? ""
    }

    /// Segment sizes, shares of customers and of value, and mean P(alive), by RFM segment or by CLV tier: the one
    /// segment summary of the CLI, the API and the dashboard.
    public func segmentSummaries(by method: SegmentationMethod) -> [SegmentSummary] {
        let labels = customers.map { method == .rfm ? $0.segment.rawValue : $0.tier }
        let order = method == .rfm ? RFMSegment.allCases.map(\.rawValue) : tierNames
        return SegmentSummary.summarise(labels: labels, clv: customers.map(\.value), probabilityAlive: customers.map(\.score.probabilityAlive), order: order)
    }

    /// The quintile a new value would get among this population (mid-rank, as ``RFM/quintiles(_:)``).
    static func quintile(of value: Double, in sorted: [Double]) -> Int {
        let n = sorted.count
        guard n > 0 else { return 3 }
        let below = partitioningIndex(sorted) { $0 >= value }
        let atOrBelow = partitioningIndex(sorted) { $0 > value }
        let midRank = Double(below + atOrBelow) / 2 + 0.5
        return min(5, max(1, Int((5 * midRank / Double(n + 1)).rounded(.down)) + 1))
    }
}

/// The first index whose element satisfies `predicate`, for a predicate false then true along `sorted`.
private func partitioningIndex(_ sorted: [Double], where predicate: (Double) -> Bool) -> Int {
    var lo = 0, hi = sorted.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if predicate(sorted[mid]) { hi = mid } else { lo = mid + 1 }
    }
    return lo
}

/// How customers are grouped into segments.
public enum SegmentationMethod: String, Sendable, CaseIterable, Codable {
    /// Named RFM segments (recency × frequency/monetary quintiles).
    case rfm
    /// CLV tiers by rank.
    case tier
}
