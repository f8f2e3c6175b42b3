import ArgumentParser
import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

extension CLV {
    /// `clv segments`: CLV tiers or named RFM segments with size, shares and mean P(alive).
    struct Segments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List RFM segments, CLV tiers or k-means segments: size, share of customers, share of predicted CLV, mean P(alive).",
            discussion: """
                Tiers rank customers by predicted CLV (platinum 10%, gold 20%, silver 30%, bronze the rest; change
                with --tiers platinum=0.05,gold=0.15,...). Without monetary values, predicted purchases stand in
                for CLV. kmeans clusters standardised frequency, recency, T, log monetary value, log expected
                purchases, P(alive) and log CLV (k-means++, 10 seeded restarts), numbered by mean CLV.
                """)

        /// RFM and tiers are rules over the population; k-means learns segments from it.
        enum Method: String, ExpressibleByArgument, CaseIterable {
            case rfm, tier, kmeans
        }

        @Option(help: "Segmentation: rfm, tier or kmeans.")
        var method: Method

        @Option(help: "Number of k-means segments (default: chosen by silhouette over 2 to 8).")
        var k: Int?

        @Flag(help: "k-means: add what consenting customers wrote and bought (interest vectors' principal components) and name each segment's top interests.")
        var interests = false

        @OptionGroup var embedding: EmbeddingOptions

        @Option(help: "Purchase model for P(alive) and CLV.")
        var model: ModelKind = .bgnbd

        @Option(help: "CLV horizon in --unit.")
        var horizon: Double = 52

        @Option(help: "Monthly discount rate for CLV.")
        var discountRate: Double = 0.01

        @Option(help: "Tier shares from the top, e.g. platinum=0.1,gold=0.2,silver=0.3,bronze=0.4.")
        var tiers: String?

        @OptionGroup var data: DataOptions

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        @Flag(help: "With --method kmeans: a name and one-line persona per segment by the local SmolLM2, from the segment's numbers only.")
        var personas = false

        func validate() throws {
            if personas && method != .kmeans { throw ValidationError("--personas needs --method kmeans.") }
            guard model != .gg else { throw ValidationError("--model must be a purchase model.") }
            guard format != .csv else { throw ValidationError("clv segments prints --format table or json.") }
            _ = try tierDefinition()
        }

        func tierDefinition() throws -> ValueTiers {
            guard let tiers else { return .standard }
            let parts = try tiers.split(separator: ",").map { part -> ValueTiers.Tier in
                let kv = part.split(separator: "=")
                guard kv.count == 2, let share = Double(kv[1]), share >= 0 else {
                    throw ValidationError("--tiers takes name=share pairs, e.g. platinum=0.1,gold=0.2,silver=0.3,bronze=0.4.")
                }
                return .init(name: String(kv[0]), share: share)
            }
            guard !parts.isEmpty else { throw ValidationError("--tiers needs at least one name=share pair.") }
            return ValueTiers(tiers: parts)
        }

        func run() async throws {
            let table = try await data.source().load()
            let options = EstimatorOptions()
            guard let purchase = try Workflow.fit(model, table, options: options, unit: data.unit, calibrationEnd: data.end).purchase else {
                throw WorkflowError.wrongKind(model, expected: "a purchase model")
            }
            let spend = table.monetary == nil ? nil : try Workflow.fit(.gg, table, options: options, unit: data.unit, calibrationEnd: data.end).spend
            let policy = ScoringPolicy(
                horizon: horizon, cashFlow: DiscountedCashFlow(horizon: horizon, monthlyDiscountRate: discountRate, timeUnit: data.unit),
                tiers: try tierDefinition()
            )
            // Scored as of the data's end; a summary file carries no date, and nothing here depends on it.
            let population = Population(
                table: table, purchase: purchase, spend: spend, policy: policy, asOf: data.end ?? CalendarDay(daysSinceEpoch: 0), unit: data.unit)
            guard method != .kmeans else { return try await printKMeans(population) }
            let summaries = population.segmentSummaries(by: method == .rfm ? .rfm : .tier)
            switch format {
            case .json: emit(try jsonText(summaries))
            case .table, .csv:
                var lines = ["segment             customers  share    CLV share  mean P(alive)"]
                for s in summaries {
                    lines.append(
                        s.segment.padding(toLength: 20, withPad: " ", startingAt: 0)
                            + [
                                String(s.customers), formatted(100 * s.shareOfCustomers, 3) + "%", formatted(100 * s.shareOfCLV, 3) + "%",
                                formatted(s.meanProbabilityAlive, 3),
                            ].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
                emit(lines.joined(separator: "\n"))
            }
        }
    }
}

extension CLV.Segments {
    func printKMeans(_ population: Population) async throws {
        var vectors: [CustomerID: [Float]] = [:]
        var topics: InsightWorkflow.TopicReport?
        if interests {
            guard data.usesDatabase, let end = data.end else { throw UserError("--interests reads customers' words from the database: drop --summary.") }
            let store = try await data.database.openExisting()
            let insight = InsightWorkflow(store: store)
            let embedder = try embedding.embedder(cache: store)
            vectors = try await withEmbeddingProgress("embed interests") { progress in
                let result = try await insight.interestVectors(asOf: end, embedder: embedder, progress: progress)
                return (result.vectors, result.embedded)
            }
            let source: InsightWorkflow.TopicSource = try await insight.profilableInteractions().isEmpty ? .products : .interactions
            topics = try await withEmbeddingProgress("embed topics") { progress in
                let report = try await insight.topics(source: source, k: 20, embedder: embedder, progress: progress)
                return (report, report.embedded)
            }
            if vectors.isEmpty { progress("No customer consented to profiling (`clv privacy consent`): segments use behaviour only.") }
        }
        let segmentation = try BehaviourSegments(population, k: k, interests: vectors, topics: topics)
        let written = try personas ? segmentation.personas() : []
        if format == .json && personas { return emit(try jsonText(zip(segmentation.segments, written).map { SegmentPersonaView($0, $1) })) }
        if format == .json { return emit(try jsonText(segmentation.segments)) }
        var lines = ["segment            customers  share    CLV share  mean P(alive)  mean CLV    mean freq  mean recency  mean monetary"]
        for s in segmentation.segments {
            lines.append(
                s.name.padding(toLength: 19, withPad: " ", startingAt: 0)
                    + [
                        String(s.customers), formatted(100 * s.shareOfCustomers, 3) + "%", formatted(100 * s.shareOfCLV, 3) + "%",
                        formatted(s.meanProbabilityAlive, 3), formatted(s.meanCLV, 2), formatted(s.meanFrequency, 2), formatted(s.meanRecency, 2),
                        formatted(s.meanMonetary, 2),
                    ].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " ")
                    + (s.topInterests.map { "  interests: " + $0.map { $0.terms.prefix(3).joined(separator: " ") }.joined(separator: "; ") } ?? ""))
        }
        lines.append(
            "features: " + BehaviourSegments.features.joined(separator: ", ")
                + (vectors.count > BehaviourSegments.interestComponents ? ", \(BehaviourSegments.interestComponents) principal components of interests" : "")
                + " (standardised)"
                + (segmentation.silhouette.map { "; silhouette " + formatted($0, 3) } ?? ""))
        if personas { lines += BehaviourSegments.personaLines(written, segments: segmentation.segments) }
        emit(lines.joined(separator: "\n"))
    }
}
