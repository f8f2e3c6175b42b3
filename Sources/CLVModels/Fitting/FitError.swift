import CLVCore

/// Why a model could not be fitted. Messages say what went wrong and what to try; they never echo customer ids.
public enum FitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No customers were given.
    case noCustomers
    /// Fewer customers than the model has parameters (e.g. one customer).
    case tooFewCustomers(count: Int, parameters: Int)
    /// Nobody made a repeat purchase, so the purchase rate and dropout cannot be told apart.
    case noRepeatBuyers
    /// A customer row the model cannot use.
    case invalidCustomer(row: Int, reason: String)
    /// The penalizer is negative or not finite.
    case invalidPenalizer(Double)
    /// The optimiser stopped without meeting its convergence test.
    case didNotConverge(iterations: Int, gradientNorm: Double)
    /// The optimum has a parameter that is 0, infinite or NaN.
    case degenerateParameters(String)
    /// A spend model was asked for without customers' monetary values.
    case missingMonetaryValues
    /// A kind that is not a probabilistic model was asked to be fitted as one.
    case notProbabilistic(ModelKind)

    public var description: String {
        switch self {
        case .noCustomers:
            "No customers to fit on: check the summary file or the calibration end date."
        case let .tooFewCustomers(n, k):
            "Only \(n) distinct customer rows for \(k) parameters: fit on more customers."
        case .noRepeatBuyers:
            "No customer made a repeat purchase, so the model cannot be estimated: use a longer calibration window."
        case let .invalidCustomer(row, reason):
            "Customer row \(row): \(reason)."
        case let .invalidPenalizer(p):
            "Penalizer must be a finite number ≥ 0, got \(p)."
        case let .didNotConverge(n, g):
            "Optimizer stopped after \(n) iterations (max |∇| = \(g)). Try a larger penalizer or a coarser time unit."
        case let .degenerateParameters(detail):
            "The fit reached a degenerate optimum (\(detail)). Try a penalizer such as 0.001."
        case .missingMonetaryValues:
            "The gg spend model needs each customer's monetary_value (mean spend of the repeat purchases)."
        case let .notProbabilistic(kind):
            "'\(kind.rawValue)' is not a probabilistic model: fit learned models with `clv learn fit`."
        }
    }
}
