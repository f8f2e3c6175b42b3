import CLVCore
import CLVInsight
import RealModule

/// The two-stage boosted-trees CLV model: a classifier for P(buys again) times a regressor for log spend among
/// buyers, read as a zero-inflated lognormal so that it gives the same mean and intervals as the ZILN models.
///
/// - Stage 1: ``BoostedTrees`` with logistic loss on 1[label > 0], over every customer.
/// - Stage 2: ``BoostedTrees`` with squared loss on log(label), over the buyers only: its score is E[log Y | buys],
///   the lognormal's mu; sigma is the deviation of the validation buyers' residuals (out of sample).
/// - Mean: p · exp(mu + sigma²/2), the lognormal mean (rather than a smearing factor), so intervals follow the
///   same ``ZILNDistribution``.
public struct TwoStageBoostedModel: Sendable, Equatable, Codable {
    public let featureSet: FeatureSet
    public let classifier: BoostedTrees
    public let regressor: BoostedTrees
    public let sigma: Double
    public let classifierReport: TrainingReport
    public let regressorReport: TrainingReport

    /// The predicted distribution of every row's label.
    public func predict(_ table: LearningTable) throws(LearnError) -> [ZILNDistribution] {
        try checkFeatureSet(table.featureSet, against: featureSet)
        return (0..<table.count).map { i in distribution(table.features.row(i)) }
    }

    func distribution(_ x: [Double]) -> ZILNDistribution {
        ZILNDistribution(probability: sigmoid(classifier.score(x)), mu: regressor.score(x), sigma: sigma)
    }
}

/// Trains a ``TwoStageBoostedModel`` on a labelled table, with one seeded validation split for both stages.
public struct TwoStageBoostingTrainer: Sendable, Equatable {
    public var classifier: BoostedTreesTrainer
    public var regressor: BoostedTreesTrainer
    public var validationFraction: Double
    public var seed: UInt64

    public init(
        classifier: BoostedTreesTrainer = BoostedTreesTrainer(), regressor: BoostedTreesTrainer = BoostedTreesTrainer(), validationFraction: Double = 0.2,
        seed: UInt64 = 0
    ) {
        self.classifier = classifier
        self.regressor = regressor
        self.validationFraction = validationFraction
        self.seed = seed
    }

    /// - Throws: ``LearnError/tooFewRows(needed:found:what:)`` with too few buyers for the regressor,
    ///   ``LearnError/shapeMismatch(_:)`` without labels.
    public func fit(_ table: LearningTable) throws(LearnError) -> TwoStageBoostedModel {
        guard let labels = table.labels else { throw .shapeMismatch("training needs labels (the spend in the period after the cutoff)") }
        guard validationFraction > 0, validationFraction < 1 else { throw .invalidOption("The validation fraction must be in (0, 1)") }
        var rng = SplitMix64(seed: seed)
        let (training, validation) = split(table.count, fraction: validationFraction, rng: &rng)
        let bought = labels.map { $0 > 0 ? 1.0 : 0.0 }
        let stage1 = try classifier.fit(table.features, targets: bought, loss: .logistic, training: training, validation: validation)
        let buyersTraining = training.filter { labels[$0] > 0 }
        let buyersValidation = validation.filter { labels[$0] > 0 }
        guard buyersValidation.count >= 2 else { throw .tooFewRows(needed: 2, found: buyersValidation.count, what: "validation buyers") }
        let logs = labels.map { $0 > 0 ? Double.log($0) : 0 }
        let stage2 = try regressor.fit(table.features, targets: logs, loss: .squared, training: buyersTraining, validation: buyersValidation)
        let residuals = buyersValidation.map { logs[$0] - stage2.model.score(table.features.row($0)) }
        let sigma = max((residuals.reduce(0) { $0 + $1 * $1 } / Double(residuals.count)).squareRoot(), ZILNLoss.minimumScale)
        return TwoStageBoostedModel(
            featureSet: table.featureSet, classifier: stage1.model, regressor: stage2.model, sigma: sigma, classifierReport: stage1.report,
            regressorReport: stage2.report)
    }
}
