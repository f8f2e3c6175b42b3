import ArgumentParser
import CLVData
import CLVInsight
import CLVPipeline
import CLVText
import Foundation

extension CLV {
    /// `clv sentiment [TEXT...]`, `clv sentiment train`, `clv sentiment evaluate`.
    struct Sentiment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the sentiment of texts, or train and evaluate a sentiment classifier on sentence embeddings.",
            subcommands: [Score.self, Train.self, Evaluate.self], defaultSubcommand: Score.self)

        struct Score: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "score",
                abstract: "Label texts positive, neutral or negative, with a score in [-1, 1] (P(positive) - P(negative)).",
                discussion: "Texts are redacted before they are embedded. JSON: [{\"text\", \"label\", \"score\"}, ...] in input order.")

            @OptionGroup var embedding: EmbeddingOptions
            @Option(help: "Classifier file (default: the one `make setup` installs for the embedding model).") var model: String?
            @Option(help: ArgumentHelp("Read texts from FILE, one a line ('-' for stdin).", valueName: "FILE")) var input: String?
            @Option(help: "Output format: table or json.") var format: OutputFormat = .json
            @Argument(help: "Texts to score.") var texts: [String] = []

            func validate() throws {
                if input != nil && !texts.isEmpty { throw ValidationError("Give texts as arguments or with --input, not both.") }
                if input == nil && texts.isEmpty { throw ValidationError("Give at least one text, or --input FILE.") }
                guard format != .csv else { throw ValidationError("clv sentiment prints --format table or json.") }
            }

            func run() async throws {
                let redactor = Redactor()
                let texts = try (input.map(Embed.readLines) ?? self.texts).map(redactor.redacted)
                let encoder = try embedding.load()
                let classifier = try SentimentModels.load(model, choice: embedding.choice, modelName: encoder.modelName)
                let predictions = try classifier.predict(batch: try encoder.embed(texts, role: .query))
                let rows = zip(texts, predictions).map { text, p in Row(text: text, label: p.label, score: classifier.sentimentScore(p) ?? 0) }
                if format == .json { return emit(try jsonText(rows)) }
                emit(rows.map { String(format: "%-8@ %+.3f  ", $0.label, $0.score) + $0.text }.joined(separator: "\n"))
            }

            struct Row: Encodable {
                var text: String
                var label: String
                var score: Double
            }
        }

        struct Train: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Train a classifier on sentence embeddings from a CSV of text,label (any label set).",
                discussion: """
                    Multinomial logistic regression with L2 (--kind logistic) or a one-hidden-layer MLP (--kind mlp), \
                    trained with Adam, early stopping on a seeded validation split. Label 'positive' and 'negative' \
                    (and 'neutral') to get sentiment scores. --test FILE reports held-out accuracy and macro-F1.
                    """)

            @OptionGroup var embedding: EmbeddingOptions
            @Option(help: ArgumentHelp("Training CSV with text,label columns.", valueName: "FILE")) var data: String
            @Option(help: ArgumentHelp("Where to write the classifier (JSON).", valueName: "MODEL")) var out: String
            @Option(help: ArgumentHelp("Held-out CSV to evaluate on.", valueName: "FILE")) var test: String?
            @Option(help: "logistic or mlp.") var kind: EmbeddingClassifier.Kind = .logistic
            @Option(help: "Hidden units of the MLP.") var hiddenUnits = 128
            @Option(help: "Maximum epochs.") var epochs = 100
            @Option(help: "Random seed (shuffling, split, initial weights).") var seed: UInt64 = 0

            func run() async throws {
                let encoder = try embedding.load()
                let train = try Self.embedded(data, encoder: encoder)
                var trainer = EmbeddingClassifierTrainer(kind: kind, hiddenUnits: hiddenUnits, maxEpochs: epochs)
                trainer.seed = seed
                let trained = try trainer.train(train.map { LabeledEmbedding(embedding: $0.1, label: $0.0) }, embeddingModel: encoder.modelName)
                for epoch in trained.report.epochs {
                    progress(
                        String(format: "epoch %3d  training loss %.4f", epoch.epoch, epoch.trainingLoss)
                            + (epoch.validationLoss.map { String(format: "  validation loss %.4f", $0) } ?? "")
                            + (epoch.validationAccuracy.map { String(format: "  accuracy %.3f", $0) } ?? ""))
                }
                progress("chose epoch \(trained.report.chosenEpoch)\(trained.report.stoppedEarly ? " (stopped early)" : "")")
                do { try trained.model.jsonData().write(to: URL(fileURLWithPath: out)) } catch {
                    throw UserError("Cannot write \(out): \((error as NSError).localizedDescription).")
                }
                progress("Wrote \(out) (\(trained.model.labels.joined(separator: ", ")); \(encoder.modelName)).")
                if let test { emit(try CLV.Sentiment.Evaluate.report(test, classifier: trained.model, encoder: encoder)) }
            }

            /// The labelled texts of a CSV, redacted and embedded.
            static func embedded(
                _ path: String, encoder: any TextEmbeddingModel, labelColumn: String = "label",
                keep: ([(text: String, label: String)]) -> [(text: String, label: String)] = { $0 }
            ) throws -> [(String, [Float])] {
                let (all, rejected) = try LabeledTextFile.read(URL(fileURLWithPath: path), labelColumn: labelColumn)
                let examples = keep(all)
                if !rejected.isEmpty { progress("\(path): skipped \(rejected.count) lines without text or label (first: line \(rejected[0])).") }
                guard !examples.isEmpty else { throw UserError("\(path) holds no labelled text: it needs text,label columns.") }
                let redactor = Redactor()
                let line = ProgressLine(label: "embed \(URL(fileURLWithPath: path).lastPathComponent)")
                var vectors: [[Float]] = []
                for start in stride(from: 0, to: examples.count, by: 512) {
                    let chunk = examples[start..<min(start + 512, examples.count)].map { redactor.redacted($0.text) }
                    vectors += try encoder.embed(chunk, role: .query)
                    line.update(fraction: Double(vectors.count) / Double(examples.count), detail: "\(vectors.count)/\(examples.count)")
                }
                line.finish()
                return zip(examples.map(\.label), vectors).map { ($0, $1) }
            }
        }

        struct Evaluate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Accuracy and macro-F1 of a classifier (or of the built-in lexicon) on a CSV of text,label.")

            @OptionGroup var embedding: EmbeddingOptions
            @Option(help: ArgumentHelp("CSV with text,label columns.", valueName: "FILE")) var data: String
            @Option(help: "Classifier file (default: the installed sentiment model).") var model: String?
            @Flag(help: "Evaluate CLVKit's lexicon scorer instead of a classifier.") var lexicon = false

            func run() async throws {
                if lexicon {
                    let (examples, _) = try LabeledTextFile.read(URL(fileURLWithPath: data), columnRemedy: "The file needs text and label columns")
                    let scorer = LexiconSentiment()
                    emit(try Self.metrics(truth: examples.map(\.label), predicted: examples.map { scorer.score($0.text).label.rawValue }))
                    return
                }
                let encoder = try embedding.load()
                emit(
                    try Self.report(data, classifier: try SentimentModels.load(model, choice: embedding.choice, modelName: encoder.modelName), encoder: encoder)
                )
            }

            static func report(_ path: String, classifier: EmbeddingClassifier, encoder: any TextEmbeddingModel) throws -> String {
                let test = try Train.embedded(path, encoder: encoder)
                let predicted = try classifier.predict(batch: test.map(\.1)).map(\.label)
                return try metrics(truth: test.map(\.0), predicted: predicted)
            }

            /// Accuracy and macro-F1 over every label, and over positive-vs-negative texts alone when both occur.
            static func metrics(truth: [String], predicted: [String]) throws -> String {
                let all = try ClassificationMetrics(truth: truth, predicted: predicted, labels: Array(Set(truth).union(predicted)).sorted())
                var lines = [String(format: "%d texts: accuracy %.4f, macro-F1 %.4f", truth.count, all.accuracy, all.macroF1)]
                for c in all.perClass {
                    lines.append(String(format: "  %-10@ precision %.3f recall %.3f F1 %.3f (%d)", c.label, c.precision, c.recall, c.f1, c.support))
                }
                let polar = zip(truth, predicted).filter { ["positive", "negative"].contains($0.0) }
                if polar.count > 0, Set(polar.map(\.0)).count == 2 {
                    // Positive vs negative: the texts whose true label is polar; a neutral prediction counts as wrong.
                    let binary = try ClassificationMetrics(truth: polar.map(\.0), predicted: polar.map(\.1), labels: ["negative", "neutral", "positive"])
                    let f1 = binary.perClass.filter { $0.label != "neutral" }.map(\.f1).reduce(0, +) / 2
                    lines.append(String(format: "positive vs negative (%d texts): accuracy %.4f, macro-F1 %.4f", polar.count, binary.accuracy, f1))
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}

extension EmbeddingClassifier.Kind: ExpressibleByArgument {}
