import CLVAssist
import CLVTestSupport
import Foundation
import Testing

/// The routing rules on a table of cases: intent, confidence, sentiment, tier, P(alive), churn risk and the
/// fallback state in; route, action and offer out, each with its reasons.
@Suite struct RouterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var intent: String
        var confidence: Double
        var sentiment: Double
        var standing: CustomerStanding
        var askedToRephrase = false
        var policy: RoutingPolicy = .defaults
        var route: Route
        var action: AssistAction
        var offer: Double?
        /// A phrase one of the reasons must contain.
        var reason: String
        var testDescription: String { name }
    }

    static let bronze = CustomerStanding(tier: "bronze", clv: 40, probabilityAlive: 0.9, churnRisk: 0.1)
    static let gold = CustomerStanding(tier: "gold", clv: 900, probabilityAlive: 0.9, churnRisk: 0.1)
    static let goldAtRisk = CustomerStanding(tier: "gold", clv: 900, probabilityAlive: 0.3, churnRisk: 0.7)
    static let platinum = CustomerStanding(tier: "platinum", clv: 2500, probabilityAlive: 0.95, churnRisk: 0.05)

    static func policy(_ change: (inout RoutingPolicy) -> Void) -> RoutingPolicy {
        var p = RoutingPolicy.defaults
        change(&p)
        return p
    }

    static let cases: [Case] = [
        Case(
            name: "routine question, content", intent: "refunds", confidence: 0.9, sentiment: 0.2, standing: bronze, route: .autoAnswer, action: .answer,
            reason: "answered from the knowledge base"),
        Case(
            name: "routine question, valuable and content", intent: "refunds", confidence: 0.9, sentiment: 0.2, standing: platinum, route: .autoAnswer,
            action: .answer, reason: "tier platinum"),
        Case(
            name: "unhappy ordinary customer", intent: "refunds", confidence: 0.9, sentiment: -0.6, standing: bronze, route: .human, action: .handoff,
            reason: "unhappy"),
        Case(
            name: "unhappy valuable customer, not at risk", intent: "refunds", confidence: 0.9, sentiment: -0.6, standing: gold, route: .priorityHuman,
            action: .handoff, reason: "tier gold"),
        Case(
            name: "unhappy valuable customer at risk gets an offer", intent: "refunds", confidence: 0.9, sentiment: -0.6, standing: goldAtRisk,
            route: .priorityHuman, action: .handoff, offer: 10, reason: "retention offer"),
        Case(
            name: "churn risk alone makes at risk", intent: "damaged_item", confidence: 0.8, sentiment: -0.8,
            standing: CustomerStanding(tier: "platinum", churnRisk: 0.8), route: .priorityHuman, action: .handoff, offer: 10, reason: "churn risk 0.8"),
        Case(
            name: "unhappy at-risk customer of low value: no offer", intent: "refunds", confidence: 0.9, sentiment: -0.6,
            standing: CustomerStanding(tier: "silver", probabilityAlive: 0.2), route: .human, action: .handoff, reason: "P(alive) 0.2"),
        Case(
            name: "valuable at risk but content: no offer", intent: "shipping", confidence: 0.9, sentiment: 0.5, standing: goldAtRisk, route: .autoAnswer,
            action: .answer, reason: "at risk"),
        Case(
            name: "asks for a person", intent: "talk_to_human", confidence: 0.95, sentiment: 0, standing: bronze, route: .human, action: .handoff,
            reason: "always goes to a person"),
        Case(
            name: "valuable customer asks for a person", intent: "talk_to_human", confidence: 0.95, sentiment: 0, standing: platinum, route: .priorityHuman,
            action: .handoff, reason: "always goes to a person"),
        Case(
            name: "legal threat from a valuable customer at risk", intent: "legal_threat", confidence: 0.8, sentiment: -0.9, standing: goldAtRisk,
            route: .priorityHuman, action: .handoff, offer: 10, reason: "legal_threat"),
        Case(
            name: "legal threat from an anonymous visitor", intent: "legal_threat", confidence: 0.8, sentiment: -0.9, standing: .unknown, route: .human,
            action: .handoff, reason: "legal_threat"),
        Case(
            name: "not understood: ask to rephrase", intent: IntentClassifier.outOfScope, confidence: 0.2, sentiment: 0, standing: bronze, route: .autoAnswer,
            action: .rephrase, reason: "rephrase once"),
        Case(
            name: "not understood twice: a person", intent: IntentClassifier.outOfScope, confidence: 0.2, sentiment: 0, standing: bronze, askedToRephrase: true,
            route: .human, action: .handoff, reason: "again after asking"),
        Case(
            name: "not understood twice, valuable", intent: IntentClassifier.outOfScope, confidence: 0.2, sentiment: 0, standing: gold, askedToRephrase: true,
            route: .priorityHuman, action: .handoff, reason: "again after asking"),
        Case(
            name: "low confidence: ask to rephrase", intent: "shipping", confidence: 0.3, sentiment: 0, standing: bronze, route: .autoAnswer, action: .rephrase,
            reason: "below 0.4"),
        Case(
            name: "low confidence twice: a person", intent: "shipping", confidence: 0.3, sentiment: 0, standing: bronze, askedToRephrase: true, route: .human,
            action: .handoff, reason: "below 0.4"),
        Case(
            name: "confidence exactly at the floor answers", intent: "shipping", confidence: 0.4, sentiment: 0, standing: bronze, route: .autoAnswer,
            action: .answer, reason: "confidence 0.4"),
        Case(
            name: "unhappy and not understood: no second question", intent: IntentClassifier.outOfScope, confidence: 0.1, sentiment: -0.7, standing: bronze,
            route: .human, action: .handoff, reason: "not asked to rephrase"),
        Case(
            name: "unhappy, not understood, valuable at risk", intent: IntentClassifier.outOfScope, confidence: 0.1, sentiment: -0.7, standing: goldAtRisk,
            route: .priorityHuman, action: .handoff, offer: 10, reason: "retention offer"),
        Case(
            name: "sentiment exactly at the unhappy line", intent: "returns", confidence: 0.9, sentiment: -0.45, standing: bronze, route: .human,
            action: .handoff, reason: "sentiment -0.45"),
        Case(
            name: "sentiment just above the unhappy line", intent: "returns", confidence: 0.9, sentiment: -0.44, standing: bronze, route: .autoAnswer,
            action: .answer, reason: "answered"),
        Case(
            name: "P(alive) exactly at the at-risk line", intent: "returns", confidence: 0.9, sentiment: -0.5,
            standing: CustomerStanding(tier: "gold", probabilityAlive: 0.5), route: .priorityHuman, action: .handoff, offer: 10, reason: "P(alive) 0.5"),
        Case(
            name: "P(alive) just above the at-risk line", intent: "returns", confidence: 0.9, sentiment: -0.5,
            standing: CustomerStanding(tier: "gold", probabilityAlive: 0.51), route: .priorityHuman, action: .handoff, reason: "tier gold"),
        Case(
            name: "churn risk exactly at the line", intent: "warranty", confidence: 0.9, sentiment: -0.5,
            standing: CustomerStanding(tier: "platinum", churnRisk: 0.5), route: .priorityHuman, action: .handoff, offer: 10, reason: "churn risk 0.5"),
        Case(
            name: "tier names ignore case", intent: "warranty", confidence: 0.9, sentiment: -0.5, standing: CustomerStanding(tier: "Gold"),
            route: .priorityHuman, action: .handoff, reason: "tier Gold"),
        Case(
            name: "anonymous and unhappy", intent: "refunds", confidence: 0.9, sentiment: -0.5, standing: .unknown, route: .human, action: .handoff,
            reason: "unhappy"),
        Case(
            name: "anonymous and content", intent: "refunds", confidence: 0.9, sentiment: 0.1, standing: .unknown, route: .autoAnswer, action: .answer,
            reason: "answered"),
        Case(
            name: "policy: prioritise at-risk customers", intent: "refunds", confidence: 0.9, sentiment: -0.5,
            standing: CustomerStanding(tier: "silver", probabilityAlive: 0.2), policy: policy { $0.prioritiseAtRisk = true }, route: .priorityHuman,
            action: .handoff, reason: "P(alive) 0.2"),
        Case(
            name: "policy: CLV floor makes valuable", intent: "refunds", confidence: 0.9, sentiment: -0.5, standing: CustomerStanding(tier: "bronze", clv: 800),
            policy: policy { $0.priorityMinimumCLV = 500 }, route: .priorityHuman, action: .handoff, reason: "CLV 800"),
        Case(
            name: "policy: an offer is capped at the maximum", intent: "refunds", confidence: 0.9, sentiment: -0.5, standing: goldAtRisk,
            policy: policy { $0.retentionDiscountPercent = 30 }, route: .priorityHuman, action: .handoff, offer: 15, reason: "retention offer"),
        Case(
            name: "policy: no offers", intent: "refunds", confidence: 0.9, sentiment: -0.5, standing: goldAtRisk,
            policy: policy { $0.retentionDiscountPercent = 0 }, route: .priorityHuman, action: .handoff, reason: "at risk"),
        Case(
            name: "policy: an intent that always goes to a person", intent: "refunds", confidence: 0.9, sentiment: 0.3, standing: bronze,
            policy: policy { $0.humanIntents.append("refunds") }, route: .human, action: .handoff, reason: "always goes to a person"),
        Case(
            name: "understood after rephrasing", intent: "refunds", confidence: 0.9, sentiment: 0, standing: bronze, askedToRephrase: true, route: .autoAnswer,
            action: .answer, reason: "answered"),
    ]

    @Test(arguments: cases)
    func decision(_ c: Case) {
        let decision = Router(policy: c.policy).decide(
            RoutingInput(
                intent: IntentPrediction(intent: c.intent, topLabel: c.intent == IntentClassifier.outOfScope ? "shipping" : c.intent, confidence: c.confidence),
                sentiment: c.sentiment, customer: c.standing, askedToRephrase: c.askedToRephrase))
        #expect(decision.route == c.route)
        #expect(decision.action == c.action)
        #expect(decision.offer?.percent == c.offer)
        #expect(decision.offer.map { $0.percent <= c.policy.maximumDiscountPercent } ?? true)
        #expect(decision.reasons.contains { $0.contains(c.reason) }, "reasons: \(decision.reasons)")
    }

    @Test func tableHasAtLeastThirtyCases() { #expect(Self.cases.count >= 30) }

    @Test func shippedConfigurationIsTheDocumentedDefaults() throws {
        let data = try Data(contentsOf: TestData.projectRoot.appendingPathComponent("config/assist-routing.json"))
        #expect(try RoutingPolicy.read(data) == .defaults)
        // Missing keys keep their defaults; bad values are refused with the key's name.
        #expect(try RoutingPolicy.read(Data(#"{"maximum_discount_percent": 5}"#.utf8)).unhappySentiment == RoutingPolicy.defaults.unhappySentiment)
        #expect {
            _ = try RoutingPolicy.read(Data(#"{"unhappy_sentiment": 3}"#.utf8))
        } throws: { String(describing: $0).contains("unhappy_sentiment") }
    }
}
