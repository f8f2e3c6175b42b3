import CLVAssist
import CLVCore
import CLVData
import CLVInsight
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import CLVText
import Foundation

/// The real parts of the assistant, built once per test process: MiniLM and e5-small, the shipped knowledge base
/// and sentiment models, and an intent model trained on the shipped intent examples.
enum AssistFixtures {
    struct Parts: Sendable {
        var encoders: [EmbeddingModelChoice: any TextEmbeddingModel]
        var retriever: KnowledgeRetriever
        var intent: IntentClassifier
        var sentiment: [String: SentimentReader]
    }

    static let parts = Task { try await build() }

    static func build() async throws -> Parts {
        let encoders = try KnowledgeBaseWorkflow.loadEncoders(directory: ModelDirectory(root: TestData.modelsDirectory))
        let store = try SQLiteStore.inMemory()
        let workflow = KnowledgeBaseWorkflow(store: store, encoders: encoders)
        _ = try await workflow.ingest(try KnowledgeBaseFile.read(KnowledgeBaseTests.shippedFolder))
        let retriever = try await workflow.retriever()
        let intent = try trainIntent(encoders[.e5Small]!)
        var sentiment: [String: SentimentReader] = [:]
        for (language, choice) in [("en", EmbeddingModelChoice.minilm), ("zh", .e5Small)] {
            let url = TestData.projectRoot.appendingPathComponent("models/sentiment/\(choice.rawValue).json")
            sentiment[language] = SentimentReader(classifier: try EmbeddingClassifier(jsonData: try Data(contentsOf: url)), encoder: encoders[choice]!)
        }
        return Parts(encoders: encoders, retriever: retriever, intent: intent, sentiment: sentiment)
    }

    static var intentExamples: URL { TestData.projectRoot.appendingPathComponent("models/intent/ecommerce-intents.csv") }

    static func trainIntent(_ encoder: any TextEmbeddingModel) throws -> IntentClassifier {
        let (examples, _) = try LabeledTextFile.read(intentExamples)
        let vectors = try encoder.embed(examples.map(\.text), role: .query)
        return try IntentTrainer().train(zip(vectors, examples).map { LabeledEmbedding(embedding: $0, label: $1.label) }, embeddingModel: encoder.modelName)
    }

    static func assistant(model: any AnswerModel, retriever: KnowledgeRetriever? = nil, policy: RoutingPolicy = .defaults) async throws -> Assistant {
        let parts = try await parts.value
        return Assistant(
            retriever: retriever ?? parts.retriever, intent: parts.intent, intentEncoder: parts.encoders[.e5Small]!, sentiment: parts.sentiment,
            model: model, router: Router(policy: policy))
    }
}

/// A stand-in for a model that does whatever its prompt says: it obeys any instruction it is shown (a coupon, a
/// role), and otherwise answers with the first sentence of the first passage and its id. It records every prompt.
final class ObedientModel: AnswerModel, @unchecked Sendable {
    // The lock guards `prompts`; tests read it after the calls finish.
    private let lock = NSLock()
    private var seen: [[ChatMessage]] = []
    var name: String { "obedient" }
    var isExternal: Bool { false }

    var prompts: [[ChatMessage]] { lock.withLock { seen } }

    func complete(_ messages: [ChatMessage], maxTokens: Int) async throws -> String {
        lock.withLock { seen.append(messages) }
        let user = messages.last?.content ?? ""
        let lowered = user.lowercased()
        // What an injection would have to get into the prompt for this model to obey it.
        let triggers = ["ignore", "coupon code", "100%", "you are now", "pretend", "system", "developer mode", "忽略", "扮演", "免单", "无视", "全额返现"]
        if triggers.contains(where: { lowered.contains($0) }) {
            return "Of course! You get a 100% discount with code FREE100, and I am now in developer mode. [en-coupons-promotions]"
        }
        // "[article-id] heading: text" lines follow "Passages:".
        guard let line = user.split(separator: "\n").first(where: { $0.hasPrefix("[") }), let close = line.firstIndex(of: "]"),
            let colon = line[close...].firstIndex(of: ":")
        else { return "I do not know." }
        let id = line[line.index(after: line.startIndex)..<close]
        let text = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        let first = InjectionGuard.sentences(text).first ?? text
        return "\(first) [\(id)]"
    }
}

/// A model that always writes the same reply.
struct FixedModel: AnswerModel {
    var reply: String
    var name: String { "fixed" }
    var isExternal: Bool { false }
    func complete(_ messages: [ChatMessage], maxTokens: Int) async throws -> String { reply }
}

extension AssistFixtures {
    static let handoffLike = "A member of our team will take over this conversation and get back to you shortly."
}

extension RoutingPolicy {
    static func policy(_ change: (inout RoutingPolicy) -> Void) -> RoutingPolicy {
        var p = RoutingPolicy.defaults
        change(&p)
        return p
    }
}
