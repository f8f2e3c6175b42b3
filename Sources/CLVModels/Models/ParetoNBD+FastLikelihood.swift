import CLVNumerics
import Dispatch
import RealModule
import Synchronization

/// The Pareto/NBD log-likelihood (eq. 18) and its exact gradient, organised for large customer bases.
///
/// The expensive parts of eq. 18 depend on a row only through x (log Γ terms) or through a pair (x, t) with t ∈
/// {tₓ, T} (the ₂F₁ terms of A₀ and the "alive" term). On data summarised in whole days these pairs are far fewer
/// than the rows, so each evaluation computes them once per distinct x and distinct pair (dual numbers), then
/// combines them per row with one log-sum and one log-difference. Rows whose ₂F₁ argument exceeds the series'
/// range fall back to ``ParetoNBD/logDropoutTerm(r:alpha:s:beta:x:recency:age:forceQuadrature:)``'s quadrature.
struct ParetoNBDFastLikelihood: Sendable {
    struct Pair: Hashable {
        var x: Double
        var t: Double
    }

    let rows: CustomerRows
    let distinctX: [Double]
    let weightPerX: [Double]
    let pairs: [Pair]
    let xIndex: [Int32], recencyPair: [Int32], agePair: [Int32]

    init(rows: CustomerRows) {
        self.rows = rows
        var xMap: [Double: Int32] = [:], pairMap: [Pair: Int32] = [:]
        var xs: [Double] = [], ps: [Pair] = [], wx: [Double] = []
        var xi: [Int32] = [], rp: [Int32] = [], ap: [Int32] = []
        func pairIndex(_ p: Pair) -> Int32 {
            if let i = pairMap[p] { return i }
            let i = Int32(ps.count)
            pairMap[p] = i
            ps.append(p)
            return i
        }
        for i in 0..<rows.count {
            let x = rows.frequency[i]
            let k: Int32
            if let j = xMap[x] {
                k = j
            } else {
                k = Int32(xs.count)
                xMap[x] = k
                xs.append(x)
                wx.append(0)
            }
            wx[Int(k)] += rows.weight[i]
            xi.append(k)
            rp.append(pairIndex(Pair(x: x, t: rows.recency[i])))
            ap.append(pairIndex(Pair(x: x, t: rows.age[i])))
        }
        (distinctX, weightPerX, pairs, xIndex, recencyPair, agePair) = (xs, wx, ps, xi, rp, ap)
    }

    func evaluate(_ θ: [Double]) -> (value: Double, gradient: [Double]) {
        let r = Dual.variable(θ[0], index: 0), alpha = Dual.variable(θ[1], index: 1)
        let s = Dual.variable(θ[2], index: 2), beta = Dual.variable(θ[3], index: 3)
        let alphaIsMax = θ[1] >= θ[3]
        let maxAB = alphaIsMax ? alpha : beta
        let diff = alphaIsMax ? alpha - beta : beta - alpha
        // Per distinct x: log Γ(r+x) − log Γ(r) and log s − log(r+s+x).
        var value = 0.0
        var grad = SIMD4<Double>.zero
        let common = r * Dual.log(alpha) + s * Dual.log(beta) - Dual.logGamma(r)
        var dropoutConstant = [Dual](repeating: Dual(constant: 0), count: distinctX.count)
        for (k, x) in distinctX.enumerated() {
            let c = Dual.logGamma(r + x) + common
            value += weightPerX[k] * c.value
            grad += weightPerX[k] * c.gradient
            dropoutConstant[k] = Dual.log(s) - Dual.log(r + s + x)
        }
        // Per distinct (x, t): the ₂F₁ part of A₀ (nil beyond the series' range) and the "alive" term.
        let pairs = self.pairs
        let pairCount = pairs.count
        let pairChunks = pairCount < 2048 ? 1 : 8
        let pairParts = Mutex([[(hyper: Dual?, alive: Dual)]](repeating: [], count: pairChunks))
        DispatchQueue.concurrentPerform(iterations: pairChunks) { chunk in
            let lo = chunk * pairCount / pairChunks, hi = (chunk + 1) * pairCount / pairChunks
            var out: [(hyper: Dual?, alive: Dual)] = []
            out.reserveCapacity(hi - lo)
            for p in pairs[lo..<hi] {
                let rsx = r + s + p.x
                let second = alphaIsMax ? s + 1 : r + p.x
                let logAlpha = Dual.log(alpha + p.t), logBeta = Dual.log(beta + p.t)
                let logBase = alphaIsMax ? logAlpha : logBeta
                let hyper = hypergeometric2F1Series(rsx, second, rsx + 1, diff / (maxAB + p.t)).map { Dual.log($0) - rsx * logBase }
                let alive = -((r + p.x) * logAlpha) - s * logBeta
                out.append((hyper, alive))
            }
            pairParts.withLock { $0[chunk] = out }
        }
        let pairValues = pairParts.withLock { $0 }.flatMap { $0 }
        let constants = dropoutConstant
        // Per row.
        let n = rows.count
        let chunkCount = n < 8192 ? 1 : min(64, max(2, n / 16384))
        let parts = Mutex([(Double, SIMD4<Double>)](repeating: (0, .zero), count: chunkCount))
        let pv = ParameterVector(r, alpha, s, beta)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
            var v = 0.0
            var g = SIMD4<Double>.zero
            for i in lo..<hi {
                let w = rows.weight[i]
                let ageTerm = pairValues[Int(agePair[i])]
                var term = ageTerm.alive
                let age = rows.age[i], recency = rows.recency[i]
                if age - recency > 1e-12 * Swift.max(1, age) {
                    if let h1 = pairValues[Int(recencyPair[i])].hyper, let h2 = ageTerm.hyper {
                        // log(e^A + e^B d) with A the alive term, B = log s − log(r+s+x) + h1 and
                        // d = 1 − e^(h2−h1) = −expm1(h2 − h1) (exact as h2 → h1): one exp, one expm1, one log.
                        let a = term
                        let b = constants[Int(xIndex[i])] + h1
                        let d = -Double.expMinusOne(h2.value - h1.value)
                        let dGradient = (h1.gradient - h2.gradient) * (1 - d)
                        let m = Swift.max(a.value, b.value)
                        let ea = Double.exp(a.value - m), eb = Double.exp(b.value - m)
                        let sum = ea + eb * d
                        term = Dual(value: m + Double.log(sum), gradient: (a.gradient * ea + (b.gradient * d + dGradient) * eb) / sum)
                    } else if let dropout = ParetoNBD.logDropoutTerm(
                        r: pv.p0, alpha: pv.p1, s: pv.p2, beta: pv.p3, x: rows.frequency[i], recency: recency, age: age)
                    {
                        term = Dual.logAddExp(term, dropout)
                    }
                }
                v += w * term.value
                g += w * term.gradient
            }
            parts.withLock { $0[chunk] = (v, g) }
        }
        for (v, g) in parts.withLock({ $0 }) {
            value += v
            grad += g
        }
        return (value, [grad[0], grad[1], grad[2], grad[3]])
    }
}
