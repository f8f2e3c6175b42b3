extension SafetensorsWriter {
    /// Adds every tensor of a BERT encoder under the names of Hugging Face's `BertModel`, the inverse of
    /// ``BertWeights/init(file:configuration:)``: the stacked `[3d, d]` query/key/value matrix is split back into
    /// `attention.self.query`, `.key` and `.value`.
    ///
    /// - Parameters:
    ///   - weights: the encoder.
    ///   - prefix: put before every name (`"bert."` for a `BertFor…` checkpoint; `""` for `BertModel`).
    public mutating func add(_ weights: BertWeights, prefix: String = "") {
        let c = weights.configuration
        let d = c.hiddenSize, i = c.intermediateSize
        func put(_ name: String, _ shape: [Int], _ values: [Float]) { add(prefix + name, shape: shape, values: values) }
        put("embeddings.word_embeddings.weight", [c.vocabularySize, d], weights.wordEmbeddings)
        put("embeddings.position_embeddings.weight", [c.maximumPositions, d], weights.positionEmbeddings)
        put("embeddings.token_type_embeddings.weight", [c.tokenTypeCount, d], weights.tokenTypeEmbeddings)
        put("embeddings.LayerNorm.weight", [d], weights.embeddingNormGamma)
        put("embeddings.LayerNorm.bias", [d], weights.embeddingNormBeta)
        for (l, layer) in weights.layers.enumerated() {
            let p = "encoder.layer.\(l)."
            for (k, part) in ["query", "key", "value"].enumerated() {
                put(p + "attention.self.\(part).weight", [d, d], Array(layer.qkvWeight[(k * d * d)..<((k + 1) * d * d)]))
                put(p + "attention.self.\(part).bias", [d], Array(layer.qkvBias[(k * d)..<((k + 1) * d)]))
            }
            put(p + "attention.output.dense.weight", [d, d], layer.attentionOutputWeight)
            put(p + "attention.output.dense.bias", [d], layer.attentionOutputBias)
            put(p + "attention.output.LayerNorm.weight", [d], layer.attentionNormGamma)
            put(p + "attention.output.LayerNorm.bias", [d], layer.attentionNormBeta)
            put(p + "intermediate.dense.weight", [i, d], layer.intermediateWeight)
            put(p + "intermediate.dense.bias", [i], layer.intermediateBias)
            put(p + "output.dense.weight", [d, i], layer.outputWeight)
            put(p + "output.dense.bias", [d], layer.outputBias)
            put(p + "output.LayerNorm.weight", [d], layer.outputNormGamma)
            put(p + "output.LayerNorm.bias", [d], layer.outputNormBeta)
        }
    }
}
