import ArgumentParser
import CLVAssist
import CLVCore
import CLVData
import CLVPipeline
import Foundation

extension CLV {
    /// `clv kb ingest PATH`, `clv kb search QUERY`.
    struct KB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kb",
            abstract: "Load the knowledge base the assistant answers from, and search it.",
            subcommands: [Ingest.self, Search.self])

        struct Ingest: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Store knowledge-base articles (Markdown with front matter, or CSV id,title,body,tags,language) and index them.",
                discussion: """
                    PATH is a .md or .csv file or a folder of them (CLVKit ships one: knowledge-base/). Articles are cut \
                    into passages at their headings; an article stored again replaces its passages, and unchanged \
                    passages are not embedded again. English passages are embedded with all-MiniLM-L6-v2, all others \
                    with multilingual-e5-small.
                    """)

            @Argument(help: "A Markdown or CSV file, or a folder of them.") var path: String
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Output format of the report: table or json.") var format: OutputFormat = .table

            func validate() throws {
                guard format != .csv else { throw ValidationError("clv kb ingest prints --format table or json.") }
            }

            func run() async throws {
                let articles = try KnowledgeBaseFile.read(URL(fileURLWithPath: path))
                let store = try await database.openForWriting()
                let workflow = KnowledgeBaseWorkflow(store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders())
                let line = ProgressLine(label: "embed passages")
                let report = try await workflow.ingest(articles) { done, total in
                    line.update(fraction: total > 0 ? Double(done) / Double(total) : 1, detail: "\(done)/\(total) passages")
                }
                line.finish()
                if format == .json { return emit(try jsonText(report)) }
                emit(
                    "\(report.articles) articles, \(report.chunks) passages: \(report.written) written, \(report.unchanged) unchanged, "
                        + "\(report.removed) removed; \(report.embedded) embedded, \(report.cached) from the cache.")
            }
        }

        struct Search: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The passages that best answer a question, by BM25 and dense retrieval fused by reciprocal rank.",
                discussion: """
                    A question with Chinese characters searches the Chinese passages (e5-small), any other the English \
                    ones (MiniLM). JSON: [{"rank","article","chunk","heading","score","bm25","dense","found_by","text"}].
                    """)

            @Argument(help: "The question.") var query: String
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Passages to return.") var k = 5
            @Option(help: "Ranking: fused, bm25 or dense.") var retriever: KnowledgeRetriever.Mode = .fused
            @Option(help: "Output format: table or json.") var format: OutputFormat = .table

            func validate() throws {
                guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
                guard format != .csv else { throw ValidationError("clv kb search prints --format table or json.") }
            }

            func run() async throws {
                let store = try await database.openExisting()
                let workflow = KnowledgeBaseWorkflow(store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders())
                let hits = try await workflow.retriever().search(Redactor().redacted(query), k: k, mode: retriever)
                let rows = hits.enumerated().map { Row(rank: $0 + 1, passage: $1) }
                if format == .json { return emit(try jsonText(rows)) }
                guard !rows.isEmpty else { return emit("No passage matches.") }
                emit(
                    rows.map { row in
                        String(
                            format: "%d. %@ (%@)  score %.4f  bm25 %@  dense %@  [%@]", row.rank, row.chunk, row.heading, row.score,
                            row.bm25.map { String(format: "%.3f", $0) } ?? "-", row.dense.map { String(format: "%.3f", $0) } ?? "-",
                            row.foundBy.joined(separator: "+"))
                    }.joined(separator: "\n"))
            }

            struct Row: Encodable {
                var rank: Int
                var article: String
                var chunk: String
                var heading: String
                var score: Double
                var bm25: Double?
                var dense: Double?
                var foundBy: [String]
                var text: String

                init(rank: Int, passage: RetrievedPassage) {
                    self.rank = rank
                    article = passage.chunk.articleID
                    chunk = passage.chunk.id
                    heading = passage.chunk.heading
                    score = passage.score
                    bm25 = passage.bm25Score
                    dense = passage.denseScore
                    foundBy = passage.foundBy.map(\.rawValue)
                    text = passage.chunk.text
                }

                enum CodingKeys: String, CodingKey {
                    case rank, article, chunk, heading, score, bm25, dense, text
                    case foundBy = "found_by"
                }
            }
        }
    }
}

extension KnowledgeRetriever.Mode: ExpressibleByArgument {}
