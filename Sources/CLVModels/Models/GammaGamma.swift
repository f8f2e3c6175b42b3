import CLVCore
import CLVNumerics
import RealModule

/// A model of spend per transaction, fitted on repeat customers.
public protocol SpendModel: Sendable, Codable, Equatable {
    /// E[M | x, m̄]: the expected spend per transaction of a customer with x repeat purchases of mean value m̄.
    func expectedAverageSpend(frequency: Int, meanSpend: Double) -> Double
}

/// The Gamma-Gamma spend model: transaction values ~ Gamma(p, ν) with ν ~ Gamma(q, γ).
///
/// Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (brucehardie.com/notes/025), eqs. 1–5;
/// Colombo & Jiang (1999). Parameters p, q, v (v is the note's γ, named as in lifetimes).
public struct GammaGamma: SpendModel {
    public struct Parameters: ModelParameters {
        public var p: Double
        public var q: Double
        public var v: Double
        public static let names = ["p", "q", "v"]
        public var values: [Double] { [p, q, v] }
        public init(values: [Double]) { (p, q, v) = (values[0], values[1], values[2]) }
        public init(p: Double, q: Double, v: Double) { (self.p, self.q, self.v) = (p, q, v) }
    }

    public static let kind = ModelKind.gg
    public let parameters: Parameters
    public let diagnostics: FitDiagnostics

    public init(parameters: Parameters, diagnostics: FitDiagnostics) {
        self.parameters = parameters
        self.diagnostics = diagnostics
    }

    /// log f(m̄ | p, q, v, x) (note 025 eq. 1 marginalised over ν; lifetimes' likelihood):
    /// log Γ(px+q) − log Γ(px) − log Γ(q) + q log v + (px−1) log m̄ + px log x − (px+q) log(x m̄ + v).
    @inlinable
    public static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, meanSpend m: Double) -> S {
        let (p, q, v) = (θ.p0, θ.p1, θ.p2)
        let px = p * x
        return S.logGamma(px + q) - S.logGamma(px) - S.logGamma(q) + q * S.log(v) + (px - 1) * Double.log(m)
            + px * Double.log(x) - (px + q) * S.log(v + x * m)
    }

    /// E[M | x, m̄] = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m̄ (eq. 5); the population mean pv/(q−1) when x = 0.
    public func expectedAverageSpend(frequency x: Int, meanSpend m: Double) -> Double {
        let p = parameters
        let populationMean = p.p * p.v / (p.q - 1)
        guard x > 0 else { return populationMean }
        let px = p.p * Double(x)
        let w = px / (px + p.q - 1)
        return (1 - w) * populationMean + w * m
    }
}

extension GammaGamma {
    enum Kernel: LikelihoodKernel {
        static let parameterNames = Parameters.names
        static let timeScaledParameters: [Int] = []
        static let penaltyNormalisation = PenaltyNormalisation.perCustomer
        static let rescalesTime = false
        // Rows carry x in `frequency` and m̄ in `recency`.
        static func logLikelihood<S: DifferentiableScalar>(_ θ: ParameterVector<S>, x: Double, recency: Double, age: Double) -> S {
            GammaGamma.logLikelihood(θ, x: x, meanSpend: recency)
        }
        static func makeEvaluator(_ rows: CustomerRows) -> ([Double]) -> (value: Double, gradient: [Double]) {
            let fast = GammaGammaFastLikelihood(rows: rows)
            return { fast.evaluate($0) }
        }
    }

    /// Maximum-likelihood estimation of ``GammaGamma``.
    public struct Estimator: Sendable {
        public var options: EstimatorOptions
        public init(options: EstimatorOptions = EstimatorOptions()) { self.options = options }

        /// Fits on customers with at least one repeat purchase and a positive mean spend; others are skipped (their
        /// spend is not informative about the repeat-transaction value).
        /// - Parameters:
        ///   - frequency: repeat purchases x per customer.
        ///   - meanSpend: mean value m̄ of the repeat purchases.
        ///   - weights: optional counts of identical customers.
        /// - Throws: ``FitError/noRepeatBuyers`` when nobody qualifies; `.invalidCustomer` for negative or
        ///   non-finite spend.
        public func fit(frequency: [Int], meanSpend: [Double], weights: [Double]? = nil) throws(FitError) -> GammaGamma {
            guard frequency.count == meanSpend.count else {
                throw .invalidCustomer(row: min(frequency.count, meanSpend.count) + 1, reason: "frequency and monetary value have different lengths")
            }
            var xs: [Double] = [], ms: [Double] = [], ws: [Double] = []
            for i in frequency.indices {
                guard meanSpend[i].isFinite, meanSpend[i] >= 0 else {
                    throw .invalidCustomer(row: i + 1, reason: "monetary value must be a finite number ≥ 0, got \(meanSpend[i])")
                }
                let w = weights?[i] ?? 1
                guard frequency[i] > 0, meanSpend[i] > 0, w > 0 else { continue }
                xs.append(Double(frequency[i]))
                ms.append(meanSpend[i])
                ws.append(w)
            }
            guard !xs.isEmpty else { throw .noRepeatBuyers }
            let rows = CustomerRows(frequency: xs, recency: ms, age: [Double](repeating: 0, count: xs.count), weight: ws)
            let mle = MaximumLikelihood<Kernel>(penalizer: options.penalizer, options: options.bfgs, initialLogParameters: nil)
            let (θ, diagnostics) = try mle.fit(rows)
            return GammaGamma(parameters: Parameters(values: θ), diagnostics: diagnostics)
        }
    }
}
