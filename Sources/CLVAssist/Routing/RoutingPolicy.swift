import Foundation

/// The rules that decide who answers a message, as a readable configuration file (JSON; every key optional,
/// missing keys take the defaults below). `clv assist --routing FILE` reads one; `config/assist-routing.json`
/// is the shipped copy of the defaults.
///
/// The rules, in the order ``Router`` applies them (the first that decides wins; reasons accumulate):
/// 1. An intent in ``humanIntents`` (the customer asks for a person, a legal threat) goes to a person.
/// 2. An out-of-scope message, or one whose intent confidence is below ``minimumIntentConfidence``, gets the
///    two-stage fallback: the first time the assistant asks to rephrase, the next time in a row a person takes over.
/// 3. A customer whose sentiment is at or below ``unhappySentiment`` goes to a person.
/// 4. Everyone else gets an automatic answer (which the answer step still hands to a person when retrieval is
///    weak or the answer is not supported by the passages).
///
/// Any handover is `priority_human` for a valuable customer (tier in ``priorityTiers``, or CLV at least
/// ``priorityMinimumCLV``) or, when ``prioritiseAtRisk`` is set, one at risk. A retention offer is attached when a
/// valuable customer is at risk (P(alive) at most ``atRiskProbabilityAlive``, or churn risk at least
/// ``atRiskChurn``) and unhappy; its discount never exceeds ``maximumDiscountPercent``.
public struct RoutingPolicy: Sendable, Equatable, Codable {
    /// Intents that always go to a person.
    public var humanIntents: [String]
    /// Below this intent confidence the message is treated as not understood.
    public var minimumIntentConfidence: Double
    /// At or below this sentiment score (in [-1, 1]) the customer is unhappy.
    public var unhappySentiment: Double
    /// Tiers whose customers are valuable.
    public var priorityTiers: [String]
    /// A CLV at or above this makes a customer valuable whatever the tier (nil: tiers alone decide).
    public var priorityMinimumCLV: Double?
    /// At or below this P(alive) a customer is at risk.
    public var atRiskProbabilityAlive: Double
    /// At or above this churn risk (in [0, 1]) a customer is at risk.
    public var atRiskChurn: Double
    /// Whether at-risk customers who are not valuable also get priority when handed over.
    public var prioritiseAtRisk: Bool
    /// The discount a retention offer carries, in percent.
    public var retentionDiscountPercent: Double
    /// The most any offer may give, in percent: an offer above it is cut to it, whoever proposed it.
    public var maximumDiscountPercent: Double
    /// Below this top dense score (per embedding model) retrieval is weak and a person answers.
    public var minimumDenseScore: [String: Double]
    /// Whether a passage found by both retrievers may stand in for a weak dense score.
    public var acceptAgreement: Bool

    /// The documented defaults.
    public static let defaults = RoutingPolicy(
        humanIntents: ["talk_to_human", "legal_threat"], minimumIntentConfidence: 0.4, unhappySentiment: -0.45,
        priorityTiers: ["platinum", "gold"], priorityMinimumCLV: nil, atRiskProbabilityAlive: 0.5, atRiskChurn: 0.5, prioritiseAtRisk: false,
        retentionDiscountPercent: 10, maximumDiscountPercent: 15,
        minimumDenseScore: ["all-MiniLM-L6-v2": 0.35, "multilingual-e5-small": 0.80], acceptAgreement: true)

    public init(
        humanIntents: [String], minimumIntentConfidence: Double, unhappySentiment: Double, priorityTiers: [String], priorityMinimumCLV: Double?,
        atRiskProbabilityAlive: Double, atRiskChurn: Double, prioritiseAtRisk: Bool, retentionDiscountPercent: Double, maximumDiscountPercent: Double,
        minimumDenseScore: [String: Double], acceptAgreement: Bool
    ) {
        self.humanIntents = humanIntents
        self.minimumIntentConfidence = minimumIntentConfidence
        self.unhappySentiment = unhappySentiment
        self.priorityTiers = priorityTiers
        self.priorityMinimumCLV = priorityMinimumCLV
        self.atRiskProbabilityAlive = atRiskProbabilityAlive
        self.atRiskChurn = atRiskChurn
        self.prioritiseAtRisk = prioritiseAtRisk
        self.retentionDiscountPercent = retentionDiscountPercent
        self.maximumDiscountPercent = maximumDiscountPercent
        self.minimumDenseScore = minimumDenseScore
        self.acceptAgreement = acceptAgreement
    }

    /// Keys absent from the file keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self.defaults
        humanIntents = try c.decodeIfPresent([String].self, forKey: .humanIntents) ?? d.humanIntents
        minimumIntentConfidence = try c.decodeIfPresent(Double.self, forKey: .minimumIntentConfidence) ?? d.minimumIntentConfidence
        unhappySentiment = try c.decodeIfPresent(Double.self, forKey: .unhappySentiment) ?? d.unhappySentiment
        priorityTiers = try c.decodeIfPresent([String].self, forKey: .priorityTiers) ?? d.priorityTiers
        priorityMinimumCLV = try c.decodeIfPresent(Double.self, forKey: .priorityMinimumCLV) ?? d.priorityMinimumCLV
        atRiskProbabilityAlive = try c.decodeIfPresent(Double.self, forKey: .atRiskProbabilityAlive) ?? d.atRiskProbabilityAlive
        atRiskChurn = try c.decodeIfPresent(Double.self, forKey: .atRiskChurn) ?? d.atRiskChurn
        prioritiseAtRisk = try c.decodeIfPresent(Bool.self, forKey: .prioritiseAtRisk) ?? d.prioritiseAtRisk
        retentionDiscountPercent = try c.decodeIfPresent(Double.self, forKey: .retentionDiscountPercent) ?? d.retentionDiscountPercent
        maximumDiscountPercent = try c.decodeIfPresent(Double.self, forKey: .maximumDiscountPercent) ?? d.maximumDiscountPercent
        minimumDenseScore = try c.decodeIfPresent([String: Double].self, forKey: .minimumDenseScore) ?? d.minimumDenseScore
        acceptAgreement = try c.decodeIfPresent(Bool.self, forKey: .acceptAgreement) ?? d.acceptAgreement
    }

    enum CodingKeys: String, CodingKey {
        case humanIntents = "human_intents"
        case minimumIntentConfidence = "minimum_intent_confidence"
        case unhappySentiment = "unhappy_sentiment"
        case priorityTiers = "priority_tiers"
        case priorityMinimumCLV = "priority_minimum_clv"
        case atRiskProbabilityAlive = "at_risk_probability_alive"
        case atRiskChurn = "at_risk_churn"
        case prioritiseAtRisk = "prioritise_at_risk"
        case retentionDiscountPercent = "retention_discount_percent"
        case maximumDiscountPercent = "maximum_discount_percent"
        case minimumDenseScore = "minimum_dense_score"
        case acceptAgreement = "accept_agreement"
    }

    /// Reads a policy file, checking that its numbers make sense.
    /// - Throws: ``AssistError/invalidPolicy(_:)`` naming the bad key.
    public static func read(_ data: Data) throws(AssistError) -> RoutingPolicy {
        let policy: RoutingPolicy
        do { policy = try JSONDecoder().decode(RoutingPolicy.self, from: data) } catch {
            throw .invalidPolicy("not a routing policy (\(error)); start from config/assist-routing.json")
        }
        try policy.validate()
        return policy
    }

    /// - Throws: ``AssistError/invalidPolicy(_:)`` for a value outside its range.
    public func validate() throws(AssistError) {
        guard (0...1).contains(minimumIntentConfidence) else { throw .invalidPolicy("minimum_intent_confidence must be in [0, 1]") }
        guard (-1...1).contains(unhappySentiment) else { throw .invalidPolicy("unhappy_sentiment must be in [-1, 1]") }
        guard (0...1).contains(atRiskProbabilityAlive), (0...1).contains(atRiskChurn) else {
            throw .invalidPolicy("at_risk_probability_alive and at_risk_churn must be in [0, 1]")
        }
        guard (0...100).contains(maximumDiscountPercent), retentionDiscountPercent >= 0 else {
            throw .invalidPolicy("maximum_discount_percent must be in [0, 100] and retention_discount_percent at least 0")
        }
    }
}
