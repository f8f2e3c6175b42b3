import CLVNumerics
import Foundation

/// AdamW as `torch.optim.AdamW` computes it (Loshchilov & Hutter 2019, "Decoupled weight decay
/// regularization", arXiv:1711.05101, Algorithm 2): θ ← θ·(1 − η·λ) for decayed tensors, then
/// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − (η / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
struct AdamW<S: TrainingScalar>: Sendable {
    let beta1: S = 0.9, beta2: S = 0.999, epsilon: S = 1e-8
    let weightDecay: S
    private(set) var steps = 0
    private var first: [S]
    private var second: [S]
    /// Parameter ranges of at most ~1M entries, each with whether it decays and its learning rate as a multiple of
    /// the schedule's (its parameter group): the unit of parallel work.
    private let chunks: [(range: Range<Int>, decays: Bool, rateFactor: Double)]

    /// - Parameters:
    ///   - decayingEveryTensor: decay biases and LayerNorm parameters too (one parameter group, as a bare
    ///     `torch.optim.AdamW(model.parameters())` does); by default only ``ParameterLayout/Tensor/decays``.
    ///   - headRateFactor: the head's rate over the encoder's (1: one rate for all).
    ///   - layerRateDecay: ``rateFactor(of:layers:headRateFactor:layerRateDecay:)``'s ξ (1: every encoder tensor at
    ///     the schedule's rate).
    init(layout: ParameterLayout, weightDecay: S, decayingEveryTensor: Bool = false, headRateFactor: Double = 1, layerRateDecay: Double = 1) {
        self.weightDecay = weightDecay
        first = [S](repeating: 0, count: layout.count)
        second = [S](repeating: 0, count: layout.count)
        var chunks: [(range: Range<Int>, decays: Bool, rateFactor: Double)] = []
        let size = 1 << 20
        for tensor in layout.tensors {
            let rateFactor = Self.rateFactor(
                of: tensor.name, layers: layout.layers.count, headRateFactor: headRateFactor, layerRateDecay: layerRateDecay)
            var start = tensor.offset
            while start < tensor.offset + tensor.count {
                let end = min(start + size, tensor.offset + tensor.count)
                chunks.append((start..<end, decayingEveryTensor || tensor.decays, rateFactor))
                start = end
            }
        }
        self.chunks = chunks
    }

    /// A tensor's learning rate over the schedule's: `headRateFactor` for the head; with layer-wise rate decay ξ
    /// (Howard & Ruder 2018, arXiv:1801.06146; Sun et al. 2019, arXiv:1905.05583), ξ^(L−1−l) for encoder layer l of
    /// L and ξ^L for the embeddings, so the layers nearest the input, which hold the most general features, move least.
    static func rateFactor(of name: String, layers: Int, headRateFactor: Double, layerRateDecay: Double) -> Double {
        if name.hasPrefix("head.") { return headRateFactor }
        guard layerRateDecay != 1 else { return 1 }
        let prefix = "encoder.layer."
        guard name.hasPrefix(prefix), let layer = Int(name.dropFirst(prefix.count).prefix { $0 != "." }) else {
            return Foundation.pow(layerRateDecay, Double(layers))
        }
        return Foundation.pow(layerRateDecay, Double(layers - 1 - layer))
    }

    /// One step at learning rate `learningRate` (the schedule's value for this step).
    mutating func step(_ parameters: inout [S], gradient: [S], learningRate: Double, threads: ParallelFor) {
        gradient.withUnsafeBufferPointer { step(&parameters, gradient: $0, learningRate: learningRate, threads: threads) }
    }

    /// ``step(_:gradient:learningRate:threads:)`` with the gradient in a buffer.
    mutating func step(_ parameters: inout [S], gradient: UnsafeBufferPointer<S>, learningRate: Double, threads: ParallelFor) {
        steps += 1
        let correction1 = 1 - Foundation.pow(Double(beta1), Double(steps))
        let correction2 = 1 - Foundation.pow(Double(beta2), Double(steps))
        let correction2Root = S(correction2.squareRoot())
        let (beta1, beta2, epsilon, weightDecay) = (self.beta1, self.beta2, self.epsilon, self.weightDecay)
        let chunks = self.chunks
        parameters.withUnsafeMutableBufferPointer { p in
            first.withUnsafeMutableBufferPointer { m in
                second.withUnsafeMutableBufferPointer { v in
                    do {
                        let (p, m, v, g) = (p.baseAddress!, m.baseAddress!, v.baseAddress!, gradient.baseAddress!)
                        // Each chunk touches only its own entries.
                        threads.run(count: chunks.count) { c in
                            let (range, decays, rateFactor) = chunks[c]
                            let rate = learningRate * rateFactor
                            let (stepSize, decayFactor) = (S(rate / correction1), 1 - S(rate) * weightDecay)
                            for k in range {
                                if decays { p[k] *= decayFactor }
                                m[k] = beta1 * m[k] + (1 - beta1) * g[k]
                                v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k]
                                p[k] -= stepSize * m[k] / (v[k].squareRoot() / correction2Root + epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Linear warm-up from 0 to the peak rate over the first `warmupSteps`, then linear decay to 0 at `totalSteps`
/// (Hugging Face's `get_linear_schedule_with_warmup`: step 0 runs at rate 0 when there is a warm-up).
struct LinearSchedule: Sendable, Equatable {
    let peak: Double
    let warmupSteps: Int
    let totalSteps: Int

    /// The rate of the optimiser step that follows `completed` steps.
    func rate(afterSteps completed: Int) -> Double {
        if completed < warmupSteps { return peak * Double(completed) / Double(max(1, warmupSteps)) }
        return peak * max(0, Double(totalSteps - completed) / Double(max(1, totalSteps - warmupSteps)))
    }
}

/// Scales the gradient so that its global L2 norm is at most `maximum` (`torch.nn.utils.clip_grad_norm_`:
/// factor maximum / (norm + 1e-6) when below 1); returns the norm before clipping.
func clipGradientNorm<S: TrainingScalar>(_ gradient: inout [S], maximum: Double) -> Double {
    gradient.withUnsafeMutableBufferPointer { clipGradientNorm($0, maximum: maximum) }
}

/// ``clipGradientNorm(_:maximum:)`` on a buffer.
func clipGradientNorm<S: TrainingScalar>(_ g: UnsafeMutableBufferPointer<S>, maximum: Double) -> Double {
    var squares = 0.0
    for k in g.indices { squares += Double(g[k]) * Double(g[k]) }
    let norm = squares.squareRoot()
    let factor = maximum / (norm + 1e-6)
    if factor < 1 {
        let f = S(factor)
        for k in g.indices { g[k] *= f }
    }
    return norm
}
