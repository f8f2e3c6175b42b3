import CLVCore
import CLVTestSupport
import Foundation
import Testing

@testable import CLVInsight

/// Unit vectors near `anchors[label]`: the anchor plus Gaussian noise, renormalised.
func embeddingExamples(anchors: [String: [Float]], perLabel: Int, noise: Float, seed: UInt64) -> [LabeledEmbedding] {
    var rng = SplitMix64(seed: seed)
    var out: [LabeledEmbedding] = []
    for label in anchors.keys.sorted() {
        for _ in 0..<perLabel {
            var v = anchors[label]!.map { $0 + noise * Float(gaussian(&rng)) }
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            v = v.map { $0 / norm }
            out.append(LabeledEmbedding(embedding: v, label: label))
        }
    }
    return out
}

func randomAnchors(_ labels: [String], dimensions: Int, seed: UInt64) -> [String: [Float]] {
    var rng = SplitMix64(seed: seed)
    var anchors: [String: [Float]] = [:]
    for label in labels {
        let v = (0..<dimensions).map { _ in Float(gaussian(&rng)) }
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        anchors[label] = v.map { $0 / norm }
    }
    return anchors
}

@Suite struct EmbeddingClassifierTests {
    static let anchors = randomAnchors(["negative", "neutral", "positive"], dimensions: 32, seed: 1)

    @Test(arguments: [EmbeddingClassifier.Kind.logistic, .mlp])
    func trainingLossDecreases(kind: EmbeddingClassifier.Kind) throws {
        let examples = embeddingExamples(anchors: Self.anchors, perLabel: 60, noise: 0.15, seed: 2)
        let trained = try EmbeddingClassifierTrainer(kind: kind, hiddenUnits: 16, learningRate: 0.005, maxEpochs: 15, patience: 15).train(
            examples, embeddingModel: "test")
        let losses = trained.report.epochs.map(\.trainingLoss)
        #expect(losses.count == 15)
        #expect(losses.last! < losses.first! * 0.5)
        // Mostly monotone: at most a couple of small upticks from mini-batch noise.
        #expect(zip(losses, losses.dropFirst()).filter { $1 > $0 * 1.02 }.count <= 2)
        #expect(trained.report.validationExamples == 27)
        #expect(trained.report.trainingExamples == 153)
    }

    @Test(arguments: [EmbeddingClassifier.Kind.logistic, .mlp])
    func sameSeedSameWeights(kind: EmbeddingClassifier.Kind) throws {
        let examples = embeddingExamples(anchors: Self.anchors, perLabel: 40, noise: 0.3, seed: 3)
        let trainer = EmbeddingClassifierTrainer(kind: kind, hiddenUnits: 24, activation: .gelu, maxEpochs: 20, seed: 9)
        let a = try trainer.train(examples, embeddingModel: "test")
        let b = try trainer.train(examples, embeddingModel: "test")
        #expect(a == b)
        var other = trainer
        other.seed = 10
        #expect(try other.train(examples, embeddingModel: "test").model.layers != a.model.layers)
    }

    @Test(arguments: [EmbeddingClassifier.Kind.logistic, .mlp])
    func separableToySetIsLearnedPerfectly(kind: EmbeddingClassifier.Kind) throws {
        // Four labels on four orthogonal directions in 8 dimensions, small noise: linearly separable.
        var anchors: [String: [Float]] = [:]
        for (i, label) in ["billing", "delivery", "praise", "returns"].enumerated() {
            var v = [Float](repeating: 0, count: 8)
            v[2 * i] = 1
            anchors[label] = v
        }
        let examples = embeddingExamples(anchors: anchors, perLabel: 25, noise: 0.1, seed: 4)
        let trained = try EmbeddingClassifierTrainer(kind: kind, hiddenUnits: 16, learningRate: 0.02, validationFraction: 0.2).train(
            examples, embeddingModel: "toy")
        let predicted = try trained.model.predict(batch: examples.map(\.embedding)).map(\.label)
        let metrics = try ClassificationMetrics(truth: examples.map(\.label), predicted: predicted)
        #expect(metrics.accuracy == 1)
        #expect(trained.model.labels == ["billing", "delivery", "praise", "returns"])
    }

    @Test func mlpLearnsWhatLogisticRegressionCannot() throws {
        // XOR: the label is the sign of x·y for points in the plane (unit vectors), not linearly separable.
        var rng = SplitMix64(seed: 12)
        let examples = (0..<400).map { _ in
            let angle = Double.random(in: 0..<(2 * Double.pi), using: &rng)
            let v = [Float(cos(angle)), Float(sin(angle))]
            return LabeledEmbedding(embedding: v, label: v[0] * v[1] > 0 ? "same" : "opposite")
        }
        func accuracy(_ kind: EmbeddingClassifier.Kind) throws -> Double {
            let model = try EmbeddingClassifierTrainer(kind: kind, hiddenUnits: 32, learningRate: 0.02, maxEpochs: 200, patience: 20).train(
                examples, embeddingModel: "t"
            ).model
            let predicted = try model.predict(batch: examples.map(\.embedding)).map(\.label)
            return try ClassificationMetrics(truth: examples.map(\.label), predicted: predicted).accuracy
        }
        #expect(try accuracy(.logistic) < 0.7)
        #expect(try accuracy(.mlp) > 0.95)
    }

    @Test func jsonRoundTripIsExact() throws {
        let examples = embeddingExamples(anchors: Self.anchors, perLabel: 20, noise: 0.2, seed: 5)
        let model = try EmbeddingClassifierTrainer(kind: .mlp, hiddenUnits: 8, maxEpochs: 5).train(examples, embeddingModel: "all-MiniLM-L6-v2").model
        let data = model.jsonData()
        let back = try EmbeddingClassifier(jsonData: data)
        #expect(back == model)
        #expect(back.embeddingModel == "all-MiniLM-L6-v2")
        #expect(back.dimensions == 32)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"format\":\"clvkit.embedding-classifier\""))
        #expect(throws: InsightError.self) { try EmbeddingClassifier(jsonData: Data("{\"format\":\"other\"}".utf8)) }
        let wrongVersion = text.replacingOccurrences(of: "\"version\":1", with: "\"version\":99")
        #expect(throws: InsightError.self) { try EmbeddingClassifier(jsonData: Data(wrongVersion.utf8)) }
    }

    @Test func predictionsAndSentimentScore() throws {
        let examples = embeddingExamples(anchors: Self.anchors, perLabel: 50, noise: 0.1, seed: 6)
        let model = try EmbeddingClassifierTrainer().train(examples, embeddingModel: "test").model
        let p = try model.predict(Self.anchors["positive"]!)
        #expect(p.label == "positive")
        #expect(p.probabilities.reduce(0, +).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-5))
        let score = try #require(model.sentimentScore(p))
        #expect(score.isApproximatelyEqual(to: p.probability(of: "positive")! - p.probability(of: "negative")!, absoluteTolerance: 1e-12))
        #expect(score > 0.5)
        #expect(try model.sentimentScore(of: Self.anchors["negative"]!)! < -0.5)
        #expect(throws: InsightError.dimensionMismatch(expected: 32, found: 3)) { try model.predict([1, 0, 0]) }
    }

    @Test func sentimentScoreNeedsPositiveAndNegative() throws {
        let anchors = randomAnchors(["billing", "delivery"], dimensions: 8, seed: 7)
        let model = try EmbeddingClassifierTrainer(maxEpochs: 3).train(
            embeddingExamples(anchors: anchors, perLabel: 10, noise: 0.1, seed: 8), embeddingModel: "t"
        )
        .model
        #expect(model.sentimentScore(try model.predict(anchors["billing"]!)) == nil)
    }

    @Test func earlyStoppingKeepsTheBestEpoch() throws {
        // Heavy noise and a large step: the validation loss turns up, and the kept epoch is its minimum.
        let examples = embeddingExamples(anchors: Self.anchors, perLabel: 40, noise: 1.5, seed: 11)
        let trained = try EmbeddingClassifierTrainer(kind: .mlp, hiddenUnits: 64, learningRate: 0.02, l2: 0, maxEpochs: 200, patience: 4).train(
            examples, embeddingModel: "t")
        let report = trained.report
        let losses = report.epochs.compactMap(\.validationLoss)
        #expect(report.stoppedEarly)
        #expect(report.epochs.count == report.chosenEpoch + 4)
        #expect(losses[report.chosenEpoch - 1] == losses.min())
    }

    @Test func rejectsBadExamples() {
        let trainer = EmbeddingClassifierTrainer()
        let one = [LabeledEmbedding(embedding: [1, 0], label: "a"), LabeledEmbedding(embedding: [0, 1], label: "a")]
        #expect(throws: InsightError.self) { try trainer.train(one, embeddingModel: "t") }
        let mixed = [LabeledEmbedding(embedding: [1, 0], label: "a"), LabeledEmbedding(embedding: [0, 1, 0], label: "b")]
        #expect(throws: InsightError.dimensionMismatch(expected: 2, found: 3)) { try trainer.train(mixed, embeddingModel: "t") }
    }
}

@Suite struct ClassificationMetricsTests {
    @Test func handComputedThreeClassConfusion() throws {
        // truth \ predicted: a b c
        //   a               3 1 0     support 4
        //   b               1 2 1     support 4
        //   c               0 0 2     support 2
        // precision: a 3/4, b 2/3, c 2/3; recall: a 3/4, b 2/4, c 1.
        // F1: a 0.75, b 2·(2/3)(1/2)/(2/3+1/2) = 4/7, c 2·(2/3)/(5/3) = 0.8. Accuracy 7/10.
        let truth = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c"]
        let predicted = ["a", "a", "a", "b", "a", "b", "b", "c", "c", "c"]
        let m = try ClassificationMetrics(truth: truth, predicted: predicted)
        #expect(m.labels == ["a", "b", "c"])
        #expect(m.confusion == [[3, 1, 0], [1, 2, 1], [0, 0, 2]])
        #expect(m.accuracy.isApproximatelyEqual(to: 0.7, absoluteTolerance: 1e-15))
        let expected: [(Double, Double, Double, Int)] = [(0.75, 0.75, 0.75, 4), (2.0 / 3, 0.5, 4.0 / 7, 4), (2.0 / 3, 1, 0.8, 2)]
        for (s, e) in zip(m.perClass, expected) {
            #expect(s.precision.isApproximatelyEqual(to: e.0, absoluteTolerance: 1e-15))
            #expect(s.recall.isApproximatelyEqual(to: e.1, absoluteTolerance: 1e-15))
            #expect(s.f1.isApproximatelyEqual(to: e.2, absoluteTolerance: 1e-15))
            #expect(s.support == e.3)
        }
        #expect(m.macroF1.isApproximatelyEqual(to: (0.75 + 4.0 / 7 + 0.8) / 3, absoluteTolerance: 1e-15))
    }

    @Test func neverPredictedClassScoresZero() throws {
        let m = try ClassificationMetrics(truth: ["x", "y", "y"], predicted: ["y", "y", "y"])
        #expect(m.perClass[0].precision == 0)
        #expect(m.perClass[0].f1 == 0)
        #expect(m.perClass[1].precision.isApproximatelyEqual(to: 2.0 / 3, absoluteTolerance: 1e-15))
        #expect(throws: InsightError.self) { try ClassificationMetrics(truth: ["x"], predicted: []) }
    }
}
