import ArgumentParser
import CLVCore
import CLVData
import CLVFineTune
import CLVNumerics
import CLVText
import Foundation

/// `clv finetune`: fine-tunes the sentence encoder and a head on labelled texts, natively, on every core.
struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune the MiniLM encoder with an intent, sentiment or regression head on a CSV of labelled texts.",
        discussion: """
            Trains every weight of the encoder and a linear head on its mean-pooled embedding: AdamW with linear \
            warm-up and decay, gradient clipping at 1, dropout 0.1, length-bucketed batches, all seeded (--seed). \
            --validation-fraction of the rows (seeded) is held out to evaluate after each epoch; training stops \
            when it has not improved for --patience epochs and keeps the best epoch. --test FILE reports the \
            final accuracy (or mean squared error) on another file. Texts are redacted before tokenising.

            --out DIR is a sentence-transformers folder (model.safetensors under BertModel's names, the base's \
            config and tokenizer files, mean pooling) that --encoder DIR and Python read, plus head.safetensors \
            and head.json (labels, head weights, settings, per-epoch metrics).
            """
    )

    /// A new softmax head's rate unless given: at the encoder's rate a random 77-way head hardly moves in an epoch
    /// (BANKING77 10-shot, draw 1: 0.749 at 1e-4 against 0.834 with the head at 1e-2; README, "Fine-tuning").
    static let classifierHeadLearningRate = 1e-2

    /// What the head predicts.
    enum Task: String, ExpressibleByArgument, CaseIterable {
        case intent, sentiment, regression
    }

    @Option(help: "What the head predicts.") var task: Task
    @Option(help: ArgumentHelp("Training CSV with a text and a label column.", valueName: "FILE")) var data: String
    @Option(help: "Name of the text column.") var textColumn = "text"
    @Option(help: "Name of the label column (a class name, or a number for regression).") var labelColumn = "label"
    @Option(help: ArgumentHelp("all-MiniLM-L6-v2, or a directory with config.json, model.safetensors and vocab.txt.", valueName: "MODEL"))
    var base = KnownModel.miniLM.rawValue
    @Option(help: "Most epochs.") var epochs = 3
    @Option(help: "Examples per optimiser step.") var batchSize = 32
    @Option(help: "Peak learning rate.") var learningRate = 5e-5
    @Option(help: "Peak learning rate of the new head (default: 1e-2 for intent and sentiment, --learning-rate for regression).")
    var headLearningRate: Double?
    @Option(help: "AdamW weight decay (dense and embedding weights).") var weightDecay = 0.01
    @Option(help: "Share of the steps spent warming up the learning rate.") var warmup = 0.1
    @Option(help: "Dropout probability.") var dropout = 0.1
    @Option(help: "Label smoothing ε of the classification loss (0: plain cross-entropy).") var labelSmoothing = 0.0
    @Option(help: "Layer-wise learning-rate decay ξ in (0, 1]: layer l of L trains at ξ^(L−1−l) times the rate, the embeddings at ξ^L.")
    var layerRateDecay = 1.0
    @Option(help: "Probability that a training text's word piece is left out at a step (data augmentation; [CLS] and [SEP] stay).")
    var tokenDropout = 0.0
    @Flag(help: "Feed the head the direction of the mean-pooled embedding, scaled to length √(hidden size) (a cosine classifier).") var normalizeEmbedding =
        false
    @Option(help: "Random seed (draw, split, shuffling, dropout, head initialisation).") var seed: UInt64 = 42
    @Option(help: "Train on this many examples per label, drawn with --seed (few-shot; classification only).") var perLabel: Int?
    @Option(help: "Share of the training rows held out for validation and early stopping (0: none).") var validationFraction = 0.1
    @Option(help: "Rounds of SetFit pairs (one same-label and one other-label pair per text each) to train the encoder on first (0: no contrastive stage).")
    var contrastiveIterations = 0
    @Option(help: "Runs to train, each with its own seed for shuffling, dropout and the head, whose weights are then averaged into one model (a model soup).")
    var averageRuns = 1
    @Option(help: "Peak learning rate of the contrastive stage.") var contrastiveLearningRate = 2e-5
    @Option(help: "Epochs without a better validation score before stopping.") var patience = 2
    @Option(help: ArgumentHelp("A CSV with the same columns to report the final model on.", valueName: "FILE")) var test: String?
    @Option(help: "Longest token sequence; longer texts are truncated.") var maxLength = 128
    @Option(help: "Threads (batch shards); a seed reproduces a run exactly for the same value.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output format of the summary.") var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Directory to write the fine-tuned model into.", valueName: "DIR")) var out: String

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if !(learningRate > 0) { throw ValidationError("--learning-rate must be positive.") }
        if let headLearningRate, !(headLearningRate > 0) { throw ValidationError("--head-learning-rate must be positive.") }
        if !(validationFraction >= 0 && validationFraction < 1) { throw ValidationError("--validation-fraction must be in [0, 1).") }
        if let perLabel, perLabel < 1 { throw ValidationError("--per-label must be at least 1.") }
        if perLabel != nil && task == .regression { throw ValidationError("--per-label draws per class: use it with --task intent or sentiment.") }
        if maxLength < 2 { throw ValidationError("--max-length must be at least 2.") }
        if threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if patience < 1 { throw ValidationError("--patience must be at least 1.") }
        if contrastiveIterations < 0 { throw ValidationError("--contrastive-iterations must be 0 or more.") }
        if contrastiveIterations > 0 && task == .regression {
            throw ValidationError("--contrastive-iterations pairs texts by label: use it with --task intent or sentiment.")
        }
        if !(contrastiveLearningRate > 0) { throw ValidationError("--contrastive-learning-rate must be positive.") }
        if !(labelSmoothing >= 0 && labelSmoothing < 1) { throw ValidationError("--label-smoothing must be in [0, 1).") }
        if !(layerRateDecay > 0 && layerRateDecay <= 1) { throw ValidationError("--layer-rate-decay must be in (0, 1].") }
        if !(tokenDropout >= 0 && tokenDropout < 1) { throw ValidationError("--token-dropout must be in [0, 1).") }
        if averageRuns < 1 { throw ValidationError("--average-runs must be at least 1.") }
        if labelSmoothing > 0 && task == .regression {
            throw ValidationError("--label-smoothing spreads class targets: use it with --task intent or sentiment.")
        }
    }

    func run() throws {
        let baseDirectory = try Self.baseDirectory(base)
        let configuration = try BertConfiguration(contentsOf: baseDirectory.appendingPathComponent("config.json"))
        let weights = try BertWeights(
            file: SafetensorsFile(contentsOf: baseDirectory.appendingPathComponent("model.safetensors")), configuration: configuration)
        let tokenizer = try WordPieceTokenizer(
            vocabularyURL: baseDirectory.appendingPathComponent("vocab.txt"), maximumLength: min(maxLength, configuration.maximumPositions))

        var rows = try read(data)
        if let perLabel { rows = CLV.Intent.Train.draw(rows, perLabel: perLabel, seed: seed) }
        let labels = task == .regression ? [] : Array(Set(rows.map(\.label))).sorted()
        let head: FineTuneHead = task == .regression ? .regression : .classification(classes: labels.count)
        if case let .classification(classes) = head, classes < 2 {
            throw UserError("\(data) has \(classes) distinct label in column '\(labelColumn)': a classifier needs at least 2.")
        }
        let redactor = Redactor()
        let examples = try rows.enumerated().map { index, row in
            FineTuneExample(tokens: tokenizer.encode(redactor.redacted(row.text)), label: try label(row.label, labels: labels, line: index))
        }
        var random = SplitMix64(seed: seed ^ 0x5350_4C49_54)  // "SPLIT"
        var order = Array(examples.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        let held = Int((validationFraction * Double(examples.count)).rounded())
        let validation = order.prefix(held).sorted().map { examples[$0] }
        let training = order.dropFirst(held).sorted().map { examples[$0] }

        let settings = FineTuneSettings(
            epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay, warmupFraction: warmup,
            dropout: dropout, seed: seed, patience: patience, shards: threads,
            headLearningRate: headLearningRate ?? (task == .regression ? nil : Self.classifierHeadLearningRate), labelSmoothing: labelSmoothing,
            layerRateDecay: layerRateDecay, tokenDropout: tokenDropout
        )
        let clock = ContinuousClock()
        let start = clock.now
        var runs: [TrainedRun] = []
        for run in 0..<averageRuns {
            var runSettings = settings
            // Run 0 is the single run's seed, so --average-runs 1 trains exactly what it always did.
            runSettings.seed = seed &+ UInt64(run) &* 0x9E37_79B9_7F4A_7C15
            if averageRuns > 1 { progress("clv finetune: run \(run + 1) of \(averageRuns), seed \(runSettings.seed).") }
            runs.append(try train(base: weights, head: head, training: training, validation: validation, settings: runSettings))
        }
        let model = runs.count == 1 ? runs[0].model : FineTunedModel(averaging: runs.map(\.model))
        let (reports, contrastive) = (runs[0].epochs, runs[0].contrastive)  // head.json's, as a single run records them
        let wall = (clock.now - start)
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18

        var testResult: FineTuneEvaluation?
        if let test {
            let testRows = try read(test)
            let testExamples = try testRows.enumerated().map { index, row in
                FineTuneExample(tokens: tokenizer.encode(redactor.redacted(row.text)), label: try label(row.label, labels: labels, line: index, file: test))
            }
            testResult = FineTuner.evaluate(model, on: testExamples, threads: .init(threads: threads))
        }
        do {
            try FineTunedDirectory.write(
                model,
                head: FineTunedHeadFile(
                    task: task.rawValue, head: head, labels: labels, base: base, settings: settings, epochs: reports, weight: model.headWeight,
                    bias: model.headBias, normalizesEmbedding: normalizeEmbedding, contrastive: contrastive,
                    averagedRuns: runs.count == 1 ? nil : runs.map { .init(seed: $0.seed, epochs: $0.epochs, contrastive: $0.contrastive) }),
                base: baseDirectory, maximumSequenceLength: min(maxLength, configuration.maximumPositions), to: URL(fileURLWithPath: out))
        } catch {
            throw UserError("Cannot write the model into \(out): \((error as NSError).localizedDescription). Check the folder is writable.")
        }
        // One row per epoch of every run (the test result, of the averaged model, on the last).
        var table = Tabular(
            columns: ["run", "epoch", "training_loss", "validation_loss", "validation_accuracy", "examples_per_s", "seconds"],
            rows: runs.enumerated().flatMap { run, trained in trained.epochs.map { (run + 1, $0) } }.map { run, r in
                [
                    .integer(run), .integer(r.epoch), .number(r.trainingLoss, decimals: 4), r.validationLoss.map { .number($0, decimals: 4) } ?? .missing,
                    r.validationAccuracy.map { .number($0, decimals: 4) } ?? .missing, .number(r.examplesPerSecond, decimals: 1),
                    .number(r.seconds, decimals: 1),
                ]
            })
        if let testResult {
            table.columns += ["test_loss", "test_accuracy"]
            for i in table.rows.indices {
                let last = i == table.rows.count - 1
                table.rows[i] += [
                    last ? .number(testResult.loss, decimals: 4) : .missing,
                    last ? testResult.accuracy.map { .number($0, decimals: 4) } ?? .missing : .missing,
                ]
            }
        }
        emit(table.render(format))
        progress(String(format: "Wrote %@ (%d epochs, %.0f s of training).", out, runs.map(\.epochs.count).reduce(0, +), wallSeconds))
    }

    /// One run's model and how it trained.
    private struct TrainedRun {
        var model: FineTunedModel
        var seed: UInt64
        var epochs: [FineTuneEpoch]
        var contrastive: FineTunedHeadFile.ContrastiveStage?
    }

    /// One run from the base encoder and a new head seeded with `settings.seed`: the contrastive stage when asked
    /// for, then the head stage.
    private func train(
        base weights: BertWeights, head: FineTuneHead, training: [FineTuneExample], validation: [FineTuneExample], settings: FineTuneSettings
    ) throws -> TrainedRun {
        var model = FineTunedModel(base: weights, head: head, seed: settings.seed, normalizesEmbedding: normalizeEmbedding)
        var contrastive: FineTunedHeadFile.ContrastiveStage?
        if contrastiveIterations > 0 {
            let pairs = ContrastivePair.sampled(labels: training.map(\.label), iterations: contrastiveIterations, seed: settings.seed)
            progress(
                "clv finetune: contrastive stage, \(pairs.count) pairs of the \(training.count) training texts, \((pairs.count + settings.pairsPerBatch - 1) / settings.pairsPerBatch) steps."
            )
            var pairSettings = settings
            (pairSettings.epochs, pairSettings.learningRate, pairSettings.headLearningRate) = (1, contrastiveLearningRate, nil)
            let line = ProgressLine(label: "contrastive")
            let reports = try FineTuner.trainContrastive(&model, examples: training, pairs: pairs, settings: pairSettings) { p in
                Self.show(p, on: line)
            }
            line.finish()
            contrastive = .init(iterations: contrastiveIterations, pairs: pairs.count, learningRate: contrastiveLearningRate, epochs: reports)
        }
        progress(
            "clv finetune: \(training.count) training and \(validation.count) validation examples, \(head.outputs) outputs, "
                + "\(epochs) epochs of \((training.count + batchSize - 1) / batchSize) steps on \(threads) threads.")
        let line = ProgressLine(label: "finetune")
        let reports = try FineTuner.train(&model, training: training, validation: validation, settings: settings) { p in
            Self.show(p, on: line)
        }
        line.finish()
        return TrainedRun(model: model, seed: settings.seed, epochs: reports, contrastive: contrastive)
    }

    /// A training step on the progress line, and one line per epoch for logs.
    private static func show(_ p: FineTuneProgress, on line: ProgressLine) {
        if p.step == p.stepsPerEpoch {
            line.milestone(
                "\(line.label): "
                    + String(format: "epoch %d/%d done, training loss %.4f, %.1f examples/s", p.epoch, p.epochs, p.loss, p.examplesPerSecond))
        }
        line.update(
            fraction: Double((p.epoch - 1) * p.stepsPerEpoch + p.step) / Double(p.epochs * p.stepsPerEpoch),
            detail: String(
                format: "epoch %d/%d step %d/%d loss %.4f %.1f examples/s", p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.loss, p.examplesPerSecond)
        )
    }

    /// The rows of a labelled CSV, with skipped lines reported.
    private func read(_ path: String) throws -> [(text: String, label: String)] {
        let (rows, rejected) = try LabeledTextFile.read(
            URL(fileURLWithPath: path), labelColumn: labelColumn, textColumn: textColumn,
            columnRemedy: "Name existing columns with --text-column and --label-column")
        if !rejected.isEmpty { progress("\(path): skipped \(rejected.count) lines without text or label (first: line \(rejected[0])).") }
        guard !rows.isEmpty else { throw UserError("\(path) holds no labelled text: it needs '\(textColumn)' and '\(labelColumn)' columns.") }
        return rows
    }

    /// A row's label as the head's number: a class index, or the parsed value for regression.
    private func label(_ text: String, labels: [String], line: Int, file: String? = nil) throws -> Double {
        if task == .regression {
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw UserError("\(file ?? data) row \(line + 1): label '\(text)' is not a number; regression needs numeric labels.")
            }
            return value
        }
        guard let index = labels.firstIndex(of: text) else {
            throw UserError("\(file ?? data) row \(line + 1): label '\(text)' does not occur in the training data \(data).")
        }
        return Double(index)
    }

    /// The folder of the base model: a known model's name in the model directory, or a directory path.
    static func baseDirectory(_ base: String) throws -> URL {
        if let known = KnownModel(rawValue: base) {
            guard known == .miniLM else { throw UserError("--base \(base) is not a BERT encoder: use all-MiniLM-L6-v2 or a directory.") }
            let directory = ModelDirectory()
            _ = try directory.file("model.safetensors", of: known)
            return directory.folder(of: known)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UserError("--base \(base) is neither all-MiniLM-L6-v2 nor a directory: give one of those.")
        }
        let url = URL(fileURLWithPath: base)
        for name in ["config.json", "model.safetensors", "vocab.txt"]
        where !FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            throw UserError("--base \(base) lacks \(name): give a BERT model directory (config.json, model.safetensors, vocab.txt).")
        }
        return url
    }
}
