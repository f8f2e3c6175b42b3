import CLVCore
import CLVInsight
import CLVModels
import CLVTestSupport
import CLVText
import Foundation
import Testing

@testable import CLVPipeline

/// Synthetic profiles and segments: what the narrator reads.
enum NarratorFixtures {
    static let asOf = CalendarDay(iso: "2011-12-09")!

    static func behaviour(
        frequency: Int, expected: Double, alive: Double, clv: Double?, tier: String, risk: ChurnRisk, segment: String, gap: Double?, order: Double?
    ) -> CustomerProfile.Behaviour {
        CustomerProfile.Behaviour(
            frequency: frequency, recency: 40, age: 52, unit: .week, expectedPurchases: expected, horizonDays: 364, probabilityAlive: alive, clv: clv,
            clvInterval: nil, tier: tier, churnRisk: risk, segment: segment, expectedNextOrder: nil, averageDaysBetweenOrders: gap,
            averageOrderValue: order)
    }

    /// A loyal gold customer who writes about dresses, happier lately.
    static let loyal = CustomerProfile(
        customer: CustomerID("C-1001"), asOf: asOf, profilingConsent: true,
        behaviour: behaviour(
            frequency: 9, expected: 2.43, alive: 0.8312, clv: 1234.5, tier: "gold", risk: .low, segment: "Champions", gap: 37.2, order: 61.72),
        interactions: ["review": 4, "search": 7],
        interests: [
            Interest(topic: 3, terms: ["dress", "fabric", "fit"], similarity: 0.61), Interest(topic: 8, terms: ["shoes", "leather"], similarity: 0.44),
        ],
        sentiment: [
            .init(month: "2011-07", meanScore: 0.1, texts: 2), .init(month: "2011-10", meanScore: 0.5, texts: 2),
        ],
        sentimentTrend: 0.4, narrative: nil)

    /// A fading bronze customer with one order and complaints.
    static let fading = CustomerProfile(
        customer: CustomerID("C-2002"), asOf: asOf, profilingConsent: true,
        behaviour: behaviour(
            frequency: 0, expected: 0.18, alive: 0.27, clv: 18.04, tier: "bronze", risk: .high, segment: "Hibernating", gap: nil, order: 24.99),
        interactions: ["chat": 2], interests: nil,
        sentiment: [.init(month: "2011-03", meanScore: -0.62, texts: 2)], sentimentTrend: nil, narrative: nil)

    /// A silver customer with behaviour only (no texts).
    static let steady = CustomerProfile(
        customer: CustomerID("C-3003"), asOf: asOf, profilingConsent: true,
        behaviour: behaviour(
            frequency: 3, expected: 1.1, alive: 0.64, clv: 310.8, tier: "silver", risk: .medium, segment: "Need Attention", gap: 88, order: 102.3),
        interactions: [:], interests: nil, sentiment: nil, sentimentTrend: nil, narrative: nil)

    static let topSegment = BehaviourSegments.Segment(
        id: 1, name: "k1 top spenders", customers: 412, shareOfCustomers: 0.0821, shareOfCLV: 0.415, meanProbabilityAlive: 0.913, meanCLV: 812.4,
        meanFrequency: 9.27, meanRecency: 48.1, meanMonetary: 64.2)
}

/// What goes into the prompt, and the fallback, without the model.
@Suite struct NarratorFactsTests {
    @Test func profileFactsAreRoundedAndHoldNoIdOrText() {
        let facts = Narrator.facts(of: NarratorFixtures.loyal)
        #expect(facts.value(of: "predicted CLV") == "1234.50")
        #expect(facts.value(of: "chance of still being active") == "83%")
        #expect(facts.value(of: "expected purchases in the next year") == "2.4")
        #expect(facts.value(of: "average days between orders") == "37")
        #expect(facts.value(of: "top interests") == "dress, fabric, fit; shoes, leather")
        #expect(facts.value(of: "average sentiment") == "positive (+0.30)")
        #expect(facts.value(of: "sentiment trend") == "improving (+0.40)")
        #expect(!facts.bulletList.contains("C-1001"))
    }

    @Test(arguments: [NarratorFixtures.loyal, NarratorFixtures.fading, NarratorFixtures.steady])
    func templatesInventNothing(profile: CustomerProfile) {
        let facts = Narrator.facts(of: profile)
        let template = Narrator.profileTemplate(facts)
        #expect(NarrativeGrounding.inventedNumbers(in: template, facts: facts).isEmpty, "\(template)")
    }

    @Test func segmentTemplateInventsNothing() {
        let facts = Narrator.facts(of: NarratorFixtures.topSegment)
        #expect(facts.bulletList.contains("- share of total CLV: 41.5%"))
        let template = Narrator.segmentTemplate(facts)
        #expect(NarrativeGrounding.inventedNumbers(in: template, facts: facts).isEmpty, "\(template)")
    }

    @Test(
        arguments: [
            ("Loyal Big Spenders", "Loyal Big Spenders"), ("\"Loyal Big Spenders\"\nThey buy a lot.", "Loyal Big Spenders"),
            ("Name: Loyal Big Spenders.", "Loyal Big Spenders"), ("- customers: 412", nil), ("", nil),
            ("The group of loyal customers who buy often", nil),
        ] as [(String, String?)])
    func namesAreShortAndNumberFree(reply: String, expected: String?) {
        #expect(Narrator.name(from: reply) == expected)
    }
}

/// The real SmolLM2-135M-Instruct writes from the synthetic facts; what the narrator returns invents no number.
@Suite(.serialized) struct NarratorModelTests {
    static func narrator() throws -> Narrator {
        _ = try TestData.model(KnownModel.smolLM2.rawValue, KnownModel.smolLM2.requiredFiles[0])
        return try Narrator.local(directory: ModelDirectory(root: TestData.modelsDirectory), threads: 2)
    }

    @Test func profileNarrativesInventNoNumber() throws {
        let narrator = try Self.narrator()
        for profile in [NarratorFixtures.loyal, NarratorFixtures.fading, NarratorFixtures.steady] {
            let facts = Narrator.facts(of: profile)
            let narrative = try #require(try narrator.narrative(for: profile))
            print("[narrator] \(profile.customer.rawValue) model: \(narrative.modelText)")
            print("[narrator] \(profile.customer.rawValue) shown (\(narrative.source.rawValue)): \(narrative.display)")
            #expect(!narrative.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(NarrativeGrounding.inventedNumbers(in: narrative.text, facts: facts).isEmpty, "\(narrative.text)")
            // Greedy decoding: the same facts give the same text.
            if profile.customer == NarratorFixtures.loyal.customer { #expect(try narrator.narrative(for: profile) == narrative) }
        }
    }

    @Test func noProfilingConsentNoNarrative() throws {
        var profile = NarratorFixtures.loyal
        profile.profilingConsent = false
        #expect(try Self.narrator().narrative(for: profile) == nil)
    }

    @Test func segmentPersonaInventsNoNumber() throws {
        let segment = NarratorFixtures.topSegment
        let persona = try Self.narrator().persona(for: segment)
        print("[narrator] segment \(segment.id) name: \(persona.name); model: \(persona.persona.modelText)")
        print("[narrator] segment \(segment.id) shown (\(persona.persona.source.rawValue)): \(persona.persona.display)")
        #expect(!persona.name.isEmpty && !persona.name.contains(where: \.isNumber))
        #expect(!persona.persona.text.isEmpty)
        #expect(NarrativeGrounding.inventedNumbers(in: persona.persona.text, facts: Narrator.facts(of: segment)).isEmpty)
    }
}
