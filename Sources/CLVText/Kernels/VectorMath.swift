import Foundation

/// The small vector operations of a decoder step (norms, activations, attention arithmetic) on raw buffers.
enum VectorMath {
    /// RMSNorm (Zhang & Sennrich 2019, arXiv:1910.07467, eq. 4): `out_i = g_i · x_i / √(mean(x²) + ε)`.
    /// The mean of squares is accumulated in `Double`.
    static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: [Float], epsilon: Float, count: Int, into out: UnsafeMutablePointer<Float>
    ) {
        var sum: Double = 0
        for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
        let inverse = Float(1 / (sum / Double(count) + Double(epsilon)).squareRoot())
        weight.withUnsafeBufferPointer { g in
            for i in 0..<count { out[i] = (x[i] * inverse) * g[i] }
        }
    }

    /// `into += x`.
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// `into += a·x`.
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Float>, _ a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let av = SIMD16<Float>(repeating: a)
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        while i + 16 <= count {
            let sum = fma(
                yr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self),
                av, xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self))
            yr.storeBytes(of: sum, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// `Σ a_i·b_i`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b)
        while i + 16 <= count {
            acc = fma(
                acc, ar.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self),
                br.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self))
            i += 16
        }
        var sum = acc.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `a + b·c`, fused where the target has the instruction (`CLVTEXT_FMA`, set by Package.swift); elsewhere
    /// `addingProduct` would be a libm call per lane.
    @inline(__always)
    static func fma<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar == Float {
        #if CLVTEXT_FMA
        a.addingProduct(b, c)
        #else
        a + b * c
        #endif
    }

    @inline(__always)
    static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float {
        #if CLVTEXT_FMA
        a.addingProduct(b, c)
        #else
        a + b * c
        #endif
    }

    /// In-place softmax with the maximum subtracted first.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = Foundation.exp(x[i] - maximum)
            sum += x[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// SwiGLU (Shazeer 2020, arXiv:2002.05202): `out_i = SiLU(gate_i)·up_i`, SiLU(z) = z/(1 + e^(−z)).
    static func swiGLU(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + Foundation.exp(-g)) * up[i]
        }
    }
}
