import CLVAssist
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
    /// The installation's model for customers' texts.
    let embeddingModel: EmbeddingModelChoice
    /// A fine-tuned encoder folder that replaces the stock MiniLM (configuration key `encoder`).
    private let encoderFolder: URL?
    private var encoder: SentenceEncoder?
    private var generator: TextGenerator?

    init(directory: ModelDirectory, embeddingModel: EmbeddingModelChoice, encoderFolder: URL? = nil) {
        self.directory = directory
        self.embeddingModel = embeddingModel
        self.encoderFolder = encoderFolder
    }

    func textGenerator() throws -> TextGenerator {
        if let generator { return generator }
        let loaded = TextGenerator(model: try LlamaModel.smolLM2(in: directory))
        generator = loaded
        return loaded
    }

    func sentenceEncoder() throws -> SentenceEncoder {
        if let encoder { return encoder }
        let loaded = try encoderFolder.map { try SentenceEncoder(encoderFolder: $0) } ?? SentenceEncoder(directory: directory)
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

    /// The installation's embedding model behind the store's embedding cache.
    func cachedEmbedder(cache: any EmbeddingCache) throws -> CachedEmbedder {
        switch embeddingModel {
        case .minilm: CachedEmbedder(model: try sentenceEncoder(), cache: cache)
        case .e5Small: CachedEmbedder(model: try e5Encoder(), cache: cache)
        }
    }

    private var sentiment: EmbeddingClassifier??

    /// The installed sentiment classifier for `modelName` vectors (`make setup` puts it under the models
    /// directory), or nil when there is none.
    func sentimentClassifier(for modelName: String) -> EmbeddingClassifier? {
        if let sentiment { return sentiment }
        let url = directory.root.appendingPathComponent("sentiment").appendingPathComponent("\(embeddingModel.rawValue).json")
        let loaded = FileManager.default.contents(atPath: url.path).flatMap { try? EmbeddingClassifier(jsonData: $0) }
        sentiment = .some(loaded?.embeddingModel == modelName ? loaded : nil)
        return sentiment ?? nil
    }

    private var assistant: (built: Date, value: Assistant)?
    /// How long an assistant is kept before the knowledge base is read again (`clv kb ingest` runs elsewhere).
    static let assistantMaxAge: TimeInterval = 60

    /// The customer-service assistant over the store's knowledge base, answering with the shared generator.
    /// - Throws: ``AssistError`` when the knowledge base is empty or the intent model is missing.
    func assistant(store: any ServiceStore, queue: GenerationQueue, external: ServerConfiguration.AssistLLM?) async throws -> Assistant {
        if let assistant, Date().timeIntervalSince(assistant.built) < Self.assistantMaxAge { return assistant.value }
        let answerModel: any AnswerModel =
            if let external {
                OpenAICompatibleModel(baseURL: external.url, model: external.model, apiKey: ProcessInfo.processInfo.environment[external.apiKeyEnv])
            } else {
                QueuedAnswerModel(generator: try textGenerator(), queue: queue)
            }
        let encoders: [EmbeddingModelChoice: any TextEmbeddingModel] = [.minilm: try sentenceEncoder(), .e5Small: try e5Encoder()]
        let built = try await AssistantAssembly.assistant(store: store, answerModel: answerModel, directory: directory, encoders: encoders)
        assistant = (Date(), built)
        return built
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

        enum EncodingFormat: String, Decodable, Sendable, CaseIterable { case float, base64 }

        var input: Input
        var model: String?
        /// `base64`: each vector as the base64 of its little-endian float32 bytes (what OpenAI's Python client asks for).
        var encoding_format: EncodingFormat?
        /// Only the model's own dimension: the local models cannot shorten their vectors.
        var dimensions: Int?
        var user: String?
    }

    struct ChatRequest: Decodable, Sendable {
        struct Message: Decodable, Sendable {
            var role: String
            var content: String
        }

        /// `stop`: one string or up to four; generation ends before the first of them.
        enum Stop: Decodable, Sendable {
            case one(String)
            case many([String])

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
            }

            var strings: [String] {
                switch self {
                case let .one(text): [text]
                case let .many(texts): texts
                }
            }
        }

        struct StreamOptions: Decodable, Sendable {
            var include_usage: Bool?
        }

        var model: String?
        var messages: [Message]
        var max_tokens: Int?
        /// OpenAI's newer name for `max_tokens`; give one of the two.
        var max_completion_tokens: Int?
        var temperature: Double?
        var top_p: Double?
        var seed: UInt64?
        var stream: Bool?
        var stream_options: StreamOptions?
        var stop: Stop?
        var user: String?
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
            enum Vector: Encodable, Sendable {
                case float([Float])
                case base64(String)

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.singleValueContainer()
                    switch self {
                    case let .float(values): try container.encode(values)
                    case let .base64(text): try container.encode(text)
                    }
                }
            }

            var object = "embedding"
            var index: Int
            var embedding: Vector
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

    /// A vector as OpenAI's `encoding_format: "base64"` gives it: the little-endian float32 bytes, base64-encoded.
    static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }

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
            if body.max_tokens != nil, body.max_completion_tokens != nil {
                throw APIError.unprocessable("Give max_tokens or max_completion_tokens, not both (they mean the same).")
            }
            let maxTokens = body.max_completion_tokens ?? body.max_tokens ?? 256
            guard (1...2048).contains(maxTokens) else { throw APIError.unprocessable("Field 'max_completion_tokens' (or 'max_tokens') must be 1 to 2048.") }
            let stops = body.stop?.strings ?? []
            guard stops.count <= 4, stops.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.count <= 256 }) else {
                throw APIError.unprocessable("Field 'stop' must be a string or up to 4 strings, each 1 to 256 characters.")
            }
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
                let includeUsage = body.stream_options?.include_usage == true
                let response = ResponseBody { writer in
                    func write(_ chunk: ChatCompletion) async throws {
                        try await writer.write(ByteBuffer(string: "data: \(try JSON.text(chunk))\n\n"))
                    }
                    func send(_ delta: ChatCompletion.Message, finish: String? = nil) async throws {
                        try await write(
                            ChatCompletion(
                                id: id, object: "chat.completion.chunk", created: created, model: model, choices: [.init(delta: delta, finish_reason: finish)]))
                    }
                    try await send(.init(role: "assistant"))
                    var stopper = StopSequences(stops)
                    var count = 0
                    var stopped = false
                    for try await token in tokens {
                        count += 1
                        let (text, done) = stopper.feed(token.text)
                        if !text.isEmpty { try await send(.init(content: text)) }
                        if done {
                            stopped = true
                            break
                        }
                    }
                    let rest = stopped ? "" : stopper.flush()
                    if !rest.isEmpty { try await send(.init(content: rest)) }
                    try await send(.init(), finish: !stopped && count >= maxTokens ? "length" : "stop")
                    if includeUsage {
                        // OpenAI's final usage chunk: no choices, the counts of the whole reply.
                        try await write(
                            ChatCompletion(
                                id: id, object: "chat.completion.chunk", created: created, model: model, choices: [],
                                usage: .init(prompt_tokens: prompt.count, completion_tokens: count, total_tokens: prompt.count + count)))
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                }
                return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: response)
            }
            // Generation runs on a dispatch thread (TextGenerator.stream), never on the server's executor.
            var stopper = StopSequences(stops)
            var text = "", completion = 0, stopped = false
            do {
                for try await token in tokens {
                    completion += 1
                    let (piece, done) = stopper.feed(token.text)
                    text += piece
                    if done {
                        stopped = true
                        break
                    }
                }
            } catch { throw APIError.unprocessable("\(error)") }
            if !stopped { text += stopper.flush() }
            return try JSON.response(
                ChatCompletion(
                    id: id, object: "chat.completion", created: created, model: model,
                    choices: [.init(message: .init(role: "assistant", content: text), finish_reason: !stopped && completion >= maxTokens ? "length" : "stop")],
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
            if let dimensions = body.dimensions, dimensions != 384 {
                throw APIError.unprocessable("Field 'dimensions' must be 384 (or left out): the local models cannot shorten their vectors.")
            }
            let choice: EmbeddingModelChoice
            switch body.model {
            case nil: choice = services.configuration.embeddingModel
            case KnownModel.miniLM.rawValue, "text-embedding-local", EmbeddingModelChoice.minilm.rawValue: choice = .minilm
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
                    model: name,
                    data: vectors.enumerated().map { index, vector in
                        .init(index: index, embedding: body.encoding_format == .base64 ? .base64(Self.base64(vector)) : .float(vector))
                    },
                    usage: .init(prompt_tokens: tokens, total_tokens: tokens)
                ))
        }
    }
}

/// OpenAI's `stop`: streamed text is held back while it could still be the start of a stop sequence, and generation
/// ends before the first complete one (which is not returned).
struct StopSequences: Sendable {
    private let stops: [String]
    private var pending = ""

    init(_ stops: [String]) { self.stops = stops }

    /// The text that can be released after `piece`, and whether a stop sequence has been reached.
    mutating func feed(_ piece: String) -> (text: String, stopped: Bool) {
        guard !stops.isEmpty else { return (piece, false) }
        pending += piece
        if let cut = stops.compactMap({ pending.range(of: $0)?.lowerBound }).min() {
            let text = String(pending[..<cut])
            pending = ""
            return (text, true)
        }
        // Keep the longest tail that is a prefix of some stop sequence.
        var keep = 0
        for stop in stops {
            for length in stride(from: min(stop.count, pending.count), to: 0, by: -1) where pending.hasSuffix(stop.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let text = String(pending.dropLast(keep))
        pending = String(pending.suffix(keep))
        return (text, false)
    }

    /// What is still held back when generation ends without a stop sequence.
    mutating func flush() -> String {
        defer { pending = "" }
        return pending
    }
}
