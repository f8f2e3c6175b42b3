import CLVCore
import CLVNumerics
import RealModule

/// The BG/NBD model: Poisson purchases at rate λ ~ Gamma(r, α) while alive; after each purchase the customer
/// drops out with probability p ~ Beta(a, b).
///
/// Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD Model",
/// Marketing Science 24(2), 275–284, doi:10.1287/mksc.1040.0098. Equation numbers below refer to that paper.
public struct BGNBD: PurchaseModel {
    public struct Parameters: ModelParameters {
        public var r: Double
        public var alpha: Double
        public var a: Double
        public var b: Double
        public static let names = ["r", "alpha", "a", "b"]
        public var values: [Double] { [r, alpha, a, b] }
        public init(values: [Double]) { (r, alpha, a, b) = (values[0], values[1], values[2], values[3]) }
        public init(r: Double, alpha: Double, a: Double, b: Double) { (self.r, self.alpha, self.a, self.b) = (r, alpha, a, b) }
    }

    public static let kind = ModelKind.bgnbd
    public let parameters: Parameters
    public let diagnostics: FitDiagnostics

    public init(parameters: Parameters, diagnostics: FitDiagnostics) {
        self.parameters = parameters
        self.diagnostics = diagnostics
    }

    // MARK: - Likelihood

    /// log L(r, α, a, b | x, tₓ, T), eq. 6, in log space:
    /// log Γ(r+x) − log Γ(r) + r log α + log B(a, b+x) − log B(a, b) + log[(α+T)^−(r+x) + 𝟙(x>0) a/(b+x−1) (α+tₓ)^−(r+x)].
    @inlinable
    public static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
        let (r, alpha, a, b) = (θ.p0, θ.p1, θ.p2, θ.p3)
        let rx = r + x
        let a1 = S.logGamma(rx) - S.logGamma(r) + r * S.log(alpha)
        let a2 = S.logGamma(a + b) + S.logGamma(b + x) - S.logGamma(b) - S.logGamma(a + b + x)
        let a3 = -(rx * S.log(alpha + age))
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = S.log(a) - S.log(b + (x - 1)) - rx * S.log(alpha + recency)
        return a1 + a2 + S.logAddExp(a3, a4)
    }

    public func logLikelihood(of h: CustomerSummary) -> Double {
        let p = parameters
        return Self.logLikelihood(ParameterVector(p.r, p.alpha, p.a, p.b), x: Double(h.frequency), recency: h.recency, age: h.age)
    }

    // MARK: - Predictions

    /// E[X(t)], eq. 9: (a+b−1)/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]. Infinite for a ≤ 1.
    public func expectedPurchases(within t: Double) -> Double {
        Self.unconditionalExpectation(t, r: parameters.r, alpha: parameters.alpha, a: parameters.a, b: parameters.b)
    }

    static func unconditionalExpectation(_ t: Double, r: Double, alpha: Double, a: Double, b: Double) -> Double {
        guard t > 0 else { return 0 }
        return expectation(t, hypergeometric2F1(r, b, a + b - 1, t / (alpha + t)), r: r, alpha: alpha, a: a, b: b)
    }

    /// Eq. 9 given its ₂F₁(r, b; a+b−1; t/(α+t)).
    static func expectation(_ t: Double, _ hyp: Double, r: Double, alpha: Double, a: Double, b: Double) -> Double {
        let logFactor = r * Double.log(alpha / (alpha + t))
        // 1 − (α/(α+t))^r ₂F₁ without cancellation; ₂F₁ can be ≤ 0 when a + b − 1 < 0 (then no cancellation).
        let bracket = hyp > 0 ? -Double.expMinusOne(logFactor + Double.log(hyp)) : 1 - Double.exp(logFactor) * hyp
        return (a + b - 1) / (a - 1) * bracket
    }

    /// E[X(T, T+t) | x, tₓ, T], eq. 10.
    public func expectedPurchases(within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h)
            * Self.unconditionalExpectation(t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x)
    }

    /// Eq. 10 at sixteen horizons: the ₂F₁ of eq. 9 differ only in their argument, so they are summed together.
    public func expectedPurchases(within t: SIMD16<Double>, given h: CustomerSummary) -> SIMD16<Double> {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * Self.unconditionalExpectations(t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x)
    }

    /// Eq. 9 at sixteen horizons (0 where a horizon is 0).
    static func unconditionalExpectations(_ t: SIMD16<Double>, r: Double, alpha: Double, a: Double, b: Double) -> SIMD16<Double> {
        var out = SIMD16<Double>.zero
        guard let hyp = hypergeometric2F1Series(r, b, a + b - 1, t / (alpha + t)) else {
            for lane in 0..<16 { out[lane] = unconditionalExpectation(t[lane], r: r, alpha: alpha, a: a, b: b) }
            return out
        }
        for lane in 0..<16 where t[lane] > 0 { out[lane] = expectation(t[lane], hyp[lane], r: r, alpha: alpha, a: a, b: b) }
        return out
    }

    /// E[X(T, T+t) | alive at T] = eq. 9 at the posterior (r+x, α+T, a, b+x).
    public func expectedPurchasesIfAlive(within t: Double, frequency x: Int, age: Double) -> Double {
        let p = parameters
        return Self.unconditionalExpectation(t, r: p.r + Double(x), alpha: p.alpha + age, a: p.a, b: p.b + Double(x))
    }

    /// P(alive at T | x, tₓ, T) = 1 / [1 + 𝟙(x>0) a/(b+x−1) ((α+T)/(α+tₓ))^(r+x)] (Fader, Hardie & Lee 2008 note,
    /// "Computing P(alive) using the BG/NBD model", eq. 4).
    public func probabilityAlive(given h: CustomerSummary) -> Double {
        guard h.frequency > 0 else { return 1 }
        let p = parameters
        let x = Double(h.frequency)
        // One log and one exp; an overflowing power gives odds = ∞ and P(alive) = 0, as it should.
        let odds = p.a / (p.b + x - 1) * Double.exp((p.r + x) * Double.log((p.alpha + h.age) / (p.alpha + h.recency)))
        return 1 / (1 + odds)
    }

    /// P(alive at T + t | history) = P(alive at T) · E[e^(−λpt) | alive] with λ ~ Gamma(r+x, α+T) and
    /// p ~ Beta(a, b+x) a posteriori: P(alive) · ₂F₁(r+x, a; a+b+x; −t/(α+T)) (derived by integrating over λ, then p).
    public func probabilityAlive(after t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * hypergeometric2F1(p.r + x, p.a, p.a + p.b + x, -t / (p.alpha + h.age))
    }

    /// P(X(t) = n), eq. 8.
    public func probabilityOfPurchases(_ n: Int, within t: Double) -> Double {
        Self.unconditionalProbability(n, t, r: parameters.r, alpha: parameters.alpha, a: parameters.a, b: parameters.b)
    }

    static func unconditionalProbability(_ n: Int, _ t: Double, r: Double, alpha: Double, a: Double, b: Double) -> Double {
        guard n >= 0 else { return 0 }
        let nd = Double(n)
        let logP = r * Double.log(alpha / (alpha + t))
        let logQ = Double.log(t / (alpha + t))
        let first = Double.exp(
            logBeta(a, b + nd) - logBeta(a, b) + Double.logGamma(r + nd) - Double.logGamma(r)
                - Double.logGamma(nd + 1) + logP + (n > 0 ? nd * logQ : 0))
        guard n > 0 else { return first }
        var partial = 0.0
        for j in 0..<n {
            let jd = Double(j)
            partial += Double.exp(Double.logGamma(r + jd) - Double.logGamma(r) - Double.logGamma(jd + 1) + (j > 0 ? jd * logQ : 0) + logP)
        }
        let second = Double.exp(logBeta(a + 1, b + nd - 1) - logBeta(a, b)) * max(0, 1 - partial)
        return first + second
    }

    /// P(X(T, T+t) = n | history) = P(alive) · P_eq.8(n; r+x, α+T, a, b+x) + (1 − P(alive)) 𝟙(n = 0): a customer
    /// alive at T restarts the BG/NBD process with the posterior parameters.
    public func probabilityOfPurchases(_ n: Int, within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        let alive = probabilityAlive(given: h)
        let conditional = Self.unconditionalProbability(n, t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x)
        return alive * conditional + (n == 0 ? 1 - alive : 0)
    }
}

// MARK: - Estimation

extension BGNBD {
    enum Kernel: LikelihoodKernel {
        static let parameterNames = Parameters.names
        static let timeScaledParameters = [1]
        static let penaltyNormalisation = PenaltyNormalisation.perCustomer
        static let rescalesTime = true
        static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
            BGNBD.logLikelihood(θ, x: x, recency: recency, age: age)
        }
        static func makeEvaluator(_ rows: CustomerRows) -> ([Double]) -> (value: Double, gradient: [Double]) {
            let fast = BGNBDFastLikelihood(rows: rows)
            return { fast.evaluate($0) }
        }
    }

    /// Maximum-likelihood estimation of ``BGNBD``.
    public struct Estimator: PurchaseModelEstimator {
        public var options: EstimatorOptions
        public init(options: EstimatorOptions = EstimatorOptions()) { self.options = options }

        /// - Throws: ``FitError`` when there are no customers, no repeat buyers, or the fit does not converge.
        public func fit(_ customers: [CustomerSummary], weights: [Double]?) throws(FitError) -> BGNBD {
            let rows = try CustomerRows(customers, weights: weights)
            return try fit(rows: rows)
        }

        /// Fits on already-compressed rows.
        public func fit(rows: CustomerRows) throws(FitError) -> BGNBD {
            try requireRepeatBuyers(rows)
            let mle = MaximumLikelihood<Kernel>(penalizer: options.penalizer, options: options.bfgs, initialLogParameters: nil)
            let (θ, diagnostics) = try mle.fit(rows)
            return BGNBD(parameters: Parameters(values: θ), diagnostics: diagnostics)
        }
    }
}

extension EstimatorOptions {
    var bfgs: BFGSOptions { BFGSOptions(gradientTolerance: gradientTolerance, maximumIterations: maximumIterations) }
}

func requireRepeatBuyers(_ rows: CustomerRows) throws(FitError) {
    guard rows.count > 0 else { throw .noCustomers }
    guard zip(rows.frequency, rows.weight).contains(where: { $0 > 0 && $1 > 0 }) else { throw .noRepeatBuyers }
}
