import CLVCore
import CLVNumerics
import RealModule

/// Prediction intervals by sampling parameters from their asymptotic (normal) distribution.
///
/// Method: draw log θ⁽ʲ⁾ ~ N(log θ̂, H⁻¹) where H is the observed information over log-parameters from the fit
/// (``FitDiagnostics/logParameterCovariance``), recompute the prediction under each draw, and report the empirical
/// (1−level)/2 and (1+level)/2 quantiles. The interval covers *parameter* uncertainty of the expected value (as in
/// CLVTools' `predict(uncertainty = "boots")` spirit), not the Poisson noise of the realised count.
public struct ParameterSampling: Sendable, Equatable {
    /// Number of parameter draws.
    public var draws: Int
    /// Central coverage, e.g. 0.9.
    public var level: Double

    public init(draws: Int = 200, level: Double = 0.9) {
        self.draws = draws
        self.level = level
    }

    /// Models under `draws` parameter draws; empty when the fit has no covariance.
    public func sampleModels<M: PurchaseModel>(_ model: M, using rng: inout some RandomNumberGenerator) -> [M] {
        guard let cov = model.diagnostics.logParameterCovariance, let l = Hessian.choleskyFactor(cov) else { return [] }
        let center = model.parameters.values.map { Double.log($0) }
        let k = center.count
        return (0..<draws).map { _ in
            let z = (0..<k).map { _ in standardNormal(&rng) }
            let values = (0..<k).map { i in Double.exp(center[i] + (0...i).reduce(0) { $0 + l[i][$1] * z[$1] }) }
            return M(parameters: M.Parameters(values: values), diagnostics: model.diagnostics)
        }
    }

    /// The (lower, upper) quantiles of `values` at this level (linear interpolation between order statistics).
    ///
    /// Draws whose prediction is not finite (a parameter draw outside a formula's domain, e.g. a → 1 in BG/NBD
    /// eq. 9 when a is estimated near a boundary) are dropped; when more than a tenth of them are, the interval is
    /// reported as unavailable (NaN, NaN) rather than computed from a biased remainder.
    public func bounds(of values: [Double]) -> (lower: Double, upper: Double) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty, 10 * sorted.count >= 9 * values.count else { return (.nan, .nan) }
        func quantile(_ q: Double) -> Double {
            let h = q * Double(sorted.count - 1)
            let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
            return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
        }
        return (quantile((1 - level) / 2), quantile((1 + level) / 2))
    }
}

/// A standard normal draw by the Box–Muller transform.
func standardNormal(_ rng: inout some RandomNumberGenerator) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
    let u2 = Double.random(in: 0..<1, using: &rng)
    return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
}
