import CLVAssist
import CLVData
import CLVInsight
import CLVText
import Foundation

/// The assistant's parts, loaded the same way for `clv assist` and `POST /v1/assist`: the knowledge base's
/// retriever, the intent model and its encoder, a sentiment reader per language, the routing rules; the caller
/// chooses the answer model (the CLI the local SmolLM2 or `--llm-url`, the server its shared, queued generator).
public enum AssistantAssembly {
    /// The intent model `make setup` trains (BANKING77-style service intents on e5-small vectors).
    public static func defaultIntentURL(_ directory: ModelDirectory = ModelDirectory()) -> URL {
        directory.root.appendingPathComponent("intent").appendingPathComponent("e5-small.json")
    }

    /// - Parameters:
    ///   - intentModel: a `clv intent train` file (default: ``defaultIntentURL(_:)``).
    ///   - routing: a routing-rules JSON file (default: ``RoutingPolicy/defaults``).
    ///   - encoders: MiniLM and e5-small when the caller holds them already (default: loaded from `directory`).
    ///   - warn: told about a part that is missing but has a fallback (a language without a sentiment model).
    /// - Throws: ``AssistError`` naming the part that cannot be read and how to get it.
    public static func assistant(
        store: any ServiceStore, answerModel: any AnswerModel, intentModel: String? = nil, routing: String? = nil,
        directory: ModelDirectory = ModelDirectory(), encoders: [EmbeddingModelChoice: any TextEmbeddingModel]? = nil, warn: (String) -> Void = { _ in }
    ) async throws -> Assistant {
        let encoders = try encoders ?? KnowledgeBaseWorkflow.loadEncoders(directory: directory)
        let retriever = try await KnowledgeBaseWorkflow(store: store, encoders: encoders).retriever()
        let intentPath = intentModel ?? defaultIntentURL(directory).path
        guard FileManager.default.fileExists(atPath: intentPath) else {
            throw AssistError.unreadableModel(
                intentModel == nil
                    ? "none at \(intentPath): run `make setup`, or pass --intent-model MODEL from `clv intent train`"
                    : "cannot read \(intentPath): check the path")
        }
        guard let intentData = FileManager.default.contents(atPath: intentPath) else {
            throw AssistError.unreadableModel("cannot read \(intentPath): check the path, or train one with `clv intent train --data FILE.csv --out MODEL`")
        }
        let intent = try IntentClassifier(jsonData: intentData)
        guard let intentChoice = EmbeddingModelChoice.allCases.first(where: { $0.knownModel.rawValue == intent.embeddingModel }),
            let intentEncoder = encoders[intentChoice]
        else { throw AssistError.unreadableModel("\(intentPath) reads \(intent.embeddingModel) vectors, which this CLVKit does not have") }
        var sentiment: [String: SentimentReader] = [:]
        for (language, choice) in [("en", EmbeddingModelChoice.minilm), ("zh", .e5Small)] {
            guard let encoder = encoders[choice] else { continue }
            let url = directory.root.appendingPathComponent("sentiment").appendingPathComponent("\(choice.rawValue).json")
            if let data = FileManager.default.contents(atPath: url.path), let classifier = try? EmbeddingClassifier(jsonData: data),
                classifier.embeddingModel == encoder.modelName
            {
                sentiment[language] = SentimentReader(classifier: classifier, encoder: encoder)
            } else {
                warn("No installed sentiment model for \(choice.rawValue) (`make setup`): \(language) messages read as neutral.")
            }
        }
        var policy = RoutingPolicy.defaults
        if let routing {
            guard let data = FileManager.default.contents(atPath: routing) else {
                throw AssistError.invalidPolicy("cannot read the routing rules \(routing): check the path")
            }
            policy = try RoutingPolicy.read(data)
        }
        return Assistant(
            retriever: retriever, intent: intent, intentEncoder: intentEncoder, sentiment: sentiment, model: answerModel, router: Router(policy: policy))
    }
}
