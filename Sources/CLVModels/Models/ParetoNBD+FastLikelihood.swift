import CLVNumerics
import RealModule

/// The Pareto/NBD log-likelihood (eq. 18) and its exact gradient, organised for large customer bases that do not
/// compress.
///
/// Per row, eq. 18 needs the "alive" term and, when tₓ < T, the dropout term s/(r+s+x) A₀ whose ₂F₁ parts are
/// F(z) = ₂F₁(r+s+x, b; r+s+x+1; z) at z = |α−β| / (max(α,β) + t) for t = tₓ and t = T, with b = s+1 (α ≥ β) or
/// r+x (α < β). The series coefficients c₀ = 1, cₙ₊₁ = cₙ (a+n)(b+n) / ((a+1+n)(n+1)) depend on x and θ but not on
/// t, so each evaluation builds them once per distinct x, with their derivatives over r and s (dual numbers), and
/// every row then sums Σ cₙ zⁿ, Σ ∂cₙ zⁿ and Σ n cₙ zⁿ⁻¹ (for ∂z over α, β) with multiplications and additions
/// only, stopping where ``hypergeometric2F1Series(_:_:_:_:maximumArgument:tolerance:maximumTerms:)`` stops (last
/// term ≤ 10⁻¹⁵ of the sum). Customers with tₓ = 0 (all those without repeats) share one value per x.
///
/// Regimes, as in ``ParetoNBD/logDropoutTerm(r:alpha:s:beta:x:recency:age:forceQuadrature:)``: a row whose z at tₓ
/// exceeds 0.9 (or whose series would need more terms than the table holds) is evaluated by that function, which
/// integrates A₀ by Gauss–Legendre quadrature. Rows are summed in fixed chunks on all cores (``ParallelFor``),
/// the chunks added in order.
struct ParetoNBDFastLikelihood: Sendable {
    /// Per row: x, tₓ, T, weight, index of x in `distinctX`.
    let frequency: [Double], recency: [Double], age: [Double], weight: [Double], xIndex: [Int32]
    let distinctX: [Double]
    let weightPerX: [Double]
    /// Smallest tₓ per distinct x among rows with tₓ < T: where z, and so the number of series terms, is largest.
    let smallestRecency: [Double]

    /// Rows per chunk of parallel work.
    static let chunk = 4096
    /// The largest z summed by the series (as ``ParetoNBD/logDropoutTerm(r:alpha:s:beta:x:recency:age:forceQuadrature:)``).
    static let maximumArgument = 0.9
    static let tolerance = 1e-15
    static let maximumTerms = 2000

    init(rows: CustomerRows) {
        var slot: [Double: Int32] = [:]
        var xs: [Double] = [], wx: [Double] = [], smallest: [Double] = []
        var xi: [Int32] = []
        xi.reserveCapacity(rows.count)
        for i in 0..<rows.count {
            let x = rows.frequency[i]
            let k: Int32
            if let j = slot[x] { k = j } else {
                k = Int32(xs.count)
                slot[x] = k
                xs.append(x)
                wx.append(0)
                smallest.append(.infinity)
            }
            wx[Int(k)] += rows.weight[i]
            xi.append(k)
            if Self.hasInterval(recency: rows.recency[i], age: rows.age[i]) {
                smallest[Int(k)] = Swift.min(smallest[Int(k)], rows.recency[i])
            }
        }
        (frequency, recency, age, weight, xIndex) = (rows.frequency, rows.recency, rows.age, rows.weight, xi)
        (distinctX, weightPerX, smallestRecency) = (xs, wx, smallest)
    }

    /// Whether the dropout term is present: tₓ < T beyond rounding (the same test as the reference).
    @inline(__always)
    static func hasInterval(recency: Double, age: Double) -> Bool { age - recency > 1e-12 * Swift.max(1, age) }

    /// The series of one distinct x: coefficients cₙ, their derivatives over (r, s), and n cₙ.
    struct Series {
        var start: Int, count: Int
    }

    /// What one evaluation shares between rows.
    struct Shared {
        var r: Dual, alpha: Dual, s: Dual, beta: Dual
        var alphaIsMax: Bool
        /// max(α, β), min(α, β) and their difference.
        var high: Double, low: Double, diff: Double
        var coefficient: [Double], coefficientGradient: [SIMD2<Double>], derivativeCoefficient: [Double]
        var series: [Series]
        /// log s − log(r+s+x) and r+s+x per distinct x.
        var dropoutConstant: [Dual], rsx: [Dual]
        /// h(0) per distinct x (nil beyond the series' range).
        var atZero: [Dual?]
    }

    func evaluate(_ θ: [Double]) -> (value: Double, gradient: [Double]) {
        let r = Dual.variable(θ[0], index: 0), alpha = Dual.variable(θ[1], index: 1)
        let s = Dual.variable(θ[2], index: 2), beta = Dual.variable(θ[3], index: 3)
        let alphaIsMax = θ[1] >= θ[3]
        var shared = Shared(
            r: r, alpha: alpha, s: s, beta: beta, alphaIsMax: alphaIsMax,
            high: Swift.max(θ[1], θ[3]), low: Swift.min(θ[1], θ[3]), diff: abs(θ[1] - θ[3]),
            coefficient: [], coefficientGradient: [], derivativeCoefficient: [], series: [],
            dropoutConstant: [], rsx: [], atZero: [])
        // Per distinct x: log Γ(r+x) − log Γ(r) + r log α + s log β, and the series coefficients.
        var value = 0.0
        var grad = SIMD4<Double>.zero
        let common = r * Dual.log(alpha) + s * Dual.log(beta) - Dual.logGamma(r)
        for (k, x) in distinctX.enumerated() {
            let c = Dual.logGamma(r + x) + common
            value += weightPerX[k] * c.value
            grad += weightPerX[k] * c.gradient
            let rsx = r + s + x
            shared.rsx.append(rsx)
            shared.dropoutConstant.append(Dual.log(s) - Dual.log(rsx))
            appendSeries(&shared, a: rsx, b: alphaIsMax ? s + 1 : r + x, k: k)
        }
        for k in 0..<distinctX.count {
            shared.atZero.append(smallestRecency[k] == 0 ? Self.logSeriesTerm(shared, k: k, t: 0) : nil)
        }
        // Per row, in fixed chunks.
        let n = frequency.count
        let chunks = (n + Self.chunk - 1) / Self.chunk
        var parts = [(Double, SIMD4<Double>)](repeating: (0, .zero), count: chunks)
        let frozen = shared
        parts.withUnsafeMutableBufferPointer { out in
            ParallelFor.allCores.run(count: chunks) { c in
                out[c] = rowSum(frozen, c * Self.chunk, Swift.min(n, (c + 1) * Self.chunk))
            }
        }
        for (v, g) in parts {
            value += v
            grad += g
        }
        return (value, [grad[0], grad[1], grad[2], grad[3]])
    }

    /// Appends the coefficients of x number `k`: as many as the largest z of its rows needs, at most
    /// `maximumTerms`.
    private func appendSeries(_ shared: inout Shared, a: Dual, b: Dual, k: Int) {
        let start = shared.coefficient.count
        shared.coefficient.append(1)
        shared.coefficientGradient.append(.zero)
        shared.derivativeCoefficient.append(0)
        // No row of this x has a dropout term: an empty table, which ``logSeriesTerm`` never reads.
        guard smallestRecency[k].isFinite else {
            shared.series.append(Series(start: start, count: 1))
            return
        }
        let zMax = Swift.min(Self.maximumArgument, shared.diff / (shared.high + smallestRecency[k]))
        var c = Dual(constant: 1)
        var zPower = 1.0, sum = 1.0
        var n = 0.0
        while shared.coefficient.count - start < Self.maximumTerms {
            c = c * (a + n) * (b + n) / ((a + (n + 1)) * (n + 1))
            n += 1
            shared.coefficient.append(c.value)
            shared.coefficientGradient.append(SIMD2(c.gradient[0], c.gradient[2]))
            shared.derivativeCoefficient.append(n * c.value)
            zPower *= zMax
            sum += c.value * zPower
            if c.value * zPower <= Self.tolerance * sum { break }
        }
        shared.series.append(Series(start: start, count: shared.coefficient.count - start))
    }

    /// h(t) = log F(z) − (r+s+x) log(max(α,β) + t) for x number `k`, with its gradient; nil when z exceeds the
    /// series' range or the table ends before the series converges (the caller then uses the reference).
    @inline(__always)
    private static func logSeriesTerm(_ shared: Shared, k: Int, t: Double, logHigh: Double? = nil) -> Dual? {
        let ht = shared.high + t
        let z = shared.diff / ht
        guard z <= maximumArgument else { return nil }
        let series = shared.series[k]
        var f = 1.0, df = SIMD2<Double>.zero, fPrime = 0.0
        var zPower = 1.0
        var converged = false
        shared.coefficient.withUnsafeBufferPointer { c in
        shared.coefficientGradient.withUnsafeBufferPointer { g in
        shared.derivativeCoefficient.withUnsafeBufferPointer { d in
            for j in (series.start + 1)..<(series.start + series.count) {
                fPrime += d[j] * zPower  // n cₙ zⁿ⁻¹
                zPower *= z
                let term = c[j] * zPower
                f += term
                df += g[j] * zPower
                if term <= tolerance * f { converged = true; break }
            }
        }
        }
        }
        guard converged else { return nil }
        // ∂z/∂max = (min + t)/(max + t)², ∂z/∂min = −1/(max + t).
        let dzHigh = (shared.low + t) / (ht * ht), dzLow = -1 / ht
        let (dzAlpha, dzBeta) = shared.alphaIsMax ? (dzHigh, dzLow) : (dzLow, dzHigh)
        let logF = Double.log(f)
        let gradientLogF = SIMD4(df[0], fPrime * dzAlpha, df[1], fPrime * dzBeta) / f
        let logHT = logHigh ?? Double.log(ht)
        let rsx = shared.rsx[k]
        let highGradient = shared.alphaIsMax ? SIMD4<Double>(0, 1, 0, 0) : SIMD4<Double>(0, 0, 0, 1)
        return Dual(
            value: logF - rsx.value * logHT,
            gradient: gradientLogF - rsx.gradient * logHT - highGradient * (rsx.value / ht))
    }

    /// Σ w (log L − per-x constant) over rows `lo..<hi`.
    private func rowSum(_ shared: Shared, _ lo: Int, _ hi: Int) -> (Double, SIMD4<Double>) {
        var v = 0.0
        var g = SIMD4<Double>.zero
        let (r, alpha, s, beta) = (shared.r.value, shared.alpha.value, shared.s.value, shared.beta.value)
        for i in lo..<hi {
            let w = weight[i], x = frequency[i], T = age[i], tx = recency[i]
            let k = Int(xIndex[i])
            // Alive throughout: −(r+x) log(α+T) − s log(β+T).
            let logAlphaT = Double.log(alpha + T), logBetaT = Double.log(beta + T)
            var term = Dual(
                value: -(r + x) * logAlphaT - s * logBetaT,
                gradient: SIMD4(-logAlphaT, -(r + x) / (alpha + T), -logBetaT, -s / (beta + T)))
            if Self.hasInterval(recency: tx, age: T) {
                let h1 = tx == 0 ? shared.atZero[k] : Self.logSeriesTerm(shared, k: k, t: tx)
                let h2 = h1 == nil ? nil : Self.logSeriesTerm(shared, k: k, t: T, logHigh: shared.alphaIsMax ? logAlphaT : logBetaT)
                if let h1, let h2 {
                    // log(e^A + e^B d) with A the alive term, B = log s − log(r+s+x) + h1 and
                    // d = 1 − e^(h2−h1) = −expm1(h2 − h1) (exact as h2 → h1): one exp, one expm1, one log.
                    let a = term
                    let b = shared.dropoutConstant[k] + h1
                    let d = -Double.expMinusOne(h2.value - h1.value)
                    let dGradient = (h1.gradient - h2.gradient) * (1 - d)
                    let m = Swift.max(a.value, b.value)
                    let ea = Double.exp(a.value - m), eb = Double.exp(b.value - m)
                    let sum = ea + eb * d
                    term = Dual(value: m + Double.log(sum), gradient: (a.gradient * ea + (b.gradient * d + dGradient) * eb) / sum)
                } else if let dropout = ParetoNBD.logDropoutTerm(
                    r: shared.r, alpha: shared.alpha, s: shared.s, beta: shared.beta, x: x, recency: tx, age: T)
                {
                    term = Dual.logAddExp(term, dropout)
                }
            }
            v += w * term.value
            g += w * term.gradient
        }
        return (v, g)
    }
}
