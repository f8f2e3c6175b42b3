/// Branch-free `exp` and `erfc` for the encoder's softmax and GELU.
///
/// Written as straight-line scalar code (min/max, bit casts, selects, wrapping integer ops) so that the loops
/// calling them are auto-vectorised; libm's `erff` and `expf` are calls that cannot be, and cost a fifth of the
/// forward pass.
extension EncoderKernels {
    /// eˣ within about 2 ulp for x in [−87.3, 88.3] (clamped outside).
    ///
    /// Cody–Waite range reduction x = n·ln 2 + r, |r| ≤ ln 2 / 2, the degree-7 Taylor polynomial of eʳ
    /// (truncation error r⁸/8! < 6e-9), and 2ⁿ built in the exponent bits. Cody & Waite (1980), *Software
    /// Manual for the Elementary Functions*, ch. 6.
    @inline(__always)
    static func fastExp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.3), 88.3)
        // Adding 1.5·2²³ rounds x·log₂e to the nearest integer and leaves it in the low mantissa bits.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        let r = (x - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-06
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = shifted.bitPattern &- 0x4B40_0000   // n as a two's-complement integer
        return p * Float(bitPattern: (integer &+ 127) &<< 23)
    }

    /// erfc(x) with relative error below 1.2e-7 for x ≥ 0, and 2 − erfc(−x) for x < 0.
    ///
    /// The Chebyshev-fitted approximation of Press et al., *Numerical Recipes* (3rd ed., 2007), §6.2:
    /// erfc(z) ≈ t·exp(−z² − 1.26551223 + t·P(t)), t = 1/(1 + z/2), for z = |x|.
    @inline(__always)
    static func fastErfc(_ x: Float) -> Float {
        let z = Swift.abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.170_872_77
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        let positive = t * fastExp(p - z * z)
        return x < 0 ? 2 - positive : positive
    }
}
