import Foundation

/// The language models CLVKit knows how to fetch and run.
public enum KnownModel: String, Sendable, CaseIterable {
    /// Sentence embeddings, 384 dimensions (Apache-2.0), safetensors F32.
    case miniLM = "all-MiniLM-L6-v2"
    /// Chat generation, GGUF Q4_1 (Apache-2.0).
    case smolLM2 = "SmolLM2-135M-Instruct"
    /// Multilingual sentence embeddings (Chinese among ~100 languages), 384 dimensions (MIT), E5S1 Q4_0.
    case e5Small = "multilingual-e5-small"

    /// The files the runtime reads, relative to the model's folder.
    public var requiredFiles: [String] {
        switch self {
        case .miniLM: ["model.safetensors", "config.json", "vocab.txt", "tokenizer.json"]
        case .smolLM2: ["SmolLM2-135M-Instruct.Q4_1.gguf"]
        case .e5Small: ["e5-small-q4.bin"]
        }
    }
}

/// Where fetched models live: `$CLV_MODELS`, else `$CLV_CACHE/models`, else `~/.cache/clvkit/models`
/// (the same rules as `scripts/setup.sh`, which fetches them).
public struct ModelDirectory: Sendable, Equatable {
    public let root: URL

    public init(root: URL) { self.root = root }

    /// The directory the environment points at.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func nonEmpty(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let models = nonEmpty("CLV_MODELS") {
            root = URL(fileURLWithPath: models)
        } else {
            let cache =
                nonEmpty("CLV_CACHE")
                ?? ((nonEmpty("XDG_CACHE_HOME") ?? (NSHomeDirectory() + "/.cache")) + "/clvkit")
            root = URL(fileURLWithPath: cache).appendingPathComponent("models")
        }
    }

    /// The folder of one model.
    public func folder(of model: KnownModel) -> URL { root.appendingPathComponent(model.rawValue) }

    /// A file of a model, checked to exist.
    /// - Throws: ``ModelDirectoryError/missing(model:path:)`` naming the command that fetches it.
    public func file(_ name: String, of model: KnownModel) throws(ModelDirectoryError) -> URL {
        let url = folder(of: model).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(model: model, path: url.path) }
        return url
    }
}

/// A model file is not where the runtime looks for it.
public enum ModelDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(model: KnownModel, path: String)

    public var description: String {
        switch self {
        case let .missing(model, path):
            "Model \(model.rawValue) not found at \(path): run `make setup` (scripts/setup.sh) to fetch it, or set CLV_MODELS."
        }
    }
}
