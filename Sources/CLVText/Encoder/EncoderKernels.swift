import Foundation

/// The element-wise and row-wise kernels of the BERT forward pass (everything that is not a matrix product).
///
/// All work on row-major `Float` buffers in place; the reductions run in 16-lane SIMD.
package enum EncoderKernels {
    typealias Vector = SIMD16<Float>

    /// Copies `bias` (length `n`) into each of `rows` rows of `c` (row stride `n`), ready for `sgemm` with β = 1.
    static func broadcastRows(_ c: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, n: Int) {
        for r in 0..<rows { (c + r * n).update(from: bias, count: n) }
    }

    /// `x ← LayerNorm(x + residual)` row by row: `(v − mean) / √(var + ε) · γ + β` with the biased variance.
    ///
    /// Ba, Kiros & Hinton (2016), "Layer normalization", arXiv:1607.06450, eq. (4).
    static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, rows: Int, width d: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        precondition(d % Vector.scalarCount == 0, "LayerNorm width \(d) must be a multiple of 16")
        let lanes = Vector.scalarCount
        for r in 0..<rows {
            let row = x + r * d
            if let residual {
                let res = residual + r * d
                var j = 0
                while j < d {
                    let v = load(row + j) + load(res + j)
                    store(v, row + j)
                    j += lanes
                }
            }
            var sum = Vector()
            var j = 0
            while j < d {
                sum += load(row + j)
                j += lanes
            }
            let mean = sum.sum() / Float(d)
            var squares = Vector()
            j = 0
            while j < d {
                let c = load(row + j) - Vector(repeating: mean)
                squares += c * c
                j += lanes
            }
            let inverse = 1 / (squares.sum() / Float(d) + epsilon).squareRoot()
            j = 0
            while j < d {
                let normalized = (load(row + j) - Vector(repeating: mean)) * inverse
                store(normalized * load(gamma + j) + load(beta + j), row + j)
                j += lanes
            }
        }
    }

    /// Exact GELU in place: `x · Φ(x) = x/2 · (1 + erf(x/√2))`.
    ///
    /// Hendrycks & Gimpel (2016), "Gaussian error linear units (GELUs)", arXiv:1606.08415, §2.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let inverseSqrt2: Float = 0.707_106_781_186_547_524_4
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + fastErf(v * inverseSqrt2))
        }
    }

    /// Softmax of each of `rows` rows of length `n` (row stride `stride`), in place, max-subtracted.
    static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int) {
        for r in 0..<rows {
            let row = s + r * stride
            var maximum = -Float.infinity
            for j in 0..<n { maximum = Swift.max(maximum, row[j]) }
            for j in 0..<n { row[j] = fastExp(row[j] - maximum) }
            var total: Float = 0
            for j in 0..<n { total += row[j] }
            let scale = 1 / total
            for j in 0..<n { row[j] *= scale }
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}
