import CLVText

/// Where each parameter tensor of a BERT encoder plus a head sits in one flat vector.
///
/// One flat vector makes the optimiser, gradient clipping and the sum of the shards' gradients single loops.
/// Tensors carry the names and shapes of Hugging Face `BertModel` (`embeddings.word_embeddings.weight`, …), in
/// PyTorch's `[out, in]` layout; a layer's query, key and value tensors are adjacent (weights, then biases), so
/// that the span from `query.weight` is the stacked `[3d, d]` matrix the forward pass multiplies by once.
struct ParameterLayout: Sendable, Equatable {
    /// One named tensor.
    struct Tensor: Sendable, Equatable {
        let name: String
        let shape: [Int]
        let offset: Int
        var count: Int { shape.reduce(1, *) }
        /// Whether AdamW decays it: weights of dense layers and embeddings, not biases or LayerNorm parameters
        /// (the grouping of Hugging Face's and sentence-transformers' training scripts).
        var decays: Bool { shape.count == 2 }
    }

    /// The offsets of one encoder layer's tensors.
    struct Layer: Sendable, Equatable {
        let qkvWeight: Int, qkvBias: Int
        let attentionOutputWeight: Int, attentionOutputBias: Int
        let attentionNormGamma: Int, attentionNormBeta: Int
        let intermediateWeight: Int, intermediateBias: Int
        let outputWeight: Int, outputBias: Int
        let outputNormGamma: Int, outputNormBeta: Int
    }

    let configuration: BertConfiguration
    /// Outputs of the head (classes, 1 for regression, 3 for ZILN).
    let headOutputs: Int
    let tensors: [Tensor]
    let wordEmbeddings: Int, positionEmbeddings: Int, tokenTypeEmbeddings: Int
    let embeddingNormGamma: Int, embeddingNormBeta: Int
    let layers: [Layer]
    let headWeight: Int, headBias: Int
    /// All parameters.
    let count: Int

    init(configuration c: BertConfiguration, headOutputs: Int) {
        configuration = c
        self.headOutputs = headOutputs
        let d = c.hiddenSize, i = c.intermediateSize
        var tensors: [Tensor] = []
        var next = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let tensor = Tensor(name: name, shape: shape, offset: next)
            tensors.append(tensor)
            next += tensor.count
            return tensor.offset
        }
        wordEmbeddings = add("embeddings.word_embeddings.weight", [c.vocabularySize, d])
        positionEmbeddings = add("embeddings.position_embeddings.weight", [c.maximumPositions, d])
        tokenTypeEmbeddings = add("embeddings.token_type_embeddings.weight", [c.tokenTypeCount, d])
        embeddingNormGamma = add("embeddings.LayerNorm.weight", [d])
        embeddingNormBeta = add("embeddings.LayerNorm.bias", [d])
        var layers: [Layer] = []
        for l in 0..<c.layerCount {
            let p = "encoder.layer.\(l)."
            let qkvWeight = add(p + "attention.self.query.weight", [d, d])
            _ = add(p + "attention.self.key.weight", [d, d])
            _ = add(p + "attention.self.value.weight", [d, d])
            let qkvBias = add(p + "attention.self.query.bias", [d])
            _ = add(p + "attention.self.key.bias", [d])
            _ = add(p + "attention.self.value.bias", [d])
            layers.append(
                Layer(
                    qkvWeight: qkvWeight, qkvBias: qkvBias,
                    attentionOutputWeight: add(p + "attention.output.dense.weight", [d, d]),
                    attentionOutputBias: add(p + "attention.output.dense.bias", [d]),
                    attentionNormGamma: add(p + "attention.output.LayerNorm.weight", [d]),
                    attentionNormBeta: add(p + "attention.output.LayerNorm.bias", [d]),
                    intermediateWeight: add(p + "intermediate.dense.weight", [i, d]),
                    intermediateBias: add(p + "intermediate.dense.bias", [i]),
                    outputWeight: add(p + "output.dense.weight", [d, i]),
                    outputBias: add(p + "output.dense.bias", [d]),
                    outputNormGamma: add(p + "output.LayerNorm.weight", [d]),
                    outputNormBeta: add(p + "output.LayerNorm.bias", [d])
                ))
        }
        self.layers = layers
        headWeight = add("head.weight", [headOutputs, d])
        headBias = add("head.bias", [headOutputs])
        self.tensors = tensors
        count = next
    }

    /// The tensor called `name`, if there is one.
    func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

    /// The encoder's tensors in `weights` laid out in one vector, the head's entries left 0.
    func flatten(_ weights: BertWeights) -> [Float] {
        precondition(weights.configuration == configuration, "ParameterLayout.flatten: another configuration")
        var flat = [Float](repeating: 0, count: count)
        func put(_ values: [Float], at offset: Int) {
            flat.withUnsafeMutableBufferPointer { out in
                for (k, v) in values.enumerated() { out[offset + k] = v }
            }
        }
        put(weights.wordEmbeddings, at: wordEmbeddings)
        put(weights.positionEmbeddings, at: positionEmbeddings)
        put(weights.tokenTypeEmbeddings, at: tokenTypeEmbeddings)
        put(weights.embeddingNormGamma, at: embeddingNormGamma)
        put(weights.embeddingNormBeta, at: embeddingNormBeta)
        for (layer, offsets) in zip(weights.layers, layers) {
            put(layer.qkvWeight, at: offsets.qkvWeight)
            put(layer.qkvBias, at: offsets.qkvBias)
            put(layer.attentionOutputWeight, at: offsets.attentionOutputWeight)
            put(layer.attentionOutputBias, at: offsets.attentionOutputBias)
            put(layer.attentionNormGamma, at: offsets.attentionNormGamma)
            put(layer.attentionNormBeta, at: offsets.attentionNormBeta)
            put(layer.intermediateWeight, at: offsets.intermediateWeight)
            put(layer.intermediateBias, at: offsets.intermediateBias)
            put(layer.outputWeight, at: offsets.outputWeight)
            put(layer.outputBias, at: offsets.outputBias)
            put(layer.outputNormGamma, at: offsets.outputNormGamma)
            put(layer.outputNormBeta, at: offsets.outputNormBeta)
        }
        return flat
    }

    /// The encoder part of a flat vector as ``BertWeights`` (for inference with ``BertEncoder`` and saving).
    func encoderWeights(_ flat: [Float]) -> BertWeights {
        let c = configuration, d = c.hiddenSize, i = c.intermediateSize
        func take(_ offset: Int, _ n: Int) -> [Float] { Array(flat[offset..<(offset + n)]) }
        return BertWeights(
            configuration: c, wordEmbeddings: take(wordEmbeddings, c.vocabularySize * d),
            positionEmbeddings: take(positionEmbeddings, c.maximumPositions * d),
            tokenTypeEmbeddings: take(tokenTypeEmbeddings, c.tokenTypeCount * d),
            embeddingNormGamma: take(embeddingNormGamma, d), embeddingNormBeta: take(embeddingNormBeta, d),
            layers: layers.map { o in
                BertWeights.Layer.assembled(
                    qkvWeight: take(o.qkvWeight, 3 * d * d), qkvBias: take(o.qkvBias, 3 * d),
                    attentionOutputWeight: take(o.attentionOutputWeight, d * d), attentionOutputBias: take(o.attentionOutputBias, d),
                    attentionNormGamma: take(o.attentionNormGamma, d), attentionNormBeta: take(o.attentionNormBeta, d),
                    intermediateWeight: take(o.intermediateWeight, i * d), intermediateBias: take(o.intermediateBias, i),
                    outputWeight: take(o.outputWeight, d * i), outputBias: take(o.outputBias, d),
                    outputNormGamma: take(o.outputNormGamma, d), outputNormBeta: take(o.outputNormBeta, d)
                )
            }
        )
    }
}
