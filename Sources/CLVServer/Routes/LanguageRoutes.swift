import CLVData
import CLVInsight
import CLVPipeline
import CLVText
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The local language models, loaded on first use.
actor LanguageModels {
    private let directory: ModelDirectory
    private var encoder: SentenceEncoder?
    private var generator: TextGenerator?

    init(directory: ModelDirectory) { self.directory = directory }

    func textGenerator() throws -> TextGenerator {
        if let generator { return generator }
        let loaded = TextGenerator(model: try LlamaModel.smolLM2(in: directory))
        generator = loaded
        return loaded
    }

    func sentenceEncoder() throws -> SentenceEncoder {
        if let encoder { return encoder }
        let loaded = try SentenceEncoder(directory: directory)
        encoder = loaded
        return loaded
    }

    private var e5: E5SentenceEncoder?

    func e5Encoder() throws -> E5SentenceEncoder {
        if let e5 { return e5 }
        let loaded = try E5SentenceEncoder(directory: directory)
        e5 = loaded
        return loaded
    }

    /// MiniLM behind the store's embedding cache.
    func cachedEmbedder(cache: any EmbeddingCache) throws -> CachedEmbedder {
        CachedEmbedder(model: try sentenceEncoder(), cache: cache)
    }

    private var sentiment: EmbeddingClassifier??

    /// The installed sentiment classifier for `modelName` vectors (`make setup` puts it under the models
    /// directory), or nil when there is none.
    func sentimentClassifier(for modelName: String) -> EmbeddingClassifier? {
        if let sentiment { return sentiment }
        let url = directory.root.appendingPathComponent("sentiment").appendingPathComponent("\(EmbeddingModelChoice.minilm.rawValue).json")
        let loaded = FileManager.default.contents(atPath: url.path).flatMap { try? EmbeddingClassifier(jsonData: $0) }
        sentiment = .some(loaded?.embeddingModel == modelName ? loaded : nil)
        return sentiment ?? nil
    }

    private var topicReport: InsightWorkflow.TopicReport?
    private var topicTask: Task<Void, Never>?

    /// The topics interests are measured against: nil until a background job has computed them once (embedding a
    /// catalogue takes longer than a request should).
    func topics(store: any ServiceStore, embedder: CachedEmbedder) -> InsightWorkflow.TopicReport? {
        if topicReport == nil, topicTask == nil {
            topicTask = Task.detached(priority: .utility) { [weak self] in
                let insight = InsightWorkflow(store: store)
                let source: InsightWorkflow.TopicSource = ((try? await insight.profilableInteractions().isEmpty) ?? true) ? .products : .interactions
                do {
                    await self?.finishTopics(try await insight.topics(source: source, k: 20, embedder: embedder), problem: nil)
                } catch {
                    await self?.finishTopics(nil, problem: "\(error)")
                }
            }
        }
        return topicReport
    }

    /// Why the last topics job produced no topics (the next call to ``topics(store:embedder:)`` tries again), or nil.
    private(set) var topicsProblem: String?

    private func finishTopics(_ report: InsightWorkflow.TopicReport?, problem: String?) {
        topicReport = report
        topicsProblem = problem
        if report == nil { topicTask = nil }
    }
}

/// OpenAI-compatible language endpoints served by the local models.
enum LanguageRoutes {
    struct EmbeddingRequest: Decodable, Sendable {
        enum Input: Decodable, Sendable {
            case one(String)
            case many([String])

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
            }

            var texts: [String] {
                switch self {
                case let .one(text): [text]
                case let .many(texts): texts
                }
            }
        }

        var input: Input
        var model: String?
    }

    struct ChatRequest: Decodable, Sendable {
        struct Message: Decodable, Sendable {
            var role: String
            var content: String
        }

        var model: String?
        var messages: [Message]
        var max_tokens: Int?
        var temperature: Double?
        var top_p: Double?
        var seed: UInt64?
        var stream: Bool?
    }

    /// `chat.completion` and `chat.completion.chunk`, as OpenAI's clients read them.
    struct ChatCompletion: Encodable, Sendable {
        struct Message: Encodable, Sendable {
            var role: String?
            var content: String?
        }

        struct Choice: Encodable, Sendable {
            var index = 0
            var message: Message?
            var delta: Message?
            /// `stop`, `length`, or null in a chunk that is not the last.
            var finish_reason: String?

            private enum CodingKeys: String, CodingKey { case index, message, delta, finish_reason }

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(index, forKey: .index)
                try c.encodeIfPresent(message, forKey: .message)
                try c.encodeIfPresent(delta, forKey: .delta)
                try c.encode(finish_reason, forKey: .finish_reason)
            }
        }

        struct Usage: Encodable, Sendable {
            var prompt_tokens: Int
            var completion_tokens: Int?
            var total_tokens: Int
        }

        var id: String
        var object: String
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage?
    }

    struct EmbeddingList: Encodable, Sendable {
        struct Embedding: Encodable, Sendable {
            var object = "embedding"
            var index: Int
            var embedding: [Float]
        }

        var object = "list"
        var model: String
        var data: [Embedding]
        var usage: ChatCompletion.Usage
    }

    /// `GET /v1/models`: what the chat and embedding routes accept, as OpenAI's clients list models.
    struct ModelInfo: Encodable, Sendable {
        var id: String
        var object = "model"
        var created = 0
        var owned_by = "clvkit"
    }

    struct ModelList: Encodable, Sendable {
        var object = "list"
        var data: [ModelInfo]
    }

    /// The models the routes serve: the local generator and the local embedding model.
    static let servedModels = [KnownModel.smolLM2, .miniLM, .e5Small].map { ModelInfo(id: $0.rawValue) }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .get, path: "/v1/models", roles: .readers, summary: "The models /v1/chat/completions and /v1/embeddings accept (OpenAI-compatible).",
                tag: "language", response: ModelList.self
            )
        ) { _, _ in
            try JSON.response(ModelList(data: servedModels))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/models/{id}", roles: .readers, summary: "One model the language routes accept.", tag: "language",
                responses: [200: "The model", 404: "No such model"], response: ModelInfo.self
            )
        ) { _, context in
            let id = try context.id()
            guard let model = servedModels.first(where: { $0.id == id }) else {
                throw APIError.notFound("No model \(id) here; GET /v1/models lists them.")
            }
            return try JSON.response(model)
        }

        routes.add(
            RouteSpec(
                method: .post, path: "/v1/chat/completions", roles: .readers,
                summary: "Chat completions (OpenAI-compatible) from the local SmolLM2-135M-Instruct; server-sent events with \"stream\": true.",
                tag: "language", requestBody: ChatRequest.self,
                responses: [
                    200: "The reply (or an event stream)", 422: "Invalid request or prompt too long",
                    503: "Model not installed, or too many conversations waiting (Retry-After)",
                ],
                response: ChatCompletion.self, produces: "application/json, text/event-stream"
            )
        ) { request, context in
            let body = try await JSON.decode(ChatRequest.self, from: request, context: context)
            guard !body.messages.isEmpty, body.messages.count <= 64 else { throw APIError.unprocessable("Field 'messages' must hold 1 to 64 messages.") }
            let messages = try body.messages.enumerated().map { i, m in
                guard let role = ChatMessage.Role(rawValue: m.role) else {
                    throw APIError.unprocessable("messages[\(i)].role must be one of: \(ChatMessage.Role.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return ChatMessage(role: role, content: m.content)
            }
            let maxTokens = body.max_tokens ?? 256
            guard (1...2048).contains(maxTokens) else { throw APIError.unprocessable("Field 'max_tokens' must be 1 to 2048.") }
            let sampling = SamplingOptions(temperature: body.temperature ?? 0, topP: body.top_p ?? 1, seed: body.seed ?? 0)
            do { try sampling.validate() } catch { throw APIError.unprocessable("\(error)") }
            let generator: TextGenerator
            do { generator = try await services.language.textGenerator() } catch {
                throw APIError.unavailable("The chat model is not available (\(error)).")
            }
            let prompt: [Int]
            do { prompt = try generator.chatPrompt(messages) } catch { throw APIError.unprocessable("\(error)") }
            let limit = generator.model.configuration.contextLength
            guard prompt.count + maxTokens <= limit else {
                throw APIError.unprocessable(
                    "The conversation (\(prompt.count) tokens) plus max_tokens (\(maxTokens)) exceeds the model's context of \(limit) tokens: shorten it.")
            }
            let options = GenerationOptions(maxTokens: maxTokens, sampling: sampling)
            let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let created = Int(Date().timeIntervalSince1970)
            let model = KnownModel.smolLM2.rawValue
            let tokens = try await services.generations.tokens(from: generator, prompt: prompt, options: options)
            if body.stream == true {
                let response = ResponseBody { writer in
                    func send(_ delta: ChatCompletion.Message, finish: String? = nil) async throws {
                        let chunk = ChatCompletion(
                            id: id, object: "chat.completion.chunk", created: created, model: model,
                            choices: [.init(delta: delta, finish_reason: finish)]
                        )
                        try await writer.write(ByteBuffer(string: "data: \(try JSON.text(chunk))\n\n"))
                    }
                    try await send(.init(role: "assistant"))
                    var count = 0
                    for try await token in tokens {
                        count += 1
                        if !token.text.isEmpty { try await send(.init(content: token.text)) }
                    }
                    try await send(.init(), finish: count >= maxTokens ? "length" : "stop")
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                }
                return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: response)
            }
            // Generation runs on a dispatch thread (TextGenerator.stream), never on the server's executor.
            var text = "", completion = 0
            do {
                for try await token in tokens {
                    text += token.text
                    completion += 1
                }
            } catch { throw APIError.unprocessable("\(error)") }
            return try JSON.response(
                ChatCompletion(
                    id: id, object: "chat.completion", created: created, model: model,
                    choices: [.init(message: .init(role: "assistant", content: text), finish_reason: completion >= maxTokens ? "length" : "stop")],
                    usage: .init(prompt_tokens: prompt.count, completion_tokens: completion, total_tokens: prompt.count + completion)
                ))
        }

        routes.add(
            RouteSpec(
                method: .post, path: "/v1/embeddings", roles: .readers,
                summary:
                    "Sentence embeddings (OpenAI-compatible), 384 dimensions, unit length: model all-MiniLM-L6-v2 (default; English) or multilingual-e5-small (Chinese and ~100 languages, embedded as queries). Vectors of the two models are not comparable.",
                tag: "language", requestBody: EmbeddingRequest.self, responses: [200: "Embeddings", 422: "Invalid request", 503: "Model not installed"],
                response: EmbeddingList.self
            )
        ) { request, context in
            let body = try await JSON.decode(EmbeddingRequest.self, from: request, context: context)
            let texts = body.input.texts
            guard !texts.isEmpty, texts.count <= 256 else { throw APIError.unprocessable("Field 'input' must be a string or 1 to 256 strings.") }
            let choice: EmbeddingModelChoice
            switch body.model {
            case nil, KnownModel.miniLM.rawValue, "text-embedding-local", EmbeddingModelChoice.minilm.rawValue: choice = .minilm
            case KnownModel.e5Small.rawValue, EmbeddingModelChoice.e5Small.rawValue: choice = .e5Small
            default:
                throw APIError.unprocessable(
                    "Field 'model' must be \(KnownModel.miniLM.rawValue) or \(KnownModel.e5Small.rawValue) (the local embedding models).")
            }
            let vectors: [[Float]]
            let tokens: Int
            let name: String
            do {
                switch choice {
                case .minilm:
                    let encoder = try await services.language.sentenceEncoder()
                    (vectors, name) = (try encoder.embed(texts), encoder.modelName)
                    tokens = texts.reduce(0) { $0 + encoder.tokenizer.encode($1).count }
                case .e5Small:
                    let encoder = try await services.language.e5Encoder()
                    (vectors, name) = (try encoder.embed(texts, role: .query), encoder.modelName)
                    tokens = texts.reduce(0) { total, text in total + encoder.tokenizer.windows(text, role: .query).reduce(0) { $0 + $1.count } }
                }
            } catch let error as EncoderError {
                throw APIError.unavailable("The embedding model \(choice.knownModel.rawValue) is not available (\(error)).")
            }
            return try JSON.response(
                EmbeddingList(
                    model: name, data: vectors.enumerated().map { .init(index: $0, embedding: $1) },
                    usage: .init(prompt_tokens: tokens, total_tokens: tokens)
                ))
        }
    }
}
