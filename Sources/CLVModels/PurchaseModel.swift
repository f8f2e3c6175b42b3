import CLVCore

/// A repeat-purchase model whose parameters were estimated from data. Immutable; safe to share across tasks.
///
/// Times (t, tₓ, T) are in the unit the model was fitted in. For the discrete BG/BB model a time is a number of
/// transaction opportunities and is rounded to a whole number.
public protocol PurchaseModel: Sendable, Codable, Equatable {
    associatedtype Parameters: ModelParameters
    static var kind: ModelKind { get }
    var parameters: Parameters { get }
    var diagnostics: FitDiagnostics { get }
    /// A model with given parameters (e.g. published ones, or a draw for prediction intervals).
    init(parameters: Parameters, diagnostics: FitDiagnostics)

    /// E[X(t)]: expected repeat purchases of a random new customer in (0, t].
    func expectedPurchases(within t: Double) -> Double
    /// Expected repeat purchases in (T, T + t] given the customer's history. Equation cited in each conformer.
    func expectedPurchases(within t: Double, given history: CustomerSummary) -> Double
    /// E[X(T, T+t) | x, T, alive at T]: the expectation for a customer known to be alive. It depends on the
    /// history only through x and T, so ``expectedPurchases(within:given:)`` = P(alive) × this, and scoring caches it.
    func expectedPurchasesIfAlive(within t: Double, frequency: Int, age: Double) -> Double
    /// ``expectedPurchases(within:given:)`` at up to sixteen horizons at once (lanes with horizon 0 give 0): the CLV
    /// sums one per month. The default evaluates lane by lane; a model may share the work between horizons.
    func expectedPurchases(within horizons: SIMD16<Double>, given history: CustomerSummary) -> SIMD16<Double>
    /// P(alive at T | history).
    func probabilityAlive(given history: CustomerSummary) -> Double
    /// P(alive at T + t | history).
    func probabilityAlive(after t: Double, given history: CustomerSummary) -> Double
    /// P(X(t) = n) for a random new customer.
    func probabilityOfPurchases(_ n: Int, within t: Double) -> Double
    /// P(X(T, T + t) = n | history).
    func probabilityOfPurchases(_ n: Int, within t: Double, given history: CustomerSummary) -> Double
    /// log L of one customer's history under these parameters.
    func logLikelihood(of history: CustomerSummary) -> Double
}

extension PurchaseModel {
    public func expectedPurchases(within horizons: SIMD16<Double>, given history: CustomerSummary) -> SIMD16<Double> {
        var out = SIMD16<Double>.zero
        for lane in 0..<16 where horizons[lane] > 0 { out[lane] = expectedPurchases(within: horizons[lane], given: history) }
        return out
    }
}

/// Named, positive model parameters.
public protocol ModelParameters: Sendable, Codable, Equatable {
    /// Names in the CLI/JSON contract, in order (e.g. `r, alpha, a, b`).
    static var names: [String] { get }
    /// Values in the order of ``names``.
    var values: [Double] { get }
    /// Builds parameters from values in the order of ``names``.
    init(values: [Double])
}

/// An estimator: configuration only (penalizer, optimiser options); fitting returns a new immutable model.
public protocol PurchaseModelEstimator: Sendable {
    associatedtype Model: PurchaseModel
    /// Fits on customers, optionally weighted (a weight counts identical customers).
    func fit(_ customers: [CustomerSummary], weights: [Double]?) throws(FitError) -> Model
}

extension PurchaseModelEstimator {
    public func fit(_ customers: [CustomerSummary]) throws(FitError) -> Model { try fit(customers, weights: nil) }
}

/// Common estimator configuration.
public struct EstimatorOptions: Sendable, Equatable {
    /// L2 penalizer λ in lifetimes' meaning: λ Σ θᵢ² added to the per-customer negative log-likelihood, with time
    /// parameters measured after rescaling time so that the largest T is 1.
    public var penalizer: Double
    public var maximumIterations: Int
    public var gradientTolerance: Double

    public init(penalizer: Double = 0, maximumIterations: Int = 500, gradientTolerance: Double = 1e-9) {
        self.penalizer = penalizer
        self.maximumIterations = maximumIterations
        self.gradientTolerance = gradientTolerance
    }
}
