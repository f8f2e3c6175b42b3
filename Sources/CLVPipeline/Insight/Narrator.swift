import CLVCore
import CLVInsight
import CLVModels
import CLVText
import Foundation

/// Profile narratives and segment personas written by the local chat model from facts only, with every number
/// checked against the facts.
///
/// The model sees a bullet list of facts (tiers, rounded predictions, shares), never a customer's texts or id;
/// its reply is cut to whole sentences, and each sentence that writes a number the facts do not hold is dropped
/// (``NarrativeGrounding/grounded(_:facts:)``). When nothing is left, a template sentence built from the same
/// facts stands in, marked as such. Generation is greedy, so equal facts give equal text.
public struct Narrator: Sendable {
    /// A written text and where it came from.
    public struct Narrative: Sendable, Equatable, Codable {
        public enum Source: String, Sendable, Codable {
            /// The model's sentences that passed the check.
            case model
            /// The fallback sentence: the model's text invented numbers (or was empty).
            case template
        }

        /// The text to show (without the template note).
        public var text: String
        public var source: Source
        /// The model's reply before grounding.
        public var modelText: String
        /// The numbers the model's reply invented (its dropped sentences held them).
        public var inventedNumbers: [String]

        /// The text with the template note when the model's text was not used.
        public var display: String {
            guard source == .template else { return text }
            return text + (inventedNumbers.isEmpty ? " (template: the model wrote nothing usable)" : " (template: the model's text invented numbers)")
        }
    }

    /// A k-means segment's name and one-line persona.
    public struct Persona: Sendable, Equatable, Codable {
        public var segment: Int
        public var name: String
        public var persona: Narrative
    }

    /// The system message of a profile narrative.
    public static let profileInstruction = "You write 2-3 sentences for a shop's marketing team using only these facts. Copy numbers exactly as given."
    /// The user message before a profile's facts (SmolLM2-135M follows an instruction in the user turn better than one in the system turn alone).
    public static let profileRequest =
        "Summarise this customer for a shop's marketing team in 2-3 sentences, using only these facts and copying numbers exactly as given."
    /// The system message of a segment persona.
    public static let personaInstruction =
        "You write one sentence for a shop's marketing team describing a group of customers using only these facts. Copy numbers exactly as given."
    /// The user message before a segment's facts.
    public static let personaRequest =
        "Describe this group of customers in one sentence for a shop's marketing team, using only these facts and copying numbers exactly as given."
    /// The system message of a segment name.
    public static let nameInstruction = "You name customer groups for a shop's marketing team. Reply with a name of two to four words only."

    public let generator: TextGenerator
    /// Most tokens per reply.
    public var maxTokens: Int
    /// The sampler's seed (greedy decoding does not draw from it; kept so a sampling setting stays reproducible).
    public var seed: UInt64

    public init(generator: TextGenerator, maxTokens: Int = 90, seed: UInt64 = 0) {
        self.generator = generator
        self.maxTokens = maxTokens
        self.seed = seed
    }

    /// A narrator over the local SmolLM2-135M-Instruct.
    /// - Throws: when the model was not fetched (`make setup`) or does not load.
    public static func local(directory: ModelDirectory = ModelDirectory(), threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Narrator {
        Narrator(generator: TextGenerator(model: try LlamaModel.smolLM2(in: directory), threads: threads))
    }

    // MARK: - Profiles

    /// The narrative of a profile; nil without profiling consent or without anything to say.
    /// - Throws: ``LlamaError`` from generation.
    public func narrative(for profile: CustomerProfile) throws -> Narrative? {
        guard profile.profilingConsent else { return nil }
        let facts = Self.facts(of: profile)
        guard !facts.isEmpty else { return nil }
        return try write(facts: facts, instruction: Self.profileInstruction, request: Self.profileRequest, template: Self.profileTemplate(facts))
    }

    /// The facts of a profile, in prompt order: behaviour and predictions, then interests' terms and sentiment
    /// (present only with profiling consent). No interaction text and no id.
    public static func facts(of profile: CustomerProfile) -> Facts {
        var facts = Facts()
        if let b = profile.behaviour {
            facts.append("value tier", b.tier)
            if let clv = b.clv { facts.append("predicted CLV", String(format: "%.2f", clv)) }
            facts.append("chance of still being active", percent(b.probabilityAlive))
            let horizon = (360...370).contains(b.horizonDays) ? "the next year" : "the next \(Int(b.horizonDays.rounded())) days"
            facts.append("expected purchases in \(horizon)", String(format: "%.1f", b.expectedPurchases))
            if let gap = b.averageDaysBetweenOrders { facts.append("average days between orders", String(format: "%.0f", gap)) }
            if let value = b.averageOrderValue { facts.append("average order value", String(format: "%.2f", value)) }
            facts.append("churn risk", b.churnRisk.rawValue)
            facts.append("segment", b.segment)
        }
        if let interests = profile.interests, !interests.isEmpty {
            facts.append("top interests", interests.prefix(3).map { $0.terms.prefix(3).joined(separator: ", ") }.joined(separator: "; "))
        }
        if let points = profile.sentiment, !points.isEmpty {
            let texts = points.reduce(0) { $0 + $1.texts }
            let mean = points.reduce(0) { $0 + $1.meanScore * Double($1.texts) } / Double(max(1, texts))
            facts.append("average sentiment", "\(mean > 0.1 ? "positive" : mean < -0.1 ? "negative" : "neutral") (\(String(format: "%+.2f", mean)))")
            if let trend = profile.sentimentTrend {
                let word = trend > 0.05 ? "improving" : trend < -0.05 ? "worsening" : "steady"
                facts.append("sentiment trend", "\(word) (\(String(format: "%+.2f", trend)))")
            }
        }
        return facts
    }

    /// The fallback sentence of a profile: its facts' values verbatim.
    public static func profileTemplate(_ facts: Facts) -> String {
        guard let tier = facts.value(of: "value tier") else {
            return "A customer with " + facts.items.map { "\($0.label) \($0.value)" }.joined(separator: ", ") + "."
        }
        var parts: [String] = []
        if let clv = facts.value(of: "predicted CLV") { parts.append("a predicted CLV of \(clv)") }
        if let alive = facts.value(of: "chance of still being active") { parts.append("a \(alive) chance of still being active") }
        if let expected = facts.items.first(where: { $0.label.hasPrefix("expected purchases") }) { parts.append("\(expected.value) \(expected.label)") }
        var sentence = "A \(tier)-tier customer"
        if let last = parts.popLast() { sentence += " with " + (parts.isEmpty ? last : parts.joined(separator: ", ") + " and " + last) }
        if let risk = facts.value(of: "churn risk") { sentence += "; churn risk is \(risk)" }
        return sentence + "."
    }

    // MARK: - Segments

    /// A name and one-line persona for each k-means segment, each from that segment's numbers only.
    /// - Throws: ``LlamaError`` from generation.
    public func personas(for segmentation: BehaviourSegments) throws -> [Persona] {
        try segmentation.segments.map { try persona(for: $0) }
    }

    /// A segment's name and persona; the name falls back to the rule-based one when the model's is unusable.
    /// - Throws: ``LlamaError`` from generation.
    public func persona(for segment: BehaviourSegments.Segment) throws -> Persona {
        let facts = Self.facts(of: segment)
        let text = try write(facts: facts, instruction: Self.personaInstruction, request: Self.personaRequest, template: Self.segmentTemplate(facts))
        let answer = try reply(to: [.system(Self.nameInstruction), .user("Give this group of customers a short name.\n\n\(facts.bulletList)")], maxTokens: 12)
        return Persona(segment: segment.id, name: Self.name(from: answer) ?? Self.ruleName(segment), persona: text)
    }

    /// The facts of a segment, in prompt order.
    public static func facts(of segment: BehaviourSegments.Segment) -> Facts {
        Facts([
            ("customers", String(segment.customers)), ("share of customers", percent(segment.shareOfCustomers, digits: 1)),
            ("share of total CLV", percent(segment.shareOfCLV, digits: 1)), ("mean chance of still being active", percent(segment.meanProbabilityAlive)),
            ("mean CLV", String(format: "%.2f", segment.meanCLV)), ("mean repeat purchases", String(format: "%.1f", segment.meanFrequency)),
        ])
    }

    /// The fallback persona of a segment: its facts' values verbatim.
    public static func segmentTemplate(_ facts: Facts) -> String {
        let value = { (label: String) in facts.value(of: label) ?? "–" }
        return "\(value("customers")) customers (\(value("share of customers")) of all) holding \(value("share of total CLV")) of total CLV, "
            + "with a mean CLV of \(value("mean CLV")), \(value("mean repeat purchases")) repeat purchases on average and a "
            + "\(value("mean chance of still being active")) mean chance of still being active."
    }

    /// The model's name cleaned up: its first line without quotes, labels or end punctuation; nil when it is
    /// empty, longer than five words or holds a digit.
    static func name(from reply: String) -> String? {
        var line = reply.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if let colon = line.firstIndex(of: ":"), line[..<colon].split(separator: " ").count <= 2 { line = String(line[line.index(after: colon)...]) }
        let name = line.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'*#.!“”‘’"))
        let words = name.split(separator: " ")
        guard !words.isEmpty, words.count <= 5, !name.contains(where: \.isNumber) else { return nil }
        return name
    }

    /// The rule-based name ("k1 top spenders" → "top spenders").
    static func ruleName(_ segment: BehaviourSegments.Segment) -> String {
        let parts = segment.name.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].hasPrefix("k") ? String(parts[1]) : segment.name
    }

    // MARK: - Writing

    /// Writes from facts: the model's whole sentences (at most three) that invent no number, else the template.
    /// - Throws: ``LlamaError`` from generation.
    public func write(facts: Facts, instruction: String, request: String, template: String) throws -> Narrative {
        let answer = try reply(to: [.system(instruction), .user("\(request)\n\n\(facts.bulletList)")], maxTokens: maxTokens)
        var sentences = NarrativeGrounding.sentences(in: answer).map { $0.replacingOccurrences(of: "**", with: "") }
        // A reply cut off by the token limit ends in half a sentence.
        if sentences.count > 1, let last = sentences.last, !".!?\"')”’".contains(last.last ?? " ") { sentences.removeLast() }
        let whole = sentences.prefix(3).joined(separator: " ")
        let invented = NarrativeGrounding.inventedNumbers(in: whole, facts: facts)
        if let grounded = NarrativeGrounding.grounded(whole, facts: facts) {
            return Narrative(text: grounded, source: .model, modelText: answer, inventedNumbers: invented)
        }
        return Narrative(text: template, source: .template, modelText: answer, inventedNumbers: invented)
    }

    /// The model's greedy reply to a conversation.
    func reply(to messages: [ChatMessage], maxTokens: Int) throws -> String {
        let prompt = try generator.chatPrompt(messages)
        let options = GenerationOptions(maxTokens: maxTokens, sampling: SamplingOptions(temperature: 0, seed: seed))
        return try generator.generate(prompt: prompt, options: options).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func percent(_ fraction: Double, digits: Int = 0) -> String { String(format: "%.\(digits)f%%", 100 * fraction) }
}
