import Foundation

/// A text classifier on sentence embeddings: multinomial logistic regression, or a one-hidden-layer perceptron,
/// over the unit-length vectors of a ``TextEmbeddingModel``-style encoder.
///
/// Train one with ``EmbeddingClassifierTrainer``; save it with ``jsonData()`` and read it back with
/// ``init(jsonData:)``. A model only makes sense on vectors of the embedding model it was trained on
/// (``embeddingModel``): vectors of another model live in another space even when the dimensions agree.
public struct EmbeddingClassifier: Sendable, Equatable, Codable {
    /// The family of classifier.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Multinomial logistic regression (softmax over one linear layer), with L2 on the weights.
        case logistic
        /// One hidden layer with ``Activation``, then softmax; L2 on both weight matrices.
        case mlp
    }

    /// The hidden layer's nonlinearity.
    public enum Activation: String, Sendable, Codable, CaseIterable {
        /// `max(0, x)`.
        case relu
        /// `x·Φ(x)` (Hendrycks & Gimpel 2016, arXiv:1606.08415), exact form with `erf`.
        case gelu
    }

    /// The value of ``format`` in every saved model.
    public static let formatName = "clvkit.embedding-classifier"
    /// The saved-model version this code writes and reads.
    public static let currentVersion = 1

    /// Always ``formatName``.
    public let format: String
    /// The saved-model version (``currentVersion``).
    public let version: Int
    /// Logistic regression or MLP.
    public let kind: Kind
    /// The hidden activation (unused by logistic regression).
    public let activation: Activation
    /// The classes, in the order of the output units and of ``ClassPrediction/probabilities``.
    public let labels: [String]
    /// The name of the embedding model whose vectors the classifier reads (e.g. `all-MiniLM-L6-v2`).
    public let embeddingModel: String
    /// The embedding dimension.
    public let dimensions: Int
    /// The layers, input first: one for logistic regression, two for the MLP.
    public let layers: [DenseLayer]

    init(kind: Kind, activation: Activation, labels: [String], embeddingModel: String, layers: [DenseLayer]) {
        format = Self.formatName
        version = Self.currentVersion
        self.kind = kind
        self.activation = activation
        self.labels = labels
        self.embeddingModel = embeddingModel
        dimensions = layers[0].inputs
        self.layers = layers
    }

    /// Reads a model saved by ``jsonData()``.
    ///
    /// - Throws: ``InsightError/unreadableModel(_:)`` when the data is not such a model, is of another version,
    ///   or its layers do not fit together.
    public init(jsonData: Data) throws(InsightError) {
        let model: EmbeddingClassifier
        do {
            model = try JSONDecoder().decode(EmbeddingClassifier.self, from: jsonData)
        } catch {
            throw .unreadableModel("not an embedding classifier (\(error))")
        }
        guard model.format == Self.formatName else { throw .unreadableModel("format is \"\(model.format)\", expected \"\(Self.formatName)\"") }
        guard model.version == Self.currentVersion else {
            throw .unreadableModel("version \(model.version); this CLVKit reads version \(Self.currentVersion): retrain or upgrade")
        }
        let expectedLayers = model.kind == .logistic ? 1 : 2
        guard model.layers.count == expectedLayers, model.labels.count >= 2, Set(model.labels).count == model.labels.count,
            model.layers[0].inputs == model.dimensions, model.layers.last!.outputs == model.labels.count,
            zip(model.layers, model.layers.dropFirst()).allSatisfy({ $0.outputs == $1.inputs })
        else { throw .unreadableModel("the layers do not fit the dimension \(model.dimensions) and \(model.labels.count) labels") }
        self = model
    }

    /// The model as JSON (keys sorted, so that the same model gives the same bytes).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field is a string, an integer or a base64 string: encoding cannot fail.
        return try! encoder.encode(self)
    }

    /// The class probabilities of one embedding.
    ///
    /// - Throws: ``InsightError/dimensionMismatch(expected:found:)`` for a vector of another length,
    ///   ``InsightError/nonFinite(row:column:)`` for NaN or infinite components.
    public func predict(_ embedding: [Float]) throws(InsightError) -> ClassPrediction {
        try predict(batch: [embedding])[0]
    }

    /// The class probabilities of several embeddings (one matrix product per layer).
    ///
    /// - Throws: as ``predict(_:)``, with the row of the first bad vector.
    /// - Complexity: O(n · parameters).
    public func predict(batch embeddings: [[Float]]) throws(InsightError) -> [ClassPrediction] {
        var x: [Float] = []
        x.reserveCapacity(embeddings.count * dimensions)
        for (i, e) in embeddings.enumerated() {
            guard e.count == dimensions else { throw .dimensionMismatch(expected: dimensions, found: e.count) }
            if let j = e.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(row: i, column: j) }
            x.append(contentsOf: e)
        }
        let network = Network(layers: layers, activation: activation)
        let probabilities = network.probabilities(x, rows: embeddings.count)
        let c = labels.count
        return (0..<embeddings.count).map { i in
            let p = (0..<c).map { Double(probabilities[i * c + $0]) }
            return ClassPrediction(labels: labels, probabilities: p)
        }
    }

    /// P(positive) − P(negative), in [−1, 1], when the labels include `positive` and `negative` (any case); nil
    /// otherwise. Other labels (`neutral`, `mixed`) count as neither.
    public func sentimentScore(_ prediction: ClassPrediction) -> Double? {
        guard let positive = prediction.probability(ofLabelIgnoringCase: "positive"),
            let negative = prediction.probability(ofLabelIgnoringCase: "negative")
        else { return nil }
        return positive - negative
    }

    /// ``sentimentScore(_:)`` of one embedding.
    ///
    /// - Throws: as ``predict(_:)``.
    public func sentimentScore(of embedding: [Float]) throws(InsightError) -> Double? {
        sentimentScore(try predict(embedding))
    }
}

/// The classes' probabilities for one input.
public struct ClassPrediction: Sendable, Equatable, Codable {
    /// The most probable class (the first of the most probable on a tie).
    public let label: String
    /// The classes, in the model's order.
    public let labels: [String]
    /// The probability of each class, in the order of ``labels``; they sum to 1.
    public let probabilities: [Double]

    init(labels: [String], probabilities: [Double]) {
        var best = 0
        for i in probabilities.indices where probabilities[i] > probabilities[best] { best = i }
        self.label = labels[best]
        self.labels = labels
        self.probabilities = probabilities
    }

    /// The probability of `label`, or nil for a label the model does not know.
    public func probability(of label: String) -> Double? {
        labels.firstIndex(of: label).map { probabilities[$0] }
    }

    func probability(ofLabelIgnoringCase label: String) -> Double? {
        labels.firstIndex { $0.lowercased() == label }.map { probabilities[$0] }
    }
}

/// An embedding with its class, for training and evaluation.
public struct LabeledEmbedding: Sendable, Equatable {
    /// The unit-length sentence embedding.
    public var embedding: [Float]
    /// The class, any string (`positive`, `refund_request`, …).
    public var label: String

    public init(embedding: [Float], label: String) {
        self.embedding = embedding
        self.label = label
    }
}
