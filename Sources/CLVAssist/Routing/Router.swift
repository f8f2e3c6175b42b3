/// Who answers a message.
public enum Route: String, Sendable, Codable, CaseIterable {
    /// The assistant answers from the knowledge base.
    case autoAnswer = "auto_answer"
    /// A person answers, in turn.
    case human
    /// A person answers, ahead of the queue.
    case priorityHuman = "priority_human"
}

/// What the assistant does with the message.
public enum AssistAction: String, Sendable, Codable, CaseIterable {
    /// Answer from the knowledge base.
    case answer
    /// Ask the customer to say it another way (first stage of the fallback).
    case rephrase
    /// Tell the customer a person will take over.
    case handoff
}

/// What the assistant knows of the customer: scores computed elsewhere and passed in (never fetched here).
public struct CustomerStanding: Sendable, Equatable, Codable {
    /// The value tier (`platinum`, `gold`, ...).
    public var tier: String?
    public var clv: Double?
    public var probabilityAlive: Double?
    /// Churn risk in [0, 1] (1 − P(alive) unless another model says otherwise).
    public var churnRisk: Double?

    public init(tier: String? = nil, clv: Double? = nil, probabilityAlive: Double? = nil, churnRisk: Double? = nil) {
        self.tier = tier
        self.clv = clv
        self.probabilityAlive = probabilityAlive
        self.churnRisk = churnRisk
    }

    /// Nothing known: an anonymous visitor.
    public static let unknown = CustomerStanding()
}

/// A retention offer attached to a handover.
public struct RetentionOffer: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case discount
    }

    public var kind: Kind
    /// Percent off the next order, never above the policy's maximum.
    public var percent: Double

    public init(kind: Kind, percent: Double) {
        self.kind = kind
        self.percent = percent
    }
}

/// What the router needs to know about one message.
public struct RoutingInput: Sendable, Equatable {
    public var intent: IntentPrediction
    /// Sentiment score in [-1, 1] (P(positive) − P(negative)).
    public var sentiment: Double
    public var customer: CustomerStanding
    /// Whether the assistant's previous turn in this session asked to rephrase.
    public var askedToRephrase: Bool

    public init(intent: IntentPrediction, sentiment: Double, customer: CustomerStanding, askedToRephrase: Bool) {
        self.intent = intent
        self.sentiment = sentiment
        self.customer = customer
        self.askedToRephrase = askedToRephrase
    }
}

/// The router's decision, with every reason it rests on.
public struct RoutingDecision: Sendable, Equatable, Codable {
    public var route: Route
    public var action: AssistAction
    public var reasons: [String]
    public var offer: RetentionOffer?
}

/// Applies a ``RoutingPolicy``: a pure function of the message's intent and sentiment and the customer's scores.
public struct Router: Sendable {
    public let policy: RoutingPolicy

    public init(policy: RoutingPolicy = .defaults) { self.policy = policy }

    public func decide(_ input: RoutingInput) -> RoutingDecision {
        var reasons: [String] = []
        let c = input.customer
        let valuableByTier = c.tier.map { t in policy.priorityTiers.contains { $0.lowercased() == t.lowercased() } } ?? false
        var valuableByCLV = false
        if let clv = c.clv, let floor = policy.priorityMinimumCLV { valuableByCLV = clv >= floor }
        let valuable = valuableByTier || valuableByCLV
        let lowAlive = c.probabilityAlive.map { $0 <= policy.atRiskProbabilityAlive } ?? false
        let highChurn = c.churnRisk.map { $0 >= policy.atRiskChurn } ?? false
        let atRisk = lowAlive || highChurn
        let unhappy = input.sentiment <= policy.unhappySentiment
        if valuableByTier { reasons.append("valuable customer (tier \(c.tier!))") }
        if valuableByCLV { reasons.append("valuable customer (CLV \(Self.number(c.clv!)))") }
        if lowAlive { reasons.append("at risk (P(alive) \(Self.number(c.probabilityAlive!)))") }
        if highChurn { reasons.append("at risk (churn risk \(Self.number(c.churnRisk!)))") }
        if unhappy { reasons.append("unhappy (sentiment \(Self.number(input.sentiment)))") }

        let priority = valuable || (policy.prioritiseAtRisk && atRisk)
        let handoverRoute: Route = priority ? .priorityHuman : .human
        var offer: RetentionOffer?
        if valuable && atRisk && unhappy && policy.retentionDiscountPercent > 0 {
            offer = RetentionOffer(kind: .discount, percent: min(policy.retentionDiscountPercent, policy.maximumDiscountPercent))
            reasons.append("retention offer: valuable, at risk and unhappy")
        }

        let intent = input.intent
        if policy.humanIntents.contains(intent.intent) {
            reasons.insert("intent \(intent.intent) always goes to a person", at: 0)
            return RoutingDecision(route: handoverRoute, action: .handoff, reasons: reasons, offer: offer)
        }
        if intent.isOutOfScope || intent.confidence < policy.minimumIntentConfidence {
            let why =
                intent.isOutOfScope
                ? "intent not recognised (top \(intent.topLabel) at \(Self.number(intent.confidence)))"
                : "intent confidence \(Self.number(intent.confidence)) below \(Self.number(policy.minimumIntentConfidence))"
            if input.askedToRephrase {
                reasons.insert("\(why) again after asking to rephrase: a person takes over", at: 0)
                return RoutingDecision(route: handoverRoute, action: .handoff, reasons: reasons, offer: offer)
            }
            reasons.insert("\(why): asking the customer to rephrase once", at: 0)
            // An unhappy customer is not asked twice what they mean: a person takes over at once.
            if unhappy {
                reasons.append("unhappy customers are not asked to rephrase")
                return RoutingDecision(route: handoverRoute, action: .handoff, reasons: reasons, offer: offer)
            }
            return RoutingDecision(route: .autoAnswer, action: .rephrase, reasons: reasons, offer: nil)
        }
        if unhappy {
            reasons.insert("intent \(intent.intent); unhappy customers talk to a person", at: 0)
            return RoutingDecision(route: handoverRoute, action: .handoff, reasons: reasons, offer: offer)
        }
        reasons.insert("intent \(intent.intent) at confidence \(Self.number(intent.confidence)): answered from the knowledge base", at: 0)
        return RoutingDecision(route: .autoAnswer, action: .answer, reasons: reasons, offer: offer)
    }

    static func number(_ x: Double) -> String {
        let rounded = (x * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
