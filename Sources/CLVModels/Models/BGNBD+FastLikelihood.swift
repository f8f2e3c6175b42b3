import CLVNumerics
import Dispatch
import RealModule
import Synchronization

/// The BG/NBD log-likelihood and its exact gradient, specialised for speed on large customer bases.
///
/// Same value as ``BGNBD/logLikelihood(_:x:recency:age:)`` (eq. 6) but organised so that each evaluation costs one
/// `exp` and one `log1p` per distinct row:
/// - terms that depend only on x (the log Γ and log B parts) are computed once per distinct x, with dual numbers;
/// - log(α + T) and log(α + tₓ) are computed once per distinct T and tₓ value (few on data in whole days);
/// - the gradient of log(e^A₃ + e^A₄) is written out by hand (A₃, A₄ are linear in log(α+·)), and log(1 + e) uses
///   plain `log` (log1p's extra accuracy for tiny e is far below the rounding of a sum of thousands of rows).
struct BGNBDFastLikelihood: Sendable {
    let rows: CustomerRows
    /// Index of each row's x in `distinctX`, T in `distinctAge`, tₓ in `distinctRecency`.
    let xIndex: [Int32], ageIndex: [Int32], recencyIndex: [Int32]
    let distinctX: [Double], distinctAge: [Double], distinctRecency: [Double]
    /// Σ weights per distinct x.
    let weightPerX: [Double]

    init(rows: CustomerRows) {
        self.rows = rows
        func index(_ values: [Double]) -> ([Int32], [Double]) {
            var map: [UInt64: Int32] = [:]
            var distinct: [Double] = []
            let idx = values.map { v -> Int32 in
                if let i = map[v.bitPattern] { return i }
                let i = Int32(distinct.count)
                map[v.bitPattern] = i
                distinct.append(v)
                return i
            }
            return (idx, distinct)
        }
        (xIndex, distinctX) = index(rows.frequency)
        (ageIndex, distinctAge) = index(rows.age)
        (recencyIndex, distinctRecency) = index(rows.recency)
        var wx = [Double](repeating: 0, count: distinctX.count)
        for i in 0..<rows.count { wx[Int(xIndex[i])] += rows.weight[i] }
        weightPerX = wx
    }

    /// Σ wᵢ log Lᵢ and its gradient over (r, α, a, b).
    func evaluate(_ θ: [Double]) -> (value: Double, gradient: [Double]) {
        let (r, alpha, a, b) = (θ[0], θ[1], θ[2], θ[3])
        // Per distinct x: constant part with derivatives.
        let p = ParameterVector(Dual.variable(r, index: 0), Dual.variable(alpha, index: 1), Dual.variable(a, index: 2), Dual.variable(b, index: 3))
        var value = 0.0
        var grad = SIMD4<Double>.zero
        var a4Const = [Double](repeating: 0, count: distinctX.count)  // log a − log(b + x − 1)
        for (k, x) in distinctX.enumerated() {
            let c =
                Dual.logGamma(p.p0 + x) - Dual.logGamma(p.p0) + p.p0 * Dual.log(p.p1)
                + Dual.logGamma(p.p2 + p.p3) + Dual.logGamma(p.p3 + x) - Dual.logGamma(p.p3) - Dual.logGamma(p.p2 + p.p3 + x)
            value += weightPerX[k] * c.value
            grad += weightPerX[k] * c.gradient
            a4Const[k] = x > 0 ? Double.log(a) - Double.log(b + x - 1) : -.infinity
        }
        let logA4Const = a4Const
        let logAge = distinctAge.map { Double.log(alpha + $0) }, invAge = distinctAge.map { 1 / (alpha + $0) }
        let logRec = distinctRecency.map { Double.log(alpha + $0) }, invRec = distinctRecency.map { 1 / (alpha + $0) }
        let n = rows.count
        let chunkCount = n < 8192 ? 1 : min(64, max(2, n / 16384))
        let parts = Mutex([(Double, SIMD4<Double>)](repeating: (0, .zero), count: chunkCount))
        let bInv = distinctX.map { $0 > 0 ? 1 / (b + $0 - 1) : 0 }
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
            var v = 0.0
            // Accumulate Σw·∂/∂r, Σw·∂/∂α, Σw·w₄ (for ∂/∂a = w₄/a), Σw·w₄/(b+x−1).
            var gr = 0.0, ga = 0.0, g4 = 0.0, gb = 0.0
            rows.frequency.withUnsafeBufferPointer { freq in
                rows.weight.withUnsafeBufferPointer { weight in
                    for i in lo..<hi {
                        let k = Int(xIndex[i]), ti = Int(ageIndex[i])
                        let x = freq[i], w = weight[i], rx = r + x
                        let a3 = -rx * logAge[ti]
                        if x == 0 {
                            v += w * a3
                            gr -= w * logAge[ti]
                            ga -= w * rx * invAge[ti]
                            continue
                        }
                        let ri = Int(recencyIndex[i])
                        let a4 = logA4Const[k] - rx * logRec[ri]
                        // log(e^a3 + e^a4) and the weight w4 = e^a4 / (e^a3 + e^a4).
                        let m: Double, w4: Double
                        if a3 >= a4 {
                            let e = Double.exp(a4 - a3)
                            m = a3 + Double.log(1 + e)
                            w4 = e / (1 + e)
                        } else {
                            let e = Double.exp(a3 - a4)
                            m = a4 + Double.log(1 + e)
                            w4 = 1 / (1 + e)
                        }
                        let w3 = 1 - w4
                        v += w * m
                        gr -= w * (w3 * logAge[ti] + w4 * logRec[ri])
                        ga -= w * rx * (w3 * invAge[ti] + w4 * invRec[ri])
                        g4 += w * w4
                        gb += w * w4 * bInv[k]
                    }
                }
            }
            parts.withLock { $0[chunk] = (v, SIMD4(gr, ga, g4 / a, -gb)) }
        }
        for (v, g) in parts.withLock({ $0 }) {
            value += v
            grad += g
        }
        return (value, [grad[0], grad[1], grad[2], grad[3]])
    }
}
