import CLVCore
import CLVInsight
import RealModule

/// A trained ZILN model, linear or a multilayer perceptron: standardises a customer's features and maps them to
/// P(buys again), mu and sigma of log spend.
public struct ZILNModel: Sendable, Equatable, Codable {
    public let featureSet: FeatureSet
    public let standardizer: Standardizer
    public let network: ZILNNetwork
    public let report: TrainingReport

    /// True for the linear model (no hidden layer).
    public var isLinear: Bool { network.layerCount == 1 }

    /// The raw outputs for every row of `table`.
    /// - Throws: ``LearnError/shapeMismatch(_:)`` when the table was built for another feature set.
    public func outputs(_ table: LearningTable) throws(LearnError) -> [ZILNOutputs] {
        try checkFeatureSet(table.featureSet, against: featureSet)
        let z = try standardizer.transformed(table.features)
        return (0..<z.rows).map { network.outputs(z.row($0)) }
    }

    /// The predicted distribution of every row's label.
    public func predict(_ table: LearningTable) throws(LearnError) -> [ZILNDistribution] {
        try outputs(table).map(ZILNDistribution.init(outputs:))
    }
}

/// Throws unless a table's features are the ones a model was trained on.
func checkFeatureSet(_ found: FeatureSet, against expected: FeatureSet) throws(LearnError) {
    guard found.names == expected.names else {
        throw .shapeMismatch("the table has features \(found.identifier), the model was trained on \(expected.identifier)")
    }
}

/// How training went: the losses per epoch and the epoch whose weights were kept.
public struct TrainingReport: Sendable, Equatable, Codable {
    public var trainingRows: Int
    public var validationRows: Int
    /// Mean training loss of each epoch (for trees: of each boosting round).
    public var trainingLoss: [Double]
    /// Mean validation loss after each epoch; training stopped `patience` epochs after the best one.
    public var validationLoss: [Double]
    /// The epoch (1-based; for trees the number of rounds) whose weights the model keeps.
    public var bestEpoch: Int

    public init(trainingRows: Int, validationRows: Int, trainingLoss: [Double], validationLoss: [Double], bestEpoch: Int) {
        self.trainingRows = trainingRows
        self.validationRows = validationRows
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.bestEpoch = bestEpoch
    }
}

/// Trains a ``ZILNModel`` with Adam on mini-batches, stopping early on a held-out validation split.
///
/// - The inputs are standardised with the training split's means and deviations (CLVInsight's ``Standardizer``)
///   and clipped to ±5 deviations.
/// - The output biases start at the training split's buyer share, mean and deviation of log spend, so the first
///   epoch starts from the intercept-only model instead of from noise.
/// - Weights are Glorot-uniform from a ``SplitMix64`` seeded with ``seed``; batches are reshuffled from the same
///   generator every epoch; everything runs on one thread in `Double`, so a seed gives the same model bit for bit.
/// - The loss is the mean ZILN loss (``ZILNLoss``) plus `l2` Σw² over the weights (not the biases).
public struct ZILNTrainer: Sendable, Equatable {
    /// Hidden layer widths: `[]` for the linear model, one or two widths for the MLP.
    public var hiddenLayers: [Int]
    public var learningRate: Double
    public var batchSize: Int
    public var maximumEpochs: Int
    /// Epochs without a better validation loss before training stops.
    public var patience: Int
    public var validationFraction: Double
    public var l2: Double
    public var seed: UInt64

    public init(
        hiddenLayers: [Int] = [], learningRate: Double = 0.005, batchSize: Int = 256, maximumEpochs: Int = 300, patience: Int = 15,
        validationFraction: Double = 0.2, l2: Double = 1e-4, seed: UInt64 = 0
    ) {
        self.hiddenLayers = hiddenLayers
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.maximumEpochs = maximumEpochs
        self.patience = patience
        self.validationFraction = validationFraction
        self.l2 = l2
        self.seed = seed
    }

    /// The linear ZILN model's settings.
    public static let linear = ZILNTrainer(hiddenLayers: [], learningRate: 0.01)
    /// The MLP's settings: two ReLU layers of 32 and 16 units.
    public static let mlp = ZILNTrainer(hiddenLayers: [32, 16], learningRate: 0.002)

    /// Trains on a labelled table.
    /// - Throws: ``LearnError/tooFewRows(needed:found:what:)`` without enough rows or buyers on both sides of the
    ///   split, ``LearnError/invalidOption(_:)`` for bad settings, ``LearnError/shapeMismatch(_:)`` without labels.
    public func fit(_ table: LearningTable) throws(LearnError) -> ZILNModel {
        guard hiddenLayers.count <= 2, hiddenLayers.allSatisfy({ $0 > 0 }) else { throw .invalidOption("Use at most two hidden layers of positive width") }
        guard learningRate > 0, batchSize > 0, maximumEpochs > 0, patience > 0, l2 >= 0, validationFraction > 0, validationFraction < 1 else {
            throw .invalidOption("Learning rate, batch size, epochs and patience must be positive, l2 at least 0, the validation fraction in (0, 1)")
        }
        guard let labels = table.labels else { throw .shapeMismatch("training needs labels (the spend in the period after the cutoff)") }
        var rng = SplitMix64(seed: seed)
        let (trainRows, validRows) = split(table.count, fraction: validationFraction, rng: &rng)
        let trainBuyers = trainRows.filter { labels[$0] > 0 }.count
        guard trainRows.count >= 10, validRows.count >= 2 else { throw .tooFewRows(needed: 13, found: table.count, what: "customers") }
        guard trainBuyers >= 2, trainBuyers < trainRows.count else {
            throw .tooFewRows(needed: 2, found: min(trainBuyers, trainRows.count - trainBuyers), what: "buyers and non-buyers each")
        }
        let standardizer: Standardizer
        do { standardizer = try Standardizer(fitting: table.features.selectingRows(trainRows)) } catch { throw .shapeMismatch(error.description) }
        let x = try standardizer.transformed(table.features)
        var network = initialNetwork(inputs: table.featureSet.count, labels: trainRows.map { labels[$0] }, rng: &rng)
        var adam = FlatAdam(count: network.parameters.count, learningRate: learningRate)
        var best = network
        var bestLoss = Double.infinity
        var bestEpoch = 0
        var trainingLoss: [Double] = []
        var validationLoss: [Double] = []
        var order = trainRows
        for epoch in 1...maximumEpochs {
            order.shuffle(using: &rng)
            var sum = 0.0
            var start = 0
            while start < order.count {
                let batch = order[start..<min(start + batchSize, order.count)]
                var gradient = [Double](repeating: 0, count: network.parameters.count)
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in batch {
                        let a = x.elements.withUnsafeBufferPointer { e in
                            network.forward(UnsafeBufferPointer(rebasing: e[(i * x.columns)..<((i + 1) * x.columns)]))
                        }
                        let o = a.last!
                        let (loss, d) = ZILNLoss.lossAndGradient(ZILNOutputs(logit: o[0], mu: o[1], rawScale: o[2]), label: labels[i])
                        sum += loss
                        network.backward(a, outputGradient: [d.0, d.1, d.2], into: g)
                    }
                }
                let scale = 1 / Double(batch.count)
                for k in gradient.indices { gradient[k] *= scale }
                addWeightDecay(network, &gradient)
                adam.step(&network.parameters, gradient: gradient)
                start += batchSize
            }
            trainingLoss.append(sum / Double(order.count))
            let v = meanLoss(network, x, labels, validRows)
            validationLoss.append(v)
            if v < bestLoss {
                bestLoss = v
                best = network
                bestEpoch = epoch
            } else if epoch - bestEpoch >= patience {
                break
            }
        }
        let report = TrainingReport(
            trainingRows: trainRows.count, validationRows: validRows.count, trainingLoss: trainingLoss, validationLoss: validationLoss, bestEpoch: bestEpoch)
        return ZILNModel(featureSet: table.featureSet, standardizer: standardizer, network: best, report: report)
    }

    private func addWeightDecay(_ network: ZILNNetwork, _ gradient: inout [Double]) {
        guard l2 > 0 else { return }
        for l in 0..<network.layerCount {
            let base = network.offset(layer: l), count = network.widths[l] * network.widths[l + 1]
            for k in base..<(base + count) { gradient[k] += 2 * l2 * network.parameters[k] }
        }
    }

    private func meanLoss(_ network: ZILNNetwork, _ x: FeatureMatrix, _ labels: [Double], _ rows: [Int]) -> Double {
        var sum = 0.0
        for i in rows { sum += ZILNLoss.lossAndGradient(network.outputs(x.row(i)), label: labels[i]).loss }
        return sum / Double(rows.count)
    }

    private func initialNetwork(inputs d: Int, labels: [Double], rng: inout SplitMix64) -> ZILNNetwork {
        let widths = [d] + hiddenLayers + [3]
        var parameters: [Double] = []
        for (n, m) in zip(widths, widths.dropFirst()) {
            let limit = (6 / Double(n + m)).squareRoot()
            for _ in 0..<(n * m) { parameters.append(Double.random(in: -limit...limit, using: &rng)) }
            parameters.append(contentsOf: [Double](repeating: 0, count: m))
        }
        // The intercept-only ZILN fit as the output biases.
        let logs = labels.filter { $0 > 0 }.map { Double.log($0) }
        let share = Double(logs.count) / Double(labels.count)
        let mean = logs.reduce(0, +) / Double(logs.count)
        let sd = max((logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count)).squareRoot(), 0.05)
        let outputBias = parameters.count - 3
        parameters[outputBias] = logit(share)
        parameters[outputBias + 1] = mean
        // softplus⁻¹(sd) = log(eˢᵈ − 1).
        parameters[outputBias + 2] = Double.log(Double.expMinusOne(sd))
        return ZILNNetwork(widths: widths, parameters: parameters)
    }
}

/// A seeded split of `0..<n` into training and validation rows, each in increasing order.
func split(_ n: Int, fraction: Double, rng: inout SplitMix64) -> (training: [Int], validation: [Int]) {
    var all = Array(0..<n)
    all.shuffle(using: &rng)
    let validationCount = Int((Double(n) * fraction).rounded())
    return (all.dropFirst(validationCount).sorted(), all.prefix(validationCount).sorted())
}

extension Standardizer {
    /// How many deviations from the mean a standardised input may lie: beyond it, inputs are clipped.
    ///
    /// Customer features are heavy-tailed (a wholesaler with 200 orders sits 40 deviations out); a linear
    /// sigma or mu would extrapolate that into exp(hundreds). Clipping is part of the model's definition, so
    /// predictions and explanations both see the clipped value.
    static let inputClip = 5.0

    /// ``transform(_:)`` with CLVLearn's error, clipped to ±``inputClip``.
    func transformed(_ x: FeatureMatrix) throws(LearnError) -> FeatureMatrix {
        let z: FeatureMatrix
        do { z = try transform(x) } catch { throw .shapeMismatch(error.description) }
        return try LearningTable.matrix(z.rows, z.columns, z.elements.map { min(max($0, -Self.inputClip), Self.inputClip) })
    }
}
