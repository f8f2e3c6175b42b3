import CLVCore
import Foundation

/// Trains an ``EmbeddingClassifier`` with Adam on mini-batches, stopping early on a stratified validation split.
///
/// - The labels are sorted; a seeded stratified split holds out `validationFraction` of each class (at least one
///   example stays in training); the training rows are reshuffled every epoch with the same seeded stream.
/// - Adam (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1) minimises the mean cross-entropy plus
///   `l2/2 · ‖W‖²` over the weight matrices (classic L2, added to the gradient, not decoupled weight decay).
/// - After each epoch the validation loss is measured; training stops after `patience` epochs without a new
///   minimum, and the weights of the best epoch are returned. With no validation rows (too few examples, or
///   `validationFraction == 0`) all `maxEpochs` run and the last epoch is kept.
///
/// The same examples, configuration and seed give the same weights bit for bit (single-threaded, fixed order).
public struct EmbeddingClassifierTrainer: Sendable, Equatable {
    /// Logistic regression or MLP.
    public var kind: EmbeddingClassifier.Kind
    /// Hidden units of the MLP.
    public var hiddenUnits: Int
    /// The MLP's hidden activation.
    public var activation: EmbeddingClassifier.Activation
    /// Adam's step size α.
    public var learningRate: Float
    /// The L2 penalty λ on the weights.
    public var l2: Float
    /// Examples per Adam step.
    public var batchSize: Int
    /// The most epochs trained.
    public var maxEpochs: Int
    /// Epochs without a lower validation loss before stopping.
    public var patience: Int
    /// The share of each class held out for early stopping, in [0, 0.5].
    public var validationFraction: Double
    /// The seed of the split, the shuffling and the MLP's initial weights.
    public var seed: UInt64

    /// A trainer; the defaults suit a few hundred to a few hundred thousand 384-dimensional embeddings.
    public init(
        kind: EmbeddingClassifier.Kind = .logistic, hiddenUnits: Int = 128, activation: EmbeddingClassifier.Activation = .relu, learningRate: Float = 0.01,
        l2: Float = 1e-4, batchSize: Int = 32, maxEpochs: Int = 100, patience: Int = 5, validationFraction: Double = 0.15, seed: UInt64 = 0
    ) {
        self.kind = kind
        self.hiddenUnits = hiddenUnits
        self.activation = activation
        self.learningRate = learningRate
        self.l2 = l2
        self.batchSize = batchSize
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.validationFraction = validationFraction
        self.seed = seed
    }

    /// Trains a classifier on `examples`.
    ///
    /// - Parameters:
    ///   - examples: embeddings of one model, all of one dimension, with at least two distinct labels.
    ///   - embeddingModel: the name of the model that made the embeddings, recorded in the classifier.
    /// - Returns: the classifier (best validation epoch) and the per-epoch report.
    /// - Throws: ``InsightError/tooFewRows(needed:found:)``, ``InsightError/invalidParameter(_:)`` for a single
    ///   label or a bad setting, ``InsightError/dimensionMismatch(expected:found:)`` for vectors of mixed length,
    ///   ``InsightError/nonFinite(row:column:)`` for NaN or infinite components.
    /// - Complexity: O(epochs · n · parameters).
    public func train(_ examples: [LabeledEmbedding], embeddingModel: String) throws(InsightError) -> TrainedClassifier {
        try validate(examples)
        let labels = Array(Set(examples.map(\.label))).sorted()
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        let targets = examples.map { index[$0.label]! }
        let d = examples[0].embedding.count
        var rng = SplitMix64(seed: seed)
        let (training, validation) = Self.stratifiedSplit(targets, classes: labels.count, fraction: validationFraction, rng: &rng)

        var network = Network(layers: initialLayers(inputs: d, classes: labels.count, rng: &rng), activation: activation)
        var optimizer = Adam(layers: network.layers, learningRate: learningRate)
        let validationX = validation.flatMap { examples[$0].embedding }
        let validationY = validation.map { targets[$0] }

        var order = training
        var records: [TrainingReport.Epoch] = []
        var best: (loss: Double, epoch: Int, layers: [DenseLayer])?
        var stale = 0
        var batch = [Float](repeating: 0, count: batchSize * d)
        for epoch in 1...maxEpochs {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int.random(in: 0...i, using: &rng)) }
            var lossSum = 0.0
            var start = 0
            while start < order.count {
                let rows = min(batchSize, order.count - start)
                for r in 0..<rows {
                    let e = examples[order[start + r]].embedding
                    for j in 0..<d { batch[r * d + j] = e[j] }
                }
                let g = network.gradients(
                    rows == batchSize ? batch : Array(batch[0..<(rows * d)]), rows: rows, targets: order[start..<(start + rows)].map { targets[$0] }, l2: l2
                )
                lossSum += g.lossSum
                optimizer.step(&network.layers, weightGradients: g.weights, biasGradients: g.biases)
                start += rows
            }
            let trainingLoss = lossSum / Double(order.count)
            guard !validation.isEmpty else {
                records.append(TrainingReport.Epoch(epoch: epoch, trainingLoss: trainingLoss, validationLoss: nil, validationAccuracy: nil))
                best = (0, epoch, network.layers)
                continue
            }
            let logits = network.forward(validationX, rows: validation.count).logits
            let c = labels.count
            let validationLoss = Network.crossEntropySum(logits, columns: c, targets: validationY) / Double(validation.count)
            var correct = 0
            for (r, y) in validationY.enumerated() {
                var arg = 0
                for j in 1..<c where logits[r * c + j] > logits[r * c + arg] { arg = j }
                if arg == y { correct += 1 }
            }
            records.append(
                TrainingReport.Epoch(
                    epoch: epoch, trainingLoss: trainingLoss, validationLoss: validationLoss, validationAccuracy: Double(correct) / Double(validation.count)
                )
            )
            if best == nil || validationLoss < best!.loss {
                best = (validationLoss, epoch, network.layers)
                stale = 0
            } else {
                stale += 1
                if stale >= patience { break }
            }
        }
        let chosen = best!
        let model = EmbeddingClassifier(kind: kind, activation: activation, labels: labels, embeddingModel: embeddingModel, layers: chosen.layers)
        let report = TrainingReport(
            epochs: records, chosenEpoch: chosen.epoch, trainingExamples: training.count, validationExamples: validation.count,
            stoppedEarly: records.count < maxEpochs
        )
        return TrainedClassifier(model: model, report: report)
    }

    private func validate(_ examples: [LabeledEmbedding]) throws(InsightError) {
        guard examples.count >= 2 else { throw .tooFewRows(needed: 2, found: examples.count) }
        guard Set(examples.map(\.label)).count >= 2 else { throw .invalidParameter("classifier: the examples need at least two distinct labels") }
        guard batchSize >= 1, maxEpochs >= 1, patience >= 1, hiddenUnits >= 1 else {
            throw .invalidParameter("classifier: batchSize, maxEpochs, patience and hiddenUnits must be at least 1")
        }
        guard learningRate > 0, learningRate.isFinite, l2 >= 0, l2.isFinite else {
            throw .invalidParameter("classifier: the learning rate must be positive and the L2 penalty ≥ 0")
        }
        guard validationFraction >= 0, validationFraction <= 0.5 else { throw .invalidParameter("classifier: validationFraction must be in [0, 0.5]") }
        let d = examples[0].embedding.count
        guard d > 0 else { throw .dimensionMismatch(expected: 1, found: 0) }
        for (i, e) in examples.enumerated() {
            guard e.embedding.count == d else { throw .dimensionMismatch(expected: d, found: e.embedding.count) }
            if let j = e.embedding.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(row: i, column: j) }
        }
    }

    /// Zero weights for logistic regression (a convex problem: any start reaches the optimum); He-uniform
    /// (ReLU) or Glorot-uniform (GELU) hidden weights and Glorot-uniform output weights for the MLP.
    private func initialLayers(inputs d: Int, classes c: Int, rng: inout SplitMix64) -> [DenseLayer] {
        switch kind {
        case .logistic:
            return [DenseLayer(inputs: d, outputs: c, weights: [Float](repeating: 0, count: c * d), bias: [Float](repeating: 0, count: c))]
        case .mlp:
            let h = hiddenUnits
            let hiddenLimit = activation == .relu ? (6 / Float(d)).squareRoot() : (6 / Float(d + h)).squareRoot()
            let outputLimit = (6 / Float(h + c)).squareRoot()
            let w1 = (0..<(h * d)).map { _ in Float.random(in: -hiddenLimit...hiddenLimit, using: &rng) }
            let w2 = (0..<(c * h)).map { _ in Float.random(in: -outputLimit...outputLimit, using: &rng) }
            return [
                DenseLayer(inputs: d, outputs: h, weights: w1, bias: [Float](repeating: 0, count: h)),
                DenseLayer(inputs: h, outputs: c, weights: w2, bias: [Float](repeating: 0, count: c)),
            ]
        }
    }

    /// Per class, a seeded shuffle of its rows; the first `round(fraction · count)` (at most `count − 1`) are held out.
    public static func stratifiedSplit(_ targets: [Int], classes: Int, fraction: Double, rng: inout SplitMix64) -> (training: [Int], validation: [Int]) {
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, y) in targets.enumerated() { byClass[y].append(i) }
        var training: [Int] = []
        var validation: [Int] = []
        for var rows in byClass {
            for i in stride(from: rows.count - 1, to: 0, by: -1) { rows.swapAt(i, Int.random(in: 0...i, using: &rng)) }
            let held = min(Int((Double(rows.count) * fraction).rounded()), rows.count - 1)
            validation += rows[0..<max(held, 0)]
            training += rows[max(held, 0)...]
        }
        return (training.sorted(), validation.sorted())
    }
}

/// A trained classifier and how its training went.
public struct TrainedClassifier: Sendable, Equatable {
    /// The classifier with the weights of ``TrainingReport/chosenEpoch``.
    public let model: EmbeddingClassifier
    /// Per-epoch losses and the chosen epoch.
    public let report: TrainingReport
}

/// Per-epoch training loss and validation loss/accuracy of one training run.
public struct TrainingReport: Sendable, Equatable, Codable {
    /// One epoch.
    public struct Epoch: Sendable, Equatable, Codable {
        /// 1-based epoch number.
        public let epoch: Int
        /// Mean cross-entropy over the epoch's training batches (as the weights moved; without the L2 term).
        public let trainingLoss: Double
        /// Mean cross-entropy on the validation rows after the epoch; nil without validation rows.
        public let validationLoss: Double?
        /// Share of validation rows classified correctly after the epoch; nil without validation rows.
        public let validationAccuracy: Double?
    }

    /// Every epoch trained, in order.
    public let epochs: [Epoch]
    /// The epoch whose weights the model has (lowest validation loss; the last without validation).
    public let chosenEpoch: Int
    /// Rows trained on.
    public let trainingExamples: Int
    /// Rows held out for early stopping.
    public let validationExamples: Int
    /// Whether patience ran out before `maxEpochs`.
    public let stoppedEarly: Bool
}

/// Adam's state for every weight and bias (Kingma & Ba 2015, Algorithm 1, β₁ = 0.9, β₂ = 0.999, ε = 1e−8).
struct Adam {
    let learningRate: Float
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    var step = 0
    var m: [[Float]]
    var v: [[Float]]

    init(layers: [DenseLayer], learningRate: Float) {
        self.learningRate = learningRate
        m = layers.flatMap { [[Float](repeating: 0, count: $0.weights.count), [Float](repeating: 0, count: $0.bias.count)] }
        v = m
    }

    mutating func step(_ layers: inout [DenseLayer], weightGradients: [[Float]], biasGradients: [[Float]]) {
        step += 1
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
        for l in layers.indices {
            update(&layers[l].weights, gradient: weightGradients[l], slot: 2 * l, c1: c1, c2: c2)
            update(&layers[l].bias, gradient: biasGradients[l], slot: 2 * l + 1, c1: c1, c2: c2)
        }
    }

    private mutating func update(_ parameters: inout [Float], gradient: [Float], slot: Int, c1: Float, c2: Float) {
        let (b1, b2, rate, eps) = (beta1, beta2, learningRate, epsilon)
        m[slot].withUnsafeMutableBufferPointer { m in
            v[slot].withUnsafeMutableBufferPointer { v in
                parameters.withUnsafeMutableBufferPointer { w in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0..<w.count {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            w[i] -= rate * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}
