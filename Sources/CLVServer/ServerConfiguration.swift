import CLVCore
import CLVText
import Foundation

/// Everything `clv serve` can be configured with. Sources, weakest first: defaults, a JSON file
/// (`--config FILE` or `$CLV_CONFIG`), environment variables (`CLV_HOST`, `CLV_PORT`, `CLV_DB`, `CLV_RATE_LIMIT`,
/// `CLV_MAX_BODY_BYTES`, `CLV_EMBEDDING_MODEL`), then command-line flags.
public struct ServerConfiguration: Sendable, Equatable, Decodable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var database = "clv.sqlite"
    /// Requests per second allowed per API key (a token bucket with `rateBurst` tokens).
    public var rateLimit = 2_000.0
    public var rateBurst = 4_000.0
    /// Largest request body accepted; larger bodies get 413.
    public var maxBodyBytes = 1 << 20
    /// The purchase model scored by default, and the prediction horizon and CLV horizon.
    public var model = ModelKind.bgnbd
    public var horizonWeeks = 52.0
    public var clvMonths = 12
    public var monthlyDiscountRate = 0.01
    /// How long a population snapshot (tiers, RFM, segments) may lag behind new events.
    public var snapshotMaxAgeSeconds = 30.0
    /// Chat completions waiting for the generator (which serves one at a time) before new ones get 503.
    public var chatQueueLimit = 8
    /// The model that embeds customers' texts for profiles, topics and sentiment (`minilm` or `e5-small`), and that
    /// `/v1/embeddings` uses when a request names none.
    public var embeddingModel = EmbeddingModelChoice.minilm
    /// A fine-tuned encoder folder (`clv finetune --out DIR`) that replaces the stock MiniLM wherever the server
    /// embeds with it, so classifiers trained with `--encoder DIR` are served on the vectors they were trained on.
    /// Checked when the configuration is read; only with `embedding_model` minilm.
    public var encoder: URL?
    /// The assistant's answer model: an OpenAI-compatible endpoint instead of the local SmolLM2. It only ever
    /// receives redacted text.
    public var assistLLM: AssistLLM?

    public struct AssistLLM: Sendable, Equatable, Decodable {
        /// The base URL, e.g. `http://localhost:11434/v1`.
        public var url: URL
        public var model: String
        /// The environment variable holding the endpoint's key (a key never sits in a configuration file).
        public var apiKeyEnv = "CLV_LLM_API_KEY"

        enum CodingKeys: String, CodingKey {
            case url, model
            case apiKeyEnv = "api_key_env"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(URL.self, forKey: .url)
            model = try c.decode(String.self, forKey: .model)
            apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv) ?? apiKeyEnv
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case host, port, database, model
        case rateLimit = "rate_limit"
        case rateBurst = "rate_burst"
        case maxBodyBytes = "max_body_bytes"
        case horizonWeeks = "horizon_weeks"
        case clvMonths = "clv_months"
        case monthlyDiscountRate = "monthly_discount_rate"
        case snapshotMaxAgeSeconds = "snapshot_max_age_seconds"
        case chatQueueLimit = "chat_queue_limit"
        case embeddingModel = "embedding_model"
        case encoder
        case assistLLM = "assist_llm"
    }

    /// Every key is optional in the file: missing keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServerConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        database = try c.decodeIfPresent(String.self, forKey: .database) ?? d.database
        rateLimit = try c.decodeIfPresent(Double.self, forKey: .rateLimit) ?? d.rateLimit
        rateBurst = try c.decodeIfPresent(Double.self, forKey: .rateBurst) ?? d.rateBurst
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
        model = try c.decodeIfPresent(ModelKind.self, forKey: .model) ?? d.model
        guard model.isPurchaseModel else {
            throw DecodingError.dataCorruptedError(
                forKey: .model, in: c, debugDescription: "model must be a purchase model (bgnbd, pnbd, mbgnbd, bgbb), not \(model.rawValue)")
        }
        horizonWeeks = try c.decodeIfPresent(Double.self, forKey: .horizonWeeks) ?? d.horizonWeeks
        clvMonths = try c.decodeIfPresent(Int.self, forKey: .clvMonths) ?? d.clvMonths
        monthlyDiscountRate = try c.decodeIfPresent(Double.self, forKey: .monthlyDiscountRate) ?? d.monthlyDiscountRate
        snapshotMaxAgeSeconds = try c.decodeIfPresent(Double.self, forKey: .snapshotMaxAgeSeconds) ?? d.snapshotMaxAgeSeconds
        chatQueueLimit = try c.decodeIfPresent(Int.self, forKey: .chatQueueLimit) ?? d.chatQueueLimit
        if let name = try c.decodeIfPresent(String.self, forKey: .embeddingModel) {
            guard let choice = EmbeddingModelChoice(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .embeddingModel, in: c, debugDescription: "embedding_model must be minilm or e5-small, not \(name)")
            }
            embeddingModel = choice
        }
        if let path = try c.decodeIfPresent(String.self, forKey: .encoder) {
            let folder = SentenceTransformersDirectory(url: URL(fileURLWithPath: path))
            if let problem = folder.problem() {
                throw DecodingError.dataCorruptedError(
                    forKey: .encoder, in: c, debugDescription: "encoder \(path) is not a fine-tuned encoder folder (\(problem)): give the --out folder of `clv finetune`")
            }
            guard embeddingModel == .minilm else {
                throw DecodingError.dataCorruptedError(
                    forKey: .encoder, in: c, debugDescription: "encoder replaces minilm: set embedding_model to minilm, or drop encoder")
            }
            encoder = folder.url
        }
        assistLLM = try c.decodeIfPresent(AssistLLM.self, forKey: .assistLLM)
        if let llm = assistLLM, !["http", "https"].contains(llm.url.scheme ?? "") || llm.model.isEmpty {
            throw DecodingError.dataCorruptedError(
                forKey: .assistLLM, in: c,
                debugDescription: "assist_llm needs an http(s) url and a model name, e.g. {\"url\": \"http://localhost:11434/v1\", \"model\": \"qwen2.5\"}")
        }
    }

    /// Defaults, overridden by the file (if any), then by the environment.
    /// - Throws: ``ServerConfigurationError`` naming the file or variable that is wrong.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ServerConfigurationError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let file = file ?? environment["CLV_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let data = FileManager.default.contents(atPath: file) else { throw .unreadableFile(file) }
            do { configuration = try JSONDecoder().decode(ServerConfiguration.self, from: data) } catch {
                throw .invalidFile(file, reason: "\(error)")
            }
        }
        func value<T>(_ name: String, _ parse: (String) -> T?) throws(ServerConfigurationError) -> T? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let parsed = parse(text) else { throw .invalidVariable(name, text) }
            return parsed
        }
        if let v = try value("CLV_HOST", { $0 }) { configuration.host = v }
        if let v = try value("CLV_PORT", { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } }) { configuration.port = v }
        if let v = try value("CLV_DB", { $0 }) { configuration.database = v }
        if let v = try value("CLV_RATE_LIMIT", { Double($0).flatMap { $0 > 0 ? $0 : nil } }) {
            configuration.rateLimit = v
            configuration.rateBurst = max(configuration.rateBurst, v)
        }
        if let v = try value("CLV_MAX_BODY_BYTES", { Int($0).flatMap { $0 > 0 ? $0 : nil } }) { configuration.maxBodyBytes = v }
        if let v = try value(EmbeddingModelChoice.environmentVariable, EmbeddingModelChoice.init(rawValue:)) { configuration.embeddingModel = v }
        return configuration
    }
}

/// A configuration source that cannot be used.
public enum ServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableFile(String)
    case invalidFile(String, reason: String)
    case invalidVariable(String, String)

    public var description: String {
        switch self {
        case let .unreadableFile(path): "Cannot read the configuration file \(path): check the path."
        case let .invalidFile(path, reason): "The configuration file \(path) is not valid JSON for clv serve (\(reason)): fix it or remove --config."
        case let .invalidVariable(name, value): "\(name)=\(value) is not valid: unset it or give a valid value."
        }
    }
}
