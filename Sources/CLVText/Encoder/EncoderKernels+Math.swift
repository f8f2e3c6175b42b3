/// Branch-free `exp` and `erf` for the encoder's softmax and GELU.
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
    @inlinable @inline(__always)
    package static func fastExp(_ x: Float) -> Float {
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
        let integer = shifted.bitPattern &- 0x4B40_0000  // n as a two's-complement integer
        return p * Float(bitPattern: (integer &+ 127) &<< 23)
    }

    /// erf(x) with absolute error below 1.5e-7.
    ///
    /// Abramowitz & Stegun (1964), *Handbook of Mathematical Functions*, eq. 7.1.26:
    /// erf(z) ≈ 1 − t·(a₁ + t·(a₂ + t·(a₃ + t·(a₄ + t·a₅))))·e^(−z²), t = 1/(1 + p·z), for z = |x|, odd in x.
    /// PyTorch's vectorised CPU `erf`, which its exact GELU uses, is the same approximation, so this also keeps
    /// the encoder's rounding close to the reference's.
    @inlinable @inline(__always)
    package static func fastErf(_ x: Float) -> Float {
        let z = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * z)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let magnitude = 1 - p * t * fastExp(-(z * z))
        return x < 0 ? -magnitude : magnitude
    }
}
