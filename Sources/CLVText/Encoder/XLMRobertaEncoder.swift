import CLVNumerics
import Foundation

/// The XLM-RoBERTa encoder of multilingual-e5-small (a post-LN BERT) on 4-bit weights: token-id windows to
/// mean-pooled token states.
///
/// Conneau et al. (2020), "Unsupervised cross-lingual representation learning at scale" (XLM-R),
/// arXiv:1911.02116; the layers are BERT's (Devlin et al. 2019, doi:10.18653/v1/N19-1423):
/// `h = LN(x + Attn(x))`, `x′ = LN(h + W₂ GELU(W₁ h + b₁) + b₂)`, exact (erf) GELU, embeddings
/// `LN(word + position + type₀)`.
///
/// **Weights** stay Q4_0 in the mapped file; every product runs on ``QuantizedKernels``' matrix path (a group
/// of rows dequantized once, then float multiply-adds for every token). Activations stay float: nothing is
/// quantized to 8 bits, unlike the reference engine (see the README for the measured trade-off).
///
/// **Batching** as in ``BertEncoder``: the windows of one call are packed into one `T × d` matrix with no
/// padding, each product is one round over all tokens, and attention runs per window and head over that
/// window's own rows. **Threads**: every round (products, attention, LayerNorm, GELU) is split over one
/// ``WorkerPool``, so one text uses every core as well as a batch does.
public struct XLMRobertaEncoder: Sendable {
    /// One encoder layer.
    struct Layer: Sendable {
        let query: QuantizedMatrix, key: QuantizedMatrix, value: QuantizedMatrix
        let queryBias: [Float], keyBias: [Float], valueBias: [Float]
        let attentionOutput: QuantizedMatrix, attentionOutputBias: [Float]
        let attentionNormGamma: [Float], attentionNormBeta: [Float]
        let intermediate: QuantizedMatrix, intermediateBias: [Float]
        let output: QuantizedMatrix, outputBias: [Float]
        let outputNormGamma: [Float], outputNormBeta: [Float]
    }

    /// The sizes.
    public let hyperparameters: E5File.Hyperparameters
    let wordEmbeddings: QuantizedMatrix
    let positionEmbeddings: [Float]
    let tokenTypeEmbeddings: [Float]
    let embeddingNormGamma: [Float], embeddingNormBeta: [Float]
    let layers: [Layer]

    /// The encoder of an E5S1 file, every tensor checked against the header's sizes.
    /// - Throws: ``E5FileError/tensorMissing(name:)`` or ``E5FileError/tensorMismatch(name:expected:found:)``.
    public init(file: E5File) throws(E5FileError) {
        let h = file.hyperparameters
        let d = h.hiddenSize, ff = h.intermediateSize
        hyperparameters = h
        wordEmbeddings = try file.matrix("emb.word", rows: h.vocabularySize, columns: d)
        positionEmbeddings = try file.floats("emb.pos", count: h.maximumPositions * d)
        tokenTypeEmbeddings = try file.floats("emb.type", count: h.tokenTypeCount * d)
        embeddingNormGamma = try file.floats("emb.ln.w", count: d)
        embeddingNormBeta = try file.floats("emb.ln.b", count: d)
        var layers: [Layer] = []
        for l in 0..<h.layerCount {
            let p = "l\(l)."
            layers.append(
                Layer(
                    query: try file.matrix(p + "q.w", rows: d, columns: d),
                    key: try file.matrix(p + "k.w", rows: d, columns: d),
                    value: try file.matrix(p + "v.w", rows: d, columns: d),
                    queryBias: try file.floats(p + "q.b", count: d),
                    keyBias: try file.floats(p + "k.b", count: d),
                    valueBias: try file.floats(p + "v.b", count: d),
                    attentionOutput: try file.matrix(p + "ao.w", rows: d, columns: d),
                    attentionOutputBias: try file.floats(p + "ao.b", count: d),
                    attentionNormGamma: try file.floats(p + "aln.w", count: d),
                    attentionNormBeta: try file.floats(p + "aln.b", count: d),
                    intermediate: try file.matrix(p + "fi.w", rows: ff, columns: d),
                    intermediateBias: try file.floats(p + "fi.b", count: ff),
                    output: try file.matrix(p + "fo.w", rows: d, columns: ff),
                    outputBias: try file.floats(p + "fo.b", count: d),
                    outputNormGamma: try file.floats(p + "oln.w", count: d),
                    outputNormBeta: try file.floats(p + "oln.b", count: d)
                ))
        }
        self.layers = layers
    }

    /// Checks that every window can go through the model.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)``.
    func validate(_ windows: [[Int]]) throws(EncoderError) {
        try PackedSequences.validate(
            windows, vocabularySize: hyperparameters.vocabularySize,
            maximumLength: hyperparameters.maximumPositions)
    }

    /// Mean of the last layer's token states over every token of each window, `[windows.count × d]` row-major
    /// (not normalised).
    ///
    /// - Parameters:
    ///   - windows: token ids, `<s> … </s>`, as ``SentencePieceTokenizer/windows(_:role:)`` makes them.
    ///   - threads: how many threads to use (a pool of them lives for the call).
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)``.
    /// - Complexity: O(T·d·(d + I)·layers + Σ Lᵢ²·d·layers) for T tokens in windows of lengths Lᵢ.
    public func meanPooledStates(of windows: [[Int]], threads: Int) throws(EncoderError) -> [Float] {
        try validate(windows)
        let pool = WorkerPool(threads: threads)
        defer { pool.shutdown() }
        return validatedMeanPooledStates(of: windows, pool: pool)
    }

    /// ``meanPooledStates(of:threads:)`` for windows that passed ``validate(_:)``.
    func validatedMeanPooledStates(of windows: [[Int]], pool: WorkerPool) -> [Float] {
        let packed = PackedSequences(windows)
        guard packed.total > 0 else { return [] }
        let scratch = Scratch(tokens: packed.total, hyperparameters: hyperparameters)
        defer { scratch.deallocate() }
        embed(windows, into: scratch.x, pool: pool)
        for layer in layers {
            forward(layer, scratch: scratch, tokens: packed.total, starts: packed.starts, lengths: packed.lengths, pool: pool)
        }
        return packed.meanPool(scratch.x, width: hyperparameters.hiddenSize)
    }

    // MARK: - Forward pass

    /// Working memory for one packed batch.
    private struct Scratch {
        let x: UnsafeMutablePointer<Float>  // T × d: the hidden states
        let q: UnsafeMutablePointer<Float>, k: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
        let context: UnsafeMutablePointer<Float>  // T × d
        let projected: UnsafeMutablePointer<Float>  // T × d
        let hidden: UnsafeMutablePointer<Float>  // T × I

        init(tokens: Int, hyperparameters h: E5File.Hyperparameters) {
            let size = tokens * h.hiddenSize
            x = .allocate(capacity: size)
            q = .allocate(capacity: size)
            k = .allocate(capacity: size)
            v = .allocate(capacity: size)
            context = .allocate(capacity: size)
            projected = .allocate(capacity: size)
            hidden = .allocate(capacity: tokens * h.intermediateSize)
        }

        func deallocate() {
            for p in [x, q, k, v, context, projected, hidden] { p.deallocate() }
        }
    }

    /// Calls `body` on `count` items cut into a few contiguous ranges per thread.
    private static func parallel(_ count: Int, pool: WorkerPool, _ body: @escaping (Range<Int>) -> Void) {
        let shares = min(count, 4 * pool.threads)
        guard shares > 0 else { return }
        pool.run(slices: shares) { share in
            body((count * share / shares)..<(count * (share + 1) / shares))
        }
    }

    /// Word + position + token-type-0 embeddings, then LayerNorm. Positions restart at 0 in every window.
    private func embed(_ windows: [[Int]], into x: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let d = hyperparameters.hiddenSize, epsilon = hyperparameters.layerNormEpsilon
        var ids: [Int] = [], positions: [Int] = []
        for window in windows {
            ids += window
            positions += window.indices
        }
        let tokens = ids.count
        let rows = Rows(x)
        let model = self
        Self.parallel(tokens, pool: pool) { range in
            model.positionEmbeddings.withUnsafeBufferPointer { position in
                model.tokenTypeEmbeddings.withUnsafeBufferPointer { type in
                    for t in range {
                        let row = rows.base + t * d
                        model.wordEmbeddings.dequantizedRow(ids[t], into: row)
                        let p = position.baseAddress! + positions[t] * d
                        for j in 0..<d { row[j] += p[j] + type[j] }
                    }
                }
            }
            model.embeddingNormGamma.withUnsafeBufferPointer { gamma in
                model.embeddingNormBeta.withUnsafeBufferPointer { beta in
                    EncoderKernels.addLayerNorm(
                        rows.base + range.lowerBound * d, residual: nil, rows: range.count, width: d,
                        gamma: gamma.baseAddress!, beta: beta.baseAddress!, epsilon: epsilon)
                }
            }
        }
    }

    private func forward(
        _ layer: Layer, scratch: Scratch, tokens: Int, starts: [Int], lengths: [Int], pool: WorkerPool
    ) {
        let h = hyperparameters
        let d = h.hiddenSize, heads = h.headCount, headSize = d / h.headCount, ff = h.intermediateSize

        func job(
            _ matrix: QuantizedMatrix, _ input: UnsafeMutablePointer<Float>, _ bias: [Float],
            _ output: UnsafeMutablePointer<Float>
        ) -> QuantizedKernels.MatrixJob {
            .init(matrix: matrix, input: input, count: tokens, bias: bias, output: output)
        }

        // Self-attention: Q, K, V for all tokens in one round, then softmax(QKᵀ/√dₕ)·V per window and head,
        // the queries of long windows cut into chunks of 32 rows so that the threads share the work evenly.
        QuantizedKernels.run(
            [
                job(layer.query, scratch.x, layer.queryBias, scratch.q),
                job(layer.key, scratch.x, layer.keyBias, scratch.k),
                job(layer.value, scratch.x, layer.valueBias, scratch.v),
            ], pool: pool)
        var items: [(start: Int, length: Int, head: Int, rows: Range<Int>)] = []
        for (start, length) in zip(starts, lengths) {
            for head in 0..<heads {
                for first in stride(from: 0, to: length, by: 32) { items.append((start, length, head, first..<min(length, first + 32))) }
            }
        }
        let rows = (q: Rows(scratch.q), k: Rows(scratch.k), v: Rows(scratch.v), context: Rows(scratch.context))
        let scale = 1 / Float(headSize).squareRoot()
        let work = items
        Self.parallel(work.count, pool: pool) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: work[range].map(\.length).max() ?? 1)
            defer { scores.deallocate() }
            for item in work[range] {
                let offset = item.start * d + item.head * headSize
                for i in item.rows {
                    let query = rows.q.base + offset + i * d
                    for j in 0..<item.length {
                        scores[j] = VectorMath.dot(query, rows.k.base + offset + j * d, count: headSize) * scale
                    }
                    EncoderKernels.softmaxRows(scores, rows: 1, n: item.length, stride: item.length)
                    let out = rows.context.base + offset + i * d
                    out.initialize(repeating: 0, count: headSize)
                    for j in 0..<item.length { VectorMath.addScaled(rows.v.base + offset + j * d, scores[j], into: out, count: headSize) }
                }
            }
        }
        QuantizedKernels.run([job(layer.attentionOutput, scratch.context, layer.attentionOutputBias, scratch.projected)], pool: pool)
        normalize(
            scratch.x, adding: scratch.projected, tokens: tokens, gamma: layer.attentionNormGamma,
            beta: layer.attentionNormBeta, pool: pool)

        // Feed-forward: GELU(x W₁ᵀ + b₁) W₂ᵀ + b₂.
        QuantizedKernels.run([job(layer.intermediate, scratch.x, layer.intermediateBias, scratch.hidden)], pool: pool)
        let hidden = Rows(scratch.hidden)
        Self.parallel(tokens, pool: pool) { range in
            EncoderKernels.gelu(hidden.base + range.lowerBound * ff, count: range.count * ff)
        }
        QuantizedKernels.run([job(layer.output, scratch.hidden, layer.outputBias, scratch.projected)], pool: pool)
        normalize(
            scratch.x, adding: scratch.projected, tokens: tokens, gamma: layer.outputNormGamma,
            beta: layer.outputNormBeta, pool: pool)
    }

    /// `x ← LN(x + y)`, rows split over the pool.
    private func normalize(
        _ x: UnsafeMutablePointer<Float>, adding y: UnsafeMutablePointer<Float>, tokens: Int, gamma: [Float], beta: [Float],
        pool: WorkerPool
    ) {
        let d = hyperparameters.hiddenSize, epsilon = hyperparameters.layerNormEpsilon
        let rows = (x: Rows(x), y: Rows(y))
        Self.parallel(tokens, pool: pool) { range in
            gamma.withUnsafeBufferPointer { g in
                beta.withUnsafeBufferPointer { b in
                    EncoderKernels.addLayerNorm(
                        rows.x.base + range.lowerBound * d, residual: rows.y.base + range.lowerBound * d, rows: range.count,
                        width: d, gamma: g.baseAddress!, beta: b.baseAddress!, epsilon: epsilon
                    )
                }
            }
        }
    }
}

/// A scratch buffer handed to the worker threads of one round.
// @unchecked Sendable: within a round every thread writes only its own rows (or only reads), and
// `WorkerPool.run` returns only after all threads are done, so no two threads touch the same memory with a write.
private struct Rows: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}
