import CLVNumerics
import RealModule

/// Up to four model parameters over a scalar type (plain values or dual numbers).
public struct ParameterVector<S: DifferentiableScalar>: Sendable {
    public var p0: S, p1: S, p2: S, p3: S
    public init(_ p0: S, _ p1: S, _ p2: S, _ p3: S) {
        self.p0 = p0
        self.p1 = p1
        self.p2 = p2
        self.p3 = p3
    }
}

/// How lifetimes normalises the negative log-likelihood before adding its penalizer λ Σ θᵢ².
enum PenaltyNormalisation: Sendable {
    /// −Σ wᵢ ℓᵢ / Σ wᵢ + λ Σ θᵢ² (BG/NBD, MBG/NBD, BG/BB, Gamma-Gamma in lifetimes 0.11.3).
    case perCustomer
    /// −Σ wᵢ ℓᵢ / mean(w) + λ Σ θᵢ² (Pareto/NBD in lifetimes 0.11.3).
    case perMeanWeight
}

/// One model's per-row log-likelihood, written once over ``DifferentiableScalar``.
protocol LikelihoodKernel: Sendable {
    static var parameterNames: [String] { get }
    /// Indices of parameters with units of time (rescaled with the data).
    static var timeScaledParameters: [Int] { get }
    static var penaltyNormalisation: PenaltyNormalisation { get }
    /// Whether lifetimes rescales time for this model before fitting.
    static var rescalesTime: Bool { get }
    /// log L of one row (x, tₓ, T) under θ, in the row's own time unit.
    static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S
    /// Σ wᵢ log Lᵢ(θ) with its gradient over θ on fixed rows. The default sums ``logLikelihood(_:x:recency:age:)``
    /// over dual numbers; a model may supply a faster specialised evaluator with the same value.
    static func makeEvaluator(_ rows: CustomerRows) -> ([Double]) -> (value: Double, gradient: [Double])
}

extension LikelihoodKernel {
    static func makeEvaluator(_ rows: CustomerRows) -> ([Double]) -> (value: Double, gradient: [Double]) {
        { θ in MaximumLikelihood<Self>.weightedLogLikelihood(θ, rows: rows, gradient: true) }
    }
}

/// Maximum likelihood over log-parameters for any ``LikelihoodKernel``.
struct MaximumLikelihood<Kernel: LikelihoodKernel> {
    var penalizer: Double
    var options: BFGSOptions
    var initialLogParameters: [Double]?

    /// Σ wᵢ ℓᵢ(θ) with its exact gradient over θ (not log θ), split into chunks summed in a fixed order so the
    /// result does not depend on thread timing; chunks run concurrently on all cores.
    static func weightedLogLikelihood(_ θ: [Double], rows: CustomerRows, gradient: Bool) -> (value: Double, gradient: [Double]) {
        let n = rows.count
        let chunkCount = n < 4096 ? 1 : min(64, max(2, n / 8192))
        var results = [(Double, SIMD4<Double>)](repeating: (0, .zero), count: chunkCount)
        let padded = θ + [Double](repeating: 1, count: 4 - θ.count)
        results.withUnsafeMutableBufferPointer { results in
            ParallelFor.allCores.run(count: chunkCount) { chunk in
                let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
                var value = 0.0
                var grad = SIMD4<Double>.zero
                if gradient {
                    let p = ParameterVector(
                        Dual.variable(padded[0], index: 0), Dual.variable(padded[1], index: 1),
                        Dual.variable(padded[2], index: 2), Dual.variable(padded[3], index: 3))
                    for i in lo..<hi {
                        let l = Kernel.logLikelihood(p, x: rows.frequency[i], recency: rows.recency[i], age: rows.age[i])
                        value += rows.weight[i] * l.value
                        grad += rows.weight[i] * l.gradient
                    }
                } else {
                    let p = ParameterVector(padded[0], padded[1], padded[2], padded[3])
                    for i in lo..<hi {
                        value += rows.weight[i] * Kernel.logLikelihood(p, x: rows.frequency[i], recency: rows.recency[i], age: rows.age[i])
                    }
                }
                results[chunk] = (value, grad)
            }
        }
        var value = 0.0
        var grad = SIMD4<Double>.zero
        for (v, g) in results {
            value += v
            grad += g
        }
        return (value, (0..<θ.count).map { grad[$0] })
    }

    /// Fits the kernel's parameters to `rows` (in the data's time unit).
    /// - Returns: parameters (data's time unit) and diagnostics.
    func fit(_ rows: CustomerRows) throws(FitError) -> (parameters: [Double], diagnostics: FitDiagnostics) {
        let k = Kernel.parameterNames.count
        guard penalizer.isFinite, penalizer >= 0 else { throw .invalidPenalizer(penalizer) }
        guard rows.count > 0, rows.totalWeight > 0 else { throw .noCustomers }
        guard rows.totalWeight >= Double(k) else { throw .tooFewCustomers(count: Int(rows.totalWeight), parameters: k) }
        let maxAge = rows.age.max() ?? 1
        let scale = Kernel.rescalesTime && maxAge > 0 ? 1 / maxAge : 1
        let scaled = scale == 1 ? rows : rows.scalingTime(by: scale)
        let totalWeight = rows.totalWeight
        let normaliser =
            switch Kernel.penaltyNormalisation {
            case .perCustomer: totalWeight
            case .perMeanWeight: totalWeight / Double(max(1, rows.inputCount))
            }
        let penalizer = penalizer
        // Objective over log-parameters, as lifetimes: −Σ wℓ / normaliser + λ Σ θ².
        let evaluator = Kernel.makeEvaluator(scaled)
        let objective: ([Double]) -> (value: Double, gradient: [Double]) = { logθ in
            let θ = logθ.map { Double.exp($0) }
            let (ll, g) = evaluator(θ)
            var value = -ll / normaliser
            var grad = [Double](repeating: 0, count: k)
            for i in 0..<k {
                value += penalizer * θ[i] * θ[i]
                grad[i] = (-g[i] / normaliser + 2 * penalizer * θ[i]) * θ[i]
            }
            return (value.isFinite ? value : .infinity, grad)
        }
        let start = initialLogParameters ?? [Double](repeating: 0, count: k)
        let result = BFGS(options: options).minimize(from: start, objective)
        guard result.converged else { throw .didNotConverge(iterations: result.iterations, gradientNorm: result.gradientNorm) }
        var θ = result.x.map { Double.exp($0) }
        for (i, v) in θ.enumerated() where !(v.isFinite && v > 0) {
            throw .degenerateParameters("\(Kernel.parameterNames[i]) = \(v)")
        }
        // Information matrix of the (unnormalised) penalised objective over log-parameters.
        let hessian = Hessian.byCentralDifferences(at: result.x) { objective($0).gradient.map { $0 * normaliser } }
        let covariance = Hessian.inverseOfPositiveDefinite(hessian)
        for i in Kernel.timeScaledParameters { θ[i] /= scale }
        // Scaling time by c turns the density of x purchase times into c^−x times itself, so
        // log L(θ; data) = log L(θ_c; c·data) + log(c) Σ wᵢxᵢ (exact for every model here; c = 1 for BG/BB and GG).
        var weightedFrequency = 0.0
        for i in 0..<rows.count { weightedFrequency += rows.weight[i] * rows.frequency[i] }
        let ll = evaluator(result.x.map { Double.exp($0) }).value + Double.log(scale) * weightedFrequency
        let standardErrors = covariance.map { cov in (0..<k).map { θ[$0] * cov[$0][$0].squareRoot() } }
        let diagnostics = FitDiagnostics(
            parameterNames: Kernel.parameterNames, standardErrors: standardErrors, logParameterCovariance: covariance,
            logLikelihood: ll, customerCount: totalWeight, distinctRows: rows.count, iterations: result.iterations,
            gradientNorm: result.gradientNorm, converged: result.converged, penalizer: penalizer)
        return (θ, diagnostics)
    }
}
