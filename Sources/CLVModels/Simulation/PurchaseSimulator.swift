import CLVCore
import RealModule

/// One simulated customer: the purchase times of the generative process and the resulting summary.
public struct SimulatedCustomer: Sendable, Equatable {
    /// When the customer made the first purchase, on the calendar (model time units from the start).
    public var firstPurchase: Double
    /// Repeat purchase times after the first purchase (model time units since ``firstPurchase``).
    public var repeatPurchases: [Double]
    /// The (x, tₓ, T) summary at the end of the observation window.
    public var summary: CustomerSummary
    /// When the customer became inactive (time since the first purchase; for BG/BB the opportunity number), or
    /// `nil` when still active at the end of the window. Known only to the simulation; used to check P(alive).
    public var dropoutTime: Double?
}

/// Draws customers from the generative process of a purchase model, for tests and scale benchmarks.
///
/// Each customer makes a first purchase at a time uniform on [0, `cohortLength`) (0 when `cohortLength` is 0) and is
/// observed until `observationEnd`. With `resolution` set (e.g. 1/7 week = one day), repeat purchases are moved up to
/// the next grid point and purchases on the same point count once, as summaries of dated orders do.
public struct PurchaseSimulator: Sendable {
    public var observationEnd: Double
    public var cohortLength: Double
    public var resolution: Double?

    /// - Precondition: 0 ≤ `cohortLength` < `observationEnd` (every customer is observed for a positive time) and a
    ///   positive `resolution` if any.
    public init(observationEnd: Double, cohortLength: Double = 0, resolution: Double? = nil) {
        precondition(cohortLength >= 0 && cohortLength < observationEnd, "PurchaseSimulator needs 0 ≤ cohortLength < observationEnd")
        precondition(resolution.map { $0 > 0 } ?? true, "PurchaseSimulator needs a positive resolution")
        self.observationEnd = observationEnd
        self.cohortLength = cohortLength
        self.resolution = resolution
    }

    /// BG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); dropout with probability p after each repeat purchase.
    public func simulate(_ p: BGNBD.Parameters, customers n: Int, using rng: inout some RandomNumberGenerator) -> [SimulatedCustomer] {
        simulateBetaGeometric(p, customers: n, dropoutAtFirstPurchase: false, using: &rng)
    }

    /// MBG/NBD: as BG/NBD, with a dropout chance p also right after the first purchase.
    public func simulateMBGNBD(_ p: MBGNBD.Parameters, customers n: Int, using rng: inout some RandomNumberGenerator) -> [SimulatedCustomer] {
        simulateBetaGeometric(p, customers: n, dropoutAtFirstPurchase: true, using: &rng)
    }

    private func simulateBetaGeometric(
        _ p: BGNBD.Parameters, customers n: Int, dropoutAtFirstPurchase: Bool, using rng: inout some RandomNumberGenerator
    ) -> [SimulatedCustomer] {
        precondition(p.values.allSatisfy { $0 > 0 && $0.isFinite }, "simulation parameters must be positive and finite")
        return (0..<n).map { _ in
            let lambda = gammaVariate(shape: p.r, rate: p.alpha, &rng)
            let dropout = betaVariate(p.a, p.b, &rng)
            return customer(&rng) { horizon, rng in
                var times: [Double] = [], t = 0.0
                if dropoutAtFirstPurchase, Double.random(in: 0..<1, using: &rng) < dropout { return (times, 0) }
                while true {
                    t += exponentialVariate(rate: lambda, &rng)
                    if t > horizon { return (times, nil) }
                    times.append(t)
                    if Double.random(in: 0..<1, using: &rng) < dropout { return (times, t) }
                }
            }
        }
    }

    /// Pareto/NBD: λ ~ Gamma(r, α), μ ~ Gamma(s, β), lifetime ~ Exponential(μ).
    public func simulate(_ p: ParetoNBD.Parameters, customers n: Int, using rng: inout some RandomNumberGenerator) -> [SimulatedCustomer] {
        precondition(p.values.allSatisfy { $0 > 0 && $0.isFinite }, "simulation parameters must be positive and finite")
        return (0..<n).map { _ in
            let lambda = gammaVariate(shape: p.r, rate: p.alpha, &rng)
            let mu = gammaVariate(shape: p.s, rate: p.beta, &rng)
            let lifetime = exponentialVariate(rate: mu, &rng)
            return customer(&rng) { horizon, rng in
                var times: [Double] = [], t = 0.0
                let end = min(horizon, lifetime)
                while true {
                    t += exponentialVariate(rate: lambda, &rng)
                    if t > end { break }
                    times.append(t)
                }
                return (times, lifetime < horizon ? lifetime : nil)
            }
        }
    }

    /// BG/BB over `opportunities` discrete opportunities (the window and cohort settings are not used).
    public static func simulate(
        _ p: BGBB.Parameters, customers n: Int, opportunities: Int, using rng: inout some RandomNumberGenerator
    ) -> [SimulatedCustomer] {
        precondition(p.values.allSatisfy { $0 > 0 && $0.isFinite }, "simulation parameters must be positive and finite")
        return (0..<n).map { _ in
            let buy = betaVariate(p.alpha, p.beta, &rng)
            let die = betaVariate(p.gamma, p.delta, &rng)
            var times: [Double] = []
            var dropout: Double?
            for t in 1...max(1, opportunities) {
                if Double.random(in: 0..<1, using: &rng) < die {
                    dropout = Double(t)
                    break
                }
                if Double.random(in: 0..<1, using: &rng) < buy { times.append(Double(t)) }
            }
            // Opportunities are whole numbers, so the summary is always valid.
            let summary = try! CustomerSummary(frequency: times.count, recency: times.last ?? 0, age: Double(opportunities))
            return SimulatedCustomer(firstPurchase: 0, repeatPurchases: times, summary: summary, dropoutTime: dropout)
        }
    }

    // MARK: - Helpers

    private func customer(
        _ rng: inout some RandomNumberGenerator, _ process: (Double, inout any RandomNumberGenerator) -> ([Double], Double?)
    ) -> SimulatedCustomer {
        var birth = cohortLength > 0 ? Double.random(in: 0..<cohortLength, using: &rng) : 0
        if let resolution { birth = (birth / resolution).rounded(.down) * resolution }
        let horizon = observationEnd - birth
        var anyRNG: any RandomNumberGenerator = SplitMixState(seed: rng.next())
        var (times, dropout) = process(horizon, &anyRNG)
        if let resolution {
            var grid: [Double] = []
            for t in times {
                let g = min((t / resolution).rounded(.up) * resolution, horizon)
                if grid.last != g, g > 0 { grid.append(g) }
            }
            times = grid
        }
        // x ≥ 0, 0 ≤ tₓ ≤ T by construction.
        let summary = try! CustomerSummary(frequency: times.count, recency: times.last ?? 0, age: horizon)
        return SimulatedCustomer(firstPurchase: birth, repeatPurchases: times, summary: summary, dropoutTime: dropout)
    }
}

/// A per-customer generator seeded from the caller's, so each customer's draws are independent of the closure type.
struct SplitMixState: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Variates

func exponentialVariate(rate: Double, _ rng: inout some RandomNumberGenerator) -> Double {
    -Double.log(Double.random(in: Double.ulpOfOne..<1, using: &rng)) / rate
}

/// Gamma(shape, rate) by Marsaglia & Tsang (2000), doi:10.1145/358407.358414; shape < 1 by the boost
/// Gamma(k) = Gamma(k + 1) · U^(1/k).
func gammaVariate(shape k: Double, rate: Double, _ rng: inout some RandomNumberGenerator) -> Double {
    if k < 1 {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        return gammaVariate(shape: k + 1, rate: rate, &rng) * Double.pow(u, 1 / k)
    }
    let d = k - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
        var x: Double, v: Double
        repeat {
            x = standardNormal(&rng)
            v = 1 + c * x
        } while v <= 0
        v = v * v * v
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        if Double.log(u) < 0.5 * x * x + d - d * v + d * Double.log(v) { return d * v / rate }
    }
}

func betaVariate(_ a: Double, _ b: Double, _ rng: inout some RandomNumberGenerator) -> Double {
    let x = gammaVariate(shape: a, rate: 1, &rng), y = gammaVariate(shape: b, rate: 1, &rng)
    return x / (x + y)
}
