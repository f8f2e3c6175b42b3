import CLVCore
import CLVNumerics
import RealModule

/// The BG/BB model for discrete-time (transaction-opportunity) data: a living customer buys at each opportunity
/// with probability p ~ Beta(α, β) and becomes inactive at the start of each opportunity with probability
/// θ ~ Beta(γ, δ).
///
/// Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing
/// Science 29(6), 1086–1108, doi:10.1287/mksc.1100.0580. A history is (x, tₓ, n): ``CustomerSummary`` with
/// frequency x, recency tₓ (the opportunity of the last purchase, 0 if none) and age n (opportunities). Times are
/// rounded to whole opportunities.
public struct BGBB: PurchaseModel {
    public struct Parameters: ModelParameters {
        public var alpha: Double
        public var beta: Double
        public var gamma: Double
        public var delta: Double
        public static let names = ["alpha", "beta", "gamma", "delta"]
        public var values: [Double] { [alpha, beta, gamma, delta] }
        public init(values: [Double]) { (alpha, beta, gamma, delta) = (values[0], values[1], values[2], values[3]) }
        public init(alpha: Double, beta: Double, gamma: Double, delta: Double) {
            (self.alpha, self.beta, self.gamma, self.delta) = (alpha, beta, gamma, delta)
        }
    }

    public static let kind = ModelKind.bgbb
    public let parameters: Parameters
    public let diagnostics: FitDiagnostics

    public init(parameters: Parameters, diagnostics: FitDiagnostics) {
        self.parameters = parameters
        self.diagnostics = diagnostics
    }

    /// log L(α, β, γ, δ | x, tₓ, n), eq. 5:
    /// B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ) + Σᵢ₌₀^(n−tₓ−1) B(α+x, β+tₓ−x+i)/B(α,β) · B(γ+1, δ+tₓ+i)/B(γ,δ).
    @inlinable
    public static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
        let (alpha, beta, gamma, delta) = (θ.p0, θ.p1, θ.p2, θ.p3)
        let base = -S.logBeta(alpha, beta) - S.logBeta(gamma, delta)
        var total = S.logBeta(alpha + x, beta + (age - x)) + S.logBeta(gamma, delta + age)
        let gap = Int((age - recency).rounded())
        if gap >= 1 {
            for i in 0..<gap {
                let id = Double(i)
                let term = S.logBeta(alpha + x, beta + (recency - x + id)) + S.logBeta(gamma + 1, delta + (recency + id))
                total = S.logAddExp(total, term)
            }
        }
        return base + total
    }

    public func logLikelihood(of h: CustomerSummary) -> Double {
        let p = parameters
        return Self.logLikelihood(ParameterVector(p.alpha, p.beta, p.gamma, p.delta), x: Double(h.frequency), recency: h.recency, age: h.age)
    }

    private var vector: ParameterVector<Double> { ParameterVector(parameters.alpha, parameters.beta, parameters.gamma, parameters.delta) }

    /// E[X(n)], eq. 7: α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))].
    public func expectedPurchases(within t: Double) -> Double {
        Self.unconditionalExpectation(t.rounded(), alpha: parameters.alpha, beta: parameters.beta, gamma: parameters.gamma, delta: parameters.delta)
    }

    static func unconditionalExpectation(_ n: Double, alpha: Double, beta: Double, gamma: Double, delta: Double) -> Double {
        let logRatio = Double.logGamma(gamma + delta) + Double.logGamma(1 + delta + n) - Double.logGamma(gamma + delta + n) - Double.logGamma(1 + delta)
        return alpha / (alpha + beta) * delta / (gamma - 1) * -Double.expMinusOne(logRatio)
    }

    /// E[X(n, n+n*) | x, tₓ, n], eq. 13.
    public func expectedPurchases(within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency), n = h.age.rounded(), m = t.rounded()
        let logL = logLikelihood(of: h)
        let l2 = logBeta(p.alpha + x + 1, p.beta + n - x) - logBeta(p.alpha, p.beta)
        // δ/(γ−1) and 1 − e^(g5−g4) change sign together at γ = 1, so their product stays positive.
        let l3 = Double.logGamma(p.gamma + p.delta) - Double.logGamma(1 + p.delta)
        let g4 = Double.logGamma(1 + p.delta + n) - Double.logGamma(p.gamma + p.delta + n)
        let g5 = Double.logGamma(1 + p.delta + n + m) - Double.logGamma(p.gamma + p.delta + n + m)
        return Double.exp(l2 + l3 - logL + g4) * p.delta / (p.gamma - 1) * -Double.expMinusOne(g5 - g4)
    }

    /// E[X(n, n+n*) | alive at n] = eq. 7 at the posterior (α+x, β+n−x, γ, δ+n).
    public func expectedPurchasesIfAlive(within t: Double, frequency x: Int, age: Double) -> Double {
        let p = parameters
        let xd = Double(x), n = age.rounded()
        return Self.unconditionalExpectation(t.rounded(), alpha: p.alpha + xd, beta: p.beta + n - xd, gamma: p.gamma, delta: p.delta + n)
    }

    /// P(alive at opportunity n+1 | x, tₓ, n), eq. 11 (the m = 0 case of ``probabilityAlive(after:given:)``).
    public func probabilityAlive(given h: CustomerSummary) -> Double { probabilityAlive(after: 0, given: h) }

    /// P(alive at n + m | x, tₓ, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+m)/B(γ,δ) / L (eq. A10).
    public func probabilityAlive(after t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency), n = h.age.rounded(), m = t.rounded()
        let l = logBeta(p.alpha + x, p.beta + n - x) - logBeta(p.alpha, p.beta) + logBeta(p.gamma, p.delta + n + m) - logBeta(p.gamma, p.delta)
        return min(1, Double.exp(l - logLikelihood(of: h)))
    }

    /// P(X(n) = x), eq. 8.
    public func probabilityOfPurchases(_ x: Int, within t: Double) -> Double {
        Self.unconditionalProbability(x, Int(t.rounded()), alpha: parameters.alpha, beta: parameters.beta, gamma: parameters.gamma, delta: parameters.delta)
    }

    static func unconditionalProbability(_ x: Int, _ n: Int, alpha: Double, beta: Double, gamma: Double, delta: Double) -> Double {
        guard x >= 0, x <= n else { return 0 }
        let xd = Double(x), nd = Double(n)
        func logChoose(_ a: Double, _ b: Double) -> Double { Double.logGamma(a + 1) - Double.logGamma(b + 1) - Double.logGamma(a - b + 1) }
        let base = -logBeta(alpha, beta) - logBeta(gamma, delta)
        var total = Double.exp(logChoose(nd, xd) + logBeta(alpha + xd, beta + nd - xd) + logBeta(gamma, delta + nd) + base)
        if x <= n - 1 {
            for i in x...(n - 1) {
                let id = Double(i)
                total += Double.exp(logChoose(id, xd) + logBeta(alpha + xd, beta + id - xd) + logBeta(gamma + 1, delta + id) + base)
            }
        }
        return total
    }

    /// P(X(n, n+n*) = x* | history) = P(alive) · eq. 8 at (α+x, β+n−x, γ, δ+n) + (1 − P(alive)) 𝟙(x* = 0).
    public func probabilityOfPurchases(_ k: Int, within t: Double, given h: CustomerSummary) -> Double {
        let p = parameters
        let x = Double(h.frequency), n = h.age.rounded()
        let alive = probabilityAlive(given: h)
        return alive * Self.unconditionalProbability(k, Int(t.rounded()), alpha: p.alpha + x, beta: p.beta + n - x, gamma: p.gamma, delta: p.delta + n)
            + (k == 0 ? 1 - alive : 0)
    }
}

extension BGBB {
    enum Kernel: LikelihoodKernel {
        static let parameterNames = Parameters.names
        static let timeScaledParameters: [Int] = []
        static let penaltyNormalisation = PenaltyNormalisation.perCustomer
        static let rescalesTime = false
        static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
            BGBB.logLikelihood(θ, x: x, recency: recency, age: age)
        }
    }

    /// Maximum-likelihood estimation of ``BGBB``.
    public struct Estimator: PurchaseModelEstimator {
        public var options: EstimatorOptions
        public init(options: EstimatorOptions = EstimatorOptions()) { self.options = options }

        /// - Throws: ``FitError``; also `.invalidCustomer` for non-integer opportunities or x > n.
        public func fit(_ customers: [CustomerSummary], weights: [Double]?) throws(FitError) -> BGBB {
            for (i, c) in customers.enumerated() {
                guard c.age == c.age.rounded(), c.recency == c.recency.rounded() else {
                    throw .invalidCustomer(row: i + 1, reason: "BG/BB needs whole numbers of transaction opportunities for recency and T")
                }
                guard Double(c.frequency) <= c.age else {
                    throw .invalidCustomer(row: i + 1, reason: "frequency \(c.frequency) exceeds the \(Int(c.age)) opportunities")
                }
            }
            let rows = try CustomerRows(customers, weights: weights)
            try requireRepeatBuyers(rows)
            let mle = MaximumLikelihood<Kernel>(penalizer: options.penalizer, options: options.bfgs, initialLogParameters: nil)
            let (θ, diagnostics) = try mle.fit(rows)
            return BGBB(parameters: Parameters(values: θ), diagnostics: diagnostics)
        }
    }
}
