import ArgumentParser
import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import CLVText
import Foundation

extension CLV {
    /// `clv cohorts`: retention and revenue by first-purchase month or week.
    struct Cohorts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retention and revenue by first-purchase month (or week), with the model's expected retention beside them.",
            discussion: """
                Each row is the customers whose first purchase fell in that period; column k is the share of them \
                who bought again in the k-th period after it (k = 0 is 100%). The last period of every row is \
                partial when the data ends inside it. The expected row comes from the newest saved purchase model \
                (`clv fit`), simulated for 20,000 new customers.
                """)

        enum Unit: String, ExpressibleByArgument, CaseIterable {
            case month, week
        }

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Cohort period.") var unit: Unit = .month
        @Option(help: "Purchase model whose expected retention to show (its newest saved run).") var model: ModelKind = .bgnbd
        @Option(help: "Show revenue instead of retention.") var show: Show = .retention
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        enum Show: String, ExpressibleByArgument, CaseIterable {
            case retention, revenue
        }

        func run() async throws {
            let store = try await database.openExisting()
            let saved = try await Workflow(store: store).latest(model)
            let period: CohortTable.Period = unit == .month ? .month : .week
            let table = try await InsightWorkflow(store: store).cohorts(period: period, model: saved?.fitted.purchase, unit: saved?.record.unit ?? .week)
            if format == .json { return emit(try jsonText(table)) }
            let width = table.cohorts.map(\.active.count).max() ?? 0
            let header = (0..<width).map { k in
                let name = "\(unit == .month ? "m" : "w")\(k)"
                return String(repeating: " ", count: max(0, 6 - name.count)) + name
            }
            var lines = ["cohort       size  " + header.joined()]
            for cohort in table.cohorts {
                let label = unit == .month ? String(cohort.start.description.prefix(7)) : cohort.start.description
                let cells =
                    show == .retention
                    ? cohort.retention.map { String(format: "%5.1f%%", 100 * $0) } : cohort.revenue.map { String(format: "%6.0f", $0) }
                lines.append(label.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%7d  ", cohort.size) + cells.joined())
            }
            if show == .retention {
                lines.append(
                    "mean".padding(toLength: 19, withPad: " ", startingAt: 0) + table.meanRetention.map { String(format: "%5.1f%%", 100 * $0) }.joined())
                if let expected = table.expectedRetention {
                    lines.append(
                        "\(model.rawValue) expected".padding(toLength: 19, withPad: " ", startingAt: 0)
                            + expected.map { String(format: "%5.1f%%", 100 * $0) }.joined())
                } else {
                    lines.append("(no saved \(model.rawValue) run: `clv fit --model \(model.rawValue)` adds the model's expected retention)")
                }
            }
            lines.append("data through \(table.dataEnd); the last column of each row may be a partial period")
            emit(lines.joined(separator: "\n"))
        }
    }

    /// `clv topics`: what product descriptions or customers' texts are about.
    struct Topics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cluster product descriptions or customers' texts into topics labelled by their most distinctive terms.",
            discussion: """
                Texts are embedded (cached: a second run embeds nothing new), clustered with k-means (k chosen by \
                silhouette unless --k), and each topic labelled by class-based TF-IDF, as BERTopic does. Prints \
                topic coherence (NPMI over the corpus) and diversity. Only texts of customers who consented to \
                profiling are read.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var embedding: EmbeddingOptions
        @Option(help: "products or interactions (default: interactions when any consenting customer wrote something).")
        var source: InsightWorkflow.TopicSource?
        @Option(help: "Number of topics (default: chosen by silhouette).") var k: Int?
        @Option(help: "Example texts per topic.") var examples = 3
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func validate() throws {
            if let k, k < 2 { throw ValidationError("--k must be at least 2.") }
            guard format != .csv else { throw ValidationError("clv topics prints --format table or json.") }
        }

        func run() async throws {
            let store = try await database.openExisting()
            let insight = InsightWorkflow(store: store)
            let chosen = try await resolvedSource(insight)
            let embedder = try embedding.embedder(cache: store)
            let report = try await withEmbeddingProgress("embed \(chosen.rawValue)") { progress in
                let report = try await insight.topics(source: chosen, k: k, embedder: embedder, progress: progress)
                return (report, report.embedded)
            }
            emit(format == .json ? try jsonText(TopicsView(report, examples: examples)) : Self.table(report, examples: examples))
        }

        func resolvedSource(_ insight: InsightWorkflow) async throws -> InsightWorkflow.TopicSource {
            if let source { return source }
            return try await insight.profilableInteractions().isEmpty ? .products : .interactions
        }

        static func table(_ report: InsightWorkflow.TopicReport, examples: Int) -> String {
            var lines = ["\(report.model.topics.count) topics in \(report.documents.count) \(report.source.rawValue) texts"]
            for topic in report.model.topics.sorted(by: { $0.size > $1.size }) {
                lines.append(String(format: "%3d  %5d  ", topic.id, topic.size) + topic.terms.prefix(8).map(\.term).joined(separator: ", "))
                for index in topic.representativeDocuments.prefix(examples) { lines.append("            · " + String(report.documents[index].prefix(100))) }
            }
            lines.append(String(format: "coherence (NPMI, top 10 terms): %.3f   diversity (top 25): %.3f", report.coherence.mean, report.diversity))
            return lines.joined(separator: "\n")
        }
    }

    /// `clv profile ID`.
    struct Profile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One customer's profile: behaviour and predictions, interests and sentiment from their words.",
            discussion: """
                Behaviour comes from the newest saved purchase and spend models (fitted now if there are none). \
                Interests are the topics nearest the recency-weighted mean embedding of what the customer wrote and \
                bought; sentiment is scored by the sentiment model. A customer without profiling consent gets \
                behaviour only: nothing of theirs is embedded.
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var embedding: EmbeddingOptions
        @Argument(help: "The customer id.") var id: String
        @Option(help: ArgumentHelp("Profile as of this day (default: the last day with an order).", valueName: "YYYY-MM-DD")) var asOf: CalendarDay?
        @Option(help: "Purchase model.") var model: ModelKind = .bgnbd
        @Option(help: "Sentiment model file (default: the one `make setup` installs).") var sentimentModel: String?
        @Option(help: "Topic source for interests.") var topics: InsightWorkflow.TopicSource?
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table
        @Flag(help: "Add a 2-3 sentence narrative from the profile's facts by the local SmolLM2 (numbers checked; needs profiling consent).")
        var narrative = false

        func run() async throws {
            let store = try await database.openExisting()
            var profile = try await ProfileBuilder(store: store, embedding: embedding, sentimentModel: sentimentModel, topicSource: topics, model: model)
                .profile(CustomerID(id), asOf: asOf)
            if narrative { profile.narrative = try ProfileBuilder.narrative(of: profile) }
            emit(format == .json ? try jsonText(profile) : ProfileBuilder.table(profile))
        }
    }
}

extension InsightWorkflow.TopicSource: ExpressibleByArgument {}

/// Topics as JSON.
struct TopicsView: Encodable {
    struct TopicView: Encodable {
        var id: Int
        var size: Int
        var terms: [WeightedTerm]
        var examples: [String]
        var coherence: Double?
    }

    var source: String
    var documents: Int
    var coherence_npmi: Double
    var diversity: Double
    var topics: [TopicView]

    init(_ report: InsightWorkflow.TopicReport, examples: Int) {
        source = report.source.rawValue
        documents = report.documents.count
        coherence_npmi = report.coherence.mean
        diversity = report.diversity
        topics = report.model.topics.enumerated().map { i, topic in
            TopicView(
                id: topic.id, size: topic.size, terms: topic.terms, examples: topic.representativeDocuments.prefix(examples).map { report.documents[$0] },
                coherence: i < report.coherence.perTopic.count ? report.coherence.perTopic[i] : nil)
        }
    }
}
