import Foundation

/// A sentence-embedding model: texts to unit-length vectors whose dot product is their cosine similarity.
///
/// ``SentenceEncoder`` (all-MiniLM-L6-v2, English) and ``E5SentenceEncoder`` (multilingual-e5-small, ~100
/// languages including Chinese) conform, so callers choose a model (``EmbeddingModelChoice``) without changing
/// code. Vectors of different models live in different spaces: never compare a vector of one with one of
/// another, even when their dimensions agree (both are 384).
public protocol TextEmbeddingModel: Sendable {
    /// The model's name, as reported by the CLI and the server, and recorded with cached vectors.
    var modelName: String { get }
    /// Dimension of the embeddings.
    var dimensions: Int { get }
    /// Unit-length embeddings of `texts`, in order.
    /// - Parameter role: for models trained with instructions (e5), whether the texts are queries or the
    ///   documents searched; models without instructions ignore it.
    /// - Throws: ``EncoderError/cancelled`` if the current task is cancelled.
    func embed(_ texts: [String], role: EmbeddingRole) throws(EncoderError) -> [[Float]]
}

/// The embedding models CLVKit runs, by the names the CLI and the server accept.
public enum EmbeddingModelChoice: String, Sendable, CaseIterable {
    /// all-MiniLM-L6-v2: English only (Chinese characters become `[UNK]`), fastest.
    case minilm
    /// multilingual-e5-small: ~100 languages, Chinese included.
    case e5Small = "e5-small"

    /// The model's folder and name under the models directory.
    public var knownModel: KnownModel { self == .minilm ? .miniLM : .e5Small }

    /// The environment variable that sets an installation's default model.
    public static let environmentVariable = "CLV_EMBEDDING_MODEL"

    /// The installation's default: `CLV_EMBEDDING_MODEL` when set, else MiniLM. An unknown value is an error, never
    /// quietly MiniLM.
    public static func installationDefault(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EmbeddingModelChoice {
        guard let text = environment[environmentVariable], !text.isEmpty else { return .minilm }
        guard let choice = EmbeddingModelChoice(rawValue: text) else {
            throw EmbeddingModelSettingError(value: text)
        }
        return choice
    }

    /// Whether the model embeds text beyond English meaningfully.
    public var isMultilingual: Bool { self == .e5Small }

    /// A warning to show when `texts` are embedded with this model and it cannot represent them, or nil: Chinese
    /// (Han) characters are `[UNK]` to the English-only MiniLM, so such texts all look alike to it.
    public func warning(embedding texts: [String]) -> String? {
        guard !isMultilingual, let index = texts.firstIndex(where: Self.containsHan) else { return nil }
        return "text \(index + 1) contains Chinese characters, which \(knownModel.rawValue) cannot read (they become [UNK]); "
            + "use --embedding-model e5-small."
    }

    /// Whether `text` has a CJK unified ideograph (the Unicode Han blocks, extensions and compatibility forms).
    public static func containsHan(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x323AF: true
            default: false
            }
        }
    }

    /// Loads the model from `directory` on every core.
    /// - Throws: ``EncoderError/model(_:)`` naming `make setup` when its files are missing, or another
    ///   ``EncoderError`` when they are unusable.
    public func load(from directory: ModelDirectory = ModelDirectory()) throws(EncoderError) -> any TextEmbeddingModel {
        switch self {
        case .minilm: try SentenceEncoder(directory: directory)
        case .e5Small: try E5SentenceEncoder(directory: directory)
        }
    }
}

extension SentenceEncoder: TextEmbeddingModel {
    /// ``embed(_:)``: all-MiniLM-L6-v2 was trained without instructions, so `role` changes nothing.
    public func embed(_ texts: [String], role: EmbeddingRole) throws(EncoderError) -> [[Float]] {
        try embed(texts)
    }
}

/// `CLV_EMBEDDING_MODEL` names no model.
public struct EmbeddingModelSettingError: Error, CustomStringConvertible {
    public let value: String
    public var description: String {
        "\(EmbeddingModelChoice.environmentVariable)=\(value) is not an embedding model: use \(EmbeddingModelChoice.allCases.map(\.rawValue).joined(separator: " or ")), or unset it."
    }
}
