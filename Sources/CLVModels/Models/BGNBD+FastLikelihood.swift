import CLVNumerics
import RealModule

/// The BG/NBD log-likelihood and its exact gradient, specialised for speed on large customer bases that do not
/// compress (times with fractions of days, or seconds).
///
/// Same value as ``BGNBD/logLikelihood(_:x:recency:age:)`` (eq. 6), organised by what each part depends on:
/// - the log Γ and log B terms depend only on x: computed once per distinct x per evaluation, with dual numbers,
///   and weighted by the total weight of that x;
/// - log a − log(b + x − 1) and 1/(b + x − 1), likewise once per distinct x;
/// - the rest depends on (x, tₓ, T): two logs (α + T, α + tₓ), one exp and one log per row, evaluated eight rows at
///   a time (``VectorLogExp``) over structure-of-arrays columns, with the gradient of log(e^A₃ + e^A₄) written out
///   by hand (A₃, A₄ are linear in log(α + ·)). Customers without repeats (often most of them) have A₃ only and are
///   kept in columns of their own, so neither loop branches.
///
/// Rows are summed in fixed chunks on all cores (``ParallelFor``) and the chunks added in order, so the value does
/// not depend on thread timing.
struct BGNBDFastLikelihood: Sendable {
    typealias Vector = VectorLogExp.Vector

    /// Customers without repeats: T and weight (padded with zero weights to whole vectors and chunks).
    let zeroAge: [Double], zeroWeight: [Double]
    /// Repeat customers: x, tₓ, T, weight and the index of x in `distinctX` (padded likewise).
    let frequency: [Double], recency: [Double], age: [Double], weight: [Double], xIndex: [Int32]
    /// Distinct x among repeat customers.
    let distinctX: [Double]
    /// Σ weights per distinct x over all rows, and the x it belongs to (x = 0 included).
    let weightPerX: [(x: Double, weight: Double)]

    /// Rows per chunk of parallel work (a multiple of the vector width).
    static let chunk = 16_384

    init(rows: CustomerRows) {
        var zeroAge: [Double] = [], zeroWeight: [Double] = []
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = [], weight: [Double] = [], xIndex: [Int32] = []
        let (allX, rowX, totals) = rows.frequencyIndex()
        // Repeat customers index the distinct x > 0 only.
        var repeatSlot = [Int32](repeating: -1, count: allX.count)
        var distinctX: [Double] = []
        for (k, x) in allX.enumerated() where x > 0 {
            repeatSlot[k] = Int32(distinctX.count)
            distinctX.append(x)
        }
        for i in 0..<rows.count {
            let x = rows.frequency[i], w = rows.weight[i]
            if x == 0 {
                zeroAge.append(rows.age[i])
                zeroWeight.append(w)
                continue
            }
            frequency.append(x)
            recency.append(rows.recency[i])
            age.append(rows.age[i])
            weight.append(w)
            xIndex.append(repeatSlot[Int(rowX[i])])
        }
        // Padding rows have weight 0 and harmless values (tₓ < T, x = the first distinct x).
        func padded(_ column: inout [Double], _ value: Double, count: Int) {
            column += [Double](repeating: value, count: Self.paddedCount(count) - count)
        }
        let zeros = zeroAge.count, repeats = frequency.count
        padded(&zeroAge, 1, count: zeros)
        padded(&zeroWeight, 0, count: zeros)
        padded(&frequency, distinctX.first ?? 1, count: repeats)
        padded(&recency, 0, count: repeats)
        padded(&age, 1, count: repeats)
        padded(&weight, 0, count: repeats)
        xIndex += [Int32](repeating: 0, count: Self.paddedCount(repeats) - repeats)
        if distinctX.isEmpty { distinctX = [1] }
        (self.zeroAge, self.zeroWeight) = (zeroAge, zeroWeight)
        (self.frequency, self.recency, self.age, self.weight, self.xIndex) = (frequency, recency, age, weight, xIndex)
        self.distinctX = distinctX
        weightPerX = zip(allX, totals).map { (x: $0, weight: $1) }
    }

    /// `count` rounded up to whole vectors (chunks are whole vectors too, so every loop step loads a whole vector of rows).
    static func paddedCount(_ count: Int) -> Int { (count + Vector.scalarCount - 1) / Vector.scalarCount * Vector.scalarCount }

    /// Σ wᵢ log Lᵢ and its gradient over (r, α, a, b).
    func evaluate(_ θ: [Double]) -> (value: Double, gradient: [Double]) {
        let (r, alpha, a, b) = (θ[0], θ[1], θ[2], θ[3])
        // Per distinct x: the terms that depend only on x and θ, with derivatives.
        let p = ParameterVector(Dual.variable(r, index: 0), Dual.variable(alpha, index: 1), Dual.variable(a, index: 2), Dual.variable(b, index: 3))
        var value = 0.0
        var grad = SIMD4<Double>.zero
        for (x, w) in weightPerX {
            let c =
                Dual.logGamma(p.p0 + x) - Dual.logGamma(p.p0) + p.p0 * Dual.log(p.p1)
                + Dual.logGamma(p.p2 + p.p3) + Dual.logGamma(p.p3 + x) - Dual.logGamma(p.p3) - Dual.logGamma(p.p2 + p.p3 + x)
            value += w * c.value
            grad += w * c.gradient
        }
        let logA4Const = distinctX.map { Double.log(a) - Double.log(b + $0 - 1) }
        let bInverse = distinctX.map { 1 / (b + $0 - 1) }
        let zero = sumInChunks(count: zeroAge.count) { lo, hi in zeroCustomers(lo, hi, r: r, alpha: alpha) }
        let repeat_ = sumInChunks(count: frequency.count) { lo, hi in
            repeatCustomers(lo, hi, r: r, alpha: alpha, logA4Const: logA4Const, bInverse: bInverse)
        }
        // Partial sums: (value, ∂r, ∂α, Σw·w₄ for ∂a = Σw·w₄/a, Σw·w₄/(b+x−1) for ∂b = −that).
        value += zero.value + repeat_.value
        grad += SIMD4(zero.r + repeat_.r, zero.alpha + repeat_.alpha, repeat_.w4 / a, -repeat_.w4OverB)
        return (value, [grad[0], grad[1], grad[2], grad[3]])
    }

    /// The parts of Σ w log L that the row loops accumulate.
    struct Partial {
        var value = 0.0, r = 0.0, alpha = 0.0, w4 = 0.0, w4OverB = 0.0
        static func + (l: Partial, r: Partial) -> Partial {
            Partial(value: l.value + r.value, r: l.r + r.r, alpha: l.alpha + r.alpha, w4: l.w4 + r.w4, w4OverB: l.w4OverB + r.w4OverB)
        }
    }

    /// Sums `body` over fixed chunks of `0..<count` on all cores, adding the chunks in order.
    private func sumInChunks(count: Int, _ body: (Int, Int) -> Partial) -> Partial {
        ParallelFor.allCores.sumInChunks(count: count, chunk: Self.chunk, zero: Partial(), +, body)
    }

    /// x = 0: log L = const − r log(α + T).
    private func zeroCustomers(_ lo: Int, _ hi: Int, r: Double, alpha: Double) -> Partial {
        var v = Vector.zero, gr = Vector.zero, ga = Vector.zero
        zeroAge.withUnsafeBufferPointer { age in
            zeroWeight.withUnsafeBufferPointer { weight in
                for i in stride(from: lo, to: hi, by: Vector.scalarCount) {
                    let t = load(age, i) + alpha, w = load(weight, i)
                    let logT = VectorLogExp.log(t)
                    v -= w * r * logT
                    gr -= w * logT
                    ga -= w * r / t
                }
            }
        }
        return Partial(value: v.sum(), r: gr.sum(), alpha: ga.sum())
    }

    /// x > 0: log L = const + log(e^A₃ + e^A₄), A₃ = −(r+x) log(α+T), A₄ = log a − log(b+x−1) − (r+x) log(α+tₓ).
    private func repeatCustomers(_ lo: Int, _ hi: Int, r: Double, alpha: Double, logA4Const: [Double], bInverse: [Double]) -> Partial {
        var v = Vector.zero, gr = Vector.zero, ga = Vector.zero, g4 = Vector.zero, gb = Vector.zero
        frequency.withUnsafeBufferPointer { freq in
            recency.withUnsafeBufferPointer { rec in
                age.withUnsafeBufferPointer { age in
                    weight.withUnsafeBufferPointer { weight in
                        xIndex.withUnsafeBufferPointer { xIndex in
                            logA4Const.withUnsafeBufferPointer { constant in
                                bInverse.withUnsafeBufferPointer { bInverse in
                                    for i in stride(from: lo, to: hi, by: Vector.scalarCount) {
                                        var c = Vector(), bi = Vector()
                                        for lane in 0..<Vector.scalarCount {
                                            let k = Int(xIndex[i + lane])
                                            c[lane] = constant[k]
                                            bi[lane] = bInverse[k]
                                        }
                                        let rx = load(freq, i) + r, w = load(weight, i)
                                        let ageT = load(age, i) + alpha, recT = load(rec, i) + alpha
                                        let logAge = VectorLogExp.log(ageT), logRec = VectorLogExp.log(recT)
                                        let a3 = -rx * logAge, a4 = c - rx * logRec
                                        // log(e^a3 + e^a4) = max + log(1 + e^−|a3−a4|); w4 = e^a4 / (e^a3 + e^a4).
                                        let d = a4 - a3
                                        let e = VectorLogExp.exp(d.replacing(with: -d, where: d .> 0))  // e^−|d|
                                        let onePlus = 1 + e
                                        let inverse = 1 / onePlus
                                        let w4 = (e * inverse).replacing(with: inverse, where: d .> 0)
                                        let w3 = 1 - w4
                                        v += w * (a3.replacing(with: a4, where: d .> 0) + VectorLogExp.log(onePlus))
                                        gr -= w * (w3 * logAge + w4 * logRec)
                                        ga -= w * rx * (w3 * recT + w4 * ageT) / (ageT * recT)  // w3/(α+T) + w4/(α+tₓ), one division
                                        g4 += w * w4
                                        gb += w * w4 * bi
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Partial(value: v.sum(), r: gr.sum(), alpha: ga.sum(), w4: g4.sum(), w4OverB: gb.sum())
    }

    @inline(__always)
    private func load(_ column: UnsafeBufferPointer<Double>, _ i: Int) -> Vector {
        UnsafeRawPointer(column.baseAddress! + i).loadUnaligned(as: Vector.self)
    }
}
