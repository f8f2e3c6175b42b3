import RealModule

/// How a maximum-likelihood fit went: the numbers every model reports alongside its parameters.
public struct FitDiagnostics: Sendable, Codable, Equatable {
    /// Parameter names in the order of ``standardErrors`` (e.g. `r, alpha, a, b`).
    public var parameterNames: [String]
    /// Standard errors from the inverse observed information (Hessian of −log L over log-parameters, mapped to
    /// parameters by the delta method; with a penalizer, of the penalized objective); `nil` when the Hessian is not
    /// positive definite.
    public var standardErrors: [Double]?
    /// Covariance of the log-parameters (the inverse Hessian), for intervals and parameter sampling.
    public var logParameterCovariance: [[Double]]?
    /// Weighted log-likelihood Σ wᵢ log Lᵢ at the estimate, in the data's own time unit (without penalty).
    public var logLikelihood: Double
    /// Number of customers (sum of weights).
    public var customerCount: Double
    /// Number of (x, tₓ, T) rows the likelihood was evaluated on: the distinct rows, or every customer when the
    /// data barely repeat (see ``CustomerRows``).
    public var distinctRows: Int
    /// Optimiser iterations.
    public var iterations: Int
    /// max |∂f/∂ log θ| of the optimised objective at the estimate.
    public var gradientNorm: Double
    /// Whether the optimiser met its convergence test.
    public var converged: Bool
    /// The L2 penalizer used (lifetimes' meaning).
    public var penalizer: Double

    /// Akaike information criterion 2k − 2 log L.
    public var aic: Double { 2 * Double(parameterNames.count) - 2 * logLikelihood }
    /// Bayesian information criterion k log N − 2 log L.
    public var bic: Double { Double(parameterNames.count) * Double.log(customerCount) - 2 * logLikelihood }

    /// 95% Wald intervals exp(log θ ± 1.96 SE(log θ)), which stay positive; `nil` without a covariance.
    public func confidenceIntervals(for values: [Double], level: Double = 0.95) -> [(lower: Double, upper: Double)]? {
        guard let cov = logParameterCovariance else { return nil }
        let z = normalQuantile(0.5 + level / 2)
        return values.indices.map { i in
            let se = cov[i][i].squareRoot()
            return (values[i] * Double.exp(-z * se), values[i] * Double.exp(z * se))
        }
    }
}

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation refined by one Halley step,
/// relative error below 1e-12).
public func normalQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    var x: Double
    if p < low {
        let q = (-2 * Double.log(p)).squareRoot()
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p <= 1 - low {
        let q = p - 0.5, r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    } else {
        let q = (-2 * Double.log(1 - p)).squareRoot()
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    // One Halley step on Φ(x) − p with Φ from erfc.
    let e = 0.5 * Double.erfc(-x / 2.0.squareRoot()) - p
    let u = e * (2 * Double.pi).squareRoot() * Double.exp(x * x / 2)
    x -= u / (1 + x * u / 2)
    return x
}
