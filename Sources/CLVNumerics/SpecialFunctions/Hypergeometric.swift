import RealModule

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) by its power series, for |z| ≤ `maximumArgument`.
///
/// ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ (Abramowitz & Stegun 15.1.1). The series converges for |z| < 1 but
/// needs about log(ε)/log|z| terms, so it is used only up to `maximumArgument` (0.9 by default: at most ~400
/// terms). Callers supply the fallback for larger |z|: a linear transformation (A&S 15.3.4–15.3.6) or, for the
/// Pareto/NBD likelihood, direct quadrature of the integral the function stands for (see ``GaussLegendre``).
/// This is the `rescaledDivide` pattern of swift-numerics: a fast common path, an explicit slow path.
///
/// Generic over ``DifferentiableScalar`` so that derivatives with respect to a, b, c flow through the series.
///
/// - Parameters:
///   - a, b, c: parameters; c must not be 0 or a negative integer.
///   - z: argument, |z| ≤ `maximumArgument`.
///   - tolerance: relative size of the last term at which the sum stops.
/// - Returns: the value, or `nil` when |z| is too large or the series did not converge in `maximumTerms` terms.
@inlinable public func hypergeometric2F1Series<T: DifferentiableScalar>(
    _ a: T, _ b: T, _ c: T, _ z: T,
    maximumArgument: Double = 0.9, tolerance: Double = 1e-15, maximumTerms: Int = 2000
) -> T? {
    guard abs(z.value) <= maximumArgument else { return nil }
    var term = T(constant: 1)
    var sum = T(constant: 1)
    var n = 0.0
    for _ in 0..<maximumTerms {
        term = term * (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        sum = sum + term
        n += 1
        if abs(term.value) <= tolerance * abs(sum.value) { return sum }
    }
    return nil
}

/// ₂F₁(a, b; c; zᵢ) at sixteen arguments with the same parameters, by the power series, for |zᵢ| ≤ `maximumArgument`.
///
/// The coefficient ratio (a+n)(b+n) / ((c+n)(n+1)) is computed once per term for all sixteen series, so a
/// customer's conditional expectations at many horizons (the months of a CLV) cost about one series. The sum stops
/// when every lane's last term is below `tolerance` relative to its sum; lanes with z = 0 give 1.
///
/// - Returns: the values, or `nil` when some |zᵢ| is too large or a series did not converge in `maximumTerms`.
@inlinable public func hypergeometric2F1Series(
    _ a: Double, _ b: Double, _ c: Double, _ z: SIMD16<Double>,
    maximumArgument: Double = 0.9, tolerance: Double = 1e-15, maximumTerms: Int = 2000
) -> SIMD16<Double>? {
    guard all(magnitude(z) .<= SIMD16(repeating: maximumArgument)) else { return nil }
    var term = SIMD16<Double>(repeating: 1)
    var sum = term
    var n = 0.0
    for _ in 0..<maximumTerms {
        let ratio = (a + n) * (b + n) / ((c + n) * (n + 1))
        term = term * ratio * z
        sum += term
        n += 1
        if all(magnitude(term) .<= tolerance * magnitude(sum)) { return sum }
    }
    return nil
}

/// |x| lane by lane (the sign bit cleared).
@inlinable @inline(__always) func magnitude(_ x: SIMD16<Double>) -> SIMD16<Double> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD16<Double>.self)
}

/// ₂F₁(a, b; c; z) for real z < 1 and real parameters, with every regime covered (values only).
///
/// Regimes (Abramowitz & Stegun ch. 15):
/// 1. |z| ≤ 0.9: the power series (15.1.1).
/// 2. 0.9 < z < 1: the linear transformation to 1 − z (15.3.6), with Γ of possibly negative arguments through
///    `logGamma`/`signGamma`. When c − a − b is within 1e-9 of an integer, that formula is singular: the series is
///    then summed directly up to z = 0.995 (≤ 20,000 terms), and beyond that the transformation is evaluated at
///    c ± 1e-5 and averaged (the singular parts cancel; error about 1e-9 relative).
/// 3. z < −0.9: Pfaff's transformation (15.3.5) maps z to z / (z − 1) ∈ (0.47, 1), then regime 1 or 2.
///
/// - Returns: the value; NaN only for arguments outside the domain (z ≥ 1 with a divergent series, c a
///   non-positive integer).
public func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
    if z == 0 { return 1 }
    if abs(z) <= 0.9, let f = hypergeometric2F1Series(a, b, c, z) { return f }
    if z < 0 {
        let w = z / (z - 1)
        return Double.exp(-b * Double.log(onePlus: -z)) * hypergeometric2F1(c - a, b, c, w)
    }
    guard z < 1 else { return .nan }
    let d = c - a - b
    if abs(d - d.rounded()) < 1e-9 {
        if z <= 0.995, let f = hypergeometric2F1Series(a, b, c, z, maximumArgument: 0.995, maximumTerms: 20_000) { return f }
        let eps = 1e-5
        return 0.5 * (oneMinusZTransform(a, b, c + eps, z) + oneMinusZTransform(a, b, c - eps, z))
    }
    return oneMinusZTransform(a, b, c, z)
}

/// A&S 15.3.6 for non-integer c − a − b.
private func oneMinusZTransform(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
    let d = c - a - b
    let w = 1 - z
    func gammaRatio(_ num: [Double], _ den: [Double]) -> Double {
        var logValue = 0.0, sign = 1.0
        for x in num {
            logValue += Double.logGamma(x)
            sign *= Double.signGamma(x) == .minus ? -1 : 1
        }
        for x in den {
            if x <= 0, x == x.rounded() { return 0 }  // 1/Γ at a pole is 0
            logValue -= Double.logGamma(x)
            sign *= Double.signGamma(x) == .minus ? -1 : 1
        }
        return sign * Double.exp(logValue)
    }
    let f1 = hypergeometric2F1Series(a, b, 1 - d, w, maximumArgument: 1) ?? .nan
    let f2 = hypergeometric2F1Series(c - a, c - b, d + 1, w, maximumArgument: 1) ?? .nan
    let t1 = gammaRatio([c, d], [c - a, c - b]) * f1
    let t2 = Double.exp(d * Double.log(w)) * gammaRatio([c, -d], [a, b]) * f2
    return t1 + t2
}
