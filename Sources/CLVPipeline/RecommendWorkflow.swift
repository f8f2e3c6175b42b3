import CLVCore
import CLVData
import CLVRecommend
import Foundation

/// Recommendations from the order store: the customer × product matrix (net quantities, returns netted), the
/// models of CLVRecommend fitted on it, offline evaluation on a time split, and per-customer lists with product
/// titles and a reason. `clv recommend` calls these; the server will call the same.
///
/// Fits are synchronous CPU work (about a second for Online Retail's 4,339 × 3,665 matrix with ALS on two cores):
/// run them from the CLI or a job, never inside a request.
public struct RecommendWorkflow: Sendable {
    public let store: any ServiceStore

    public init(store: some ServiceStore) { self.store = store }

    /// The recommenders `clv recommend` offers, by the names the CLI and JSON use.
    public enum Model: String, Sendable, CaseIterable, Codable {
        case als, bpr
        case itemKNN = "item-knn"
        case popularity
    }

    /// Every customer's net product quantities with their days.
    public struct PurchaseLog: Sendable {
        public var customers: IndexMap<CustomerID>
        public var products: IndexMap<String>
        /// One entry per order line; timestamps are days since the epoch, returns have negative values.
        public var lines: [CLVRecommend.Interaction]

        /// The matrix of lines before `day` (all lines when nil), netted.
        public func matrix(before day: CalendarDay? = nil) -> SparseMatrix {
            let kept = day.map { d in lines.filter { $0.timestamp < Int64(d.daysSinceEpoch) } } ?? lines
            return SparseMatrix(rows: customers.count, columns: products.count, entries: kept)
        }

        /// The matrix of lines from `day` on, netted.
        public func matrix(from day: CalendarDay) -> SparseMatrix {
            SparseMatrix(rows: customers.count, columns: products.count, entries: lines.filter { $0.timestamp >= Int64(day.daysSinceEpoch) })
        }
    }

    /// Reads every product line of the store.
    /// - Throws: ``WorkflowError/noOrders`` when no line names both a customer and a product.
    public func purchaseLog() async throws -> PurchaseLog {
        let rows = try await store.productLinesNettingReturns()
        guard !rows.isEmpty else { throw WorkflowError.noOrders }
        var customers = IndexMap<CustomerID>()
        var products = IndexMap<String>()
        let lines = rows.map { row in
            CLVRecommend.Interaction(
                user: customers.index(inserting: row.customer), item: products.index(inserting: row.product), value: Float(row.quantity),
                timestamp: Int64(row.day.daysSinceEpoch))
        }
        return PurchaseLog(customers: customers, products: products, lines: lines)
    }

    /// Fits one model on a matrix with the settings chosen for retail baskets on Online Retail (README,
    /// "Recommendations"): purchase presence, not quantity, since quantities there span five orders of magnitude.
    public static func fit(_ model: Model, _ matrix: SparseMatrix, threads: Int = 2) -> ExplainableOrPlainRecommender {
        let bought = matrix.mapValues { _ in 1 }
        // No more factors than a quarter of the matrix's smaller side: a small shop's matrix is fitted cell for cell
        // by 64 factors, and its unseen products are then ranked by noise.
        let factors = max(2, min(64, min(matrix.rows, matrix.columns) / 4))
        switch model {
        case .als:
            return .explainable(ALSEstimator(factors: factors, regularization: 0.01, alpha: 1, iterations: 15, threads: threads).fit(bought))
        case .bpr:
            return .plain(BPREstimator(factors: factors, learningRate: 0.05, regularization: 0.02, iterations: 100, threads: 1).fit(bought))
        case .itemKNN:
            return .explainable(ItemKNNEstimator(weighting: .cosine, neighbours: 20, threads: threads).fit(bought))
        case .popularity:
            return .plain(PopularityModel(fitting: bought))
        }
    }

    /// Every model's top-k metrics on a time split: fitted on lines before `splitDate`, scored on what each
    /// customer (with purchases on both sides) bought from that day on, seen products filtered.
    /// - Throws: ``WorkflowError`` when either side of the split is empty.
    public func evaluate(splitDate: CalendarDay, k: Int, models: [Model] = Model.allCases) async throws -> [(Model, RankingMetrics)] {
        let log = try await purchaseLog()
        let train = log.matrix(before: splitDate)
        let test = log.matrix(from: splitDate)
        guard train.nonZeroCount > 0 else { throw WorkflowError.noCustomers(before: splitDate) }
        guard test.nonZeroCount > 0 else { throw RecommendWorkflowError.nothingAfter(splitDate) }
        return models.map { model in (model, RecommenderEvaluation.evaluate(Self.fit(model, train).recommender, train: train, test: test, k: k)) }
    }

    /// One recommended product with what the catalogue says about it and why it is there.
    public struct ProductRecommendation: Sendable, Codable, Equatable {
        public var product: String
        public var title: String?
        public var score: Double
        public var reason: String
    }

    /// The `k` best products for a customer, fitted on the whole store.
    /// - Parameter allowRepurchase: keep products the customer already has (replenishment).
    /// - Throws: ``RecommendWorkflowError/unknownCustomer(_:)`` for a customer without product lines.
    public func recommend(customer: CustomerID, k: Int, model: Model = .als, allowRepurchase: Bool = false) async throws -> [ProductRecommendation] {
        let log = try await purchaseLog()
        guard let user = log.customers.index(of: customer) else { throw RecommendWorkflowError.unknownCustomer(customer) }
        let matrix = log.matrix()
        let fitted = Self.fit(model, matrix)
        let history = matrix.row(user).withValues(1)
        let top = fitted.recommender.recommend(user: user, history: history, k: k, filter: ItemFilter(allowRepurchase: allowRepurchase))
        var because: [Int: Int] = [:]
        if case .explainable(let explainable) = fitted {
            for item in top {
                if let best = explainable.explain(user: user, history: history, item: item.item, count: 1).first, best.contribution > 0 {
                    because[item.item] = best.item
                }
            }
        }
        let ids = Set(top.map { log.products.ids[$0.item] } + because.values.map { log.products.ids[$0] })
        let catalogue = try await store.products(ids: ids)
        func title(_ item: Int) -> String? { catalogue[log.products.ids[item]]?.title }
        return top.map { item in
            let id = log.products.ids[item.item]
            let reason: String
            if let source = because[item.item] {
                reason = "bought with \(title(source) ?? log.products.ids[source])"
            } else if history.indices.contains(Int32(item.item)) {
                reason = "you bought it before"
            } else {
                reason = "popular with customers like you"
            }
            return ProductRecommendation(product: id, title: catalogue[id]?.title, score: Double(item.score), reason: reason)
        }
    }

    /// The `k` products most often bought by the same customers as `product` (item-kNN, cosine).
    /// - Throws: ``RecommendWorkflowError/unknownProduct(_:)`` for a product nobody bought.
    public func similar(product: String, k: Int) async throws -> [ProductRecommendation] {
        let log = try await purchaseLog()
        guard let item = log.products.index(of: product) else { throw RecommendWorkflowError.unknownProduct(product) }
        let model = ItemKNNEstimator(weighting: .cosine, neighbours: max(k, 20)).fit(log.matrix().mapValues { _ in 1 })
        let similar = model.similarItems(to: item, count: k)
        let catalogue = try await store.products(ids: Set(similar.map { log.products.ids[$0.item] } + [product]))
        let name = catalogue[product]?.title ?? product
        return similar.map { s in
            let id = log.products.ids[s.item]
            return ProductRecommendation(product: id, title: catalogue[id]?.title, score: Double(s.score), reason: "bought by customers who bought \(name)")
        }
    }
}

/// A fitted recommender, and whether it can explain itself (ALS, item-kNN) or not (BPR, popularity).
public enum ExplainableOrPlainRecommender: Sendable {
    case explainable(any ExplainableRecommender)
    case plain(any Recommender)

    public var recommender: any Recommender {
        switch self {
        case .explainable(let model): model
        case .plain(let model): model
        }
    }
}

/// What can go wrong asking for recommendations, each with how to fix it.
public enum RecommendWorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCustomer(CustomerID)
    case unknownProduct(String)
    case nothingAfter(CalendarDay)

    public var description: String {
        switch self {
        case .unknownCustomer:
            "That customer has no order lines with products: check the id (`clv summary` lists customers) or import their orders."
        case .unknownProduct(let id): "No customer bought product \(id): check the id against `clv ingest products` or the order file."
        case .nothingAfter(let day): "No order line falls on or after \(day): choose an earlier --split-date."
        }
    }
}

extension SparseVector {
    /// The same items with every value set to `value`.
    func withValues(_ value: Float) -> SparseVector {
        SparseVector(indices: indices, values: ArraySlice(repeating: value, count: indices.count))
    }
}
