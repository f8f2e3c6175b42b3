/// The hyper-parameters of a Llama-architecture decoder, read from GGUF metadata (`llama.*` keys).
///
/// SmolLM2-135M-Instruct: 30 layers, width 576, 9 query heads sharing 3 key/value heads (grouped-query
/// attention, Ainslie et al. 2023, arXiv:2305.13245) of dimension 64, feed-forward width 1536, RoPE base 100000,
/// RMSNorm ε = 1e-5, 8192 positions, 49152 tokens.
public struct LlamaConfiguration: Sendable, Equatable, Codable {
    public var layerCount: Int
    public var embeddingLength: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var ropeBase: Double
    public var rmsEpsilon: Float
    public var contextLength: Int
    public var vocabularySize: Int

    /// Dimension of one attention head.
    public var headDimension: Int { embeddingLength / headCount }
    /// Width of the key (and value) vectors of one position: all key/value heads together.
    public var keyValueLength: Int { keyValueHeadCount * headDimension }

    public init(
        layerCount: Int, embeddingLength: Int, feedForwardLength: Int, headCount: Int, keyValueHeadCount: Int,
        ropeBase: Double, rmsEpsilon: Float, contextLength: Int, vocabularySize: Int
    ) {
        self.layerCount = layerCount
        self.embeddingLength = embeddingLength
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads the configuration of a `general.architecture = llama` file.
    /// - Throws: ``LlamaError/unsupportedArchitecture(_:)`` for another architecture, ``LlamaError/weights(_:)``
    ///   for a missing key, ``LlamaError/invalidConfiguration(_:)`` for inconsistent values.
    public init(gguf file: GGUFFile) throws(LlamaError) {
        do {
            let architecture = try file.string("general.architecture")
            guard architecture == "llama" else { throw LlamaError.unsupportedArchitecture(architecture) }
            let p = "llama."
            layerCount = try file.integer(p + "block_count")
            embeddingLength = try file.integer(p + "embedding_length")
            feedForwardLength = try file.integer(p + "feed_forward_length")
            headCount = try file.integer(p + "attention.head_count")
            keyValueHeadCount =
                file.metadata[p + "attention.head_count_kv"] == nil
                ? headCount : try file.integer(p + "attention.head_count_kv")
            ropeBase = file.metadata[p + "rope.freq_base"] == nil ? 10000 : try file.double(p + "rope.freq_base")
            rmsEpsilon = Float(try file.double(p + "attention.layer_norm_rms_epsilon"))
            contextLength = try file.integer(p + "context_length")
            vocabularySize =
                file.metadata[p + "vocab_size"] == nil
                ? try file.stringArray("tokenizer.ggml.tokens").count : try file.integer(p + "vocab_size")
        } catch let error as LlamaError {
            throw error
        } catch let error as GGUFError {
            throw .weights(error)
        } catch {
            throw .invalidConfiguration("\(error)")
        }
        guard layerCount > 0, headCount > 0, keyValueHeadCount > 0, headCount % keyValueHeadCount == 0,
            embeddingLength % headCount == 0, headDimension % 2 == 0,
            embeddingLength % 32 == 0, feedForwardLength % 32 == 0, contextLength > 0, vocabularySize > 0
        else {
            throw .invalidConfiguration(
                "\(headCount) heads, \(keyValueHeadCount) key/value heads, width \(embeddingLength), feed-forward \(feedForwardLength)")
        }
    }
}
