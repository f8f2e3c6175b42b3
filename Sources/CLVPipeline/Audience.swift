import CLVCore
import CLVData
import CLVModels

/// Who a campaign goes to: customers matching every criterion given, highest predicted value first.
public struct Audience: Sendable, Equatable {
    /// A consent an audience may require.
    public enum ConsentKind: String, Sendable, CaseIterable, Codable {
        case marketing, profiling
    }

    public var segment: RFMSegment?
    public var tier: String?
    public var minimumProbabilityAlive: Double?
    public var maximumProbabilityAlive: Double?
    public var churnRisk: ChurnRisk?
    public var consent: ConsentKind?

    public init(
        segment: RFMSegment? = nil, tier: String? = nil, minimumProbabilityAlive: Double? = nil, maximumProbabilityAlive: Double? = nil,
        churnRisk: ChurnRisk? = nil, consent: ConsentKind? = nil
    ) {
        self.segment = segment
        self.tier = tier
        self.minimumProbabilityAlive = minimumProbabilityAlive
        self.maximumProbabilityAlive = maximumProbabilityAlive
        self.churnRisk = churnRisk
        self.consent = consent
    }

    /// The matching customers of `population`, highest value first; `consents` is only read when a consent is
    /// required (a customer without a record has given none).
    public func members(of population: Population, consents: [CustomerID: Consent]) -> [ScoredCustomer] {
        population.customers.filter { c in
            let p = c.score.probabilityAlive
            guard segment == nil || c.segment == segment, tier == nil || c.tier == tier,
                p >= (minimumProbabilityAlive ?? 0), p <= (maximumProbabilityAlive ?? 1), churnRisk == nil || c.churnBand == churnRisk
            else { return false }
            guard let consent else { return true }
            let given = consents[c.row.customer] ?? Consent()
            return consent == .marketing ? given.marketing : given.profiling
        }.sorted { $0.value > $1.value }
    }
}
