extension BertWeights {
    /// Weights from their parts, for code that computes them (fine-tuning) rather than reads them from a file.
    ///
    /// - Precondition: every array has the shape `configuration` gives it (a programmer error otherwise).
    public init(
        configuration: BertConfiguration, wordEmbeddings: [Float], positionEmbeddings: [Float], tokenTypeEmbeddings: [Float],
        embeddingNormGamma: [Float], embeddingNormBeta: [Float], layers: [Layer]
    ) {
        let d = configuration.hiddenSize
        precondition(
            wordEmbeddings.count == configuration.vocabularySize * d && positionEmbeddings.count == configuration.maximumPositions * d
                && tokenTypeEmbeddings.count == configuration.tokenTypeCount * d && embeddingNormGamma.count == d
                && embeddingNormBeta.count == d && layers.count == configuration.layerCount,
            "BertWeights: the embedding tables or layer count do not match the configuration"
        )
        self.configuration = configuration
        self.wordEmbeddings = wordEmbeddings
        self.positionEmbeddings = positionEmbeddings
        self.tokenTypeEmbeddings = tokenTypeEmbeddings
        self.embeddingNormGamma = embeddingNormGamma
        self.embeddingNormBeta = embeddingNormBeta
        self.layers = layers
    }
}

extension BertWeights.Layer {
    /// A layer from its parts (shapes as the stored properties document them).
    public static func assembled(
        qkvWeight: [Float], qkvBias: [Float], attentionOutputWeight: [Float], attentionOutputBias: [Float],
        attentionNormGamma: [Float], attentionNormBeta: [Float], intermediateWeight: [Float], intermediateBias: [Float],
        outputWeight: [Float], outputBias: [Float], outputNormGamma: [Float], outputNormBeta: [Float]
    ) -> BertWeights.Layer {
        BertWeights.Layer(
            qkvWeight: qkvWeight, qkvBias: qkvBias, attentionOutputWeight: attentionOutputWeight,
            attentionOutputBias: attentionOutputBias, attentionNormGamma: attentionNormGamma, attentionNormBeta: attentionNormBeta,
            intermediateWeight: intermediateWeight, intermediateBias: intermediateBias, outputWeight: outputWeight,
            outputBias: outputBias, outputNormGamma: outputNormGamma, outputNormBeta: outputNormBeta
        )
    }
}
