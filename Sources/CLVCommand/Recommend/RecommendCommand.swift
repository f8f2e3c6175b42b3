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
                (cosine, 20 neighbours), popularity. Fits take about a second on Online Retail.
                Examples: clv recommend 12347 --k 5; clv recommend similar 85123A; clv recommend evaluate --split-date 2011-09-01
                """,
            subcommands: [ForCustomer.self, Similar.self, EvaluateModels.self],
            defaultSubcommand: ForCustomer.self
        )
    }
}

/// How recommendation lists are printed.
enum RecommendFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// What every `clv recommend` command takes: the list length, the store and the output format.
struct RecommendListOptions: ParsableArguments {
    @Option(help: "How many products in each list.")
    var k = 10

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Output format: table or json.")
    var format: RecommendFormat = .table

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
    }

    var workflow: RecommendWorkflow { get async throws { RecommendWorkflow(store: try await database.openExisting()) } }
}

extension CLV.Recommend {
    /// `clv recommend CUSTOMER_ID`.
    struct ForCustomer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customer",
            abstract: "The products to recommend to one customer, with titles, scores and the reason for each.")

        @Argument(help: "The customer's id.")
        var customer: String

        @Option(help: "Model: als, bpr, item-knn or popularity.")
        var model: RecommendWorkflow.Model = .als

        @Flag(help: "Keep products the customer already bought (replenishment).")
        var allowRepurchase = false

        @OptionGroup var options: RecommendListOptions

        func run() async throws {
            let workflow = try await options.workflow
            let list: [RecommendWorkflow.ProductRecommendation]
            do {
                list = try await workflow.recommend(customer: CustomerID(customer), k: options.k, model: model, allowRepurchase: allowRepurchase)
            } catch let error as RecommendWorkflowError { throw UserError(error.description) }
            try printRecommendations(list, format: options.format)
        }
    }

    /// `clv recommend similar PRODUCT_ID`.
    struct Similar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Products bought by the same customers as one product (item-kNN, cosine).")

        @Argument(help: "The product's id (e.g. an Online Retail StockCode).")
        var product: String

        @OptionGroup var options: RecommendListOptions

        func run() async throws {
            let workflow = try await options.workflow
            let list: [RecommendWorkflow.ProductRecommendation]
            do { list = try await workflow.similar(product: product, k: options.k) } catch let error as RecommendWorkflowError {
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

        @OptionGroup var options: RecommendListOptions

        func run() async throws {
            let workflow = try await options.workflow
            let results: [(RecommendWorkflow.Model, RankingMetrics)]
            do { results = try await workflow.evaluate(splitDate: splitDate, k: options.k) } catch let error as RecommendWorkflowError {
                throw UserError(error.description)
            }
            switch options.format {
            case .json:
                var models: [String: [String: Double]] = [:]
                for (model, m) in results {
                    models[model.rawValue] = ["precision": m.precision, "recall": m.recall, "ndcg": m.ndcg, "map": m.map, "coverage": m.coverage]
                }
                emit(try jsonText(EvaluationReport(k: options.k, customers: results.first?.1.users ?? 0, models: models)))
            case .table:
                let table = Tabular(
                    columns: ["model", "precision@\(options.k)", "recall@\(options.k)", "ndcg@\(options.k)", "map@\(options.k)", "coverage", "customers"],
                    rows: results.map { model, m in
                        [
                            .text(model.rawValue), .number(m.precision, decimals: 4), .number(m.recall, decimals: 4), .number(m.ndcg, decimals: 4),
                            .number(m.map, decimals: 4), .number(m.coverage, decimals: 4), .integer(m.users),
                        ]
                    })
                emit(table.render(.table))
            }
        }
    }
}

/// `clv recommend evaluate --format json`.
private struct EvaluationReport: Encodable {
    let k: Int
    let customers: Int
    let models: [String: [String: Double]]
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
