import ArgumentParser
import CLVCore
import CLVData
import CLVLearn
import CLVPipeline
import CLVText
import Foundation

extension CLV {
    /// `clv explain`: why the learned model (and BG/NBD) value a customer as they do.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a customer's learned CLV feature by feature, and BG/NBD's prediction in plain words.",
            discussion: """
                Example: clv explain 12347 --format json
                Uses the newest `clv learn fit` run. Linear ZILN: exact Shapley values; boosted trees: TreeSHAP; ZILN MLP:
                integrated gradients. Contributions add up to the output minus the mean customer's, in the output's own units.
                """)

        @Argument(help: "The customer id.")
        var customer: String

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var embedding: EmbeddingOptions

        @Option(help: "Features to list per output (largest contributions first).")
        var top: Int = 8

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard format != .csv else { throw ValidationError("clv explain prints --format table or json.") }
            guard top > 0 else { throw ValidationError("--top must be at least 1.") }
        }

        func run() async throws {
            let store = try await database.openExisting()
            let workflow = LearnWorkflow(store: store)
            let embedder = try? embedding.embedder(cache: store)
            let text = embedder.map { e in
                LearnWorkflow.TextModels(embedder: e, sentiment: try? SentimentModels.load(nil, choice: embedding.choice, modelName: e.model.modelName))
            }
            guard let explanation = try await workflow.explain(CustomerID(customer), text: text) else {
                throw UserError("Customer \(customer) had no purchase by the learned model's cutoff: explain a customer who had.")
            }
            switch format {
            case .json: emit(try jsonText(explanation))
            case .table, .csv: emit(Self.table(explanation, top: top))
            }
        }

        static func table(_ e: LearnWorkflow.CustomerExplanation, top: Int) -> String {
            let f = { (x: Double) in String(format: "%.3f", x) }
            var lines = [
                "Customer \(e.customer.rawValue), \(e.model.rawValue) (model run \(e.modelRunID), \(e.featureSet)), as of \(e.end)",
                "  expected \(f(e.expectedValue)) (90%: \(f(e.interval90[0])) to \(f(e.interval90[1]))), P(buys again) \(f(e.probabilityBuysAgain))",
            ]
            let names = e.explanation.featureSet.names
            for a in e.explanation.attributions {
                lines.append("  \(a.output.rawValue) [\(a.method.rawValue)]: \(f(a.value)) = baseline \(f(a.baseline)) + contributions")
                let groups = a.groupTotals(e.explanation.featureSet).map { "\($0.group.rawValue) \(f($0.contribution))" }.joined(separator: ", ")
                lines.append("    by group: \(groups)")
                for j in a.contributions.indices.sorted(by: { abs(a.contributions[$0]) > abs(a.contributions[$1]) }).prefix(top) {
                    lines.append(
                        "    \(names[j].padding(toLength: 32, withPad: " ", startingAt: 0)) \(f(e.explanation.features[j])) -> \(f(a.contributions[j]))")
                }
            }
            lines.append("  BG/NBD says:")
            for d in e.probabilisticDrivers { lines.append("    \(d.text)") }
            return lines.joined(separator: "\n")
        }
    }
}
