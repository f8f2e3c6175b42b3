import CLVNumerics
import Foundation

/// One running sequence of a ``LlamaModel``: its key/value cache, its position and its scratch buffers.
///
/// Feed tokens with ``evaluate(_:)``; each call appends them to the cache and returns the next-token logits.
/// A session is used by one task at a time (it is not `Sendable`); create one per concurrent conversation.
///
/// Memory: the cache holds `2 · layers · capacity · keyValueLength` floats (SmolLM2, 2048 positions: 94 MB),
/// allocated up front but only paged in as positions are filled.
///
/// Threads: with `threads > 1` the session keeps `threads − 1` helper threads (a ``WorkerPool``) for as long as it
/// lives; they share every matrix-vector product with the calling thread and park when the session is idle.
public final class LlamaSession {
    public let model: LlamaModel
    /// The number of positions the cache holds (at most the model's context length).
    public let capacity: Int
    /// The threads each matrix-vector product is split over (the calling thread included); results do not
    /// depend on it.
    public let threads: Int
    /// The number of tokens evaluated so far (the position of the next one).
    public private(set) var position = 0

    /// Prompt tokens evaluated together: each group of weight rows is read from memory once for all of them.
    static let batchLimit = 16

    private let keys: UnsafeMutablePointer<Float>
    private let values: UnsafeMutablePointer<Float>
    // Per-token buffers for up to `batchLimit` tokens, token t at offset t·width.
    private let residual: UnsafeMutablePointer<Float>
    private let normed: [PreparedVector]
    private let query: UnsafeMutablePointer<Float>
    private let attention: [PreparedVector]
    private let projected: UnsafeMutablePointer<Float>
    private let gate: UnsafeMutablePointer<Float>
    private let up: UnsafeMutablePointer<Float>
    private let hidden: [PreparedVector]
    private let scores: UnsafeMutablePointer<Float>
    private let rotation: UnsafeMutablePointer<Float>
    private let logits: UnsafeMutablePointer<Float>
    private let pool: WorkerPool

    /// Creates an empty session.
    /// - Parameters:
    ///   - model: the model to run.
    ///   - capacity: positions to make room for; nil means the model's full context length.
    ///   - threads: threads per matrix-vector product (2 on a two-core machine).
    public init(model: LlamaModel, capacity: Int? = nil, threads: Int = 2) {
        let config = model.configuration
        let batch = Self.batchLimit
        self.model = model
        self.capacity = max(1, min(capacity ?? config.contextLength, config.contextLength))
        self.threads = max(1, threads)
        let cacheCount = config.layerCount * self.capacity * config.keyValueLength
        keys = .allocate(capacity: cacheCount)
        values = .allocate(capacity: cacheCount)
        residual = .allocate(capacity: batch * config.embeddingLength)
        normed = (0..<batch).map { _ in PreparedVector(count: config.embeddingLength) }
        query = .allocate(capacity: batch * config.embeddingLength)
        attention = (0..<batch).map { _ in PreparedVector(count: config.embeddingLength) }
        projected = .allocate(capacity: batch * config.embeddingLength)
        gate = .allocate(capacity: batch * config.feedForwardLength)
        up = .allocate(capacity: batch * config.feedForwardLength)
        hidden = (0..<batch).map { _ in PreparedVector(count: config.feedForwardLength) }
        scores = .allocate(capacity: config.headCount * self.capacity)
        rotation = .allocate(capacity: batch * config.headDimension)
        logits = .allocate(capacity: config.vocabularySize)
        pool = WorkerPool(threads: self.threads)
    }

    deinit {
        pool.shutdown()
        for buffer in [keys, values, residual, query, projected, gate, up, scores, rotation, logits] { buffer.deallocate() }
        for vector in normed + attention + hidden { vector.deallocate() }
    }

    /// Forgets every evaluated token (the cache is reused from position 0).
    public func reset() { position = 0 }

    /// Appends tokens to the sequence and returns the logits for the token after the last one.
    ///
    /// Tokens are evaluated in groups of up to 16 (prompt prefill); the results are the same, bit for bit, as
    /// evaluating them one at a time.
    /// - Parameter tokens: token ids (at least one).
    /// - Returns: one logit per vocabulary entry.
    /// - Throws: ``LlamaError/contextLengthExceeded(needed:limit:)`` when the cache is full (nothing is appended
    ///   then), ``LlamaError/invalidToken(_:vocabularySize:)`` or ``LlamaError/emptyPrompt``.
    /// - Complexity: O(n·P + n·position·d) for n tokens and P parameters.
    @discardableResult
    public func evaluate(_ tokens: [Int]) throws(LlamaError) -> [Float] {
        guard !tokens.isEmpty else { throw .emptyPrompt }
        guard position + tokens.count <= capacity else {
            throw .contextLengthExceeded(needed: position + tokens.count, limit: capacity)
        }
        let vocabulary = model.configuration.vocabularySize
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw .invalidToken(bad, vocabularySize: vocabulary)
        }
        var start = 0
        while start < tokens.count {
            let end = min(start + Self.batchLimit, tokens.count)
            step(tokens[start..<end], computeLogits: end == tokens.count)
            start = end
        }
        return Array(UnsafeBufferPointer(start: logits, count: vocabulary))
    }

    // MARK: - Forward pass

    /// Runs up to `batchLimit` tokens through every layer at positions `position...`, then advances.
    private func step(_ tokens: ArraySlice<Int>, computeLogits: Bool) {
        let config = model.configuration
        let d = config.embeddingLength, kvLength = config.keyValueLength, headDim = config.headDimension
        let ff = config.feedForwardLength
        let cacheStride = capacity * kvLength
        let n = tokens.count
        let first = position

        for (t, token) in tokens.enumerated() {
            model.tokenEmbedding.dequantizedRow(token, into: residual + t * d)
            fillRotation(position: first + t, into: rotation + t * headDim)
        }
        let normedN = Array(normed[0..<n]), attentionN = Array(attention[0..<n]), hiddenN = Array(hidden[0..<n])

        for (l, layer) in model.layers.enumerated() {
            let layerKeys = keys + l * cacheStride, layerValues = values + l * cacheStride

            // Attention block.
            for t in 0..<n {
                VectorMath.rmsNorm(residual + t * d, weight: layer.attentionNorm, epsilon: config.rmsEpsilon, count: d, into: normed[t].values)
                normed[t].prepare()
            }
            QuantizedKernels.run(
                [
                    .init(matrix: layer.query, inputs: normedN, outputs: (0..<n).map { query + $0 * d }),
                    .init(matrix: layer.key, inputs: normedN, outputs: (0..<n).map { layerKeys + (first + $0) * kvLength }),
                    .init(matrix: layer.value, inputs: normedN, outputs: (0..<n).map { layerValues + (first + $0) * kvLength }),
                ], pool: pool)
            for t in 0..<n {
                let angles = rotation + t * headDim
                for h in 0..<config.headCount { rotate(query + t * d + h * headDim, count: headDim, angles: angles) }
                let key = layerKeys + (first + t) * kvLength
                for h in 0..<config.keyValueHeadCount { rotate(key + h * headDim, count: headDim, angles: angles) }
            }
            for t in 0..<n {
                let q = query + t * d, out = attention[t].values, position = first + t
                pool.run(slices: config.headCount) { h in
                    self.attend(head: h, query: q, position: position, layerKeys: layerKeys, layerValues: layerValues, into: out)
                }
                attention[t].prepare()
            }
            QuantizedKernels.run(
                [
                    .init(matrix: layer.attentionOutput, inputs: attentionN, outputs: (0..<n).map { projected + $0 * d })
                ], pool: pool)
            VectorMath.add(projected, into: residual, count: n * d)

            // Feed-forward block.
            for t in 0..<n {
                VectorMath.rmsNorm(residual + t * d, weight: layer.feedForwardNorm, epsilon: config.rmsEpsilon, count: d, into: normed[t].values)
                normed[t].prepare()
            }
            let gate = self.gate, up = self.up, hiddenValues = hiddenN.map(\.values)
            QuantizedKernels.run(
                [
                    .init(matrix: layer.gate, inputs: normedN, outputs: (0..<n).map { gate + $0 * ff }),
                    .init(matrix: layer.up, inputs: normedN, outputs: (0..<n).map { up + $0 * ff }),
                ], pool: pool
            ) { rows in
                for (t, values) in hiddenValues.enumerated() {
                    VectorMath.swiGLU(
                        gate: gate + t * ff + rows.lowerBound, up: up + t * ff + rows.lowerBound,
                        count: rows.count, into: values + rows.lowerBound)
                }
            }
            for t in 0..<n { hidden[t].prepare() }
            QuantizedKernels.run(
                [
                    .init(matrix: layer.down, inputs: hiddenN, outputs: (0..<n).map { projected + $0 * d })
                ], pool: pool)
            VectorMath.add(projected, into: residual, count: n * d)
        }

        if computeLogits {
            let last = residual + (n - 1) * d
            VectorMath.rmsNorm(last, weight: model.outputNorm, epsilon: config.rmsEpsilon, count: d, into: normed[0].values)
            normed[0].prepare()
            QuantizedKernels.run([.init(matrix: model.output, input: normed[0], output: logits)], pool: pool)
        }
        position += n
    }

    /// cos and sin of `position·θ_i`, θ_i = base^(−2i/d_head), interleaved.
    private func fillRotation(position: Int, into angles: UnsafeMutablePointer<Float>) {
        let headDim = model.configuration.headDimension
        let base = model.configuration.ropeBase
        for i in 0..<(headDim / 2) {
            let angle = Double(position) * Foundation.pow(base, -Double(2 * i) / Double(headDim))
            angles[2 * i] = Float(Foundation.cos(angle))
            angles[2 * i + 1] = Float(Foundation.sin(angle))
        }
    }

    /// RoPE on adjacent pairs: (x₂ᵢ, x₂ᵢ₊₁) ← (x₂ᵢ cos − x₂ᵢ₊₁ sin, x₂ᵢ sin + x₂ᵢ₊₁ cos).
    private func rotate(_ x: UnsafeMutablePointer<Float>, count: Int, angles: UnsafePointer<Float>) {
        for i in 0..<(count / 2) {
            let c = angles[2 * i], s = angles[2 * i + 1]
            let a = x[2 * i], b = x[2 * i + 1]
            x[2 * i] = a * c - b * s
            x[2 * i + 1] = a * s + b * c
        }
    }

    /// Causal scaled dot-product attention of one query head over positions 0...position, reading the key/value
    /// head of its group; writes the head's output at its place in `output`. Heads are independent (each has its
    /// own score buffer), so they run in parallel.
    private func attend(
        head h: Int, query: UnsafeMutablePointer<Float>, position: Int, layerKeys: UnsafeMutablePointer<Float>,
        layerValues: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>
    ) {
        let config = model.configuration
        let headDim = config.headDimension, kvLength = config.keyValueLength
        let group = config.headCount / config.keyValueHeadCount
        let scale = 1 / Float(headDim).squareRoot()
        let length = position + 1
        let scores = self.scores + h * capacity
        let q = query + h * headDim
        let kvOffset = (h / group) * headDim
        for t in 0..<length {
            scores[t] = VectorMath.dot(q, layerKeys + t * kvLength + kvOffset, count: headDim) * scale
        }
        VectorMath.softmax(scores, count: length)
        let out = output + h * headDim
        out.update(repeating: 0, count: headDim)
        for t in 0..<length {
            VectorMath.addScaled(layerValues + t * kvLength + kvOffset, scores[t], into: out, count: headDim)
        }
    }
}
