import ArgumentParser
import CLVCore
import CLVData
import CLVLearn
import CLVModels
import CLVPipeline
import CLVText
import Foundation

extension LearnedModelKind: ExpressibleByArgument {}
extension LearnWorkflow.Label: ExpressibleByArgument {}

/// A comma-separated list of feature groups; the summary and the model outputs are always used.
struct FeatureGroupList: ExpressibleByArgument, CustomStringConvertible {
    var groups: Set<FeatureGroup>

    init?(argument: String) {
        var groups: Set<FeatureGroup> = [.summary, .modelOutputs]
        for part in argument.split(separator: ",") {
            guard let group = FeatureGroup(rawValue: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            groups.insert(group)
        }
        self.groups = groups
    }

    static var allValueStrings: [String] { FeatureGroup.allCases.map(\.rawValue) }
    var description: String { FeatureGroup.allCases.filter(groups.contains).map(\.rawValue).joined(separator: ",") }
}

/// The options every `clv learn` command shares: the window, the label, the features.
struct LearnOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Last day of the calibration period: features use nothing after it.")
    var end: CalendarDay

    @Option(help: "Last day of the label period (spend or purchases after --end).")
    var holdoutEnd: CalendarDay

    @Option(help: "Time unit of recency, T and the probabilistic models.")
    var unit: TimeUnit = .week

    @Option(help: "What to predict for the label period: spend or purchases (use purchases for data without amounts).")
    var label: LearnWorkflow.Label = .spend

    @Option(
        help: ArgumentHelp(
            "Feature groups beyond the summary and the model outputs, comma-separated: behaviour, text.",
            discussion:
                "Text features read what customers with profiling consent wrote and the texts of the products they bought; without either, text is left out with a note."
        ))
    var features: FeatureGroupList = FeatureGroupList(argument: "behaviour")!

    @Option(help: "L2 penalizer of the BG/NBD, Pareto/NBD and Gamma-Gamma fits, in lifetimes' meaning (0 = plain maximum likelihood).")
    var penalizer: Double = 0

    @Option(help: "Seed of the splits and the initial weights (the same seed gives the same model, bit for bit).")
    var seed: UInt64 = 0

    @OptionGroup var embedding: EmbeddingOptions

    func validate() throws {
        guard end < holdoutEnd else { throw ValidationError("--holdout-end must come after --end.") }
        guard penalizer >= 0, penalizer.isFinite else { throw ValidationError("--penalizer must be a number ≥ 0.") }
    }

    /// The features at `--end` with labels through `--holdout-end`, text included when asked for and present.
    func dataset(_ store: any ServiceStore) async throws -> LearnDataset {
        let workflow = LearnWorkflow(store: store)
        var text: LearnWorkflow.TextModels?
        if features.groups.contains(.text) {
            let interactions = try await store.interactionCounts().values.reduce(0, +)
            let productTexts = try await store.products().contains { $0.text != nil }
            if interactions == 0 && !productTexts {
                progress(
                    "No interactions or product texts in \(database.path): text features are left out (import some with `clv ingest interactions` or `clv ingest products`)."
                )
            } else {
                text = try textModels(store)
            }
        }
        return try await workflow.dataset(
            end: end, holdoutEnd: holdoutEnd, unit: unit, label: label, text: text, options: EstimatorOptions(penalizer: penalizer), progress: { progress($0) })
    }

    func textModels(_ store: any ServiceStore) throws -> LearnWorkflow.TextModels {
        let embedder = try embedding.embedder(cache: store)
        // The installed sentiment classifier when there is one, else CLVInsight's lexicon.
        let sentiment = try? SentimentModels.load(nil, choice: embedding.choice, modelName: embedder.model.modelName)
        return LearnWorkflow.TextModels(embedder: embedder, sentiment: sentiment)
    }
}
