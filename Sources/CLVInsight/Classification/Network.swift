import CLVNumerics
import Foundation

/// The arithmetic of an ``EmbeddingClassifier``: batched forward and backward passes with `sgemm`.
///
/// Layer `l` maps a `B × inputs` batch to `B × outputs` with `X·Wᵀ + b`; hidden layers apply the activation; the
/// last layer's outputs are logits for a softmax. Everything is single-threaded and in a fixed order, so a training
/// run is bit-reproducible for its seed.
struct Network {
    var layers: [DenseLayer]
    let activation: EmbeddingClassifier.Activation

    /// The inputs of each layer and the pre-activations of the hidden layers, kept for the backward pass.
    struct Pass {
        var inputs: [[Float]] = []
        var preActivations: [[Float]] = []
        var logits: [Float] = []
    }

    func forward(_ x: [Float], rows: Int) -> Pass {
        var pass = Pass()
        var input = x
        for (l, layer) in layers.enumerated() {
            var out = [Float](repeating: 0, count: rows * layer.outputs)
            for r in 0..<rows {
                for o in 0..<layer.outputs { out[r * layer.outputs + o] = layer.bias[o] }
            }
            input.withUnsafeBufferPointer { a in
                layer.weights.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { c in
                        BLAS.sgemm(
                            transposeB: true, m: rows, n: layer.outputs, k: layer.inputs, a: a.baseAddress!, lda: layer.inputs, b: w.baseAddress!,
                            ldb: layer.inputs, beta: 1, c: c.baseAddress!, ldc: layer.outputs
                        )
                    }
                }
            }
            pass.inputs.append(input)
            if l < layers.count - 1 {
                pass.preActivations.append(out)
                input = out.map(activate)
            } else {
                pass.logits = out
            }
        }
        return pass
    }

    /// Row-wise softmax of the logits (the maximum subtracted first).
    static func softmax(_ logits: [Float], columns c: Int) -> [Float] {
        var p = logits
        let rows = c == 0 ? 0 : logits.count / c
        for r in 0..<rows {
            var m = -Float.infinity
            for j in 0..<c { m = max(m, p[r * c + j]) }
            var s: Float = 0
            for j in 0..<c {
                let e = Foundation.exp(p[r * c + j] - m)
                p[r * c + j] = e
                s += e
            }
            for j in 0..<c { p[r * c + j] /= s }
        }
        return p
    }

    /// Sum over the rows of −log softmax(z)ᵧ, in Double (log-sum-exp, so no probability underflows to log 0).
    static func crossEntropySum(_ logits: [Float], columns c: Int, targets: [Int]) -> Double {
        var total = 0.0
        for (r, y) in targets.enumerated() {
            var m = -Float.infinity
            for j in 0..<c { m = max(m, logits[r * c + j]) }
            var s = 0.0
            for j in 0..<c { s += Foundation.exp(Double(logits[r * c + j] - m)) }
            total += Foundation.log(s) + Double(m) - Double(logits[r * c + y])
        }
        return total
    }

    func probabilities(_ x: [Float], rows: Int) -> [Float] {
        Self.softmax(forward(x, rows: rows).logits, columns: layers.last!.outputs)
    }

    /// Gradients of the mean cross-entropy over the batch plus `l2/2 · Σ W²` (weights, not biases), and the batch's
    /// summed cross-entropy (without the penalty).
    func gradients(_ x: [Float], rows: Int, targets: [Int], l2: Float) -> (weights: [[Float]], biases: [[Float]], lossSum: Double) {
        let pass = forward(x, rows: rows)
        let c = layers.last!.outputs
        let loss = Self.crossEntropySum(pass.logits, columns: c, targets: targets)
        var delta = Self.softmax(pass.logits, columns: c)
        let scale = 1 / Float(rows)
        for (r, y) in targets.enumerated() { delta[r * c + y] -= 1 }
        for i in delta.indices { delta[i] *= scale }
        var gradW = [[Float]](repeating: [], count: layers.count)
        var gradB = [[Float]](repeating: [], count: layers.count)
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            var gw = layer.weights.map { l2 * $0 }
            var gb = [Float](repeating: 0, count: layer.outputs)
            for r in 0..<rows {
                for o in 0..<layer.outputs { gb[o] += delta[r * layer.outputs + o] }
            }
            // gW += δᵀ · input  (outputs × inputs)
            delta.withUnsafeBufferPointer { dp in
                pass.inputs[l].withUnsafeBufferPointer { ip in
                    gw.withUnsafeMutableBufferPointer { gp in
                        BLAS.sgemm(
                            transposeA: true, m: layer.outputs, n: layer.inputs, k: rows, a: dp.baseAddress!, lda: layer.outputs, b: ip.baseAddress!,
                            ldb: layer.inputs, beta: 1, c: gp.baseAddress!, ldc: layer.inputs
                        )
                    }
                }
            }
            gradW[l] = gw
            gradB[l] = gb
            if l > 0 {
                // δ_{l−1} = (δ · W) ⊙ f′(pre-activation)
                var back = [Float](repeating: 0, count: rows * layer.inputs)
                delta.withUnsafeBufferPointer { dp in
                    layer.weights.withUnsafeBufferPointer { wp in
                        back.withUnsafeMutableBufferPointer { bp in
                            BLAS.sgemm(
                                m: rows, n: layer.inputs, k: layer.outputs, a: dp.baseAddress!, lda: layer.outputs, b: wp.baseAddress!, ldb: layer.inputs,
                                c: bp.baseAddress!, ldc: layer.inputs
                            )
                        }
                    }
                }
                let pre = pass.preActivations[l - 1]
                for i in back.indices { back[i] *= derivative(pre[i]) }
                delta = back
            }
        }
        return (gradW, gradB, loss)
    }

    func activate(_ v: Float) -> Float {
        switch activation {
        case .relu: return max(0, v)
        case .gelu:
            let x = Double(v)
            return Float(0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())))
        }
    }

    func derivative(_ v: Float) -> Float {
        switch activation {
        case .relu: return v > 0 ? 1 : 0
        case .gelu:
            let x = Double(v)
            let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
            let pdf = Foundation.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            return Float(cdf + x * pdf)
        }
    }
}
