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
        let (xs, xi, wx) = rows.frequencyIndex()
        var smallest = [Double](repeating: .infinity, count: xs.count)
        for i in 0..<rows.count where Self.hasInterval(recency: rows.recency[i], age: rows.age[i]) {
            smallest[Int(xi[i])] = Swift.min(smallest[Int(xi[i])], rows.recency[i])
        }
        // Rows of one x next to each other, by T: eight neighbours then share their series coefficients and have
        // similar z, so their series are summed together (``seriesValues``).
        let order = (0..<rows.count).sorted { (xi[$0], rows.age[$0], $0) < (xi[$1], rows.age[$1], $1) }
        frequency = order.map { rows.frequency[$0] }
        recency = order.map { rows.recency[$0] }
        age = order.map { rows.age[$0] }
        weight = order.map { rows.weight[$0] }
        xIndex = order.map { xi[$0] }
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

    /// The series at one point: F(z), ∂F over (r, s) through the coefficients, and F′(z).
    struct SeriesValue {
        var f = 1.0, df = SIMD2<Double>.zero, fPrime = 0.0
    }

    /// Σ cₙ zⁿ, Σ ∂cₙ zⁿ and Σ n cₙ zⁿ⁻¹ for x number `k` at t, z = |α−β| / (max(α,β) + t); nil when z exceeds the
    /// series' range or the table ends before the series converges (the caller then uses the reference).
    @inline(__always)
    private static func seriesValue(_ shared: Shared, k: Int, t: Double) -> SeriesValue? {
        let z = shared.diff / (shared.high + t)
        guard z <= maximumArgument else { return nil }
        let series = shared.series[k]
        var out = SeriesValue()
        var zPower = 1.0
        var converged = false
        shared.coefficient.withUnsafeBufferPointer { c in
            shared.coefficientGradient.withUnsafeBufferPointer { g in
                shared.derivativeCoefficient.withUnsafeBufferPointer { d in
                    // Two terms per step, so the chain of multiplications by z (the loop's latency) is half as long; the
                    // test on the second term stops at most one term later than the reference, which only adds accuracy.
                    let z2 = z * z
                    var j = series.start + 1
                    let end = series.start + series.count
                    while j + 1 < end {
                        let z1 = zPower * z, zSecond = zPower * z2  // zⁿ and zⁿ⁺¹ for n = j − start
                        out.fPrime += d[j] * zPower + d[j + 1] * z1  // n cₙ zⁿ⁻¹ + (n+1) cₙ₊₁ zⁿ
                        let first = c[j] * z1, second = c[j + 1] * zSecond
                        out.f += first + second
                        out.df += g[j] * z1 + g[j + 1] * zSecond
                        zPower = zSecond
                        j += 2
                        if second <= tolerance * out.f || first <= tolerance * out.f {
                            converged = true
                            return
                        }
                    }
                    while j < end {
                        out.fPrime += d[j] * zPower
                        zPower *= z
                        let term = c[j] * zPower
                        out.f += term
                        out.df += g[j] * zPower
                        j += 1
                        if term <= tolerance * out.f {
                            converged = true
                            return
                        }
                    }
                }
            }
        }
        return converged ? out : nil
    }

    typealias Lanes = SIMD8<Double>

    /// ``seriesValue(_:k:t:)`` at eight points of the same x at once (one coefficient load serves eight rows); nil
    /// when a z exceeds the series' range or the table ends before every lane has converged. Each lane stops
    /// contributing only when the slowest has converged, which adds terms below 10⁻¹⁵ of its sum.
    @inline(__always)
    private static func seriesValues(_ shared: Shared, k: Int, t: Lanes) -> (f: Lanes, dr: Lanes, ds: Lanes, fPrime: Lanes)? {
        let z = shared.diff / (shared.high + t)
        guard all(z .<= Lanes(repeating: maximumArgument)) else { return nil }
        let series = shared.series[k]
        var f = Lanes(repeating: 1), dr = Lanes.zero, ds = Lanes.zero, fPrime = Lanes.zero
        var zPower = Lanes(repeating: 1)
        var converged = false
        shared.coefficient.withUnsafeBufferPointer { c in
            shared.coefficientGradient.withUnsafeBufferPointer { g in
                shared.derivativeCoefficient.withUnsafeBufferPointer { d in
                    for j in (series.start + 1)..<(series.start + series.count) {
                        fPrime += d[j] * zPower
                        zPower *= z
                        let term = c[j] * zPower
                        f += term
                        dr += g[j].x * zPower
                        ds += g[j].y * zPower
                        if all(term .<= tolerance * f) {
                            converged = true
                            return
                        }
                    }
                }
            }
        }
        return converged ? (f, dr, ds, fPrime) : nil
    }

    /// Fills the series of eight rows `j..<j+8` of a block (rows `i..<i+8`) when they share x, all have a dropout
    /// term and all start at tₓ = 0 from the per-x cache or none does; false (nothing written) otherwise.
    @inline(__always)
    private func vectorSeries(
        _ shared: Shared, _ i: Int, _ j: Int, kinds: UnsafeMutablePointer<RowKind>, points: UnsafeMutablePointer<SeriesValue>,
        f1: UnsafeMutablePointer<Double>, f2: UnsafeMutablePointer<Double>
    ) -> Bool {
        let width = Lanes.scalarCount
        let k = Int(xIndex[i])
        guard xIndex[i + width - 1] == xIndex[i] else { return false }  // sorted by x: the ends decide
        let fromZero = recency[i] == 0 && shared.atZero[k] != nil
        var tx = Lanes(), T = Lanes()
        for lane in 0..<width {
            let row = i + lane
            guard Self.hasInterval(recency: recency[row], age: age[row]), (recency[row] == 0 && shared.atZero[k] != nil) == fromZero else { return false }
            tx[lane] = recency[row]
            T[lane] = age[row]
        }
        guard let atT = Self.seriesValues(shared, k: k, t: T) else { return false }
        var atX = (f: Lanes(repeating: 1), dr: Lanes.zero, ds: Lanes.zero, fPrime: Lanes.zero)
        if !fromZero {
            guard let values = Self.seriesValues(shared, k: k, t: tx) else { return false }
            atX = values
        }
        for lane in 0..<width {
            kinds[j + lane] = fromZero ? .seriesFromZero : .series
            points[2 * (j + lane)] = SeriesValue(f: atX.f[lane], df: SIMD2(atX.dr[lane], atX.ds[lane]), fPrime: atX.fPrime[lane])
            points[2 * (j + lane) + 1] = SeriesValue(f: atT.f[lane], df: SIMD2(atT.dr[lane], atT.ds[lane]), fPrime: atT.fPrime[lane])
            f1[j + lane] = atX.f[lane]
            f2[j + lane] = atT.f[lane]
        }
        return true
    }

    /// h(t) = log F(z) − (r+s+x) log(max(α,β) + t) with its gradient, from the series at t, log F and
    /// log(max(α,β) + t).
    @inline(__always)
    private static func logSeriesTerm(_ shared: Shared, k: Int, t: Double, _ value: SeriesValue, logF: Double, logHigh: Double) -> Dual {
        let ht = shared.high + t
        // ∂z/∂max = (min + t)/(max + t)², ∂z/∂min = −1/(max + t).
        let dzHigh = (shared.low + t) / (ht * ht), dzLow = -1 / ht
        let (dzAlpha, dzBeta) = shared.alphaIsMax ? (dzHigh, dzLow) : (dzLow, dzHigh)
        let gradientLogF = SIMD4(value.df[0], value.fPrime * dzAlpha, value.df[1], value.fPrime * dzBeta) / value.f
        let rsx = shared.rsx[k]
        let highGradient = shared.alphaIsMax ? SIMD4<Double>(0, 1, 0, 0) : SIMD4<Double>(0, 0, 0, 1)
        return Dual(
            value: logF - rsx.value * logHigh,
            gradient: gradientLogF - rsx.gradient * logHigh - highGradient * (rsx.value / ht))
    }

    /// h(t) computed on its own (for t = 0, once per x).
    private static func logSeriesTerm(_ shared: Shared, k: Int, t: Double) -> Dual? {
        seriesValue(shared, k: k, t: t).map {
            logSeriesTerm(shared, k: k, t: t, $0, logF: Double.log($0.f), logHigh: Double.log(shared.high + t))
        }
    }

    /// Rows per block of the row loop: its scratch columns stay in the L1 cache.
    static let block = 256

    /// How a row's dropout term is evaluated.
    private enum RowKind: UInt8 {
        /// tₓ = T: no dropout term.
        case aliveOnly
        /// The series at tₓ and T.
        case series
        /// The series at T; h(tₓ = 0) from the per-x cache.
        case seriesFromZero
        /// Beyond the series: ``ParetoNBD/logDropoutTerm(r:alpha:s:beta:x:recency:age:forceQuadrature:)``.
        case reference
    }

    /// Σ w (log L − per-x constant) over rows `lo..<hi`, block by block: the logs of every row of a block first
    /// (eight at a time), then the series and the per-row combination, then the final logs.
    private func rowSum(_ shared: Shared, _ lo: Int, _ hi: Int) -> (Double, SIMD4<Double>) {
        var v = 0.0, blockValue = 0.0, compensation = 0.0
        var g = SIMD4<Double>.zero
        let (r, alpha, s, beta) = (shared.r.value, shared.alpha.value, shared.s.value, shared.beta.value)
        let block = Self.block
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 7 * block) { scratch in
            withUnsafeTemporaryAllocation(of: SeriesValue.self, capacity: 2 * block) { points in
                withUnsafeTemporaryAllocation(of: RowKind.self, capacity: block) { kinds in
                    withUnsafeTemporaryAllocation(of: Dual.self, capacity: 2 * block) { logTerms in
                        let base = scratch.baseAddress!
                        let logAlphaT = base, logBetaT = base + block, logHighX = base + 2 * block
                        let logF1 = base + 3 * block, logF2 = base + 4 * block, f1 = base + 5 * block, f2 = base + 6 * block
                        // Once row j's log F₂ is read, its place holds h(T) − h(tₓ) and then expm1 of it; f₂'s −|A − B|
                        // and then e^−|A−B|.
                        let deltas = logF2, gaps = f2
                        // The sums whose logs finish a row's value reuse the f1 column once log F₁ is taken.
                        let sums = f1
                        var start = lo
                        while start < hi {
                            let n = Swift.min(block, hi - start)
                            VectorLogExp.log(count: n, into: logAlphaT) { alpha + age[start + $0] }
                            VectorLogExp.log(count: n, into: logBetaT) { beta + age[start + $0] }
                            VectorLogExp.log(count: n, into: logHighX) { shared.high + recency[start + $0] }
                            // The series at tₓ and T: eight rows at a time where they allow, else row by row.
                            var vectorDone = 0
                            for j in 0..<n {
                                let i = start + j
                                if j >= vectorDone, j % Lanes.scalarCount == 0, j + Lanes.scalarCount <= n {
                                    if vectorSeries(shared, i, j, kinds: kinds.baseAddress!, points: points.baseAddress!, f1: f1, f2: f2) {
                                        vectorDone = j + Lanes.scalarCount
                                    }
                                }
                                if j < vectorDone { continue }
                                let tx = recency[i], T = age[i], k = Int(xIndex[i])
                                f1[j] = 1
                                f2[j] = 1
                                guard Self.hasInterval(recency: tx, age: T) else {
                                    kinds[j] = .aliveOnly
                                    continue
                                }
                                let fromZero = tx == 0 && shared.atZero[k] != nil
                                let p1 = fromZero ? SeriesValue() : Self.seriesValue(shared, k: k, t: tx)
                                guard let p1, let p2 = Self.seriesValue(shared, k: k, t: T) else {
                                    kinds[j] = .reference
                                    continue
                                }
                                kinds[j] = fromZero ? .seriesFromZero : .series
                                points[2 * j] = p1
                                points[2 * j + 1] = p2
                                f1[j] = p1.f
                                f2[j] = p2.f
                            }
                            VectorLogExp.log(count: n, into: logF1) { f1[$0] }
                            VectorLogExp.log(count: n, into: logF2) { f2[$0] }
                            // Per row: log(e^A + e^B d), its value as m + log(sum) with the log taken below. First h(tₓ),
                            // h(T) and the arguments of the row's two exponentials, which are then taken eight at a time.
                            for j in 0..<n {
                                guard kinds[j] == .series || kinds[j] == .seriesFromZero else {
                                    deltas[j] = 0
                                    gaps[j] = 0
                                    continue
                                }
                                let i = start + j
                                let x = frequency[i], T = age[i], tx = recency[i]
                                let k = Int(xIndex[i])
                                let h1 =
                                    kinds[j] == .seriesFromZero
                                    ? shared.atZero[k]!
                                    : Self.logSeriesTerm(shared, k: k, t: tx, points[2 * j], logF: logF1[j], logHigh: logHighX[j])
                                let logHighT = shared.alphaIsMax ? logAlphaT[j] : logBetaT[j]
                                let h2 = Self.logSeriesTerm(shared, k: k, t: T, points[2 * j + 1], logF: logF2[j], logHigh: logHighT)
                                logTerms[2 * j] = h1
                                logTerms[2 * j + 1] = h2
                                let aValue = -(r + x) * logAlphaT[j] - s * logBetaT[j]
                                deltas[j] = h2.value - h1.value
                                gaps[j] = -abs(aValue - (shared.dropoutConstant[k].value + h1.value))
                            }
                            VectorLogExp.expMinusOne(count: n, deltas)
                            VectorLogExp.exp(count: n, gaps)
                            for j in 0..<n {
                                let i = start + j
                                let w = weight[i], x = frequency[i], T = age[i], tx = recency[i]
                                let k = Int(xIndex[i])
                                // Alive throughout: −(r+x) log(α+T) − s log(β+T).
                                let a = Dual(
                                    value: -(r + x) * logAlphaT[j] - s * logBetaT[j],
                                    gradient: SIMD4(-logAlphaT[j], -(r + x) / (alpha + T), -logBetaT[j], -s / (beta + T)))
                                var term = a
                                var sum = 1.0
                                switch kinds[j] {
                                case .aliveOnly:
                                    break
                                case .series, .seriesFromZero:
                                    let h1 = logTerms[2 * j], h2 = logTerms[2 * j + 1]
                                    // B = log s − log(r+s+x) + h1 and d = 1 − e^(h2−h1) = −expm1(h2 − h1) (exact as h2 → h1).
                                    let b = shared.dropoutConstant[k] + h1
                                    let d = -deltas[j]
                                    let dGradient = (h1.gradient - h2.gradient) * (1 - d)
                                    // With m = max(A, B) one of e^(A−m), e^(B−m) is 1; the other is e^−|A−B|.
                                    let aIsMax = a.value >= b.value
                                    let other = gaps[j]
                                    let (ea, eb) = aIsMax ? (1, other) : (other, 1)
                                    sum = ea + eb * d
                                    term = Dual(
                                        value: aIsMax ? a.value : b.value,
                                        gradient: (a.gradient * ea + (b.gradient * d + dGradient) * eb) / sum)
                                case .reference:
                                    if let dropout = ParetoNBD.logDropoutTerm(
                                        r: shared.r, alpha: shared.alpha, s: shared.s, beta: shared.beta, x: x, recency: tx, age: T)
                                    {
                                        term = Dual.logAddExp(a, dropout)
                                    }
                                }
                                sums[j] = sum
                                blockValue += w * term.value
                                g += w * term.gradient
                            }
                            VectorLogExp.log(count: n, into: logF1) { sums[$0] }
                            for j in 0..<n { blockValue += weight[start + j] * logF1[j] }
                            // Block sums added with Neumaier's compensation: the line search compares values that differ in
                            // their last digits near the optimum, so the sum must not add rounding noise of its own.
                            let total = v + blockValue
                            compensation += abs(v) >= abs(blockValue) ? (v - total) + blockValue : (blockValue - total) + v
                            v = total
                            blockValue = 0
                            start += n
                        }
                    }
                }
            }
        }
        return (v + compensation, g)
    }
}
