import CLVModels
import RealModule

/// A zero-inflated lognormal (ZILN) prediction for one customer: with probability `p` they buy again and then
/// spend a lognormal amount, log Y ~ N(mu, sigma²); otherwise they spend 0.
///
/// Wang, Liu & Miao (2019), "A Deep Probabilistic Model for Customer Lifetime Value Prediction",
/// arXiv:1912.07753, section 3; the parametrisation (a logit for p, mu, sigma through softplus) is that of Google's
/// `lifetime_value` package.
public struct ZILNDistribution: Sendable, Equatable, Codable {
    /// P(buys again in the period).
    public let probability: Double
    /// Location of log spend, given a purchase: E[log Y | Y > 0].
    public let mu: Double
    /// Scale of log spend, given a purchase.
    public let sigma: Double

    public init(probability: Double, mu: Double, sigma: Double) {
        self.probability = probability
        self.mu = mu
        self.sigma = sigma
    }

    /// The three raw network outputs: logit of p, mu, and the pre-softplus scale.
    public init(outputs o: ZILNOutputs) {
        self.init(probability: sigmoid(o.logit), mu: o.mu, sigma: ZILNLoss.scale(o.rawScale))
    }

    /// E[Y] = p · exp(mu + sigma²/2).
    public var mean: Double { probability * Double.exp(mu + sigma * sigma / 2) }

    /// The q-quantile of Y: 0 while q ≤ 1 − p (the mass at zero), else exp(mu + sigma Φ⁻¹((q − (1 − p)) / p)).
    public func quantile(_ q: Double) -> Double {
        precondition(q > 0 && q < 1, "ZILNDistribution.quantile needs 0 < q < 1")
        let zeroMass = 1 - probability
        guard q > zeroMass, probability > 0 else { return 0 }
        let conditional = min(max((q - zeroMass) / probability, 1e-12), 1 - 1e-12)
        return Double.exp(mu + sigma * normalQuantile(conditional))
    }

    /// The central interval holding `level` of the probability (e.g. 0.9: the 5% and 95% quantiles).
    public func interval(level: Double) -> (lower: Double, upper: Double) {
        let tail = (1 - level) / 2
        return (quantile(tail), quantile(1 - tail))
    }
}

/// The three outputs a ZILN model emits for a customer, before the link functions.
public struct ZILNOutputs: Sendable, Equatable {
    public var logit: Double
    public var mu: Double
    public var rawScale: Double

    public init(logit: Double, mu: Double, rawScale: Double) {
        self.logit = logit
        self.mu = mu
        self.rawScale = rawScale
    }
}

/// The ZILN loss of one customer and its gradient with respect to the three raw outputs.
///
/// loss = BCE(1[y > 0], sigmoid(logit)) + 1[y > 0] · (−log LogNormal(y; mu, sigma)), with sigma = softplus(rawScale)
/// floored at √ε as `lifetime_value` does (below the floor the scale's gradient is 0).
public enum ZILNLoss {
    /// The smallest scale (√ε of 32-bit floats, as Keras' epsilon 1e-7 gives).
    public static let minimumScale = 1e-7.squareRoot()

    /// sigma from the raw output.
    @inlinable public static func scale(_ raw: Double) -> Double { max(softplus(raw), minimumScale) }

    /// The loss for label `y` (≥ 0) and its gradient (∂/∂logit, ∂/∂mu, ∂/∂rawScale).
    public static func lossAndGradient(_ o: ZILNOutputs, label y: Double) -> (loss: Double, gradient: (Double, Double, Double)) {
        let positive = y > 0
        // BCE in logits: softplus(l) − 1[y>0]·l, stable for large |l|.
        var loss = softplus(o.logit) - (positive ? o.logit : 0)
        let gLogit = sigmoid(o.logit) - (positive ? 1 : 0)
        guard positive else { return (loss, (gLogit, 0, 0)) }
        let raw = softplus(o.rawScale)
        let sigma = max(raw, minimumScale)
        let logY = Double.log(y)
        let z = (logY - o.mu) / sigma
        loss += logY + Double.log(sigma) + 0.5 * Double.log(2 * Double.pi) + 0.5 * z * z
        let gMu = -z / sigma
        let gSigma = 1 / sigma - z * z / sigma
        let gRaw = raw > minimumScale ? gSigma * sigmoid(o.rawScale) : 0
        return (loss, (gLogit, gMu, gRaw))
    }
}

/// log(1 + eˣ) without overflow.
@inlinable func softplus(_ x: Double) -> Double { x > 0 ? x + Double.log(onePlus: Double.exp(-x)) : Double.log(onePlus: Double.exp(x)) }

/// 1 / (1 + e⁻ˣ) without overflow.
@inlinable func sigmoid(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + Double.exp(-x)) }
    let e = Double.exp(x)
    return e / (1 + e)
}

/// log(x / (1 − x)) for 0 < x < 1.
@inlinable func logit(_ x: Double) -> Double { Double.log(x / (1 - x)) }
