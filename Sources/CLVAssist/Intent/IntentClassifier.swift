import CLVCore
import CLVInsight
import Foundation

/// An intent classifier on sentence embeddings that can say "none of these": an ``EmbeddingClassifier`` plus an
/// out-of-scope threshold on its top probability, calibrated on held-out examples (``IntentTrainer``).
public struct IntentClassifier: Sendable, Equatable, Codable {
    /// The label of a message the classifier does not recognise.
    public static let outOfScope = "out_of_scope"
    /// The value of ``format`` in every saved model.
    public static let formatName = "clvkit.intent-classifier"
    public static let currentVersion = 1

    public let format: String
    public let version: Int
    public let classifier: EmbeddingClassifier
    /// A message whose top class probability is below this is out of scope.
    public let threshold: Double
    /// How the threshold was set.
    public let calibration: Calibration

    /// How the out-of-scope threshold was chosen.
    public struct Calibration: Sendable, Equatable, Codable {
        /// The share of held-out in-scope examples the threshold keeps in scope (it is their lower quantile).
        public var inScopeRecall: Double
        /// Held-out examples the quantile was read from.
        public var validationExamples: Int
        /// Accuracy of the calibration model on them, before the threshold.
        public var validationAccuracy: Double
        /// Epochs of the calibration model, which the final model (refit on every example) also trains.
        public var epochs: Int
    }

    public init(classifier: EmbeddingClassifier, threshold: Double, calibration: Calibration) {
        format = Self.formatName
        version = Self.currentVersion
        self.classifier = classifier
        self.threshold = threshold
        self.calibration = calibration
    }

    /// The intents the classifier knows.
    public var labels: [String] { classifier.labels }
    /// The embedding model whose vectors it reads.
    public var embeddingModel: String { classifier.embeddingModel }

    /// Reads a model saved by ``jsonData()``.
    /// - Throws: ``AssistError/unreadableModel(_:)`` when the data is not an intent model of this version.
    public init(jsonData: Data) throws(AssistError) {
        let model: IntentClassifier
        do { model = try JSONDecoder().decode(IntentClassifier.self, from: jsonData) } catch {
            throw .unreadableModel("not an intent classifier: train one with `clv intent train --data FILE.csv --out MODEL`")
        }
        guard model.format == Self.formatName, model.version == Self.currentVersion else {
            throw .unreadableModel("format \(model.format) version \(model.version); this CLVKit reads \(Self.formatName) version \(Self.currentVersion)")
        }
        guard (0...1).contains(model.threshold) else { throw .unreadableModel("threshold \(model.threshold) is outside [0, 1]") }
        self = model
    }

    /// The model as JSON, keys sorted.
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Strings, numbers and the classifier's own Codable layers: encoding cannot fail.
        return try! encoder.encode(self)
    }

    /// The intents of several embeddings.
    /// - Throws: ``AssistError/invalidParameter(_:)`` for vectors that do not fit the classifier.
    public func predict(batch embeddings: [[Float]]) throws(AssistError) -> [IntentPrediction] {
        let predictions: [ClassPrediction]
        do { predictions = try classifier.predict(batch: embeddings) } catch { throw .invalidParameter("intent: \(error)") }
        return predictions.map { p in
            let confidence = p.probabilities.max() ?? 0
            return IntentPrediction(intent: confidence < threshold ? Self.outOfScope : p.label, topLabel: p.label, confidence: confidence)
        }
    }
}

/// One message's intent.
public struct IntentPrediction: Sendable, Equatable, Codable {
    /// The intent, or ``IntentClassifier/outOfScope`` when the top probability is below the threshold.
    public var intent: String
    /// The most probable known intent, whatever its probability.
    public var topLabel: String
    /// The top probability.
    public var confidence: Double

    public init(intent: String, topLabel: String, confidence: Double) {
        self.intent = intent
        self.topLabel = topLabel
        self.confidence = confidence
    }

    public var isOutOfScope: Bool { intent == IntentClassifier.outOfScope }
}

/// Trains an ``IntentClassifier``: a calibration model on a stratified share of the examples sets the threshold
/// and the number of epochs, then the classifier is refit on every example for that many epochs.
///
/// Without out-of-scope examples to learn from, the threshold is the `1 − inScopeRecall` quantile of the top
/// probability on held-out in-scope examples: it turns away that share of known intents, and every message the
/// classifier is less sure of.
public struct IntentTrainer: Sendable {
    public var trainer: EmbeddingClassifierTrainer
    /// The share of each intent held out to calibrate the threshold.
    public var calibrationFraction: Double
    /// The share of held-out in-scope examples that must stay in scope.
    public var inScopeRecall: Double

    public init(trainer: EmbeddingClassifierTrainer = EmbeddingClassifierTrainer(), calibrationFraction: Double = 0.1, inScopeRecall: Double = 0.97) {
        self.trainer = trainer
        self.calibrationFraction = calibrationFraction
        self.inScopeRecall = inScopeRecall
    }

    /// - Throws: ``AssistError/invalidParameter(_:)`` for fewer than two intents or bad settings; the trainer's errors.
    public func train(_ examples: [LabeledEmbedding], embeddingModel: String) throws -> IntentClassifier {
        guard (0.5...1).contains(inScopeRecall), (0.01...0.5).contains(calibrationFraction) else {
            throw AssistError.invalidParameter("intent: in-scope recall must be in [0.5, 1] and the calibration share in [0.01, 0.5]")
        }
        let labels = Array(Set(examples.map(\.label))).sorted()
        guard labels.count >= 2 else { throw AssistError.invalidParameter("intent: the examples need at least two distinct labels") }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        var rng = SplitMix64(seed: trainer.seed ^ 0x1A7E_47)
        let split = EmbeddingClassifierTrainer.stratifiedSplit(
            examples.map { index[$0.label]! }, classes: labels.count, fraction: calibrationFraction, rng: &rng)
        let calibration = try trainer.train(split.training.map { examples[$0] }, embeddingModel: embeddingModel)
        let held = split.validation.map { examples[$0] }
        var threshold = 0.0
        var heldAccuracy = 0.0
        if !held.isEmpty {
            let predictions = try calibration.model.predict(batch: held.map(\.embedding))
            let confidences = predictions.map { $0.probabilities.max() ?? 0 }.sorted()
            // The largest threshold that keeps at least inScopeRecall of them: the value at that rank.
            let rejected = Int((Double(confidences.count) * (1 - inScopeRecall)).rounded(.down))
            threshold = confidences[min(rejected, confidences.count - 1)]
            heldAccuracy = Double(zip(predictions, held).filter { $0.label == $1.label }.count) / Double(held.count)
        }
        var final = trainer
        final.maxEpochs = calibration.report.chosenEpoch
        final.validationFraction = 0
        let model = try final.train(examples, embeddingModel: embeddingModel).model
        return IntentClassifier(
            classifier: model, threshold: threshold,
            calibration: IntentClassifier.Calibration(
                inScopeRecall: inScopeRecall, validationExamples: held.count, validationAccuracy: heldAccuracy, epochs: calibration.report.chosenEpoch))
    }
}

/// Accuracy and macro-F1 of intent predictions, with labels the classifier never saw counted as out of scope.
public struct IntentEvaluation: Sendable, Equatable, Codable {
    /// Share of rows right: a known intent predicted as itself and in scope, an unknown one predicted out of scope.
    public var accuracy: Double
    /// Macro-F1 over the known intents (and out of scope, when the data has any).
    public var macroF1: Double
    public var n: Int
    /// Share of out-of-scope rows predicted out of scope; nil when every row's intent is known.
    public var oosRecall: Double?
    /// Accuracy on the known intents' rows with the threshold off (top label only), as closed-set benchmarks report.
    public var closedSetAccuracy: Double?

    /// - Parameters:
    ///   - truth: each row's true label (any string; those not in `known` are out of scope).
    ///   - predictions: the classifier's predictions, one per row.
    ///   - known: the classifier's labels.
    public init(truth: [String], predictions: [IntentPrediction], known: [String]) throws {
        let knownSet = Set(known)
        let mappedTruth = truth.map { knownSet.contains($0) ? $0 : IntentClassifier.outOfScope }
        let predicted = predictions.map(\.intent)
        let hasOOS = mappedTruth.contains(IntentClassifier.outOfScope)
        let labels = known.sorted() + [IntentClassifier.outOfScope]
        let metrics = try ClassificationMetrics(truth: mappedTruth, predicted: predicted, labels: labels)
        let scored = metrics.perClass.filter { hasOOS || $0.label != IntentClassifier.outOfScope }
        accuracy = metrics.accuracy
        macroF1 = scored.map(\.f1).reduce(0, +) / Double(max(scored.count, 1))
        n = truth.count
        let oosRows = mappedTruth.indices.filter { mappedTruth[$0] == IntentClassifier.outOfScope }
        oosRecall = hasOOS ? Double(oosRows.filter { predicted[$0] == IntentClassifier.outOfScope }.count) / Double(oosRows.count) : nil
        let inRows = mappedTruth.indices.filter { mappedTruth[$0] != IntentClassifier.outOfScope }
        closedSetAccuracy = inRows.isEmpty ? nil : Double(inRows.filter { predictions[$0].topLabel == mappedTruth[$0] }.count) / Double(inRows.count)
    }

    enum CodingKeys: String, CodingKey {
        case accuracy, n
        case macroF1 = "macro_f1"
        case oosRecall = "oos_recall"
        case closedSetAccuracy = "closed_set_accuracy"
    }
}
