import ArgumentParser
import CLVCore
import CLVData
import CLVPipeline
import CLVRecommend
import Foundation

extension RecommendWorkflow.Model: ExpressibleByArgument {}

extension CLV {
    /// `clv recommend`: products for a customer, similar products, and offline evaluation of every recommender.
    struct Recommend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recommend products: for a customer, like a product, and every model's offline metrics.",
            discussion: """
                Models are fitted on the store's order lines (customer x product, returns netted, a product counts \
                as bought when its net quantity is positive): als (implicit ALS, conjugate gradient), bpr, item-knn \
                (cosine, 20 neighbours), popularity, content (product texts: words, or sentence embeddings with --content embeddings), hybrid (ALS, item-kNN and content, weights \
                chosen on the last three months). \
                `clv recommend fit` saves a run; lists come from the newest one (a fit is made and saved when there is \
                none). Fits take a few seconds on Online Retail.
                Examples: clv recommend fit --model hybrid; clv recommend 12347 --k 5; clv recommend similar 85123A; \
                clv recommend evaluate --split-date 2011-09-01
                """,
            subcommands: [ForCustomer.self, Fit.self, Similar.self, EvaluateModels.self],
            defaultSubcommand: ForCustomer.self
        )
    }
}

/// How recommendation lists are printed.
enum RecommendFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// How the content model reads product texts, by the names `--content` accepts.
enum ContentChoice: String, ExpressibleByArgument, CaseIterable {
    case embeddings, words
}

/// The store, and how the content model reads product texts: what every `clv recommend` command opens.
struct RecommendStoreOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(
        help:
            "How the content model (content, hybrid; similar products nobody bought) reads product titles and descriptions: words (TF-IDF; better on Online Retail's titles) or embeddings (sentence embeddings, cached in the store)."
    )
    var content: ContentChoice = .words

    @OptionGroup var embedding: EmbeddingOptions

    var workflow: RecommendWorkflow {
        get async throws {
            let store = try await database.openExisting()
            switch content {
            case .words: return RecommendWorkflow(store: store, content: .words)
            case .embeddings:
                let embedder: CachedEmbedder
                do { embedder = try embedding.embedder(cache: store) } catch {
                    throw UserError("\(error) (or pass --content words to read product texts without an embedding model)")
                }
                return RecommendWorkflow(store: store, content: .embeddings(embedder))
            }
        }
    }
}

/// What every `clv recommend` list command takes: the list length, the store and the output format.
struct RecommendListOptions: ParsableArguments {
    @Option(help: "How many products in each list.")
    var k = 10

    @OptionGroup var store: RecommendStoreOptions

    @Option(help: "Output format: table or json.")
    var format: RecommendFormat = .table

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
    }

    var workflow: RecommendWorkflow { get async throws { try await store.workflow } }
}

extension CLV.Recommend {
    /// `clv recommend CUSTOMER_ID`.
    struct ForCustomer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customer",
            abstract: "The products to recommend to one customer, with titles, scores and the reason for each.")

        @Argument(help: "The customer's id.")
        var customer: String

        @Option(help: "The saved run's model: als, bpr, item-knn, popularity, hybrid or content (default: the newest run of any).")
        var model: RecommendWorkflow.Model?

        @Flag(help: "Keep products the customer already bought (replenishment).")
        var allowRepurchase = false

        @Option(help: ArgumentHelp("Only products of this category (repeat for several).", valueName: "category"))
        var category: [String] = []

        @Option(help: "Only products at this price or above.")
        var minPrice: Double?

        @Option(help: "Only products at this price or below.")
        var maxPrice: Double?

        @Option(help: "Re-weight the list by CLV: margin (price), alive (buyers' P(alive)) or retention (at risk: toward popular products).")
        var rerank: CLVReranking?

        @OptionGroup var options: RecommendListOptions

        func validate() throws {
            if let minPrice, let maxPrice, minPrice > maxPrice {
                throw ValidationError("--min-price \(minPrice) is above --max-price \(maxPrice): swap them.")
            }
        }

        func run() async throws {
            let workflow = try await options.workflow
            let filter = ProductFilter(categories: category.isEmpty ? nil : Set(category), minimumPrice: minPrice, maximumPrice: maxPrice)
            let list: [RecommendWorkflow.ProductRecommendation]
            do {
                list = try await workflow.recommend(
                    customer: CustomerID(customer), k: options.k, model: model, allowRepurchase: allowRepurchase, filter: filter, rerank: rerank,
                    notice: Output.log)
            } catch let error as RecommendWorkflowError { throw UserError(error.description) }
            try printRecommendations(list, format: options.format)
        }
    }

    /// `clv recommend fit`.
    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a recommender on every stored order line and save it as the run lists come from.",
            discussion: """
                The run keeps products' factors, neighbours and counts, never a customer's: customers are folded in \
                from their orders when served, so new orders count without a refit.
                """)

        @Option(help: "Model: als, bpr, item-knn, popularity, hybrid or content.")
        var model: RecommendWorkflow.Model = .als

        @OptionGroup var store: RecommendStoreOptions

        func run() async throws {
            let loaded = try await store.workflow.fitAndSave(model)
            var line =
                "Saved recommender run \(loaded.run.id): \(model.rawValue) on \(loaded.run.customers) customers x \(loaded.run.products) products, orders through \(loaded.run.dataEnd)"
            if let weight = loaded.hybridWeight {
                line += "; ALS weight \(weight) (item-kNN \(1 - weight)), content \(loaded.contentWeight ?? 0) beside them"
            }
            emit(line + ".\n")
        }
    }

    /// `clv recommend similar PRODUCT_ID`.
    struct Similar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Products bought by the same customers as one product (item-kNN, cosine); for one nobody bought, those described alike.")

        @Argument(help: "The product's id (e.g. an Online Retail StockCode).")
        var product: String

        @OptionGroup var options: RecommendListOptions

        func run() async throws {
            let workflow = try await options.workflow
            let list: [RecommendWorkflow.ProductRecommendation]
            do { list = try await workflow.similar(product: product, k: options.k, notice: Output.log) } catch let error as RecommendWorkflowError {
                throw UserError(error.description)
            }
            try printRecommendations(list, format: options.format)
        }
    }

    /// `clv recommend evaluate --split-date DATE`.
    struct EvaluateModels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Every recommender's precision, recall, NDCG, MAP at k and catalogue coverage on a time split.",
            discussion: """
                Fits each model on the order lines before --split-date and recommends k products the customer had \
                not bought to every customer who bought before and after it; scored against what they bought from \
                that day on.
                """)

        @Option(help: "First day of the test period (YYYY-MM-DD); the models learn from the days before it.")
        var splitDate: CalendarDay

        @Option(help: "A model to evaluate: als, bpr, item-knn, popularity, hybrid or content (repeat for several; default: all).")
        var model: [RecommendWorkflow.Model] = []

        @Option(help: "Re-weight every list by CLV: margin (price), alive (buyers' P(alive)) or retention (at-risk customers toward popular products).")
        var rerank: CLVReranking?

        @OptionGroup var options: RecommendListOptions

        func run() async throws {
            let workflow = try await options.workflow
            let models = model.isEmpty ? RecommendWorkflow.Model.allCases : model
            let result: (evaluations: [RecommendWorkflow.ModelEvaluation], tiersMissing: String?)
            do { result = try await workflow.evaluateByTier(splitDate: splitDate, k: options.k, models: models, rerank: rerank) } catch let error
                as RecommendWorkflowError
            {
                throw UserError(error.description)
            }
            if let missing = result.tiersMissing { Output.log("No per-tier metrics: \(missing).") }
            let k = options.k
            switch options.format {
            case .json:
                var overall: [String: [String: Double]] = [:]
                var tiers: [String: [String: [String: Double]]] = [:]
                for evaluation in result.evaluations {
                    overall[evaluation.model.rawValue] = Self.fields(evaluation.overall)
                    for (tier, metrics) in evaluation.tiers { tiers[tier, default: [:]][evaluation.model.rawValue] = Self.fields(metrics) }
                }
                let customers = Dictionary(
                    (result.evaluations.first?.tiers ?? []).map { ($0.tier, $0.metrics.users) }, uniquingKeysWith: { first, _ in first })
                emit(
                    try jsonText(
                        EvaluationReport(
                            k: k, customers: result.evaluations.first?.overall.users ?? 0, rerank: rerank?.rawValue, models: overall, tiers: tiers,
                            tierCustomers: customers)))
            case .table:
                let columns = ["model", "precision@\(k)", "recall@\(k)", "ndcg@\(k)", "map@\(k)", "coverage", "customers"]
                emit(Tabular(columns: columns, rows: result.evaluations.map { Self.row($0.model.rawValue, $0.overall) }).render(.table))
                let tierRows = result.evaluations.flatMap { evaluation in evaluation.tiers.map { (tier: $0.tier, model: evaluation.model, metrics: $0.metrics) }
                }
                if !tierRows.isEmpty {
                    let order = Dictionary((result.evaluations.first?.tiers ?? []).enumerated().map { ($1.tier, $0) }, uniquingKeysWith: { first, _ in first })
                    let sorted = tierRows.enumerated().sorted { a, b in
                        let (ta, tb) = (order[a.element.tier] ?? 0, order[b.element.tier] ?? 0)
                        return ta != tb ? ta < tb : a.offset < b.offset
                    }
                    emit("\nBy CLV tier (BG/NBD + Gamma-Gamma fitted on the orders before \(splitDate)):")
                    emit(
                        Tabular(
                            columns: ["tier"] + columns, rows: sorted.map { [.text($0.element.tier)] + Self.row($0.element.model.rawValue, $0.element.metrics) }
                        ).render(.table))
                }
            }
        }

        static func fields(_ m: RankingMetrics) -> [String: Double] {
            ["precision": m.precision, "recall": m.recall, "ndcg": m.ndcg, "map": m.map, "coverage": m.coverage]
        }

        static func row(_ name: String, _ m: RankingMetrics) -> [Tabular.Value] {
            [
                .text(name), .number(m.precision, decimals: 4), .number(m.recall, decimals: 4), .number(m.ndcg, decimals: 4), .number(m.map, decimals: 4),
                .number(m.coverage, decimals: 4), .integer(m.users),
            ]
        }
    }
}

extension CLVReranking: ExpressibleByArgument {}

/// `clv recommend evaluate --format json`: the shape (`k`, `models`) with the customers evaluated, the
/// reranking, and `tiers`: tier → model → metrics, with each tier's customers in `tier_customers`.
private struct EvaluationReport: Encodable {
    let k: Int
    let customers: Int
    let rerank: String?
    let models: [String: [String: Double]]
    let tiers: [String: [String: [String: Double]]]
    let tierCustomers: [String: Int]

    enum CodingKeys: String, CodingKey {
        case k, customers, rerank, models, tiers
        case tierCustomers = "tier_customers"
    }
}

private func printRecommendations(_ list: [RecommendWorkflow.ProductRecommendation], format: RecommendFormat) throws {
    switch format {
    case .json:
        emit(try jsonText(list))
    case .table:
        let table = Tabular(
            columns: ["product", "title", "score", "reason"],
            rows: list.map { [.text($0.product), $0.title.map { .text($0) } ?? .missing, .number($0.score, decimals: 4), .text($0.reason)] })
        emit(table.render(.table))
    }
}
