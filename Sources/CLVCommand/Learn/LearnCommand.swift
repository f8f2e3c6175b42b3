import ArgumentParser
import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVText
import Foundation

extension CLV {
    /// `clv learn`: learned CLV (ZILN linear and MLP, boosted trees) on behavioural and text features.
    struct Learn: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Learned CLV: train ZILN or boosted-tree models on customer features and compare them with BG/NBD and Pareto/NBD.",
            subcommands: [LearnFit.self, LearnEvaluate.self, LearnPredict.self])
    }

    /// `clv learn fit`: train on every customer and save a model run.
    struct LearnFit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Train a learned CLV model on the features at --end and the label through --holdout-end, and save it.",
            discussion: """
                Example: clv learn fit --end 2011-06-30 --holdout-end 2011-12-09 --features behaviour,text --model gbt
                Saved as a `learned` model run with its feature set (name and version); `clv explain` uses the newest.
                """)

        @OptionGroup var options: LearnOptions

        @Option(help: "Model: ziln-linear, ziln-mlp or gbt (two-stage boosted trees).")
        var model: LearnedModelKind = .zilnMLP

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("clv learn fit prints --format table or json.") }
        }

        func run() async throws {
            let store = try await options.database.openExisting()
            let dataset = try await options.dataset(store)
            let groups = options.features.groups.intersection(dataset.table.featureSet.groups)
            let (id, run) = try await LearnWorkflow(store: store).fitAndSave(model, dataset: dataset, groups: groups, seed: options.seed)
            progress("Saved as model run \(id) in \(options.database.path).")
            let report = LearnFitReport(
                model_run_id: id, model: model.rawValue, feature_set: run.featureSet, features: run.model.featureSet.names,
                customers: dataset.table.count, end: run.end.description, holdout_end: run.holdoutEnd.description, label: run.label.rawValue, seed: run.seed)
            switch format {
            case .json: emit(try jsonText(report))
            case .table, .csv:
                emit(
                    """
                    model run \(id): \(model.rawValue) on \(report.customers) customers, features \(run.featureSet) (\(report.features.count) columns)
                    trained on \(run.end) with labels (\(run.label.rawValue)) through \(run.holdoutEnd), seed \(run.seed)
                    """)
            }
        }
    }

    /// `clv learn evaluate`: the side-by-side table on held-out customers.
    struct LearnEvaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Compare the first-purchase-value baseline, BG/NBD, Pareto/NBD and the learned models on held-out customers.",
            discussion: """
                Example: clv learn evaluate --end 2011-06-30 --holdout-end 2011-12-09 --features behaviour,text
                Features at --end, label = spend (or purchases) through --holdout-end. Learned models train on a seeded 70% of
                the customers and are measured on the rest; with text features each is also trained without them.
                """)

        @OptionGroup var options: LearnOptions

        @Option(
            parsing: .upToNextOption,
            help: "Learned models to train (default: all of ziln-linear ziln-mlp gbt).")
        var model: [LearnedModelKind] = LearnedModelKind.allCases

        @Option(help: "Share of customers held out for measuring, in (0, 1).")
        var testFraction: Double = 0.3

        @Option(help: "Output format: table, csv or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard testFraction > 0, testFraction < 1 else { throw ValidationError("--test-fraction must be between 0 and 1.") }
        }

        func run() async throws {
            let store = try await options.database.openExisting()
            let dataset = try await options.dataset(store)
            let groups = options.features.groups.intersection(dataset.table.featureSet.groups)
            var restricted = dataset
            restricted.table = try dataset.table.keeping(groups)
            let evaluation = try LearnWorkflow(store: store).evaluate(
                restricted, kinds: model, testFraction: testFraction, seed: options.seed, progress: { progress($0) })
            switch format {
            case .json: emit(try jsonText(evaluation))
            case .table, .csv:
                if format == .table {
                    progress(
                        "\(evaluation.featureSet): trained on \(evaluation.trainingCustomers), measured on \(evaluation.testCustomers) customers (\(String(format: "%.1f", 100 * evaluation.testBuyerShare))% bought), label \(evaluation.label.rawValue) \(evaluation.end) to \(evaluation.holdoutEnd)"
                    )
                }
                for row in evaluation.rows { if let note = row.note { progress("\(row.model) not trained: \(note)") } }
                let rows: [[Tabular.Value]] = evaluation.rows.map { row in
                    guard let m = row.metrics else {
                        return [.text(row.model), .text(row.features.map(\.rawValue).joined(separator: "+"))] + Array(repeating: .missing, count: 6)
                    }
                    return [
                        .text(row.model), .text(row.features.isEmpty ? "-" : row.features.map(\.rawValue).joined(separator: "+")),
                        .number(m.normalizedGini, decimals: 3), .number(m.spearman, decimals: 3), .number(m.decileMAPE, decimals: 3),
                        .number(m.meanAbsoluteError, decimals: 2), .number(m.rootMeanSquaredError, decimals: 2),
                        m.auc.map { .number($0, decimals: 3) } ?? .missing,
                    ]
                }
                emit(
                    Tabular(columns: ["model", "features", "gini", "spearman", "decile_mape", "mae", "rmse", "auc"], rows: rows).render(format))
            }
        }
    }
}

extension CLV {
    /// `clv learn predict`: every customer scored with the newest learned run.
    struct LearnPredict: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predict",
            abstract: "Score every customer with the newest learned model: P(buys again), expected value and its 90% interval.",
            discussion: """
                Example: clv learn predict --as-of 2011-12-09 --format csv
                Predicts the period after --as-of as long as the one the model learned; features are rebuilt at --as-of.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var embedding: EmbeddingOptions

        @Option(help: ArgumentHelp("Score as of this day (default: the last day with an order).", valueName: "YYYY-MM-DD"))
        var asOf: CalendarDay?

        @Option(help: "Output format: table, csv or json.")
        var format: OutputFormat = .table

        func run() async throws {
            emit(try await Self.predictions(store: try await database.openExisting(), asOf: asOf, embedding: embedding).render(format))
        }

        /// Every customer's learned prediction as a table; `clv predict --model learned` prints the same.
        static func predictions(store: any ServiceStore, asOf: CalendarDay?, embedding: EmbeddingOptions) async throws -> Tabular {
            let embedder = try? embedding.embedder(cache: store)
            let text = embedder.map { e in
                LearnWorkflow.TextModels(embedder: e, sentiment: try? SentimentModels.load(nil, choice: embedding.choice, modelName: e.model.modelName))
            }
            let result = try await LearnWorkflow(store: store).predict(asOf: asOf, text: text)
            progress(
                "Model run \(result.id) (\(result.run.model.kind.rawValue), \(result.run.featureSet)): \(result.run.label.rawValue) through \(result.through).")
            let rows: [[Tabular.Value]] = result.predictions.map { p in
                [
                    .text(p.customer.rawValue), .number(p.probabilityBuysAgain, decimals: 3), .number(p.expectedValue, decimals: 2),
                    .number(p.lower90, decimals: 2), .number(p.upper90, decimals: 2),
                ]
            }
            return Tabular(columns: ["customer_id", "p_buys_again", "expected_value", "lower_90", "upper_90"], rows: rows)
        }
    }
}

/// The JSON of `clv learn fit`.
struct LearnFitReport: Encodable {
    var model_run_id: Int64
    var model: String
    var feature_set: String
    var features: [String]
    var customers: Int
    var end: String
    var holdout_end: String
    var label: String
    var seed: UInt64
}
