import CLVCore
import CLVNumerics
import CLVText
import Foundation

/// How a fine-tuning run trains.
public struct FineTuneSettings: Sendable, Equatable, Codable {
    /// Most passes over the training data.
    public var epochs: Int
    /// Examples per optimiser step.
    public var batchSize: Int
    /// The peak learning rate of the linear warm-up and decay.
    public var learningRate: Double
    /// The head's peak learning rate (`nil`: ``learningRate``): a new head starts from random weights and, at an
    /// encoder's rate, moves too little in a few hundred steps (SetFit trains its head at 1e-2).
    public var headLearningRate: Double?
    /// AdamW's decoupled weight decay λ, on dense and embedding weights only.
    public var weightDecay: Double
    /// The share of all steps spent warming up.
    public var warmupFraction: Double
    /// The largest global L2 norm of a gradient (larger ones are scaled down).
    public var maximumGradientNorm: Double
    /// The drop probability of every dropout (BERT's `hidden_dropout_prob`, 0.1).
    public var dropout: Double
    /// Seeds shuffling, dropout and the head's initialisation.
    public var seed: UInt64
    /// Epochs without a better validation score before stopping.
    public var patience: Int
    /// ε of label smoothing for a classification head (0: plain cross-entropy); evaluation always uses plain
    /// cross-entropy.
    public var labelSmoothing: Double
    /// Layer-wise learning-rate decay ξ in (0, 1]: encoder layer l of L trains at ξ^(L−1−l) times the rate, the
    /// embeddings at ξ^L (1: every encoder weight at the rate).
    public var layerRateDecay: Double
    /// The probability that a training text's inner word piece is left out at a step (0: none): data augmentation
    /// for few-shot training (``TokenDropout``); evaluation and inference read whole texts.
    public var tokenDropout: Double
    /// Shards each batch is cut into, one per thread; the result depends on this number (not on the machine's
    /// cores), so a seed reproduces a run bit for bit with the same value.
    public var shards: Int

    /// BERT fine-tuning defaults (Devlin et al. 2019, appendix A.3; Hugging Face's `Trainer`): 2e-5, batch 32,
    /// 10% warm-up, λ = 0.01, clipping at 1, dropout 0.1.
    public init(
        epochs: Int = 3, batchSize: Int = 32, learningRate: Double = 2e-5, weightDecay: Double = 0.01,
        warmupFraction: Double = 0.1, maximumGradientNorm: Double = 1, dropout: Double = 0.1, seed: UInt64 = 42,
        patience: Int = 2, shards: Int = 2, headLearningRate: Double? = nil, labelSmoothing: Double = 0, layerRateDecay: Double = 1,
        tokenDropout: Double = 0
    ) {
        self.headLearningRate = headLearningRate
        self.labelSmoothing = labelSmoothing
        self.layerRateDecay = layerRateDecay
        self.tokenDropout = tokenDropout
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.warmupFraction = warmupFraction
        self.maximumGradientNorm = maximumGradientNorm
        self.dropout = dropout
        self.seed = seed
        self.patience = patience
        self.shards = shards
    }

    /// Pairs in a batch of the contrastive stage: as many texts as a batch of the head stage.
    public var pairsPerBatch: Int { max(1, batchSize / 2) }

    /// What is wrong with the settings, or `nil`.
    public var problem: String? {
        if epochs < 1 { return "epochs must be at least 1" }
        if batchSize < 1 { return "the batch size must be at least 1" }
        if !(learningRate > 0) { return "the learning rate must be positive" }
        if let headLearningRate, !(headLearningRate > 0) { return "the head's learning rate must be positive" }
        if !(weightDecay >= 0) { return "the weight decay must be ≥ 0" }
        if !(warmupFraction >= 0 && warmupFraction < 1) { return "the warm-up fraction must be in [0, 1)" }
        if !(maximumGradientNorm > 0) { return "the gradient norm limit must be positive" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1)" }
        if patience < 1 { return "patience must be at least 1" }
        if shards < 1 { return "shards must be at least 1" }
        if !(labelSmoothing >= 0 && labelSmoothing < 1) { return "label smoothing must be in [0, 1)" }
        if !(layerRateDecay > 0 && layerRateDecay <= 1) { return "the layer-wise rate decay must be in (0, 1]" }
        if !(tokenDropout >= 0 && tokenDropout < 1) { return "token dropout must be in [0, 1)" }
        return nil
    }
}

/// How one epoch went.
public struct FineTuneEpoch: Sendable, Equatable, Codable {
    public var epoch: Int
    /// Mean training loss over the epoch's batches (with dropout).
    public var trainingLoss: Double
    /// Mean loss on the validation examples (no dropout), `nil` without validation data.
    public var validationLoss: Double?
    /// Accuracy for classification, else `nil`.
    public var validationAccuracy: Double?
    /// Training examples per second of wall time (forward, backward and optimiser).
    public var examplesPerSecond: Double
    public var seconds: Double
}

/// Progress inside an epoch, for a progress line.
public struct FineTuneProgress: Sendable, Equatable {
    public var epoch: Int, epochs: Int
    public var step: Int, stepsPerEpoch: Int
    /// Mean training loss of the epoch so far.
    public var loss: Double
    public var examplesPerSecond: Double
}

/// Evaluation of a model on labelled examples.
public struct FineTuneEvaluation: Sendable, Equatable, Codable {
    /// Mean loss (no dropout).
    public var loss: Double
    /// Share of examples whose highest logit is the label (classification only).
    public var accuracy: Double?
}

/// Training failed before it started.
public enum FineTuneError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSettings(String)
    case invalidExample(index: Int, reason: String)
    case noTrainingData

    public var description: String {
        switch self {
        case let .invalidSettings(problem): "Fine-tuning settings are unusable: \(problem)."
        case let .invalidExample(index, reason): "Training example \(index + 1) is unusable: \(reason); fix or drop it."
        case .noTrainingData: "There are no training examples: give a file with at least one labelled row."
        }
    }
}

/// Fine-tunes a ``FineTunedModel``: AdamW with linear warm-up and decay, gradient clipping, seeded
/// length-bucketed batches and dropout, evaluation on the validation examples after each epoch, and early
/// stopping that keeps the best epoch's parameters.
///
/// **Threads.** Each batch is cut into ``FineTuneSettings/shards`` shards of about equal token count that run
/// their forward and backward passes at once (data parallelism), each with single-threaded OpenBLAS: the
/// LayerNorm, softmax and GELU loops run on every core too, and the matrices of short texts are too small
/// for OpenBLAS's own threads to pay. The caller sets OpenBLAS to one thread (`clv` does at start).
public enum FineTuner {
    /// Trains `model` in place and returns one report per epoch run.
    ///
    /// - Parameters:
    ///   - validation: examples to evaluate on after each epoch and to stop early on (empty: run every epoch).
    ///   - progress: called after every step, on the calling thread.
    /// - Throws: ``FineTuneError``.
    public static func train(
        _ model: inout FineTunedModel, training: [FineTuneExample], validation: [FineTuneExample] = [],
        settings: FineTuneSettings, progress: (FineTuneProgress) -> Void = { _ in }
    ) throws(FineTuneError) -> [FineTuneEpoch] {
        if let problem = settings.problem { throw .invalidSettings(problem) }
        guard !training.isEmpty else { throw .noTrainingData }
        try check(training + validation, model: model)
        let threads = ParallelFor(threads: settings.shards)
        var best: (score: Double, parameters: [Float])?
        var epochsWithoutGain = 0
        let (layout, head, normalizesEmbedding) = (model.layout, model.head, model.normalizesEmbedding)
        let reports = optimize(
            &model, units: training.map(\.tokens.count), settings: settings,
            headRateFactor: (settings.headLearningRate ?? settings.learningRate) / settings.learningRate, threads: threads,
            progress: progress,
            batchLoss: { parameters, batch, seed, buffers in
                BatchGradient.compute(
                    parameters: parameters, layout: layout, head: head, normalizesEmbedding: normalizesEmbedding,
                    labelSmoothing: Float(settings.labelSmoothing), examples: training, batch: batch, shards: settings.shards,
                    dropout: Float(settings.dropout), tokenDropout: settings.tokenDropout, seed: seed, threads: threads, buffers: buffers)
            },
            endOfEpoch: { model, report in
                guard !validation.isEmpty else { return false }
                let evaluation = evaluate(model, on: validation, threads: threads)
                report.validationLoss = evaluation.loss
                report.validationAccuracy = evaluation.accuracy
                // Higher is better: accuracy for classification, −loss otherwise.
                let score = evaluation.accuracy ?? -evaluation.loss
                if best == nil || score > best!.score {
                    best = (score, model.parameters)
                    epochsWithoutGain = 0
                } else {
                    epochsWithoutGain += 1
                }
                return epochsWithoutGain >= settings.patience
            })
        if let best { model.parameters = best.parameters }
        return reports
    }

    /// SetFit's contrastive stage: trains the encoder (not the head) so that the cosine of each pair's mean-pooled
    /// embeddings approaches 1 for texts of one label and 0 otherwise (``ContrastivePair``), with the same
    /// optimiser, schedule, clipping and dropout as ``train(_:training:validation:settings:progress:)``. A batch
    /// holds `settings.batchSize / 2` pairs, so as many texts as a batch of ``train(_:training:validation:settings:progress:)``;
    /// epochs run to the end (there is no validation score to stop on). Progress and reports count texts.
    ///
    /// - Throws: ``FineTuneError``.
    public static func trainContrastive(
        _ model: inout FineTunedModel, examples: [FineTuneExample], pairs: [ContrastivePair], settings: FineTuneSettings,
        progress: (FineTuneProgress) -> Void = { _ in }
    ) throws(FineTuneError) -> [FineTuneEpoch] {
        if let problem = settings.problem { throw .invalidSettings(problem) }
        guard !pairs.isEmpty else { throw .noTrainingData }
        try check(examples, model: model)
        if let bad = pairs.firstIndex(where: { !examples.indices.contains($0.first) || !examples.indices.contains($0.second) }) {
            throw .invalidSettings("pair \(bad + 1) refers to an example that does not exist")
        }
        let threads = ParallelFor(threads: settings.shards)
        var pairSettings = settings
        pairSettings.batchSize = settings.pairsPerBatch
        let layout = model.layout
        return optimize(
            &model, units: pairs.map { examples[$0.first].tokens.count + examples[$0.second].tokens.count }, settings: pairSettings,
            headRateFactor: 0, textsPerUnit: 2, threads: threads, progress: progress,
            batchLoss: { parameters, batch, seed, buffers in
                BatchGradient.compute(
                    parameters: parameters, layout: layout, examples: examples, pairs: pairs, batch: batch, shards: settings.shards,
                    dropout: Float(settings.dropout), seed: seed, threads: threads, buffers: buffers)
            },
            endOfEpoch: { _, _ in false })
    }

    /// The training loop both stages share: seeded length-bucketed batches of units (an example or a pair, of
    /// `units[i]` tokens), AdamW on the warm-up-and-decay schedule with clipping, one report per epoch;
    /// `endOfEpoch` completes the report and says whether to stop.
    private static func optimize(
        _ model: inout FineTunedModel, units: [Int], settings: FineTuneSettings, headRateFactor: Double, textsPerUnit: Int = 1,
        threads: ParallelFor, progress: (FineTuneProgress) -> Void,
        batchLoss: (_ parameters: [Float], _ batch: [Int], _ seed: UInt64, _ buffers: GradientBuffers<Float>) -> Double,
        endOfEpoch: (FineTunedModel, inout FineTuneEpoch) -> Bool
    ) -> [FineTuneEpoch] {
        let stepsPerEpoch = (units.count + settings.batchSize - 1) / settings.batchSize
        let totalSteps = stepsPerEpoch * settings.epochs
        let schedule = LinearSchedule(
            peak: settings.learningRate, warmupSteps: Int((settings.warmupFraction * Double(totalSteps)).rounded(.up)),
            totalSteps: totalSteps
        )
        var optimizer = AdamW<Float>(
            layout: model.layout, weightDecay: Float(settings.weightDecay), headRateFactor: headRateFactor, layerRateDecay: settings.layerRateDecay)
        let buffers = GradientBuffers<Float>(count: model.layout.count)
        var reports: [FineTuneEpoch] = []
        let clock = ContinuousClock()
        for epoch in 1...settings.epochs {
            var random = SplitMix64(seed: settings.seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
            let batches = Batches.bucketed(lengths: units, batchSize: settings.batchSize, random: &random)
            let start = clock.now
            var lossTotal = 0.0, seen = 0
            for (b, batch) in batches.enumerated() {
                let step = optimizer.steps
                let loss = batchLoss(model.parameters, batch, settings.seed ^ (UInt64(step) &* 0xA076_1D64_78BD_642F), buffers)
                let gradient = UnsafeMutableBufferPointer(start: buffers.total, count: buffers.count)
                _ = clipGradientNorm(gradient, maximum: settings.maximumGradientNorm)
                optimizer.step(&model.parameters, gradient: UnsafeBufferPointer(gradient), learningRate: schedule.rate(afterSteps: step), threads: threads)
                lossTotal += loss
                seen += batch.count * textsPerUnit
                let elapsed = (clock.now - start).seconds
                progress(
                    FineTuneProgress(
                        epoch: epoch, epochs: settings.epochs, step: b + 1, stepsPerEpoch: batches.count,
                        loss: lossTotal / Double(b + 1), examplesPerSecond: Double(seen) / max(elapsed, 1e-9)
                    ))
            }
            let seconds = (clock.now - start).seconds
            var report = FineTuneEpoch(
                epoch: epoch, trainingLoss: lossTotal / Double(max(1, batches.count)), validationLoss: nil, validationAccuracy: nil,
                examplesPerSecond: Double(units.count * textsPerUnit) / max(seconds, 1e-9), seconds: seconds
            )
            let stop = endOfEpoch(model, &report)
            reports.append(report)
            if stop { break }
        }
        return reports
    }

    /// Mean loss and (for classification) accuracy of `model` on `examples`, without dropout.
    public static func evaluate(_ model: FineTunedModel, on examples: [FineTuneExample], threads: ParallelFor = .allCores) -> FineTuneEvaluation {
        let outputs = model.outputs(of: examples.map(\.tokens), threads: threads)
        var loss = 0.0, correct = 0
        let n = model.head.outputs
        var gradient = [Float](repeating: 0, count: n)
        for (example, output) in zip(examples, outputs) {
            output.withUnsafeBufferPointer { o in
                gradient.withUnsafeMutableBufferPointer { g in
                    loss += model.head.loss(outputs: o.baseAddress!, label: example.label, weight: 1, gradient: g.baseAddress!)
                }
            }
            if case .classification = model.head, let top = output.indices.max(by: { output[$0] < output[$1] }), top == Int(example.label) {
                correct += 1
            }
        }
        let count = Double(max(1, examples.count))
        if case .classification = model.head { return FineTuneEvaluation(loss: loss / count, accuracy: Double(correct) / count) }
        return FineTuneEvaluation(loss: loss / count, accuracy: nil)
    }

    private static func check(_ examples: [FineTuneExample], model: FineTunedModel) throws(FineTuneError) {
        let c = model.configuration
        for (index, example) in examples.enumerated() {
            if example.tokens.isEmpty { throw .invalidExample(index: index, reason: "it has no tokens") }
            if example.tokens.count > c.maximumPositions {
                throw .invalidExample(index: index, reason: "\(example.tokens.count) tokens exceed the model's \(c.maximumPositions)")
            }
            if let bad = example.tokens.first(where: { $0 < 0 || $0 >= c.vocabularySize }) {
                throw .invalidExample(index: index, reason: "token id \(bad) is outside the vocabulary")
            }
            if let problem = model.head.problem(label: example.label) { throw .invalidExample(index: index, reason: problem) }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
