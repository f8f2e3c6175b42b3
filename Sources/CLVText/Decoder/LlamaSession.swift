import Foundation

/// One running sequence of a ``LlamaModel``: its key/value cache, its position and its scratch buffers.
///
/// Feed tokens with ``evaluate(_:)``; each call appends them to the cache and returns the next-token logits.
/// A session is used by one task at a time (it is not `Sendable`); create one per concurrent conversation.
///
/// Memory: the cache holds `2 · layers · capacity · keyValueLength` floats (SmolLM2, 2048 positions: 94 MB),
/// allocated up front but only paged in as positions are filled.
public final class LlamaSession {
    public let model: LlamaModel
    /// The number of positions the cache holds (at most the model's context length).
    public let capacity: Int
    /// The threads each matrix-vector product is split over (the calling thread included).
    public let threads: Int
    /// The number of tokens evaluated so far (the position of the next one).
    public private(set) var position = 0

    private let keys: UnsafeMutablePointer<Float>
    private let values: UnsafeMutablePointer<Float>
    private let residual: UnsafeMutablePointer<Float>
    private let normed: PreparedVector
    private let query: UnsafeMutablePointer<Float>
    private let attention: PreparedVector
    private let projected: UnsafeMutablePointer<Float>
    private let gate: UnsafeMutablePointer<Float>
    private let up: UnsafeMutablePointer<Float>
    private let hidden: PreparedVector
    private let scores: UnsafeMutablePointer<Float>
    private let rotation: UnsafeMutablePointer<Float>
    private let logits: UnsafeMutablePointer<Float>

    /// Creates an empty session.
    /// - Parameters:
    ///   - model: the model to run.
    ///   - capacity: positions to make room for; nil means the model's full context length.
    ///   - threads: threads per matrix-vector product (2 on a two-core machine).
    public init(model: LlamaModel, capacity: Int? = nil, threads: Int = 2) {
        let config = model.configuration
        self.model = model
        self.capacity = max(1, min(capacity ?? config.contextLength, config.contextLength))
        self.threads = max(1, threads)
        let cacheCount = config.layerCount * self.capacity * config.keyValueLength
        keys = .allocate(capacity: cacheCount)
        values = .allocate(capacity: cacheCount)
        residual = .allocate(capacity: config.embeddingLength)
        normed = PreparedVector(count: config.embeddingLength)
        query = .allocate(capacity: config.embeddingLength)
        attention = PreparedVector(count: config.embeddingLength)
        projected = .allocate(capacity: config.embeddingLength)
        gate = .allocate(capacity: config.feedForwardLength)
        up = .allocate(capacity: config.feedForwardLength)
        hidden = PreparedVector(count: config.feedForwardLength)
        scores = .allocate(capacity: self.capacity)
        rotation = .allocate(capacity: config.headDimension)
        logits = .allocate(capacity: config.vocabularySize)
    }

    deinit {
        for buffer in [keys, values, residual, query, projected, gate, up, scores, rotation, logits] { buffer.deallocate() }
        normed.deallocate()
        attention.deallocate()
        hidden.deallocate()
    }

    /// Forgets every evaluated token (the cache is reused from position 0).
    public func reset() { position = 0 }

    /// Appends tokens to the sequence and returns the logits for the token after the last one.
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
        for (i, token) in tokens.enumerated() {
            step(token, computeLogits: i == tokens.count - 1)
        }
        return Array(UnsafeBufferPointer(start: logits, count: vocabulary))
    }

    // MARK: - Forward pass

    /// Runs one token through every layer at `position`, then advances.
    private func step(_ token: Int, computeLogits: Bool) {
        let config = model.configuration
        let d = config.embeddingLength, kvLength = config.keyValueLength, headDim = config.headDimension
        let cacheStride = capacity * kvLength

        model.tokenEmbedding.dequantizedRow(token, into: residual)
        fillRotation(position: position)

        for (l, layer) in model.layers.enumerated() {
            let keySlot = keys + l * cacheStride + position * kvLength
            let valueSlot = values + l * cacheStride + position * kvLength

            // Attention block.
            VectorMath.rmsNorm(residual, weight: layer.attentionNorm, epsilon: config.rmsEpsilon, count: d, into: normed.values)
            normed.prepare()
            QuantizedKernels.run([
                .init(matrix: layer.query, input: normed, output: query),
                .init(matrix: layer.key, input: normed, output: keySlot),
                .init(matrix: layer.value, input: normed, output: valueSlot),
            ], threads: threads)
            for h in 0..<config.headCount { rotate(query + h * headDim, count: headDim) }
            for h in 0..<config.keyValueHeadCount { rotate(keySlot + h * headDim, count: headDim) }
            attend(layerKeys: keys + l * cacheStride, layerValues: values + l * cacheStride)
            attention.prepare()
            QuantizedKernels.run([.init(matrix: layer.attentionOutput, input: attention, output: projected)], threads: threads)
            VectorMath.add(projected, into: residual, count: d)

            // Feed-forward block.
            VectorMath.rmsNorm(residual, weight: layer.feedForwardNorm, epsilon: config.rmsEpsilon, count: d, into: normed.values)
            normed.prepare()
            QuantizedKernels.run([
                .init(matrix: layer.gate, input: normed, output: gate),
                .init(matrix: layer.up, input: normed, output: up),
            ], threads: threads)
            VectorMath.swiGLU(gate: gate, up: up, count: config.feedForwardLength, into: hidden.values)
            hidden.prepare()
            QuantizedKernels.run([.init(matrix: layer.down, input: hidden, output: projected)], threads: threads)
            VectorMath.add(projected, into: residual, count: d)
        }

        if computeLogits {
            VectorMath.rmsNorm(residual, weight: model.outputNorm, epsilon: config.rmsEpsilon, count: d, into: normed.values)
            normed.prepare()
            QuantizedKernels.run([.init(matrix: model.output, input: normed, output: logits)], threads: threads)
        }
        position += 1
    }

    /// cos and sin of `position·θ_i`, θ_i = base^(−2i/d_head), interleaved.
    private func fillRotation(position: Int) {
        let headDim = model.configuration.headDimension
        let base = model.configuration.ropeBase
        for i in 0..<(headDim / 2) {
            let angle = Double(position) * Foundation.pow(base, -Double(2 * i) / Double(headDim))
            rotation[2 * i] = Float(Foundation.cos(angle))
            rotation[2 * i + 1] = Float(Foundation.sin(angle))
        }
    }

    /// RoPE on adjacent pairs: (x₂ᵢ, x₂ᵢ₊₁) ← (x₂ᵢ cos − x₂ᵢ₊₁ sin, x₂ᵢ sin + x₂ᵢ₊₁ cos).
    private func rotate(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<(count / 2) {
            let c = rotation[2 * i], s = rotation[2 * i + 1]
            let a = x[2 * i], b = x[2 * i + 1]
            x[2 * i] = a * c - b * s
            x[2 * i + 1] = a * s + b * c
        }
    }

    /// Causal scaled dot-product attention of the current query over positions 0...position, each query head
    /// reading the key/value head of its group; writes the heads side by side into `attention.values`.
    private func attend(layerKeys: UnsafeMutablePointer<Float>, layerValues: UnsafeMutablePointer<Float>) {
        let config = model.configuration
        let headDim = config.headDimension, kvLength = config.keyValueLength
        let group = config.headCount / config.keyValueHeadCount
        let scale = 1 / Float(headDim).squareRoot()
        let length = position + 1
        for h in 0..<config.headCount {
            let q = query + h * headDim
            let kvOffset = (h / group) * headDim
            for t in 0..<length {
                scores[t] = VectorMath.dot(q, layerKeys + t * kvLength + kvOffset, count: headDim) * scale
            }
            VectorMath.softmax(scores, count: length)
            let out = attention.values + h * headDim
            out.update(repeating: 0, count: headDim)
            for t in 0..<length {
                VectorMath.addScaled(layerValues + t * kvLength + kvOffset, scores[t], into: out, count: headDim)
            }
        }
    }
}
