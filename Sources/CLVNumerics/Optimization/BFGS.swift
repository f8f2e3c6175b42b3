import RealModule

/// Options of the ``BFGS`` minimiser.
public struct BFGSOptions: Sendable, Equatable, Codable {
    /// Stop when the largest absolute gradient component is below this times max(1, |f|).
    public var gradientTolerance: Double
    /// Also stop when a step changes f by less than this relative amount (and the gradient is small-ish).
    public var relativeFunctionTolerance: Double
    /// Give up after this many iterations.
    public var maximumIterations: Int

    public init(gradientTolerance: Double = 1e-9, relativeFunctionTolerance: Double = 1e-15, maximumIterations: Int = 500) {
        self.gradientTolerance = gradientTolerance
        self.relativeFunctionTolerance = relativeFunctionTolerance
        self.maximumIterations = maximumIterations
    }
}

/// The result of a minimisation.
public struct MinimizationResult: Sendable, Equatable {
    /// The minimiser found.
    public var x: [Double]
    /// f at ``x``.
    public var value: Double
    /// ∇f at ``x``.
    public var gradient: [Double]
    /// Iterations (accepted steps).
    public var iterations: Int
    /// Function (and gradient) evaluations.
    public var evaluations: Int
    /// Whether a stopping test was met (as opposed to running out of iterations or line-search failure).
    public var converged: Bool
    /// max |∂f/∂xᵢ| at ``x``.
    public var gradientNorm: Double { gradient.map(abs).max() ?? 0 }
}

/// Quasi-Newton minimisation with BFGS updates of the inverse Hessian and a strong-Wolfe line search.
///
/// Nocedal & Wright (2006), *Numerical Optimization*, 2nd ed., Algorithm 6.1 (BFGS), Algorithms 3.5–3.6 (line
/// search with zoom, cubic interpolation), eq. 6.20 (initial scaling H₀ = sᵀy / yᵀy · I). Intended for the few
/// (≤ 10) parameters of CLV models, optimised over log-parameters with exact gradients.
public struct BFGS: Sendable {
    public var options: BFGSOptions

    public init(options: BFGSOptions = BFGSOptions()) { self.options = options }

    /// Minimises `f` from `start`.
    ///
    /// - Parameter f: returns the value and gradient at a point; a non-finite value marks the point infeasible and
    ///   makes the line search step back.
    /// - Returns: the last iterate; ``MinimizationResult/converged`` says whether a stopping test was met.
    public func minimize(from start: [Double], _ f: ([Double]) -> (value: Double, gradient: [Double])) -> MinimizationResult {
        let n = start.count
        var x = start
        var (fx, g) = f(x)
        var evaluations = 1
        var h = identity(n)
        var iterations = 0
        var converged = false
        var firstStep = true
        func tolerance() -> Double { options.gradientTolerance * max(1, abs(fx)) }
        while iterations < options.maximumIterations {
            if maxAbs(g) < tolerance() {
                converged = true
                break
            }
            var p = matVec(h, g).map { -$0 }
            var slope = dot(p, g)
            if !(slope < 0) {  // not a descent direction: restart from steepest descent
                h = identity(n)
                p = g.map { -$0 }
                slope = dot(p, g)
            }
            let initialStep = firstStep ? min(1, 1 / max(maxAbs(p), 1e-300)) : 1
            guard let step = lineSearch(f, x: x, fx: fx, g: g, p: p, slope: slope, initial: initialStep, evaluations: &evaluations)
            else {
                // Line search failed: accept convergence if the gradient is already small, else stop unconverged.
                converged = maxAbs(g) < tolerance() * 1e3
                break
            }
            let s = (0..<n).map { step.alpha * p[$0] }
            let y = (0..<n).map { step.gradient[$0] - g[$0] }
            let previous = fx
            x = step.x
            fx = step.value
            g = step.gradient
            iterations += 1
            let sy = dot(s, y)
            if sy > 1e-12 * (dot(s, s) * dot(y, y)).squareRoot() {
                if firstStep {
                    h = scaled(identity(n), sy / dot(y, y))
                    firstStep = false
                }
                h = bfgsUpdate(h, s: s, y: y, sy: sy)
            }
            if abs(previous - fx) <= options.relativeFunctionTolerance * max(abs(fx), 1), maxAbs(g) < tolerance() * 1e3 {
                converged = true
                break
            }
        }
        if !converged, maxAbs(g) < tolerance() { converged = true }
        return MinimizationResult(x: x, value: fx, gradient: g, iterations: iterations, evaluations: evaluations, converged: converged)
    }

    // MARK: - Line search (Nocedal & Wright Algorithms 3.5 and 3.6)

    private struct Step {
        var alpha: Double
        var x: [Double]
        var value: Double
        var gradient: [Double]
    }

    private func lineSearch(
        _ f: ([Double]) -> (value: Double, gradient: [Double]),
        x: [Double], fx: Double, g: [Double], p: [Double], slope: Double, initial: Double, evaluations: inout Int
    ) -> Step? {
        let c1 = 1e-4, c2 = 0.9
        func evaluate(_ alpha: Double) -> Step {
            let xa = zip(x, p).map { $0 + alpha * $1 }
            let (v, ga) = f(xa)
            evaluations += 1
            return Step(alpha: alpha, x: xa, value: v, gradient: ga)
        }
        func zoom(_ lo0: Step, _ hi0: Step) -> Step? {
            var lo = lo0, hi = hi0
            for _ in 0..<40 {
                // Bisection guarded cubic interpolation is overkill here; safeguarded quadratic on (lo, hi).
                let dLo = dot(lo.gradient, p)
                let denominator = 2 * (hi.value - lo.value - dLo * (hi.alpha - lo.alpha))
                var alpha = denominator > 0 ? lo.alpha - dLo * (hi.alpha - lo.alpha) * (hi.alpha - lo.alpha) / denominator : 0.5 * (lo.alpha + hi.alpha)
                let a = min(lo.alpha, hi.alpha), b = max(lo.alpha, hi.alpha)
                if !(alpha > a + 0.1 * (b - a) && alpha < b - 0.1 * (b - a)) { alpha = 0.5 * (a + b) }
                let trial = evaluate(alpha)
                if !trial.value.isFinite || trial.value > fx + c1 * alpha * slope || trial.value >= lo.value {
                    hi = trial
                } else {
                    let d = dot(trial.gradient, p)
                    if abs(d) <= -c2 * slope { return trial }
                    if d * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                    lo = trial
                }
                if abs(hi.alpha - lo.alpha) < 1e-16 * max(1, lo.alpha) { break }
            }
            return lo.alpha > 0 && lo.value < fx ? lo : nil
        }
        var previous = Step(alpha: 0, x: x, value: fx, gradient: g)
        var alpha = initial
        for i in 0..<60 {
            let trial = evaluate(alpha)
            if !trial.value.isFinite || trial.gradient.contains(where: { !$0.isFinite }) {
                alpha = previous.alpha + 0.5 * (alpha - previous.alpha)  // step back into the feasible region
                if alpha - previous.alpha < 1e-20 { return previous.alpha > 0 ? previous : nil }
                continue
            }
            if trial.value > fx + c1 * alpha * slope || (i > 0 && trial.value >= previous.value) {
                return zoom(previous, trial)
            }
            let d = dot(trial.gradient, p)
            if abs(d) <= -c2 * slope { return trial }
            if d >= 0 { return zoom(trial, previous) }
            previous = trial
            alpha *= 2
        }
        return previous.alpha > 0 ? previous : nil
    }

    // MARK: - Small dense helpers

    private func identity(_ n: Int) -> [[Double]] { (0..<n).map { i in (0..<n).map { $0 == i ? 1 : 0 } } }
    private func scaled(_ m: [[Double]], _ s: Double) -> [[Double]] { m.map { $0.map { $0 * s } } }
    private func matVec(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { dot($0, v) } }
    private func maxAbs(_ v: [Double]) -> Double { v.map(abs).max() ?? 0 }

    /// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / sᵀy (Nocedal & Wright eq. 6.17).
    private func bfgsUpdate(_ h: [[Double]], s: [Double], y: [Double], sy: Double) -> [[Double]] {
        let n = s.count
        let rho = 1 / sy
        let hy = matVec(h, y)
        let yhy = dot(y, hy)
        var out = h
        for i in 0..<n {
            for j in 0..<n {
                out[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
            }
        }
        return out
    }
}

@inlinable func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}
