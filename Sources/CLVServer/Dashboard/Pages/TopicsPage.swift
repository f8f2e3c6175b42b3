import CLVCore
import CLVData
import CLVInsight
import CLVPipeline
import CLVText
import Foundation
import Hummingbird

/// `/ui/topics`: the topics interests are measured against (product texts, or what consenting customers wrote),
/// with their terms, sizes, typical texts and quality. They are computed once in the background
/// (``LanguageModels/topics(store:embedder:)``); until then the page says so and reloads itself.
enum TopicsPage {
    /// Seconds between reloads while the topics are being computed.
    static let refreshSeconds = 5
    /// Characters of an example text shown.
    static let exampleLength = 280

    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/topics", roles: .analysts) { _, _, viewer in
            let embedder: CachedEmbedder
            do { embedder = try await services.language.cachedEmbedder(cache: services.store) } catch {
                throw APIError.unavailable("The embedding model is not available (\(error)); `scripts/setup.sh` installs it.")
            }
            // Read before asking for the topics: asking again restarts a job that failed.
            let problem = await services.language.topicsProblem
            guard let report = await services.language.topics(store: services.store, embedder: embedder) else {
                let body: HTML =
                    if let problem {
                        View.message("No topics: \(problem) Reload to try again.", tone: "bad")
                    } else {
                        View.message("Computing topics… the page reloads every \(refreshSeconds) seconds until they are ready.")
                    }
                return DashboardRoutes.html(
                    View.page(title: "Topics", active: "topics", role: viewer.role, refresh: problem == nil ? refreshSeconds : nil, body))
            }
            return DashboardRoutes.html(View.page(title: "Topics", active: "topics", role: viewer.role, render(report)))
        }
    }

    static func render(_ report: InsightWorkflow.TopicReport) -> HTML {
        let topics = report.model.topics
        let source = report.source == .products ? "product titles and descriptions" : "what customers who consented to profiling wrote"
        let stats = View.stats([
            View.stat("topics", "Topics", Format.integer(topics.count)),
            View.stat("documents", "Texts", Format.integer(report.documents.count), note: source),
            View.stat("coherence", "Coherence (NPMI)", Format.number(report.coherence.mean, decimals: 3), note: "−1 to 1; higher: terms occur together"),
            View.stat("diversity", "Diversity", Format.number(report.diversity, decimals: 3), note: "share of unique top terms; 1: none shared"),
        ])
        let rows = topics.map { topic -> [HTML] in
            let terms = topic.terms.prefix(8).map(\.term).joined(separator: ", ")
            let examples = topic.representativeDocuments.filter { report.documents.indices.contains($0) }.map { i -> HTML in
                let text = report.documents[i]
                return "<li>\(text.count > exampleLength ? String(text.prefix(exampleLength)) + "…" : text)</li>"
            }
            return [
                View.text(String(topic.id)), "<div class=\"wrap\" data-field=\"terms\">\(terms)</div>", View.text(Format.integer(topic.size)),
                View.text(Format.percent(Double(topic.size) / Double(max(1, report.documents.count)), decimals: 1)),
                View.text(report.coherence.perTopic.indices.contains(topic.id) ? Format.number(report.coherence.perTopic[topic.id], decimals: 3) : "–"),
                "<ul class=\"texts wrap\">\(examples)</ul>",
            ]
        }
        let note =
            "Texts clustered by their MiniLM embeddings (k-means), each topic labelled by its most distinctive terms (class-based TF-IDF); examples are the texts nearest the topic's centre, as stored (redacted).\(report.model.silhouette.map { " Silhouette \(Format.number($0, decimals: 3))." } ?? "")"
        return """
            \(stats)
            \(View.grid([
                View.card(
                    "Topics", id: "panel-topics", note: note, wide: true,
                    View.table(
                        "topics", headers: ["#", "Terms", "Texts", "% texts", "Coherence", "Examples"], numeric: [0, 2, 3, 4], phoneHidden: [3, 4], rows: rows)),
                View.card(
                    "Topic sizes", id: "panel-topic-sizes",
                    Chart.bars(
                        "topic-sizes", label: "Texts per topic",
                        bars: topics.map { ("\($0.id)", Double($0.size), Chart.palette[$0.id % Chart.palette.count]) }, xTitle: "topic", yTitle: "texts",
                        yFormat: { Format.number($0, decimals: $0 == $0.rounded() ? 0 : 1) })),
            ]))
            """
    }
}
