/// The parameters of a BERT encoder, converted to `Float` and laid out for `cblas_sgemm`.
///
/// Linear layers keep PyTorch's `[out, in]` layout (a layer computes `x · Wᵀ + b`). The query, key and value
/// projections of each layer are stacked into one `[3d, d]` matrix so that one matrix product computes all three.
public struct BertWeights: Sendable, Equatable {
    /// One encoder layer.
    public struct Layer: Sendable, Equatable {
        /// `[3d, d]`: query, key and value rows stacked.
        public var qkvWeight: [Float]
        /// `[3d]`.
        public var qkvBias: [Float]
        /// Attention output projection `[d, d]` and bias `[d]`.
        public var attentionOutputWeight: [Float], attentionOutputBias: [Float]
        /// LayerNorm after attention (post-LN): γ and β, `[d]` each.
        public var attentionNormGamma: [Float], attentionNormBeta: [Float]
        /// Feed-forward up projection `[I, d]` and bias `[I]`.
        public var intermediateWeight: [Float], intermediateBias: [Float]
        /// Feed-forward down projection `[d, I]` and bias `[d]`.
        public var outputWeight: [Float], outputBias: [Float]
        /// LayerNorm after the feed-forward block: γ and β.
        public var outputNormGamma: [Float], outputNormBeta: [Float]
    }

    /// The configuration the shapes were checked against.
    public let configuration: BertConfiguration
    /// Word embeddings `[V, d]`.
    public var wordEmbeddings: [Float]
    /// Position embeddings `[P, d]`.
    public var positionEmbeddings: [Float]
    /// Token-type embeddings `[types, d]` (sentence embeddings use type 0 throughout).
    public var tokenTypeEmbeddings: [Float]
    /// Embedding LayerNorm γ and β.
    public var embeddingNormGamma: [Float], embeddingNormBeta: [Float]
    /// The encoder layers, bottom first.
    public var layers: [Layer]

    /// Reads every tensor from a safetensors file, checking each shape against `configuration`.
    ///
    /// Accepts the tensor names of `BertModel` with or without the `bert.` prefix of `BertFor…` checkpoints.
    /// - Throws: ``WeightsError/tensorMissing(name:)``, ``WeightsError/shapeMismatch(name:expected:found:)``,
    ///   ``WeightsError/unsupportedDType(_:)``; ``WeightsError/invalidFormat(path:reason:)`` if the configuration
    ///   itself is unsupported (see ``BertConfiguration/init(contentsOf:)``).
    public init(file: SafetensorsFile, configuration: BertConfiguration) throws(WeightsError) {
        if let problem = configuration.problem {
            throw .invalidFormat(path: file.path, reason: "the BERT configuration is unsupported: \(problem)")
        }
        let prefix =
            file.tensors["embeddings.word_embeddings.weight"] == nil
                && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws(WeightsError) -> [Float] {
            try file.floats(prefix + name, shape: shape)
        }
        let d = configuration.hiddenSize, i = configuration.intermediateSize
        self.configuration = configuration
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [configuration.vocabularySize, d])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [configuration.maximumPositions, d])
        tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [configuration.tokenTypeCount, d])
        embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [d])
        embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [d])
        var layers: [Layer] = []
        for l in 0..<configuration.layerCount {
            let p = "encoder.layer.\(l)."
            let qkvWeight =
                try tensor(p + "attention.self.query.weight", [d, d])
                + tensor(p + "attention.self.key.weight", [d, d])
                + tensor(p + "attention.self.value.weight", [d, d])
            let qkvBias =
                try tensor(p + "attention.self.query.bias", [d])
                + tensor(p + "attention.self.key.bias", [d])
                + tensor(p + "attention.self.value.bias", [d])
            layers.append(
                Layer(
                    qkvWeight: qkvWeight, qkvBias: qkvBias,
                    attentionOutputWeight: try tensor(p + "attention.output.dense.weight", [d, d]),
                    attentionOutputBias: try tensor(p + "attention.output.dense.bias", [d]),
                    attentionNormGamma: try tensor(p + "attention.output.LayerNorm.weight", [d]),
                    attentionNormBeta: try tensor(p + "attention.output.LayerNorm.bias", [d]),
                    intermediateWeight: try tensor(p + "intermediate.dense.weight", [i, d]),
                    intermediateBias: try tensor(p + "intermediate.dense.bias", [i]),
                    outputWeight: try tensor(p + "output.dense.weight", [d, i]),
                    outputBias: try tensor(p + "output.dense.bias", [d]),
                    outputNormGamma: try tensor(p + "output.LayerNorm.weight", [d]),
                    outputNormBeta: try tensor(p + "output.LayerNorm.bias", [d])
                ))
        }
        self.layers = layers
    }
}
