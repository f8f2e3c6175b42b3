import CLVCore
import CLVInsight
import CLVText
import Foundation

/// One message to the assistant. Everything in it is already redacted (CLVData's Redactor runs first, in the
/// workflow): nothing here, nor anything built from it, holds personal data.
public struct AssistRequest: Sendable, Equatable {
    public var message: String
    public var customer: CustomerStanding
    /// The session's earlier turns, oldest first.
    public var recentTurns: [ConversationTurn]
    /// Whether the assistant's last reply in the session asked to rephrase.
    public var askedToRephrase: Bool

    public init(message: String, customer: CustomerStanding = .unknown, recentTurns: [ConversationTurn] = [], askedToRephrase: Bool = false) {
        self.message = message
        self.customer = customer
        self.recentTurns = recentTurns
        self.askedToRephrase = askedToRephrase
    }
}

/// The assistant's reply: the contract of `clv assist --format json` and `POST /v1/assist`.
public struct AssistResponse: Sendable, Equatable, Codable {
    public var intent: String
    public var confidence: Double
    /// Sentiment score in [-1, 1].
    public var sentiment: Double
    public var route: Route
    public var reasons: [String]
    /// The text to show the customer (an answer, a request to rephrase, or the handover notice).
    public var answer: String
    /// The knowledge articles the answer rests on (for a handover: the ones an agent should read).
    public var sources: [String]
    public var offer: RetentionOffer?
    public var action: AssistAction
    /// The model's answer before validation, when it was not used (for the agent console).
    public var suggestedAnswer: String?
    /// The faithfulness check of the model's answer, when one was written.
    public var faithfulness: FaithfulnessCheck.Verdict?

    enum CodingKeys: String, CodingKey {
        case intent, confidence, sentiment, route, reasons, answer, sources, offer, action, faithfulness
        case suggestedAnswer = "suggested_answer"
    }
}

/// How unhappy a message reads: a sentiment classifier (with the encoder its vectors come from) averaged with
/// CLVInsight's lexicon.
///
/// The shipped classifiers learned from product reviews, where naming a problem ("refund", "broken", "late") is
/// what unhappy reviews do; a calm service question names problems too, and the classifiers alone put a tenth of
/// neutral questions as low as angry complaints. The lexicon scores only opinion words ("furious", "terrible",
/// 失望) and negation, so the average keeps clear anger low and pulls a neutral question back towards zero.
public struct SentimentReader: Sendable {
    public let classifier: EmbeddingClassifier
    public let encoder: any TextEmbeddingModel
    /// The lexicon's weight in the average, in [0, 1] (0: the classifier alone).
    public var lexiconWeight: Double
    public let lexicon = LexiconSentiment()

    public init(classifier: EmbeddingClassifier, encoder: any TextEmbeddingModel, lexiconWeight: Double = 0.5) {
        self.classifier = classifier
        self.encoder = encoder
        self.lexiconWeight = lexiconWeight
    }

    /// The weighted mean of P(positive) − P(negative) and the lexicon's score, in [-1, 1].
    public func score(_ text: String) throws -> Double {
        let model = try classifier.sentimentScore(of: try encoder.embed([text], role: .query)[0]) ?? 0
        return (1 - lexiconWeight) * model + lexiconWeight * lexicon.score(text).score
    }
}

/// The customer-service assistant: intent, sentiment, routing, retrieval and a grounded, checked answer.
///
/// Order of work for one message:
/// 1. ``InjectionGuard`` sets aside sentences that address the assistant; intent, sentiment, retrieval and the
///    prompt read the rest (a message of nothing else is not understood).
/// 2. The intent classifier and the sentiment reader of the message's language score it, and ``Router`` decides
///    the route, the action, the reasons and any retention offer, from those and the customer's scores alone.
/// 3. To answer, the retriever finds passages; weak retrieval hands over to a person. Otherwise the model gets a
///    ``GroundedPrompt`` (passages stripped of planted instructions); its answer must cite only retrieved articles,
///    pass ``FaithfulnessCheck``, and promise no discount beyond the policy, or a person takes over instead.
///
/// Route, offer and sources are decided in code from retrieval and scores: nothing a model writes can change them,
/// except to turn an answer into a handover.
public struct Assistant: Sendable {
    public let retriever: KnowledgeRetriever
    public let intent: IntentClassifier
    public let intentEncoder: any TextEmbeddingModel
    /// Sentiment by query language (`en`, `zh`); a language without one reads as neutral.
    public let sentiment: [String: SentimentReader]
    public let model: any AnswerModel
    public let router: Router
    public var faithfulness = FaithfulnessCheck()
    public var guardrail = InjectionGuard()
    /// Passages shown to the model.
    public var passagesInPrompt = 3
    /// Earlier turns shown to the model.
    public var turnsInPrompt = 4
    public var maxTokens = 90

    public init(
        retriever: KnowledgeRetriever, intent: IntentClassifier, intentEncoder: any TextEmbeddingModel, sentiment: [String: SentimentReader],
        model: any AnswerModel, router: Router
    ) {
        self.retriever = retriever
        self.intent = intent
        self.intentEncoder = intentEncoder
        self.sentiment = sentiment
        self.model = model
        self.router = router
    }

    /// The reply to one (already redacted) message.
    public func respond(_ request: AssistRequest) async throws -> AssistResponse {
        let screened = guardrail.screen(request.message)
        let text = screened.clean
        let language = KnowledgeRetriever.queryLanguage(text.isEmpty ? request.message : text)
        var prediction = IntentPrediction(intent: IntentClassifier.outOfScope, topLabel: IntentClassifier.outOfScope, confidence: 0)
        var mood = 0.0
        if !text.isEmpty {
            prediction = try intent.predict(batch: try intentEncoder.embed([text], role: .query))[0]
            mood = try sentiment[language]?.score(text) ?? 0
        }
        var decision = router.decide(
            RoutingInput(intent: prediction, sentiment: mood, customer: request.customer, askedToRephrase: request.askedToRephrase))
        if !screened.flagged.isEmpty {
            decision.reasons.append("\(screened.flagged.count) sentence(s) addressed to the assistant were treated as data and not followed")
        }

        var response = AssistResponse(
            intent: prediction.intent, confidence: prediction.confidence, sentiment: mood, route: decision.route, reasons: decision.reasons,
            answer: "", sources: [], offer: decision.offer, action: decision.action, suggestedAnswer: nil, faithfulness: nil)
        let passages = text.isEmpty ? [] : try retriever.search(text, k: passagesInPrompt)
        response.sources = Self.sources(passages)
        switch decision.action {
        case .rephrase:
            response.answer = Self.rephraseText(language)
            response.sources = []
            return response
        case .handoff:
            response.answer = Self.handoffText(language)
            return response
        case .answer:
            break
        }
        if let weakness = weakness(passages) {
            return handOver(response, reason: weakness, language: language, customer: request.customer)
        }
        let shown = passages.map { passage in
            var chunk = passage.chunk
            chunk.text = guardrail.screen(chunk.text).clean
            return chunk
        }
        let prompt = GroundedPrompt(
            passages: shown, facts: [],
            recentTurns: request.recentTurns.suffix(turnsInPrompt).map {
                ConversationTurn(speaker: $0.speaker, text: $0.speaker == .customer ? guardrail.screen($0.text).clean : $0.text)
            }, question: text, language: language)
        let reply = try await model.complete(prompt.messages, maxTokens: maxTokens).trimmingCharacters(in: .whitespacesAndNewlines)
        let allowed = Set(passages.map(\.chunk.articleID))
        let cited = AnswerText.citations(reply)
        let verdict = faithfulness.check(reply, passages: shown.map(\.searchText))
        response.faithfulness = verdict
        let problems = validate(reply, cited: cited, allowed: allowed, verdict: verdict, passages: shown.map(\.text))
        if !problems.isEmpty {
            response.suggestedAnswer = reply
            return handOver(response, reason: problems.joined(separator: "; "), language: language, customer: request.customer)
        }
        response.answer = AnswerText.withoutCitations(reply)
        let citedSources = cited.filter(allowed.contains)
        if !citedSources.isEmpty { response.sources = response.sources.filter(citedSources.contains) + citedSources.filter { !response.sources.contains($0) } }
        response.reasons.append("answer supported by \(response.sources.joined(separator: ", "))")
        return response
    }

    /// Why retrieval is too weak to answer from, or nil.
    func weakness(_ passages: [RetrievedPassage]) -> String? {
        guard let top = passages.first else { return "no knowledge passage matches the question" }
        if router.policy.acceptAgreement && top.foundBy.count == RetrieverKind.allCases.count { return nil }
        let model = top.denseModel ?? ""
        let floor = router.policy.minimumDenseScore[model] ?? 0
        guard let dense = passages.compactMap(\.denseScore).max() else { return "retrieval weak: only keyword matches" }
        return dense < floor ? "retrieval weak: best similarity \(Router.number(dense)) below \(Router.number(floor)) for \(model)" : nil
    }

    /// What is wrong with a model's answer: unknown citations, unsupported sentences, offers beyond policy.
    func validate(_ reply: String, cited: [String], allowed: Set<String>, verdict: FaithfulnessCheck.Verdict, passages: [String]) -> [String] {
        var problems: [String] = []
        let foreign = cited.filter { !allowed.contains($0) }
        if !foreign.isEmpty { problems.append("the answer cites articles that were not retrieved (\(foreign.joined(separator: ", ")))") }
        let unsupported = verdict.sentences.filter { !$0.supported }
        if verdict.sentences.isEmpty { problems.append("the model wrote no answer") }
        if !unsupported.isEmpty { problems.append("\(unsupported.count) of \(verdict.sentences.count) sentences not supported by the passages") }
        // A percentage the passages state is policy (points pay up to 50%); any other above the cap is an invented offer.
        let stated = Set(passages.flatMap(OfferScan.percentages))
        let promised = OfferScan.percentages(reply).filter { $0 > router.policy.maximumDiscountPercent && !stated.contains($0) }
        if !promised.isEmpty { problems.append("the answer promises \(promised.map(Router.number).joined(separator: ", "))% off, above the policy") }
        return problems
    }

    private func handOver(_ response: AssistResponse, reason: String, language: String, customer: CustomerStanding) -> AssistResponse {
        var out = response
        let valuable = router.decide(
            RoutingInput(
                intent: IntentPrediction(intent: "talk_to_human", topLabel: "talk_to_human", confidence: 1), sentiment: response.sentiment, customer: customer,
                askedToRephrase: false)
        ).route
        out.route = valuable == .priorityHuman ? .priorityHuman : .human
        out.action = .handoff
        out.answer = Self.handoffText(language)
        out.reasons.append("\(reason): a person takes over")
        return out
    }

    /// The distinct articles of the passages that fusion ranks close to the best (at least half its score).
    static func sources(_ passages: [RetrievedPassage]) -> [String] {
        guard let best = passages.first?.score else { return [] }
        var ids: [String] = []
        for passage in passages where passage.score >= best / 2 && !ids.contains(passage.chunk.articleID) { ids.append(passage.chunk.articleID) }
        return ids
    }

    public static func handoffText(_ language: String) -> String {
        language == "zh" ? "我们的客服同事会尽快接手，为您处理这个问题。" : "A member of our team will take over this conversation and get back to you shortly."
    }

    public static func rephraseText(_ language: String) -> String {
        language == "zh" ? "抱歉，我没有完全理解您的问题，能换个说法再说一次吗？" : "Sorry, I did not quite understand. Could you say it in other words?"
    }
}

/// Percentages an answer writes (`20%`, `20 percent`, `20 per cent`, `百分之20`); Chinese `8折` counts as 20.
enum OfferScan {
    static func percentages(_ text: String) -> [Double] {
        var found: [Double] = []
        let scalars = Array(text.lowercased())
        var i = 0
        while i < scalars.count {
            guard scalars[i].isASCII, scalars[i].isNumber else {
                i += 1
                continue
            }
            var j = i
            while j < scalars.count, scalars[j].isASCII, scalars[j].isNumber || scalars[j] == "." { j += 1 }
            let value = Double(String(scalars[i..<j])) ?? 0
            let after = String(scalars[j..<min(j + 9, scalars.count)]).trimmingCharacters(in: .whitespaces)
            let before = String(scalars[max(0, i - 3)..<i])
            if after.hasPrefix("%") || after.hasPrefix("percent") || after.hasPrefix("per cent") || after.hasPrefix("％") || before.hasSuffix("百分之") {
                found.append(value)
            } else if after.hasPrefix("折"), value > 0, value < 10 {
                found.append((10 - value) * 10)
            }
            i = j
        }
        return found
    }
}
