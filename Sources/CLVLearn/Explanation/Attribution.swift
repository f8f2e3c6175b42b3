/// Which output of a learned model an attribution explains. Each lives in its own space: the sum of the
/// contributions is that output minus its baseline, in that output's units.
public enum ExplainedOutput: String, Sendable, Codable, CaseIterable {
    /// The log-odds of P(buys again in the period).
    case buyLogOdds = "log-odds-buys-again"
    /// E[log spend | buys]: the ZILN mu, or the spend regressor's score for the trees.
    case logSpend = "log-spend-if-buys"
    /// The expected value p · exp(mu + sigma²/2), in the label's units (money, or purchases).
    case expectedValue = "expected-value"
}

/// How the contributions were computed.
public enum AttributionMethod: String, Sendable, Codable, CaseIterable {
    /// Exact Shapley values of a linear output: wⱼ · (xⱼ − E[xⱼ]) in standardised units; they sum exactly.
    case linearShapley = "exact-shapley-linear"
    /// Exact path-dependent TreeSHAP over the ensemble; they sum exactly.
    case treeSHAP = "tree-shap"
    /// Integrated gradients from the mean customer (Sundararajan, Taly & Yan 2017, arXiv:1703.01365); they sum to
    /// the difference up to the quadrature error, which ``Attribution/completenessGap`` reports.
    case integratedGradients = "integrated-gradients"
}

/// One output's contributions, feature by feature, for one customer.
public struct Attribution: Sendable, Equatable, Codable {
    public let output: ExplainedOutput
    public let method: AttributionMethod
    /// The output for the reference customer (the training mean, or the trees' expected score).
    public let baseline: Double
    /// The output for this customer.
    public let value: Double
    /// One contribution per feature, in the feature set's order.
    public let contributions: [Double]

    public init(output: ExplainedOutput, method: AttributionMethod, baseline: Double, value: Double, contributions: [Double]) {
        self.output = output
        self.method = method
        self.baseline = baseline
        self.value = value
        self.contributions = contributions
    }

    /// value − baseline − Σ contributions: 0 up to rounding for exact methods.
    public var completenessGap: Double { value - baseline - contributions.reduce(0, +) }

    /// The contributions summed within each group present in `featureSet`.
    public func groupTotals(_ featureSet: FeatureSet) -> [(group: FeatureGroup, contribution: Double)] {
        featureSet.groups.map { g in (g, featureSet.indices(in: [g]).reduce(0) { $0 + contributions[$1] }) }
    }
}

/// Why a learned model predicts what it does for one customer.
public struct LearnedExplanation: Sendable, Equatable, Codable {
    public let featureSet: FeatureSet
    /// The customer's raw feature values, in the feature set's order.
    public let features: [Double]
    public let prediction: ZILNDistribution
    public let attributions: [Attribution]
}
