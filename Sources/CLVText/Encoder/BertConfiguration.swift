import Foundation

/// The shape of a BERT encoder, read from the model's `config.json` (Hugging Face `BertConfig`).
public struct BertConfiguration: Sendable, Equatable, Codable {
    /// Vocabulary size (rows of the word-embedding table).
    public var vocabularySize: Int
    /// Model width d.
    public var hiddenSize: Int
    /// Number of encoder layers.
    public var layerCount: Int
    /// Attention heads per layer; `hiddenSize` must be a multiple.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Rows of the position-embedding table: the longest sequence the model accepts.
    public var maximumPositions: Int
    /// Rows of the token-type table.
    public var tokenTypeCount: Int
    /// ε of every LayerNorm (1e-12 for BERT).
    public var layerNormEpsilon: Float
    /// Feed-forward activation; only `gelu` (exact, erf-based) is supported.
    public var activation: String

    /// all-MiniLM-L6-v2: 6 layers, 12 heads, d = 384.
    public static let miniLML6 = BertConfiguration(
        vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
        maximumPositions: 512, tokenTypeCount: 2, layerNormEpsilon: 1e-12, activation: "gelu"
    )

    /// A configuration with the given sizes.
    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
        maximumPositions: Int, tokenTypeCount: Int, layerNormEpsilon: Float, activation: String
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maximumPositions = maximumPositions
        self.tokenTypeCount = tokenTypeCount
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
    }

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads", intermediateSize = "intermediate_size"
        case maximumPositions = "max_position_embeddings", tokenTypeCount = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps", activation = "hidden_act"
    }

    /// Width of one attention head, d / heads.
    public var headSize: Int { hiddenSize / headCount }

    /// Reads and checks `config.json`.
    /// - Throws: ``EncoderError/invalidConfiguration(path:reason:)``.
    public init(contentsOf url: URL) throws(EncoderError) {
        let configuration: BertConfiguration
        do {
            configuration = try JSONDecoder().decode(BertConfiguration.self, from: Data(contentsOf: url))
        } catch {
            throw .invalidConfiguration(path: url.path, reason: "not a BERT config.json (\(error.localizedDescription))")
        }
        if let problem = configuration.problem { throw .invalidConfiguration(path: url.path, reason: problem) }
        self = configuration
    }

    /// What is wrong with the sizes, or `nil`.
    var problem: String? {
        if hiddenSize <= 0 || layerCount <= 0 || headCount <= 0 || intermediateSize <= 0 || vocabularySize <= 0 {
            return "sizes must be positive"
        }
        if hiddenSize % headCount != 0 { return "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)" }
        if hiddenSize % 16 != 0 { return "hidden_size \(hiddenSize) is not a multiple of 16 (the SIMD LayerNorm needs that)" }
        if activation != "gelu" { return "activation \(activation) is not supported (only exact gelu)" }
        if maximumPositions < 2 || tokenTypeCount < 1 { return "max_position_embeddings or type_vocab_size too small" }
        return nil
    }
}
