import CLVText
import Foundation

/// What `clv finetune` writes besides the encoder: the head, its labels, and how it was trained.
public struct FineTunedHeadFile: Sendable, Equatable, Codable {
    public static let currentSchemaVersion = 1
    public var schemaVersion: Int
    /// `intent`, `sentiment` or `regression`.
    public var task: String
    public var head: FineTuneHead
    /// Class names by index (classification), empty otherwise.
    public var labels: [String]
    /// The base model the encoder was fine-tuned from (a known model name or a directory).
    public var base: String
    public var settings: FineTuneSettings
    /// Whether the head reads the direction of the pooled embedding (``FineTunedModel/normalizesEmbedding``).
    public var normalizesEmbedding: Bool
    public var epochs: [FineTuneEpoch]
    /// `[outputs, d]` row-major and `[outputs]`.
    public var weight: [Float]
    public var bias: [Float]
    /// The contrastive stage the encoder was trained with before the head, if any.
    public var contrastive: ContrastiveStage?
    /// The runs whose weights were averaged into this model (``FineTunedModel/init(averaging:)``), when there were
    /// several; ``epochs`` and ``contrastive`` are then the first run's.
    public var averagedRuns: [AveragedRun]?

    /// One of the runs of an averaged model.
    public struct AveragedRun: Sendable, Equatable, Codable {
        public var seed: UInt64
        public var epochs: [FineTuneEpoch]
        public var contrastive: ContrastiveStage?

        public init(seed: UInt64, epochs: [FineTuneEpoch], contrastive: ContrastiveStage?) {
            self.seed = seed
            self.epochs = epochs
            self.contrastive = contrastive
        }
    }

    /// How a SetFit contrastive stage ran (``FineTuner/trainContrastive(_:examples:pairs:settings:progress:)``).
    public struct ContrastiveStage: Sendable, Equatable, Codable {
        public var iterations: Int
        public var pairs: Int
        public var learningRate: Double
        public var epochs: [FineTuneEpoch]

        public init(iterations: Int, pairs: Int, learningRate: Double, epochs: [FineTuneEpoch]) {
            self.iterations = iterations
            self.pairs = pairs
            self.learningRate = learningRate
            self.epochs = epochs
        }
    }

    public init(
        task: String, head: FineTuneHead, labels: [String], base: String, settings: FineTuneSettings, epochs: [FineTuneEpoch],
        weight: [Float], bias: [Float], normalizesEmbedding: Bool = false, contrastive: ContrastiveStage? = nil,
        averagedRuns: [AveragedRun]? = nil
    ) {
        self.contrastive = contrastive
        self.averagedRuns = averagedRuns
        self.normalizesEmbedding = normalizesEmbedding
        schemaVersion = Self.currentSchemaVersion
        self.task = task
        self.head = head
        self.labels = labels
        self.base = base
        self.settings = settings
        self.epochs = epochs
        self.weight = weight
        self.bias = bias
    }
}

/// Writing a fine-tuned model: the encoder as a sentence-transformers folder (``SentenceTransformersDirectory``:
/// `model.safetensors` under `BertModel`'s names, the base's config and tokenizer files, mean pooling), the head's
/// tensors as `head.safetensors`, and `head.json` with its labels and how it was trained.
public enum FineTunedDirectory {
    /// Writes `model` into `directory` (created if needed; files of the same names are replaced).
    /// - Throws: ``ModelExportError``, or the file system's error for `head.json`.
    public static func write(
        _ model: FineTunedModel, head: FineTunedHeadFile, base: URL, maximumSequenceLength: Int, to directory: URL
    ) throws {
        var headTensors = SafetensorsWriter()
        headTensors.add("head.weight", shape: [model.head.outputs, model.configuration.hiddenSize], values: model.headWeight)
        headTensors.add("head.bias", shape: [model.head.outputs], values: model.headBias)
        try SentenceTransformersDirectory(url: directory).write(
            model.encoderWeights, base: base, maximumSequenceLength: maximumSequenceLength, head: headTensors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(head).write(to: directory.appendingPathComponent("head.json"), options: .atomic)
    }
}
