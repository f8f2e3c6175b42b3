import CLVCore
import CLVData
import CLVModels

/// One customer scored the moment their history changes (an order event, a page view), with the same models and
/// policy as the population, and ranked against the latest population snapshot.
public enum RealTimeScoring {
    /// - Parameters:
    ///   - days: the customer's stored days (return-only days are skipped).
    ///   - population: the snapshot to rank against (tier thresholds, RFM quintiles); without one, the middle ranks.
    ///   - intervalLevel: the coverage of a prediction interval from the models' parameter draws, or nil for none.
    /// - Returns: nil when the customer has no purchase on or before `asOf`.
    public static func score(
        days: [CustomerDay], models: ActiveModels, asOf: CalendarDay, policy: ScoringPolicy, against population: Population?,
        intervalLevel: Double?
    ) throws -> ScoredCustomer? {
        let purchases = days.filter { $0.purchaseLines > 0 }
        guard let row = CustomerSummarizer.summarise(purchases, window: SummaryWindow(calibrationEnd: asOf, unit: models.unit)).first else { return nil }
        let summary = try row.summary()
        let spend = models.spend.map { (model: $0, meanSpend: [row.monetaryValue]) }
        guard let score = models.purchase.score([summary], horizon: policy.horizon, spend: spend, cashFlow: policy.cashFlow).first else { return nil }
        let value = score.clv ?? score.expectedPurchases
        let r = population.map { Population.quintile(of: -(row.age - row.recency), in: $0.sortedRecency) } ?? 3
        let f = population.map { Population.quintile(of: Double(row.frequency), in: $0.sortedFrequency) } ?? 3
        let m = population.map { Population.quintile(of: row.monetaryValue, in: $0.sortedMonetary) } ?? 3
        let fm = Int((Double(f + m) / 2).rounded(.toNearestOrAwayFromZero))
        var scored = ScoredCustomer(
            row: row, score: score, tier: population?.tier(of: value) ?? "", rfm: RFMScore(recency: r, frequency: f, monetary: m, frequencyMonetary: fm),
            segment: RFMSegment(recency: r, frequencyMonetary: fm), churnBand: ChurnRisk.band(probabilityAlive: score.probabilityAlive), interval: nil
        )
        if let intervalLevel {
            scored.interval = PredictionInterval.of([summary], draws: models.draws, spend: spend, policy: policy, level: intervalLevel)[0]
        }
        return scored
    }
}

/// A central prediction interval of expected purchases and CLV from parameter draws (the fit's parameter
/// uncertainty, not the count's Poisson noise).
public struct PredictionInterval: Sendable {
    public var purchases: (lower: Double, upper: Double)
    /// With a spend model.
    public var clv: (lower: Double, upper: Double)?

    /// Each customer's interval at `level` under `draws` (from ``ParameterSampling/sampleModels(_:using:)``); nil
    /// for a customer whose draws were too often unusable, and for everyone when there are no draws.
    public static func of(
        _ customers: [CustomerSummary], draws: [AnyPurchaseModel], spend: (model: GammaGamma, meanSpend: [Double])?,
        policy: ScoringPolicy, level: Double
    ) -> [PredictionInterval?] {
        guard !draws.isEmpty else { return customers.map { _ in nil } }
        let sampling = ParameterSampling(draws: draws.count, level: level)
        let drawn = draws.map { $0.score(customers, horizon: policy.horizon, spend: spend, cashFlow: policy.cashFlow) }
        return customers.indices.map { i in
            // Bounds are NaN when too many draws were unusable: then there is no interval rather than a NaN one.
            let purchases = sampling.bounds(of: drawn.map { $0[i].expectedPurchases })
            guard purchases.lower.isFinite, purchases.upper.isFinite else { return nil }
            let clv = spend == nil ? nil : sampling.bounds(of: drawn.map { $0[i].clv ?? 0 })
            return PredictionInterval(purchases: purchases, clv: clv.flatMap { $0.lower.isFinite && $0.upper.isFinite ? $0 : nil })
        }
    }
}
