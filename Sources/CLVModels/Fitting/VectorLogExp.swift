/// Lane-wise natural logarithm and exponential over `SIMD8<Double>`, for the per-row likelihood loops.
///
/// The per-row work of a fit on data that does not compress is a handful of `log`s and `exp`s per customer; libm
/// evaluates them one at a time, these eight at once (one AVX-512 or two AVX2 registers, whose independent
/// dependency chains overlap) with the same accuracy for the arguments the likelihoods
/// produce (a few ulps; the rounding of a sum over thousands of rows is far larger).
enum VectorLogExp {
    typealias Vector = SIMD8<Double>

    /// log(x) for finite x > 0 in the normal range (the likelihoods pass α + t, β + t, 1 + e).
    ///
    /// x = 2ᵏ m with m in [√½, √2), then log m = 2 atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.1716, summed as the
    /// odd series 2s Σ s²ʲ/(2j + 1) up to j = 11 (the next term is below 2⁻⁵⁶ relative), and k log 2 added in two
    /// parts (a high part with trailing zero bits, so k × high is exact).
    @inline(__always)
    static func log(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        // Subtracting √½'s bits makes the exponent field count from √½, so the mantissa lands in [√½, √2).
        let shifted = unsafeBitCast(bits &- 0x3FE6_A09E_667F_3BCD, to: SIMD8<Int64>.self)
        let k = shifted &>> 52
        let mBits = bits &- unsafeBitCast(k &<< 52, to: SIMD8<UInt64>.self)
        let m = unsafeBitCast(mBits, to: Vector.self)
        let f = m - 1
        let s = f / (f + 2)
        let s2 = s * s
        // Written out so every coefficient is a compile-time constant.
        var p = Vector(repeating: 1.0 / 23)
        p = multiplyAdd(p, s2, 1.0 / 21)
        p = multiplyAdd(p, s2, 1.0 / 19)
        p = multiplyAdd(p, s2, 1.0 / 17)
        p = multiplyAdd(p, s2, 1.0 / 15)
        p = multiplyAdd(p, s2, 1.0 / 13)
        p = multiplyAdd(p, s2, 1.0 / 11)
        p = multiplyAdd(p, s2, 1.0 / 9)
        p = multiplyAdd(p, s2, 1.0 / 7)
        p = multiplyAdd(p, s2, 1.0 / 5)
        p = multiplyAdd(p, s2, 1.0 / 3)
        p = multiplyAdd(p, s2, 1)
        var kd = Vector()
        for lane in 0..<Vector.scalarCount { kd[lane] = Double(k[lane]) }
        let logM = 2 * s * p
        return kd * ln2High + (kd * ln2Low + logM)
    }

    /// eˣ for x ≤ 709; 0 below −708 (the likelihoods add it to 1 or multiply it by a bounded weight, where a
    /// subnormal result would not change the sum).
    ///
    /// x = n log 2 + r with |r| ≤ ½ log 2 (r in two parts, so it is exact), eʳ by its Taylor series to r¹³/13!
    /// (the next term is below 2⁻⁵⁸ relative), then 2ⁿ by building the exponent field.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let tooLow = x .< -708
        let clamped = x.replacing(with: -708, where: tooLow).replacing(with: 709, where: x .> 709)
        // Adding 1.5 × 2⁵² rounds to the nearest integer and leaves it in the low mantissa bits.
        let shifter = 0x1.8p52
        let t = clamped * (1 / ln2) + shifter
        let n = t - shifter
        let r = (clamped - n * ln2High) - n * ln2Low
        let p = multiplyAdd(expSeries(r), r, 1)
        let nBits = unsafeBitCast(t, to: SIMD8<UInt64>.self) &- shifter.bitPattern
        let scale = unsafeBitCast((nBits &+ 1023) &<< 52, to: Vector.self)
        return (p * scale).replacing(with: 0, where: tooLow)
    }

    /// Σ xʲ/(j+1)! for j = 0…12 by Horner's rule (so eˣ = 1 + x·that): the one series behind ``exp(_:)`` and
    /// ``expMinusOne(_:)``, its coefficients written out so each is a compile-time constant.
    @inline(__always)
    static func expSeries(_ x: Vector) -> Vector {
        var p = Vector(repeating: 1.0 / 6_227_020_800)
        p = multiplyAdd(p, x, 1.0 / 479_001_600)
        p = multiplyAdd(p, x, 1.0 / 39_916_800)
        p = multiplyAdd(p, x, 1.0 / 3_628_800)
        p = multiplyAdd(p, x, 1.0 / 362_880)
        p = multiplyAdd(p, x, 1.0 / 40_320)
        p = multiplyAdd(p, x, 1.0 / 5_040)
        p = multiplyAdd(p, x, 1.0 / 720)
        p = multiplyAdd(p, x, 1.0 / 120)
        p = multiplyAdd(p, x, 1.0 / 24)
        p = multiplyAdd(p, x, 1.0 / 6)
        p = multiplyAdd(p, x, 0.5)
        return multiplyAdd(p, x, 1)
    }

    /// p·x + c, fused into one instruction where the target has FMA (CLVMODELS_FMA, see Package.swift); without
    /// it `addingProduct` would be a libm call per lane, so the plain expression is used.
    @inline(__always)
    static func multiplyAdd(_ p: Vector, _ x: Vector, _ c: Double) -> Vector {
        #if CLVMODELS_FMA
        Vector(repeating: c).addingProduct(p, x)
        #else
        p * x + c
        #endif
    }

    /// log 2 = ln2High + ln2Low, ln2High with 32 trailing zero bits.
    static let ln2High = 0x1.62E42FEE00000p-1
    static let ln2Low = 0x1.A39EF35793C76p-33
    static let ln2 = 0x1.62E42FEFA39EFp-1
}

extension VectorLogExp {
    /// eˣ − 1 without the cancellation of exp(x) − 1 near 0: for |x| < ¼ the Taylor series x Σ xʲ/(j+1)! to j = 12
    /// (the next term is below 2⁻⁵⁶ relative), else exp(x) − 1 (|eˣ − 1| > 0.22 there, so a few ulps).
    @inline(__always)
    static func expMinusOne(_ x: Vector) -> Vector {
        let p = expSeries(x)
        let small = (x .< 0.25) .& (x .> -0.25)
        return (exp(x) - 1).replacing(with: x * p, where: small)
    }

    /// values[i] = eˣ − 1 of values[i] for i in 0..<count, in place, eight at a time (the tail padded with zeros).
    @inline(__always)
    static func expMinusOne(count: Int, _ values: UnsafeMutablePointer<Double>) { inPlace(count, values, expMinusOne) }

    /// values[i] = e^values[i] for i in 0..<count, in place, eight at a time.
    @inline(__always)
    static func exp(count: Int, _ values: UnsafeMutablePointer<Double>) { inPlace(count, values, exp) }

    @inline(__always)
    private static func inPlace(_ count: Int, _ values: UnsafeMutablePointer<Double>, _ f: (Vector) -> Vector) {
        let width = Vector.scalarCount
        var i = 0
        while i < count {
            var x = Vector.zero
            for lane in 0..<Swift.min(width, count - i) { x[lane] = values[i + lane] }
            let y = f(x)
            for lane in 0..<Swift.min(width, count - i) { values[i + lane] = y[lane] }
            i += width
        }
    }

    /// out[i] = log(value(i)) for i in 0..<count: whole vectors, then the remainder in one padded vector.
    @inline(__always)
    static func log(count: Int, into out: UnsafeMutablePointer<Double>, _ value: (Int) -> Double) {
        let width = Vector.scalarCount
        var i = 0
        while i < count {
            var x = Vector(repeating: 1)
            for lane in 0..<Swift.min(width, count - i) { x[lane] = value(i + lane) }
            let y = log(x)
            for lane in 0..<Swift.min(width, count - i) { out[i + lane] = y[lane] }
            i += width
        }
    }
}
