import CLVNumerics
import RealModule

/// The Gamma-Gamma log-likelihood and its exact gradient, specialised for large customer bases (one row per repeat
/// customer: mean spends are continuous, so rows never repeat).
///
/// Same value as ``GammaGamma/logLikelihood(_:x:meanSpend:)``, organised by what each part depends on:
/// - log Γ(px+q) − log Γ(px) − log Γ(q) + q log v + px log x depends only on x: once per distinct x per
///   evaluation, with dual numbers, weighted by the total weight of that x;
/// - (px − 1) log m̄ = p · x log m̄ − log m̄ does not depend on the row's parameters beyond p: Σ w x log m̄ and
///   Σ w log m̄ are summed once, when the evaluator is made;
/// - −(px + q) log(v + x m̄) is the only per-row work: one log and one division per row, eight rows at a time
///   (``VectorLogExp``), accumulated as Σ w x L, Σ w L, Σ w x/(v + x m̄), Σ w/(v + x m̄) with L = log(v + x m̄).
///
/// Rows are summed in fixed chunks on all cores and the chunks added in order, so the value does not depend on
/// thread timing. Rows carry x in `frequency` and m̄ in `recency` (as ``GammaGamma/Kernel`` reads them).
struct GammaGammaFastLikelihood: Sendable {
    typealias Vector = VectorLogExp.Vector

    /// x, m̄ and weight per row, padded with zero weights to whole vectors.
    let frequency: [Double], meanSpend: [Double], weight: [Double]
    /// Σ weights per distinct x.
    let weightPerX: [(x: Double, weight: Double)]
    /// Σ w x log m̄ and Σ w log m̄: the parts of (px − 1) log m̄ that do not change between evaluations.
    let weightedXLogSpend: Double, weightedLogSpend: Double

    /// Rows per chunk of parallel work (a multiple of the vector width).
    static let chunk = 16_384

    init(rows: CustomerRows) {
        let width = Vector.scalarCount
        let padded = (rows.count + width - 1) / width * width
        var frequency = rows.frequency, meanSpend = rows.recency, weight = rows.weight
        frequency += [Double](repeating: 1, count: padded - rows.count)
        meanSpend += [Double](repeating: 1, count: padded - rows.count)
        weight += [Double](repeating: 0, count: padded - rows.count)
        (self.frequency, self.meanSpend, self.weight) = (frequency, meanSpend, weight)
        let (allX, _, totals) = rows.frequencyIndex()
        weightPerX = zip(allX, totals).map { (x: $0, weight: $1) }
        var xLog = 0.0, log = 0.0
        for i in 0..<rows.count where rows.weight[i] != 0 {
            let l = Double.log(rows.recency[i])
            xLog += rows.weight[i] * rows.frequency[i] * l
            log += rows.weight[i] * l
        }
        (weightedXLogSpend, weightedLogSpend) = (xLog, log)
    }

    /// Σ wᵢ log Lᵢ and its gradient over (p, q, v).
    func evaluate(_ θ: [Double]) -> (value: Double, gradient: [Double]) {
        let (p, q, v) = (θ[0], θ[1], θ[2])
        let d = (Dual.variable(p, index: 0), Dual.variable(q, index: 1), Dual.variable(v, index: 2))
        var value = p * weightedXLogSpend - weightedLogSpend
        var grad = SIMD4<Double>(weightedXLogSpend, 0, 0, 0)
        for (x, w) in weightPerX {
            let px = d.0 * x
            let c = Dual.logGamma(px + d.1) - Dual.logGamma(px) - Dual.logGamma(d.1) + d.1 * Dual.log(d.2) + px * Double.log(x)
            value += w * c.value
            grad += w * c.gradient
        }
        let rows = sumInChunks(count: frequency.count) { lo, hi in partialSums(lo, hi, v: v) }
        // −(px + q) L summed: −(p Σ w x L + q Σ w L); its v-derivative −(p Σ w x/(v+xm̄) + q Σ w/(v+xm̄)).
        value -= p * rows.xLog + q * rows.log
        grad -= SIMD4(rows.xLog, rows.log, p * rows.xInverse + q * rows.inverse, 0)
        return (value, [grad[0], grad[1], grad[2]])
    }

    /// The row sums one evaluation needs.
    struct Partial {
        var xLog = 0.0, log = 0.0, xInverse = 0.0, inverse = 0.0
        static func + (l: Partial, r: Partial) -> Partial {
            Partial(xLog: l.xLog + r.xLog, log: l.log + r.log, xInverse: l.xInverse + r.xInverse, inverse: l.inverse + r.inverse)
        }
    }

    /// Sums `body` over fixed chunks of `0..<count` on all cores, adding the chunks in order.
    private func sumInChunks(count: Int, _ body: (Int, Int) -> Partial) -> Partial {
        ParallelFor.allCores.sumInChunks(count: count, chunk: Self.chunk, zero: Partial(), +, body)
    }

    private func partialSums(_ lo: Int, _ hi: Int, v: Double) -> Partial {
        var xl = Vector.zero, l = Vector.zero, xi = Vector.zero, inv = Vector.zero
        frequency.withUnsafeBufferPointer { freq in
            meanSpend.withUnsafeBufferPointer { spend in
                weight.withUnsafeBufferPointer { weight in
                    for i in stride(from: lo, to: hi, by: Vector.scalarCount) {
                        let x = load(freq, i), w = load(weight, i)
                        let denominator = VectorLogExp.multiplyAdd(x, load(spend, i), v)
                        let wL = w * VectorLogExp.log(denominator), wInverse = w / denominator
                        xl += x * wL
                        l += wL
                        xi += x * wInverse
                        inv += wInverse
                    }
                }
            }
        }
        return Partial(xLog: xl.sum(), log: l.sum(), xInverse: xi.sum(), inverse: inv.sum())
    }

    @inline(__always)
    private func load(_ column: UnsafeBufferPointer<Double>, _ i: Int) -> Vector {
        UnsafeRawPointer(column.baseAddress! + i).loadUnaligned(as: Vector.self)
    }
}
