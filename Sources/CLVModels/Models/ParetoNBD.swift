import CLVCore
import CLVNumerics
import RealModule

/// The Pareto/NBD model: Poisson purchases at rate λ ~ Gamma(r, α) while alive; an exponential lifetime with
/// rate μ ~ Gamma(s, β).
///
/// Schmittlein, Morrison & Colombo (1987), doi:10.1287/mnsc.33.1.1; likelihood and predictions from Fader &
/// Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions"
/// (brucehardie.com/notes/009), equation numbers below.
public struct ParetoNBD: PurchaseModel {
    public struct Parameters: ModelParameters {
        public var r: Double
        public var alpha: Double
        public var s: Double
        public var beta: Double
        public static let names = ["r", "alpha", "s", "beta"]
        public var values: [Double] { [r, alpha, s, beta] }
        public init(values: [Double]) { (r, alpha, s, beta) = (values[0], values[1], values[2], values[3]) }
        public init(r: Double, alpha: Double, s: Double, beta: Double) { (self.r, self.alpha, self.s, self.beta) = (r, alpha, s, beta) }
    }

    public static let kind = ModelKind.pnbd
    public let parameters: Parameters
    public let diagnostics: FitDiagnostics

    public init(parameters: Parameters, diagnostics: FitDiagnostics) {
        self.parameters = parameters
        self.diagnostics = diagnostics
    }

    // MARK: - Likelihood

    /// The Gauss–Legendre rule of the quadrature fallback.
    @usableFromInline static let quadrature = GaussLegendre(points: 48)

    /// log of the dropout term  s/(r+s+x) · A₀  of eq. 18 (A₀ from eqs. 19–20):
    /// ∫ₜₓᵀ s (α+τ)^−(r+x) (β+τ)^−(s+1) dτ · α^… (without the Γ(r+x)α^rβ^s/Γ(r) factor).
    ///
    /// Fast path: the ₂F₁ form with z = |α−β| / (max(α,β) + tₓ) ≤ 0.9 (power series). Fallback, or when
    /// `forceQuadrature`: the integral itself by 2 × 48-point Gauss–Legendre in u = log(max(α,β) + τ), whose integrand
    /// is smooth and bounded (no singularity, unlike the Euler integral of ₂F₁).
    @inlinable
    public static func logDropoutTerm<S: DifferentiableScalar>(
        r: S, alpha: S, s: S, beta: S, x: Double, recency: Double, age: Double, forceQuadrature: Bool = false
    ) -> S? {
        // Empty (or, within rounding, empty) interval: the term is 0.
        guard age - recency > 1e-12 * Swift.max(1, age) else { return nil }
        let rsx = r + s + x
        let alphaIsMax = alpha.value >= beta.value
        let maxAB = alphaIsMax ? alpha : beta
        let diff = alphaIsMax ? alpha - beta : beta - alpha
        let second = alphaIsMax ? s + 1 : r + x
        let z1 = diff / (maxAB + recency), z2 = diff / (maxAB + age)
        if !forceQuadrature,
            let f1 = hypergeometric2F1Series(rsx, second, rsx + 1, z1),
            let f2 = hypergeometric2F1Series(rsx, second, rsx + 1, z2)
        {
            let l1 = S.log(f1) - rsx * S.log(maxAB + recency)
            let l2 = S.log(f2) - rsx * S.log(maxAB + age)
            return S.log(s) - S.log(rsx) + S.logSubExp(l1, l2)
        }
        // Quadrature of ∫ s (α+τ)^−(r+x) (β+τ)^−(s+1) dτ over [tₓ, T] in u = log(m + τ), m = max(α, β).
        let m = maxAB.value
        let u0 = Double.log(m + recency), u1 = Double.log(m + age)
        let rx = r + x, s1 = s + 1
        func logIntegrand(_ u: Double) -> S {
            let tau = Double.exp(u) - m
            return S.log(s) - rx * S.log(alpha + tau) - s1 * S.log(beta + tau) + u
        }
        let reference = logIntegrand(u0)
        let mid = 0.5 * (u0 + u1)
        let rule = quadrature
        let part1: S = rule.integrate(from: u0, to: mid) { S.exp(logIntegrand($0) - reference) }
        let part2: S = rule.integrate(from: mid, to: u1) { S.exp(logIntegrand($0) - reference) }
        return reference + S.log(part1 + part2)
    }

    /// log L(r, α, s, β | x, tₓ, T), eq. 18:
    /// log Γ(r+x) − log Γ(r) + r log α + s log β + log[(α+T)^−(r+x) (β+T)^−s + s/(r+s+x) A₀].
    @inlinable
    public static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
        let (r, alpha, s, beta) = (θ.p0, θ.p1, θ.p2, θ.p3)
        let a1 = S.logGamma(r + x) - S.logGamma(r) + r * S.log(alpha) + s * S.log(beta)
        let alive = -((r + x) * S.log(alpha + age)) - s * S.log(beta + age)
        guard let dropout = logDropoutTerm(r: r, alpha: alpha, s: s, beta: beta, x: x, recency: recency, age: age) else {
            return a1 + alive
        }
        return a1 + S.logAddExp(alive, dropout)
    }

    public func logLikelihood(of h: CustomerSummary) -> Double {
        let p = parameters
        return Self.logLikelihood(ParameterVector(p.r, p.alpha, p.s, p.beta), x: Double(h.frequency), recency: h.recency, age: h.age)
    }

    // MARK: - Predictions

    /// E[X(t)], eq. 27: rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)] (limit rβ/α · log(1 + t/β) at s = 1).
    public func expectedPurchases(within t: Double) -> Double {
        Self.unconditionalExpectation(t, r: parameters.r, alpha: parameters.alpha, s: parameters.s, beta: parameters.beta)
    }

    static func unconditionalExpectation(_ t: Double, r: Double, alpha: Double, s: Double, beta: Double) -> Double {
        let logRatio = Double.log(onePlus: t / beta)  // log((β+t)/β)
        let factor: Double = abs(s - 1) < 1e-10 ? logRatio : -Double.expMinusOne(-(s - 1) * logRatio) / (s - 1)
        return r * beta / alpha * factor
    }

    /// E[X(T, T+t) | x, tₓ, T], eq. 41: P(alive) · E[X(t)] with the posterior (r+x, α+T, s, β+T).
    public func expectedPurchases(within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * Self.unconditionalExpectation(t, r: p.r + x, alpha: p.alpha + h.age, s: p.s, beta: p.beta + h.age)
    }

    /// E[X(T, T+t) | alive at T] = eq. 27 at the posterior (r+x, α+T, s, β+T).
    public func expectedPurchasesIfAlive(within t: Double, frequency x: Int, age: Double) -> Double {
        let p = parameters
        return Self.unconditionalExpectation(t, r: p.r + Double(x), alpha: p.alpha + age, s: p.s, beta: p.beta + age)
    }

    /// P(alive at T | x, tₓ, T), eqs. 36–37: 1 / [1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀].
    public func probabilityAlive(given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        guard let dropout = Self.logDropoutTerm(r: p.r, alpha: p.alpha, s: p.s, beta: p.beta, x: x, recency: h.recency, age: h.age)
        else { return 1 }
        let logOdds = dropout + (p.r + x) * Double.log(p.alpha + h.age) + p.s * Double.log(p.beta + h.age)
        return 1 / (1 + Double.exp(logOdds))
    }

    /// P(alive at T + t | history) = P(alive at T) · ((β+T)/(β+T+t))^s (the posterior μ is Gamma(s, β+T)).
    public func probabilityAlive(after t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        return probabilityAlive(given: h) * Double.exp(-p.s * Double.log(onePlus: t / (p.beta + h.age)))
    }

    /// P(X(t) = n): NBD(n; r, α, t) (β/(β+t))^s + ∫₀ᵗ sβ^s (β+τ)^−(s+1) NBD(n; r, α, τ) dτ (alive throughout, or
    /// dead at τ), the integral by 2 × 48-point Gauss–Legendre. Same value as Fader & Hardie's closed form (note 009 §3).
    public func probabilityOfPurchases(_ n: Int, within t: Double) -> Double {
        Self.unconditionalProbability(n, t, r: parameters.r, alpha: parameters.alpha, s: parameters.s, beta: parameters.beta)
    }

    static func unconditionalProbability(_ n: Int, _ t: Double, r: Double, alpha: Double, s: Double, beta: Double) -> Double {
        guard n >= 0 else { return 0 }
        guard t > 0 else { return n == 0 ? 1 : 0 }
        let nd = Double(n)
        func nbd(_ tau: Double) -> Double {
            if tau <= 0 { return n == 0 ? 1 : 0 }
            return Double.exp(
                Double.logGamma(r + nd) - Double.logGamma(r) - Double.logGamma(nd + 1)
                    + r * Double.log(alpha / (alpha + tau)) + nd * Double.log(tau / (alpha + tau)))
        }
        let alive = nbd(t) * Double.exp(-s * Double.log(onePlus: t / beta))
        let density = { (tau: Double) in s / beta * Double.exp(-(s + 1) * Double.log(onePlus: tau / beta)) * nbd(tau) }
        let rule = quadrature
        let dead: Double = rule.integrate(from: 0, to: t / 2, density) + rule.integrate(from: t / 2, to: t, density)
        return alive + dead
    }

    /// P(X(T, T+t) = n | history) = P(alive) · P(X(t) = n; r+x, α+T, s, β+T) + (1 − P(alive)) 𝟙(n = 0).
    public func probabilityOfPurchases(_ n: Int, within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        let alive = probabilityAlive(given: h)
        return alive * Self.unconditionalProbability(n, t, r: p.r + x, alpha: p.alpha + h.age, s: p.s, beta: p.beta + h.age)
            + (n == 0 ? 1 - alive : 0)
    }

    /// Discounted expected residual transactions, DERT(δ | history) = ∫₀^∞ e^(−δt) dE[X(T, T+t)]/dt dt
    /// (Fader, Hardie & Lee 2005, "RFM and CLV", doi:10.1509/jmkr.2005.42.4.415, eq. 2), for a continuous
    /// discount rate δ per time unit. Evaluated as P(alive) (r+x)/(α+T) ∫₀^∞ e^(−δt) ((β+T)/(β+T+t))^s dt, the
    /// integral by Gauss–Legendre in u = e^(−δt).
    public func discountedExpectedResidualTransactions(continuousDiscountRate delta: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        let bt = p.beta + h.age
        let integrand = { (u: Double) -> Double in
            guard u > 0 else { return 0 }
            let t = -Double.log(u) / delta
            return Double.exp(-p.s * Double.log(onePlus: t / bt)) / delta
        }
        let rule = Self.quadrature
        var integral = 0.0
        var lo = 0.0
        for hi in [1e-8, 1e-4, 0.01, 0.1, 0.5, 1.0] {
            integral += rule.integrate(from: lo, to: hi, integrand)
            lo = hi
        }
        return probabilityAlive(given: h) * (p.r + x) / (p.alpha + h.age) * integral
    }
}

// MARK: - Estimation

extension ParetoNBD {
    enum Kernel: LikelihoodKernel {
        static let parameterNames = Parameters.names
        static let timeScaledParameters = [1, 3]
        static let penaltyNormalisation = PenaltyNormalisation.perMeanWeight
        static let rescalesTime = true
        static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
            ParetoNBD.logLikelihood(θ, x: x, recency: recency, age: age)
        }
        static func makeEvaluator(_ rows: CustomerRows) -> ([Double]) -> (value: Double, gradient: [Double]) {
            let fast = ParetoNBDFastLikelihood(rows: rows)
            return { fast.evaluate($0) }
        }
    }

    /// Maximum-likelihood estimation of ``ParetoNBD``.
    public struct Estimator: PurchaseModelEstimator {
        public var options: EstimatorOptions
        public init(options: EstimatorOptions = EstimatorOptions()) { self.options = options }

        /// - Throws: ``FitError`` when there are no customers, no repeat buyers, or the fit does not converge.
        public func fit(_ customers: [CustomerSummary], weights: [Double]?) throws(FitError) -> ParetoNBD {
            try fit(rows: CustomerRows(customers, weights: weights))
        }

        /// Fits on already-compressed rows.
        public func fit(rows: CustomerRows) throws(FitError) -> ParetoNBD {
            try requireRepeatBuyers(rows)
            let mle = MaximumLikelihood<Kernel>(penalizer: options.penalizer, options: options.bfgs, initialLogParameters: nil)
            let (θ, diagnostics) = try mle.fit(rows)
            return ParetoNBD(parameters: Parameters(values: θ), diagnostics: diagnostics)
        }
    }
}
