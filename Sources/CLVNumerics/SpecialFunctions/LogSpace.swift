import RealModule

/// log Σ exp(xᵢ), computed around the maximum so that no term overflows.
///
/// - Returns: −∞ for an empty sequence or when every term is −∞.
/// - Complexity: O(n), two passes.
public func logSumExp(_ xs: [Double]) -> Double {
    guard let m = xs.max(), m > -.infinity else { return -.infinity }
    if m == .infinity { return .infinity }
    var s = 0.0
    for x in xs { s += Double.exp(x - m) }
    return m + Double.log(s)
}

/// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b), for a, b > 0 (never `log(beta(a, b))`, which overflows).
@inlinable public func logBeta(_ a: Double, _ b: Double) -> Double {
    Double.logGamma(a) + Double.logGamma(b) - Double.logGamma(a + b)
}

/// The digamma function ψ(x) = d log Γ(x) / dx for x > 0.
///
/// Shifts x up to at least 10 with ψ(x) = ψ(x + 1) − 1/x, then uses the asymptotic series
/// ψ(x) ~ log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.18); absolute error below 1e-14.
/// Negative and zero arguments are outside the domain the models need and return NaN.
@inlinable public func digamma(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
    var x = x
    var result = 0.0
    while x < 10 {
        result -= 1 / x
        x += 1
    }
    let inv = 1 / x
    let inv2 = inv * inv
    let series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132)))))
    return result + Double.log(x) - 0.5 * inv - series
}
