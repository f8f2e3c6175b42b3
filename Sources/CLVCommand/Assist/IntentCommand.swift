import ArgumentParser
import CLVAssist
import CLVCore
import CLVInsight
import CLVText
import Foundation

extension CLV {
    /// `clv intent train`, `clv intent evaluate`.
    struct Intent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train and evaluate an intent classifier (any label set) with an out-of-scope threshold.",
            subcommands: [Train.self, Evaluate.self])

        struct Train: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Train an intent classifier on sentence embeddings from a CSV of text,label.",
                discussion: """
                    Softmax regression (--classifier logistic) or a one-hidden-layer MLP (--classifier mlp) on frozen \
                    embeddings, early-stopped on a seeded split. A stratified 10% is held out first: the top \
                    probability's lower quantile there (--in-scope-recall) becomes the out-of-scope threshold, and the \
                    classifier is then refit on every example for as many epochs. Texts are redacted before they are \
                    embedded. --per-label N trains on a seeded draw of N examples per label (few-shot).
                    """)

            @OptionGroup var embedding: EmbeddingOptions
            @Option(help: ArgumentHelp("Training CSV with text and label columns.", valueName: "FILE")) var data: String
            @Option(help: ArgumentHelp("Where to write the intent model (JSON).", valueName: "MODEL")) var out: String
            @Option(help: "logistic or mlp.") var classifier: EmbeddingClassifier.Kind = .logistic
            @Option(help: "Name of the label column.") var labelColumn = "label"
            @Option(help: "Train on this many examples per label, drawn with --seed.") var perLabel: Int?
            @Option(help: "Share of held-out known intents the threshold keeps in scope.") var inScopeRecall = 0.97
            @Option(help: "Hidden units of the MLP.") var hiddenUnits = 256
            @Option(help: "Maximum epochs.") var epochs = 100
            @Option(help: "Random seed (draw, splits, shuffling, initial weights).") var seed: UInt64 = 0

            func validate() throws {
                if let perLabel, perLabel < 2 { throw ValidationError("--per-label must be at least 2 (one is held out to calibrate).") }
                guard (0.5...1).contains(inScopeRecall) else { throw ValidationError("--in-scope-recall must be between 0.5 and 1.") }
            }

            func run() async throws {
                let encoder = try embedding.load()
                let train = try CLV.Sentiment.Train.embedded(data, encoder: encoder, labelColumn: labelColumn) { examples in
                    perLabel.map { Self.draw(examples, perLabel: $0, seed: seed) } ?? examples
                }
                var base = EmbeddingClassifierTrainer(kind: classifier, hiddenUnits: hiddenUnits, maxEpochs: epochs)
                base.seed = seed
                let trainer = IntentTrainer(trainer: base, inScopeRecall: inScopeRecall)
                let model = try trainer.train(train.map { LabeledEmbedding(embedding: $0.1, label: $0.0) }, embeddingModel: encoder.modelName)
                do { try model.jsonData().write(to: URL(fileURLWithPath: out)) } catch {
                    throw UserError("Cannot write \(out): \((error as NSError).localizedDescription).")
                }
                progress(
                    String(
                        format: "Wrote %@: %d intents from %d examples (%@, %@); out-of-scope below %.3f (held-out accuracy %.3f, %d epochs).", out,
                        model.labels.count, train.count, classifier.rawValue, encoder.modelName, model.threshold, model.calibration.validationAccuracy,
                        model.calibration.epochs))
            }

            /// A seeded draw of `perLabel` examples of each label (all of a label with fewer), in file order.
            static func draw(_ examples: [(text: String, label: String)], perLabel: Int, seed: UInt64) -> [(text: String, label: String)] {
                var rng = SplitMix64(seed: seed)
                var byLabel: [String: [Int]] = [:]
                for (i, e) in examples.enumerated() { byLabel[e.label, default: []].append(i) }
                var kept: [Int] = []
                for label in byLabel.keys.sorted() {
                    var rows = byLabel[label]!
                    for i in stride(from: rows.count - 1, to: 0, by: -1) { rows.swapAt(i, Int.random(in: 0...i, using: &rng)) }
                    kept += rows.prefix(perLabel)
                }
                return kept.sorted().map { examples[$0] }
            }
        }

        struct Evaluate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Accuracy, macro-F1 and out-of-scope recall of an intent model on a CSV of text,label.",
                discussion: """
                    Labels the model never saw count as out of scope: right only when the model says out_of_scope. \
                    JSON: {"accuracy", "macro_f1", "n", "oos_recall" (when there are such rows), "closed_set_accuracy" \
                    (known intents, top label, threshold off)}.
                    """)

            @Option(help: ArgumentHelp("The intent model.", valueName: "MODEL")) var model: String
            @Option(help: ArgumentHelp("CSV with text and label columns.", valueName: "FILE")) var data: String
            @Option(help: "Name of the label column.") var labelColumn = "label"
            @Option(help: "Output format: table or json.") var format: OutputFormat = .table
            @Option(
                name: .customLong("encoder"),
                help: ArgumentHelp("The fine-tuned encoder folder the model was trained with (`clv intent train --encoder DIR`).", valueName: "DIR"))
            var encoderFolder: String?

            func validate() throws {
                guard format != .csv else { throw ValidationError("clv intent evaluate prints --format table or json.") }
            }

            func run() async throws {
                let classifier = try IntentModels.load(model)
                let encoder = try IntentModels.encoder(for: classifier, folder: encoderFolder)
                let test = try CLV.Sentiment.Train.embedded(data, encoder: encoder, labelColumn: labelColumn)
                let predictions = try classifier.predict(batch: test.map(\.1))
                let result = try IntentEvaluation(truth: test.map(\.0), predictions: predictions, known: classifier.labels)
                if format == .json { return emit(try jsonText(result)) }
                emit(
                    String(format: "%d texts: accuracy %.4f, macro-F1 %.4f", result.n, result.accuracy, result.macroF1)
                        + (result.closedSetAccuracy.map { String(format: ", closed-set accuracy %.4f", $0) } ?? "")
                        + (result.oosRecall.map { String(format: ", out-of-scope recall %.4f", $0) } ?? ""))
            }
        }
    }
}

/// Reading intent models and the encoder they need.
enum IntentModels {
    static func load(_ path: String) throws -> IntentClassifier {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserError("Cannot read the intent model \(path): check the path, or train one with `clv intent train --data FILE.csv --out MODEL`.")
        }
        return try IntentClassifier(jsonData: data)
    }

    /// The embedding model the classifier was trained on: the fine-tuned encoder in `folder` when given (it must be
    /// the one the classifier was trained with), else the stock model it names.
    static func encoder(for classifier: IntentClassifier, folder: String? = nil) throws -> any TextEmbeddingModel {
        if let folder {
            let encoder = try SentenceEncoder(encoderFolder: URL(fileURLWithPath: folder))
            guard encoder.modelName == classifier.embeddingModel else {
                throw UserError(
                    "The intent model reads \(classifier.embeddingModel) vectors but --encoder \(folder) is \(encoder.modelName): pass the encoder it was trained with."
                )
            }
            return encoder
        }
        if classifier.embeddingModel.hasPrefix("finetuned-") {
            throw UserError("The intent model was trained on the fine-tuned encoder \(classifier.embeddingModel): pass its folder with --encoder DIR.")
        }
        guard let choice = EmbeddingModelChoice.allCases.first(where: { $0.knownModel.rawValue == classifier.embeddingModel }) else {
            throw UserError("The intent model reads \(classifier.embeddingModel) vectors, which this CLVKit does not have.")
        }
        return try choice.load()
    }
}
