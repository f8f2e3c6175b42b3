import CLVCore
import CLVNumerics
import RealModule

/// The MBG/NBD model: as BG/NBD, but a customer may also drop out right after the first purchase (time 0), so
/// customers with no repeat purchase can be inactive.
///
/// Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for customer base
/// analysis", IJRM 24(3), 201–209, doi:10.1016/j.ijresmar.2006.12.005 (Appendix A); the same formulas as lifetimes'
/// `ModifiedBetaGeoFitter` and BTYDplus.
public struct MBGNBD: PurchaseModel {
    public typealias Parameters = BGNBD.Parameters

    public static let kind = ModelKind.mbgnbd
    public let parameters: Parameters
    public let diagnostics: FitDiagnostics

    public init(parameters: Parameters, diagnostics: FitDiagnostics) {
        self.parameters = parameters
        self.diagnostics = diagnostics
    }

    /// log L(r, α, a, b | x, tₓ, T) (Batislam et al. eq. A.3): log Γ(r+x) − log Γ(r) + r log α + log B(a, b+x+1) −
    /// log B(a, b) − (r+x) log(α+T) + log[1 + a/(b+x) ((α+T)/(α+tₓ))^(r+x)].
    @inlinable
    public static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
        let (r, alpha, a, b) = (θ.p0, θ.p1, θ.p2, θ.p3)
        let rx = r + x
        let logAT = S.log(alpha + age)
        let a1 = S.logGamma(rx) - S.logGamma(r) + r * S.log(alpha)
        let a2 = S.logGamma(a + b) + S.logGamma(b + (x + 1)) - S.logGamma(b) - S.logGamma(a + b + (x + 1))
        let a4 = S.log(a) - S.log(b + x) + rx * (logAT - S.log(alpha + recency))
        return a1 + a2 - rx * logAT + S.logAddExp(a4, S(constant: 0))
    }

    public func logLikelihood(of h: CustomerSummary) -> Double {
        let p = parameters
        return Self.logLikelihood(ParameterVector(p.r, p.alpha, p.a, p.b), x: Double(h.frequency), recency: h.recency, age: h.age)
    }

    /// E[X(t)] = b/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))] (Batislam et al. eq. A.4).
    public func expectedPurchases(within t: Double) -> Double {
        let p = parameters
        guard t > 0 else { return 0 }
        let hyp = hypergeometric2F1(p.r, p.b + 1, p.a + p.b, t / (p.alpha + t))
        let logFactor = p.r * Double.log(p.alpha / (p.alpha + t))
        let bracket = hyp > 0 ? -Double.expMinusOne(logFactor + Double.log(hyp)) : 1 - Double.exp(logFactor) * hyp
        return p.b / (p.a - 1) * bracket
    }

    /// E[X(T, T+t) | history] (Batislam et al. eq. A.5) = P(alive) · BG/NBD eq. 9 at (r+x, α+T, a, b+x+1).
    public func expectedPurchases(within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * BGNBD.unconditionalExpectation(t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x + 1)
    }

    /// The conditional expectation at sixteen horizons, their ₂F₁ summed together (as ``BGNBD``).
    public func expectedPurchases(within t: SIMD16<Double>, given h: CustomerSummary) -> SIMD16<Double> {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * BGNBD.unconditionalExpectations(t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x + 1)
    }

    /// E[X(T, T+t) | alive at T] = BG/NBD eq. 9 at (r+x, α+T, a, b+x+1).
    public func expectedPurchasesIfAlive(within t: Double, frequency x: Int, age: Double) -> Double {
        let p = parameters
        return BGNBD.unconditionalExpectation(t, r: p.r + Double(x), alpha: p.alpha + age, a: p.a, b: p.b + Double(x) + 1)
    }

    /// P(alive at T | history) = 1 / [1 + a/(b+x) ((α+T)/(α+tₓ))^(r+x)] (Batislam et al. eq. A.6).
    public func probabilityAlive(given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        let logOdds = Double.log(p.a / (p.b + x)) + (p.r + x) * Double.log((p.alpha + h.age) / (p.alpha + h.recency))
        return 1 / (1 + Double.exp(logOdds))
    }

    /// P(alive at T + t | history) = P(alive) · ₂F₁(r+x, a; a+b+x+1; −t/(α+T)) (posterior p ~ Beta(a, b+x+1)).
    public func probabilityAlive(after t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        return probabilityAlive(given: h) * hypergeometric2F1(p.r + x, p.a, p.a + p.b + x + 1, -t / (p.alpha + h.age))
    }

    /// P(X(t) = n) = B(a, b+n+1)/B(a, b) NBD(n) + B(a+1, b+n)/B(a, b) [1 − (α/(α+t))^r Σⱼ₍ⱼ<ₙ₎ NBD-terms].
    public func probabilityOfPurchases(_ n: Int, within t: Double) -> Double {
        guard n >= 0 else { return 0 }
        let p = parameters
        let nd = Double(n)
        let logP = p.r * Double.log(p.alpha / (p.alpha + t))
        let logQ = Double.log(t / (p.alpha + t))
        let first = Double.exp(
            logBeta(p.a, p.b + nd + 1) - logBeta(p.a, p.b) + Double.logGamma(p.r + nd) - Double.logGamma(p.r)
                - Double.logGamma(nd + 1) + logP + (n > 0 ? nd * logQ : 0))
        var partial = 0.0
        for j in 0..<n {
            let jd = Double(j)
            partial += Double.exp(Double.logGamma(p.r + jd) - Double.logGamma(p.r) - Double.logGamma(jd + 1) + (j > 0 ? jd * logQ : 0) + logP)
        }
        return first + Double.exp(logBeta(p.a + 1, p.b + nd) - logBeta(p.a, p.b)) * max(0, 1 - partial)
    }

    /// P(X(T, T+t) = n | history) = P(alive) · BG/NBD eq. 8 at (r+x, α+T, a, b+x+1) + (1 − P(alive)) 𝟙(n = 0).
    public func probabilityOfPurchases(_ n: Int, within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency)
        let alive = probabilityAlive(given: h)
        return alive * BGNBD.unconditionalProbability(n, t, r: p.r + x, alpha: p.alpha + h.age, a: p.a, b: p.b + x + 1)
            + (n == 0 ? 1 - alive : 0)
    }
}

extension MBGNBD {
    enum Kernel: LikelihoodKernel {
        static let parameterNames = Parameters.names
        static let timeScaledParameters = [1]
        static let penaltyNormalisation = PenaltyNormalisation.perCustomer
        static let rescalesTime = true
        static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
            MBGNBD.logLikelihood(θ, x: x, recency: recency, age: age)
        }
    }

    /// Maximum-likelihood estimation of ``MBGNBD``.
    public struct Estimator: PurchaseModelEstimator {
        public var options: EstimatorOptions
        public init(options: EstimatorOptions = EstimatorOptions()) { self.options = options }

        public func fit(_ customers: [CustomerSummary], weights: [Double]?) throws(FitError) -> MBGNBD {
            try fit(rows: CustomerRows(customers, weights: weights))
        }

        public func fit(rows: CustomerRows) throws(FitError) -> MBGNBD {
            try requireRepeatBuyers(rows)
            let mle = MaximumLikelihood<Kernel>(penalizer: options.penalizer, options: options.bfgs, initialLogParameters: nil)
            let (θ, diagnostics) = try mle.fit(rows)
            return MBGNBD(parameters: Parameters(values: θ), diagnostics: diagnostics)
        }
    }
}
