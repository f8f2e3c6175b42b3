import CLVCore
import CLVText

/// One forward pass of a BERT encoder and a head over a packed batch, with every activation the backward pass
/// needs kept, and that backward pass: the loss of the batch and its gradient by every parameter.
///
/// The sequences are packed as ``BertEncoder`` packs them (all tokens stacked into one `T × d` matrix, attention
/// per sequence and head over that sequence's own rows), which is attention with a padding mask without the
/// padded rows. Per layer (post-LN, Devlin et al. 2019, doi:10.18653/v1/N19-1423):
///
///     qkv = x·Wqkvᵀ + b          P = softmax(Q·Kᵀ/√dₕ) per sequence and head     c = drop(P)·V
///     h = LN(x + drop(c·Woᵀ + bo))     f = h·W₁ᵀ + b₁     y = LN(h + drop(GELU(f)·W₂ᵀ + b₂))
///
/// with dropout where Hugging Face's `BertModel` has it (after the embedding LayerNorm, on the attention
/// probabilities, on both sub-layers' outputs), and on the pooled embedding before the head as
/// `BertForSequenceClassification` has it. The head reads the mean-pooled embedding, or that embedding scaled to
/// unit length (the space sentence-transformers' cosine-trained models are made for). The gradients are the chain rule through each of these, written
/// out by hand (each step's formula is at its code); matrix products forward and backward run on `gemm`.
///
/// Activations are kept rather than recomputed: for MiniLM and 32 short texts (~700 tokens) that is about
/// 110 MB, and recomputing a layer would cost a third more time.
final class TrainingPass<S: TrainingScalar> {
    private let layout: ParameterLayout
    private let d: Int, intermediate: Int, heads: Int, headSize: Int
    private let tokens: Int
    private let ids: [Int]
    private let positions: [Int]
    private let starts: [Int]
    private let lengths: [Int]
    private let dropout: S
    private var allocations: [UnsafeMutablePointer<S>] = []

    /// What one layer keeps for its backward pass.
    private struct LayerTape {
        let qkv: UnsafeMutablePointer<S>  // T × 3d
        let probabilities: UnsafeMutablePointer<S>  // Σ heads·L², per sequence then head
        let probabilityMask: UnsafeMutablePointer<S>?
        let context: UnsafeMutablePointer<S>  // T × d
        let attentionMask: UnsafeMutablePointer<S>?  // T × d
        let normalized1: UnsafeMutablePointer<S>, inverseDeviation1: UnsafeMutablePointer<S>
        let h: UnsafeMutablePointer<S>  // T × d
        let f: UnsafeMutablePointer<S>, g: UnsafeMutablePointer<S>  // T × I, before and after GELU
        let outputMask: UnsafeMutablePointer<S>?
        let normalized2: UnsafeMutablePointer<S>, inverseDeviation2: UnsafeMutablePointer<S>
    }

    private var states: [UnsafeMutablePointer<S>] = []  // layers + 1, each T × d
    private var tapes: [LayerTape] = []
    private var embeddingNormalized: UnsafeMutablePointer<S>
    private var embeddingInverseDeviation: UnsafeMutablePointer<S>
    private var embeddingMask: UnsafeMutablePointer<S>?
    private let probabilityStarts: [Int]
    private let pooled: UnsafeMutablePointer<S>  // B × d, of length √d when `normalizesPooled`
    private let normalizesPooled: Bool
    private let pooledNorms: UnsafeMutablePointer<S>  // B, the mean-pooled rows' lengths
    private let headMask: UnsafeMutablePointer<S>?
    private let headInput: UnsafeMutablePointer<S>  // B × d, pooled after dropout
    /// The head's outputs, `B × outputs` row-major.
    let outputs: UnsafeMutablePointer<S>

    /// Runs the forward pass.
    ///
    /// - Parameters:
    ///   - parameters: the flat parameters (``ParameterLayout``).
    ///   - sequences: token ids, each non-empty and within the position table (checked by the caller).
    ///   - dropout: the drop probability (0 turns dropout off and keeps no masks).
    ///   - normalizesPooled: scale each pooled embedding to length √d before the head's dropout.
    ///   - random: the generator the masks are drawn from, in a fixed order (so a seed gives the same masks).
    init(
        parameters: UnsafePointer<S>, layout: ParameterLayout, sequences: [[Int]], dropout: S, normalizesPooled: Bool = false,
        random: inout SplitMix64
    ) {
        let c = layout.configuration
        self.layout = layout
        d = c.hiddenSize
        intermediate = c.intermediateSize
        heads = c.headCount
        headSize = c.headSize
        self.dropout = dropout
        self.normalizesPooled = normalizesPooled
        lengths = sequences.map(\.count)
        var starts: [Int] = []
        var probabilityStarts: [Int] = []
        var t = 0, p = 0
        for length in lengths {
            starts.append(t)
            probabilityStarts.append(p)
            t += length
            p += c.headCount * length * length
        }
        self.starts = starts
        self.probabilityStarts = probabilityStarts
        tokens = t
        ids = sequences.flatMap { $0 }
        positions = sequences.flatMap { 0..<$0.count }
        let batch = sequences.count
        let probabilityCount = p
        let hasDropout = dropout > 0

        var allocations: [UnsafeMutablePointer<S>] = []
        func allocate(_ n: Int) -> UnsafeMutablePointer<S> {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: max(1, n))
            allocations.append(pointer)
            return pointer
        }
        let (n, w, ffn) = (t, c.hiddenSize, c.intermediateSize)
        embeddingNormalized = allocate(n * w)
        embeddingInverseDeviation = allocate(n)
        embeddingMask = hasDropout ? allocate(n * w) : nil
        states = (0...c.layerCount).map { _ in allocate(n * w) }
        tapes = (0..<c.layerCount).map { _ in
            LayerTape(
                qkv: allocate(n * 3 * w), probabilities: allocate(probabilityCount),
                probabilityMask: hasDropout ? allocate(probabilityCount) : nil, context: allocate(n * w),
                attentionMask: hasDropout ? allocate(n * w) : nil, normalized1: allocate(n * w),
                inverseDeviation1: allocate(n), h: allocate(n * w), f: allocate(n * ffn),
                g: allocate(n * ffn), outputMask: hasDropout ? allocate(n * w) : nil,
                normalized2: allocate(n * w), inverseDeviation2: allocate(n)
            )
        }
        pooled = allocate(batch * w)
        pooledNorms = allocate(batch)
        headMask = hasDropout ? allocate(batch * w) : nil
        headInput = allocate(batch * w)
        outputs = allocate(batch * layout.headOutputs)
        self.allocations = allocations
        forward(parameters, random: &random)
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    // MARK: - Forward

    private func forward(_ w: UnsafePointer<S>, random: inout SplitMix64) {
        let x0 = states[0]
        // Word + position + token-type-0 embeddings, LayerNorm, dropout.
        for t in 0..<tokens {
            let word = w + layout.wordEmbeddings + ids[t] * d
            let position = w + layout.positionEmbeddings + positions[t] * d
            let type = w + layout.tokenTypeEmbeddings
            for j in 0..<d { x0[t * d + j] = word[j] + position[j] + type[j] }
        }
        layerNorm(
            x0, rows: tokens, gamma: w + layout.embeddingNormGamma, beta: w + layout.embeddingNormBeta,
            normalized: embeddingNormalized, inverseDeviation: embeddingInverseDeviation
        )
        applyDropout(x0, mask: embeddingMask, count: tokens * d, random: &random)

        for (l, tape) in tapes.enumerated() {
            forwardLayer(w, offsets: layout.layers[l], tape: tape, x: states[l], y: states[l + 1], random: &random)
        }

        // Mean over each sequence's tokens, dropout, the head's linear layer.
        let last = states[tapes.count]
        let batch = lengths.count
        for s in 0..<batch {
            let row = pooled + s * d
            for j in 0..<d { row[j] = 0 }
            for t in starts[s]..<(starts[s] + lengths[s]) {
                for j in 0..<d { row[j] += last[t * d + j] }
            }
            let inverse = 1 / S(lengths[s])
            for j in 0..<d { row[j] *= inverse }
            pooledNorms[s] = 1
            if normalizesPooled {
                var squares: S = 0
                for j in 0..<d { squares += row[j] * row[j] }
                // pooledNorms holds |m|/√d, the divisor that gives the row length √d.
                pooledNorms[s] = (squares / S(d)).squareRoot()
                let scale = 1 / pooledNorms[s]
                for j in 0..<d { row[j] *= scale }
            }
        }
        headInput.update(from: pooled, count: batch * d)
        applyDropout(headInput, mask: headMask, count: batch * d, random: &random)
        linear(headInput, rows: batch, inputs: d, weight: w + layout.headWeight, bias: w + layout.headBias, outputs: layout.headOutputs, into: outputs)
    }

    private func forwardLayer(
        _ w: UnsafePointer<S>, offsets o: ParameterLayout.Layer, tape: LayerTape, x: UnsafeMutablePointer<S>,
        y: UnsafeMutablePointer<S>, random: inout SplitMix64
    ) {
        let width = 3 * d
        linear(x, rows: tokens, inputs: d, weight: w + o.qkvWeight, bias: w + o.qkvBias, outputs: width, into: tape.qkv)
        let scale = 1 / S(headSize).squareRoot()
        let longest = lengths.max() ?? 0
        let dropped = UnsafeMutablePointer<S>.allocate(capacity: max(1, longest * longest))
        defer { dropped.deallocate() }
        for s in lengths.indices {
            let length = lengths[s], base = tape.qkv + starts[s] * width
            for head in 0..<heads {
                let region = probabilityStarts[s] + head * length * length
                let p = tape.probabilities + region
                S.gemm(
                    transposeA: false, transposeB: true, m: length, n: length, k: headSize, alpha: scale,
                    a: base + head * headSize, lda: width, b: base + d + head * headSize, ldb: width, beta: 0,
                    c: p, ldc: length
                )
                softmaxRows(p, rows: length, columns: length)
                var attended = UnsafePointer(p)
                if let masks = tape.probabilityMask {
                    fillMask(masks + region, count: length * length, random: &random)
                    for k in 0..<(length * length) { dropped[k] = p[k] * masks[region + k] }
                    attended = UnsafePointer(dropped)
                }
                S.gemm(
                    transposeA: false, transposeB: false, m: length, n: headSize, k: length, alpha: 1,
                    a: attended, lda: length, b: base + 2 * d + head * headSize, ldb: width, beta: 0,
                    c: tape.context + starts[s] * d + head * headSize, ldc: d
                )
            }
        }
        // h = LN(x + drop(c·Woᵀ + bo)), computed in `y` (free until the feed-forward output).
        linear(tape.context, rows: tokens, inputs: d, weight: w + o.attentionOutputWeight, bias: w + o.attentionOutputBias, outputs: d, into: y)
        applyDropout(y, mask: tape.attentionMask, count: tokens * d, random: &random)
        for k in 0..<(tokens * d) { tape.h[k] = y[k] + x[k] }
        layerNorm(
            tape.h, rows: tokens, gamma: w + o.attentionNormGamma, beta: w + o.attentionNormBeta,
            normalized: tape.normalized1, inverseDeviation: tape.inverseDeviation1
        )
        // y = LN(h + drop(GELU(h·W₁ᵀ + b₁)·W₂ᵀ + b₂)).
        linear(tape.h, rows: tokens, inputs: d, weight: w + o.intermediateWeight, bias: w + o.intermediateBias, outputs: intermediate, into: tape.f)
        let inverseSqrt2 = 1 / S(2).squareRoot()
        for k in 0..<(tokens * intermediate) {
            let v = tape.f[k]
            tape.g[k] = v * (1 + S.errorFunction(v * inverseSqrt2)) / 2
        }
        linear(tape.g, rows: tokens, inputs: intermediate, weight: w + o.outputWeight, bias: w + o.outputBias, outputs: d, into: y)
        applyDropout(y, mask: tape.outputMask, count: tokens * d, random: &random)
        for k in 0..<(tokens * d) { y[k] += tape.h[k] }
        layerNorm(
            y, rows: tokens, gamma: w + o.outputNormGamma, beta: w + o.outputNormBeta, normalized: tape.normalized2,
            inverseDeviation: tape.inverseDeviation2
        )
    }

    /// `c ← a·Wᵀ + b` for a `[outputs, inputs]` weight.
    private func linear(
        _ a: UnsafePointer<S>, rows: Int, inputs: Int, weight: UnsafePointer<S>, bias: UnsafePointer<S>, outputs n: Int,
        into c: UnsafeMutablePointer<S>
    ) {
        for r in 0..<rows { (c + r * n).update(from: bias, count: n) }
        S.gemm(
            transposeA: false, transposeB: true, m: rows, n: n, k: inputs, alpha: 1, a: a, lda: inputs, b: weight, ldb: inputs,
            beta: 1, c: c, ldc: n
        )
    }

    /// `x ← (x − mean)/√(var + ε)·γ + β` per row, keeping the normalised rows and 1/√(var + ε).
    private func layerNorm(
        _ x: UnsafeMutablePointer<S>, rows: Int, gamma: UnsafePointer<S>, beta: UnsafePointer<S>,
        normalized: UnsafeMutablePointer<S>, inverseDeviation: UnsafeMutablePointer<S>
    ) {
        let epsilon = S(layout.configuration.layerNormEpsilon)
        for r in 0..<rows {
            let row = x + r * d, out = normalized + r * d
            var sum: S = 0
            for j in 0..<d { sum += row[j] }
            let mean = sum / S(d)
            var squares: S = 0
            for j in 0..<d {
                let c = row[j] - mean
                squares += c * c
            }
            let inverse = 1 / (squares / S(d) + epsilon).squareRoot()
            inverseDeviation[r] = inverse
            for j in 0..<d {
                out[j] = (row[j] - mean) * inverse
                row[j] = out[j] * gamma[j] + beta[j]
            }
        }
    }

    private func softmaxRows(_ s: UnsafeMutablePointer<S>, rows: Int, columns n: Int) {
        for r in 0..<rows {
            let row = s + r * n
            var maximum = row[0]
            for j in 1..<n { maximum = max(maximum, row[j]) }
            var total: S = 0
            for j in 0..<n {
                row[j] = S.exponential(row[j] - maximum)
                total += row[j]
            }
            let inverse = 1 / total
            for j in 0..<n { row[j] *= inverse }
        }
    }

    /// Inverted dropout (Srivastava et al. 2014, JMLR 15): each entry kept with probability 1 − p and scaled by
    /// 1/(1 − p), so that the expected value is unchanged and evaluation needs no rescaling.
    private func applyDropout(_ x: UnsafeMutablePointer<S>, mask: UnsafeMutablePointer<S>?, count: Int, random: inout SplitMix64) {
        guard let mask else { return }
        fillMask(mask, count: count, random: &random)
        for k in 0..<count { x[k] *= mask[k] }
    }

    private func fillMask(_ mask: UnsafeMutablePointer<S>, count: Int, random: inout SplitMix64) {
        let keep = 1 / (1 - dropout)
        let threshold = UInt64(Double(dropout) * 0x1p53)
        for k in 0..<count { mask[k] = (random.next() >> 11) < threshold ? 0 : keep }
    }

    // MARK: - Backward

    /// The loss of the batch, `weight · Σ loss(example)`, and its gradient added into `gradient`.
    ///
    /// - Parameters:
    ///   - labels: one per sequence (see ``FineTuneHead``).
    ///   - weight: each example's weight in the loss (1 / the whole batch's size for a mean over shards).
    ///   - labelSmoothing: ε of ``FineTuneHead/loss(outputs:label:weight:gradient:labelSmoothing:)``.
    func lossAndGradient(
        parameters w: UnsafePointer<S>, head: FineTuneHead, labels: [Double], weight: S, labelSmoothing: S = 0,
        gradient: UnsafeMutablePointer<S>
    ) -> Double {
        let batch = lengths.count, outputsWidth = layout.headOutputs
        let dOutputs = UnsafeMutablePointer<S>.allocate(capacity: batch * outputsWidth)
        defer { dOutputs.deallocate() }
        var loss = 0.0
        for s in 0..<batch {
            loss +=
                Double(weight)
                * head.loss(
                    outputs: outputs + s * outputsWidth, label: labels[s], weight: weight, gradient: dOutputs + s * outputsWidth,
                    labelSmoothing: labelSmoothing)
        }
        let dPooled = UnsafeMutablePointer<S>.allocate(capacity: batch * d)
        defer { dPooled.deallocate() }
        // Head: outputs = z·Whᵀ + bh, z = drop(pooled).
        linearBackward(
            dOutputs, rows: batch, inputs: d, outputs: outputsWidth, input: headInput, weight: w + layout.headWeight,
            dWeight: gradient + layout.headWeight, dBias: gradient + layout.headBias, dInput: dPooled, accumulate: false
        )
        if let headMask { for k in 0..<(batch * d) { dPooled[k] *= headMask[k] } }
        // y = √d·m/|m|: dm = (dy − y·(y·dy)/d) · √d/|m|.
        if normalizesPooled {
            for s in 0..<batch {
                let y = pooled + s * d, dm = dPooled + s * d
                var along: S = 0
                for j in 0..<d { along += y[j] * dm[j] }
                along /= S(d)
                let inverse = 1 / pooledNorms[s]
                for j in 0..<d { dm[j] = (dm[j] - y[j] * along) * inverse }
            }
        }
        backward(w, dPooled: dPooled, into: gradient)
        return loss
    }

    /// SetFit's contrastive objective on the pooled embeddings (Tunstall et al. 2022, arXiv:2209.11055;
    /// sentence-transformers' `CosineSimilarityLoss`): sequences 2i and 2i + 1 are a pair with target yᵢ (1 for
    /// the same label, 0 for different ones), and the loss is `weight · Σ (cos(uᵢ, vᵢ) − yᵢ)²`, its gradient
    /// added into `gradient`. The head takes no part (no dropout after pooling, as sentence-transformers has none).
    ///
    /// With c = u·v/(|u||v|): ∂c/∂u = v/(|u||v|) − c·u/|u|², and symmetrically for v.
    func pairLossAndGradient(parameters w: UnsafePointer<S>, targets: [Double], weight: S, gradient: UnsafeMutablePointer<S>) -> Double {
        precondition(lengths.count == 2 * targets.count, "a pair pass holds two sequences per target")
        let dPooled = UnsafeMutablePointer<S>.allocate(capacity: lengths.count * d)
        defer { dPooled.deallocate() }
        var loss = 0.0
        for (i, target) in targets.enumerated() {
            let u = pooled + 2 * i * d, v = u + d
            let du = dPooled + 2 * i * d, dv = du + d
            var uv: S = 0, uu: S = 0, vv: S = 0
            for j in 0..<d {
                uv += u[j] * v[j]
                uu += u[j] * u[j]
                vv += v[j] * v[j]
            }
            let inverseNorms = 1 / (uu * vv).squareRoot()
            let cosine = uv * inverseNorms
            let residual = cosine - S(target)
            loss += Double(weight) * Double(residual * residual)
            let scale = weight * 2 * residual
            for j in 0..<d {
                du[j] = scale * (v[j] * inverseNorms - cosine * u[j] / uu)
                dv[j] = scale * (u[j] * inverseNorms - cosine * v[j] / vv)
            }
        }
        backward(w, dPooled: dPooled, into: gradient)
        return loss
    }

    /// The encoder's backward pass from the gradient by each sequence's pooled embedding.
    private func backward(_ w: UnsafePointer<S>, dPooled: UnsafePointer<S>, into g: UnsafeMutablePointer<S>) {
        let batch = lengths.count
        var buffers: [UnsafeMutablePointer<S>] = []
        func allocate(_ count: Int) -> UnsafeMutablePointer<S> {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: max(1, count))
            buffers.append(pointer)
            return pointer
        }
        defer { for pointer in buffers { pointer.deallocate() } }
        // Mean pooling: each token of sequence s gets dPooled[s] / Lₛ.
        var dx = allocate(tokens * d)
        for s in 0..<batch {
            let inverse = 1 / S(lengths[s])
            for t in starts[s]..<(starts[s] + lengths[s]) {
                for j in 0..<d { dx[t * d + j] = dPooled[s * d + j] * inverse }
            }
        }
        var dxBelow = allocate(tokens * d)
        let work = LayerGradients(
            dv: allocate(tokens * d), dh: allocate(tokens * d), dIntermediate: allocate(tokens * intermediate),
            dqkv: allocate(tokens * 3 * d), da: allocate(tokens * d), dContext: allocate(tokens * d)
        )
        for l in stride(from: tapes.count - 1, through: 0, by: -1) {
            backwardLayer(w, offsets: layout.layers[l], tape: tapes[l], x: states[l], dy: dx, dx: dxBelow, work: work, g: g)
            swap(&dx, &dxBelow)
        }
        // Embeddings: dropout, LayerNorm, then each token's gradient into its word, position and type rows.
        if let embeddingMask { for k in 0..<(tokens * d) { dx[k] *= embeddingMask[k] } }
        layerNormBackward(
            dx, rows: tokens, normalized: embeddingNormalized, inverseDeviation: embeddingInverseDeviation,
            gamma: w + layout.embeddingNormGamma, dGamma: g + layout.embeddingNormGamma, dBeta: g + layout.embeddingNormBeta,
            into: dxBelow
        )
        for t in 0..<tokens {
            let word = g + layout.wordEmbeddings + ids[t] * d
            let position = g + layout.positionEmbeddings + positions[t] * d
            let type = g + layout.tokenTypeEmbeddings
            let row = dxBelow + t * d
            for j in 0..<d {
                word[j] += row[j]
                position[j] += row[j]
                type[j] += row[j]
            }
        }
    }

    /// Scratch for one layer's backward pass, reused by every layer.
    private struct LayerGradients {
        let dv: UnsafeMutablePointer<S>, dh: UnsafeMutablePointer<S>, dIntermediate: UnsafeMutablePointer<S>
        let dqkv: UnsafeMutablePointer<S>, da: UnsafeMutablePointer<S>, dContext: UnsafeMutablePointer<S>
    }

    private func backwardLayer(
        _ w: UnsafePointer<S>, offsets o: ParameterLayout.Layer, tape: LayerTape, x: UnsafePointer<S>, dy: UnsafeMutablePointer<S>,
        dx: UnsafeMutablePointer<S>, work: LayerGradients, g: UnsafeMutablePointer<S>
    ) {
        let count = tokens * d
        // y = LN(v), v = h + drop(o): dv, then dh = dv and do = dv ⊙ mask.
        layerNormBackward(
            dy, rows: tokens, normalized: tape.normalized2, inverseDeviation: tape.inverseDeviation2, gamma: w + o.outputNormGamma,
            dGamma: g + o.outputNormGamma, dBeta: g + o.outputNormBeta, into: work.dv
        )
        work.dh.update(from: work.dv, count: count)
        if let mask = tape.outputMask { for k in 0..<count { work.dv[k] *= mask[k] } }
        // o = GELU(f)·W₂ᵀ + b₂.
        linearBackward(
            work.dv, rows: tokens, inputs: intermediate, outputs: d, input: tape.g, weight: w + o.outputWeight,
            dWeight: g + o.outputWeight, dBias: g + o.outputBias, dInput: work.dIntermediate, accumulate: false
        )
        // GELU′(f) = Φ(f) + f·φ(f).
        let inverseSqrt2 = 1 / S(2).squareRoot()
        let inverseSqrt2Pi = 1 / (2 * S.pi).squareRoot()
        for k in 0..<(tokens * intermediate) {
            let v = tape.f[k]
            let cdf = (1 + S.errorFunction(v * inverseSqrt2)) / 2
            let density = S.exponential(-v * v / 2) * inverseSqrt2Pi
            work.dIntermediate[k] *= cdf + v * density
        }
        // f = h·W₁ᵀ + b₁: dh += df·W₁.
        linearBackward(
            work.dIntermediate, rows: tokens, inputs: d, outputs: intermediate, input: tape.h, weight: w + o.intermediateWeight,
            dWeight: g + o.intermediateWeight, dBias: g + o.intermediateBias, dInput: work.dh, accumulate: true
        )
        // h = LN(u), u = x + drop(a): dx = du, da = du ⊙ mask.
        layerNormBackward(
            work.dh, rows: tokens, normalized: tape.normalized1, inverseDeviation: tape.inverseDeviation1,
            gamma: w + o.attentionNormGamma, dGamma: g + o.attentionNormGamma, dBeta: g + o.attentionNormBeta, into: dx
        )
        work.da.update(from: dx, count: count)
        if let mask = tape.attentionMask { for k in 0..<count { work.da[k] *= mask[k] } }
        // a = c·Woᵀ + bo.
        linearBackward(
            work.da, rows: tokens, inputs: d, outputs: d, input: tape.context, weight: w + o.attentionOutputWeight,
            dWeight: g + o.attentionOutputWeight, dBias: g + o.attentionOutputBias, dInput: work.dContext, accumulate: false
        )
        attentionBackward(tape: tape, dContext: work.dContext, dqkv: work.dqkv)
        // qkv = x·Wqkvᵀ + b: dx += dqkv·Wqkv.
        linearBackward(
            work.dqkv, rows: tokens, inputs: d, outputs: 3 * d, input: x, weight: w + o.qkvWeight, dWeight: g + o.qkvWeight,
            dBias: g + o.qkvBias, dInput: dx, accumulate: true
        )
    }

    /// Per sequence and head, with D = drop(P): dD = dC·Vᵀ, dV = Dᵀ·dC, dP = dD ⊙ mask,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)) (the softmax Jacobian), dQ = dS·K/√dₕ, dK = dSᵀ·Q/√dₕ.
    private func attentionBackward(tape: LayerTape, dContext: UnsafePointer<S>, dqkv: UnsafeMutablePointer<S>) {
        let width = 3 * d
        let scale = 1 / S(headSize).squareRoot()
        let longest = lengths.max() ?? 0
        let dropped = UnsafeMutablePointer<S>.allocate(capacity: max(1, longest * longest))
        let dP = UnsafeMutablePointer<S>.allocate(capacity: max(1, longest * longest))
        defer {
            dropped.deallocate()
            dP.deallocate()
        }
        for s in lengths.indices {
            let length = lengths[s], base = tape.qkv + starts[s] * width, dBase = dqkv + starts[s] * width
            let area = length * length
            for head in 0..<heads {
                let region = probabilityStarts[s] + head * area
                let p = tape.probabilities + region
                let dC = dContext + starts[s] * d + head * headSize
                var attended = UnsafePointer(p)
                if let masks = tape.probabilityMask {
                    for k in 0..<area { dropped[k] = p[k] * masks[region + k] }
                    attended = UnsafePointer(dropped)
                }
                S.gemm(
                    transposeA: false, transposeB: true, m: length, n: length, k: headSize, alpha: 1, a: dC, lda: d,
                    b: base + 2 * d + head * headSize, ldb: width, beta: 0, c: dP, ldc: length
                )
                S.gemm(
                    transposeA: true, transposeB: false, m: length, n: headSize, k: length, alpha: 1, a: attended, lda: length,
                    b: dC, ldb: d, beta: 0, c: dBase + 2 * d + head * headSize, ldc: width
                )
                if let masks = tape.probabilityMask { for k in 0..<area { dP[k] *= masks[region + k] } }
                for r in 0..<length {
                    let pr = p + r * length, dr = dP + r * length
                    var dot: S = 0
                    for j in 0..<length { dot += pr[j] * dr[j] }
                    for j in 0..<length { dr[j] = pr[j] * (dr[j] - dot) }
                }
                S.gemm(
                    transposeA: false, transposeB: false, m: length, n: headSize, k: length, alpha: scale, a: dP, lda: length,
                    b: base + d + head * headSize, ldb: width, beta: 0, c: dBase + head * headSize, ldc: width
                )
                S.gemm(
                    transposeA: true, transposeB: false, m: length, n: headSize, k: length, alpha: scale, a: dP, lda: length,
                    b: base + head * headSize, ldb: width, beta: 0, c: dBase + d + head * headSize, ldc: width
                )
            }
        }
    }

    /// For `c = a·Wᵀ + b`: dW += dcᵀ·a, db += Σ rows of dc, and da = dc·W (or da += dc·W).
    private func linearBackward(
        _ dc: UnsafePointer<S>, rows: Int, inputs: Int, outputs n: Int, input a: UnsafePointer<S>, weight: UnsafePointer<S>,
        dWeight: UnsafeMutablePointer<S>, dBias: UnsafeMutablePointer<S>, dInput: UnsafeMutablePointer<S>, accumulate: Bool
    ) {
        S.gemm(
            transposeA: true, transposeB: false, m: n, n: inputs, k: rows, alpha: 1, a: dc, lda: n, b: a, ldb: inputs, beta: 1,
            c: dWeight, ldc: inputs
        )
        for r in 0..<rows {
            let row = dc + r * n
            for j in 0..<n { dBias[j] += row[j] }
        }
        S.gemm(
            transposeA: false, transposeB: false, m: rows, n: inputs, k: n, alpha: 1, a: dc, lda: n, b: weight, ldb: inputs,
            beta: accumulate ? 1 : 0, c: dInput, ldc: inputs
        )
    }

    /// For `y = x̂·γ + β`, x̂ = (x − mean)·r: dγ += Σ dy ⊙ x̂, dβ += Σ dy, and with e = dy ⊙ γ,
    /// dx = r·(e − mean(e) − x̂·mean(e ⊙ x̂)) per row.
    private func layerNormBackward(
        _ dy: UnsafePointer<S>, rows: Int, normalized: UnsafePointer<S>, inverseDeviation: UnsafePointer<S>,
        gamma: UnsafePointer<S>, dGamma: UnsafeMutablePointer<S>, dBeta: UnsafeMutablePointer<S>, into dx: UnsafeMutablePointer<S>
    ) {
        let inverseWidth = 1 / S(d)
        for r in 0..<rows {
            let dyr = dy + r * d, xr = normalized + r * d, out = dx + r * d
            var sum: S = 0, dotted: S = 0
            for j in 0..<d {
                dGamma[j] += dyr[j] * xr[j]
                dBeta[j] += dyr[j]
                let e = dyr[j] * gamma[j]
                out[j] = e
                sum += e
                dotted += e * xr[j]
            }
            let meanE = sum * inverseWidth, meanEX = dotted * inverseWidth, inverse = inverseDeviation[r]
            for j in 0..<d { out[j] = inverse * (out[j] - meanE - xr[j] * meanEX) }
        }
    }
}
