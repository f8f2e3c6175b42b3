import CLVNumerics

/// A BERT encoder (post-LN transformer) that turns token-id sequences into mean-pooled token states.
///
/// Devlin et al. (2019), "BERT", doi:10.18653/v1/N19-1423; Vaswani et al. (2017), "Attention is all you need",
/// arXiv:1706.03762, eqs. (1)–(2). Each layer computes
/// `h = LN(x + Attn(x))`, `x′ = LN(h + W₂ GELU(W₁ h + b₁) + b₂)` with exact (erf) GELU.
///
/// **Batching.** The sequences of one call are *packed*: their tokens are stacked into a single `T × d` matrix
/// (T = total tokens, no padding), so every dense layer is one `cblas_sgemm` over all real tokens, and attention
/// runs per sequence and head over that sequence's own rows. This is exactly attention with a padding mask
/// (masked positions get weight 0), without computing the padded rows at all.
public struct BertEncoder: Sendable, Equatable {
    /// The parameters.
    public let weights: BertWeights

    /// An encoder over the given weights.
    public init(weights: BertWeights) { self.weights = weights }

    /// The configuration.
    public var configuration: BertConfiguration { weights.configuration }

    /// Mean of the last layer's token states over every token of each sequence, `[sequences.count × d]`
    /// row-major (not normalised).
    ///
    /// - Parameter sequences: token ids, `[CLS] … [SEP]` as ``WordPieceTokenizer/encode(_:)`` makes them.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)`` for an empty sequence, one longer than
    ///   the position table, or an id outside the vocabulary.
    /// - Complexity: O(T·d·(d + I)·layers + Σ Lᵢ²·d·layers) for T tokens in sequences of lengths Lᵢ.
    public func meanPooledStates(of sequences: [[Int]]) throws(EncoderError) -> [Float] {
        try validate(sequences, maximumLength: configuration.maximumPositions)
        return validatedMeanPooledStates(of: sequences)
    }

    /// Checks that every sequence can go through the model.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)``.
    func validate(_ sequences: [[Int]], maximumLength: Int) throws(EncoderError) {
        try PackedSequences.validate(sequences, vocabularySize: configuration.vocabularySize, maximumLength: maximumLength)
    }

    /// ``meanPooledStates(of:)`` for sequences that passed ``validate(_:maximumLength:)``.
    func validatedMeanPooledStates(of sequences: [[Int]]) -> [Float] {
        let packed = PackedSequences(sequences)
        guard packed.total > 0 else { return [] }
        let scratch = Scratch(tokens: packed.total, longest: packed.lengths.max() ?? 0, configuration: configuration)
        defer { scratch.deallocate() }
        embed(sequences, into: scratch.x)
        for layer in weights.layers {
            forward(layer, scratch: scratch, tokens: packed.total, starts: packed.starts, lengths: packed.lengths)
        }
        return packed.meanPool(scratch.x, width: configuration.hiddenSize)
    }

    // MARK: - Forward pass

    /// Working memory for one packed batch.
    private struct Scratch {
        let x: UnsafeMutablePointer<Float>  // T × d: the hidden states
        let qkv: UnsafeMutablePointer<Float>  // T × 3d
        let context: UnsafeMutablePointer<Float>  // T × d
        let projected: UnsafeMutablePointer<Float>  // T × d
        let hidden: UnsafeMutablePointer<Float>  // T × I
        let scores: UnsafeMutablePointer<Float>  // L × L

        init(tokens: Int, longest: Int, configuration c: BertConfiguration) {
            x = .allocate(capacity: tokens * c.hiddenSize)
            qkv = .allocate(capacity: tokens * 3 * c.hiddenSize)
            context = .allocate(capacity: tokens * c.hiddenSize)
            projected = .allocate(capacity: tokens * c.hiddenSize)
            hidden = .allocate(capacity: tokens * c.intermediateSize)
            scores = .allocate(capacity: longest * longest)
        }

        func deallocate() {
            for p in [x, qkv, context, projected, hidden, scores] { p.deallocate() }
        }
    }

    /// Word + position + token-type-0 embeddings, then LayerNorm.
    private func embed(_ sequences: [[Int]], into x: UnsafeMutablePointer<Float>) {
        let d = configuration.hiddenSize
        var t = 0
        weights.wordEmbeddings.withUnsafeBufferPointer { word in
            weights.positionEmbeddings.withUnsafeBufferPointer { position in
                weights.tokenTypeEmbeddings.withUnsafeBufferPointer { type in
                    for sequence in sequences {
                        for (p, id) in sequence.enumerated() {
                            let row = x + t * d
                            for j in 0..<d { row[j] = word[id * d + j] + position[p * d + j] + type[j] }
                            t += 1
                        }
                    }
                }
            }
        }
        weights.embeddingNormGamma.withUnsafeBufferPointer { gamma in
            weights.embeddingNormBeta.withUnsafeBufferPointer { beta in
                EncoderKernels.addLayerNorm(
                    x, residual: nil, rows: t, width: d, gamma: gamma.baseAddress!, beta: beta.baseAddress!,
                    epsilon: configuration.layerNormEpsilon
                )
            }
        }
    }

    /// `c ← a · Wᵀ + b` for a `[n, k]` weight (PyTorch layout), over `m` rows.
    private func linear(
        _ a: UnsafePointer<Float>, m: Int, k: Int, weight: [Float], bias: [Float], n: Int,
        into c: UnsafeMutablePointer<Float>
    ) {
        bias.withUnsafeBufferPointer { b in EncoderKernels.broadcastRows(c, rows: m, bias: b.baseAddress!, n: n) }
        weight.withUnsafeBufferPointer { w in
            BLAS.sgemm(transposeB: true, m: m, n: n, k: k, a: a, lda: k, b: w.baseAddress!, ldb: k, beta: 1, c: c, ldc: n)
        }
    }

    private func forward(_ layer: BertWeights.Layer, scratch: Scratch, tokens: Int, starts: [Int], lengths: [Int]) {
        let c = configuration
        let d = c.hiddenSize, heads = c.headCount, headSize = c.headSize, width = 3 * d
        let scale = 1 / Float(headSize).squareRoot()

        // Self-attention: Q, K, V for all tokens at once, then softmax(QKᵀ/√dₕ)·V per sequence and head.
        linear(scratch.x, m: tokens, k: d, weight: layer.qkvWeight, bias: layer.qkvBias, n: width, into: scratch.qkv)
        for (start, length) in zip(starts, lengths) {
            let base = scratch.qkv + start * width
            for h in 0..<heads {
                let q = base + h * headSize
                let k = base + d + h * headSize
                let v = base + 2 * d + h * headSize
                BLAS.sgemm(
                    transposeB: true, m: length, n: length, k: headSize, alpha: scale,
                    a: q, lda: width, b: k, ldb: width, c: scratch.scores, ldc: length
                )
                EncoderKernels.softmaxRows(scratch.scores, rows: length, n: length, stride: length)
                BLAS.sgemm(
                    m: length, n: headSize, k: length, a: scratch.scores, lda: length, b: v, ldb: width,
                    c: scratch.context + start * d + h * headSize, ldc: d
                )
            }
        }
        linear(
            scratch.context, m: tokens, k: d, weight: layer.attentionOutputWeight, bias: layer.attentionOutputBias,
            n: d, into: scratch.projected
        )
        normalize(scratch.x, adding: scratch.projected, tokens: tokens, gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta)

        // Feed-forward: GELU(x W₁ᵀ + b₁) W₂ᵀ + b₂.
        let i = c.intermediateSize
        linear(scratch.x, m: tokens, k: d, weight: layer.intermediateWeight, bias: layer.intermediateBias, n: i, into: scratch.hidden)
        EncoderKernels.gelu(scratch.hidden, count: tokens * i)
        linear(scratch.hidden, m: tokens, k: i, weight: layer.outputWeight, bias: layer.outputBias, n: d, into: scratch.projected)
        normalize(scratch.x, adding: scratch.projected, tokens: tokens, gamma: layer.outputNormGamma, beta: layer.outputNormBeta)
    }

    /// `x ← LN(x + y)`.
    private func normalize(_ x: UnsafeMutablePointer<Float>, adding y: UnsafePointer<Float>, tokens: Int, gamma: [Float], beta: [Float]) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                EncoderKernels.addLayerNorm(
                    x, residual: y, rows: tokens, width: configuration.hiddenSize, gamma: g.baseAddress!,
                    beta: b.baseAddress!, epsilon: configuration.layerNormEpsilon
                )
            }
        }
    }
}
