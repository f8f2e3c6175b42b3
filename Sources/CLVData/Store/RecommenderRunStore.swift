import CLVCore
import Foundation

/// Saved recommender fits (`clv recommend fit`), newest last. Apart from the CLV model runs because a recommender
/// is no probabilistic model: nothing of ``ModelRunRecord`` but its dates applies, and the CLV readers (and the
/// model page) list `model_run` without having to skip them.
public protocol RecommenderRunStore: Sendable {
    /// Saves a run and returns its id.
    func saveRecommenderRun(_ run: RecommenderRunRecord) async throws -> Int64
    /// The newest run, of `model` when given (its name as `clv recommend fit --model` spells it).
    func latestRecommenderRun(model: String?) async throws -> RecommenderRunRecord?
}

/// One recommender fit as stored. The fitted model is versioned JSON whose format belongs to the workflow layer
/// (`RecommendWorkflow`); it holds products and their factors, similarities and counts, never a customer's id or
/// factors (customers are folded in from their orders when served), so erasure has nothing to delete here.
public struct RecommenderRunRecord: Sendable, Equatable, Codable {
    public var id: Int64
    /// `als`, `bpr`, `item-knn`, `popularity` or `hybrid`.
    public var model: String
    public var createdAt: Date
    /// The last day of the order lines the model was fitted on.
    public var dataEnd: CalendarDay
    /// Customers and products in the fitted matrix.
    public var customers: Int
    public var products: Int
    public var fitJSON: String

    public init(id: Int64 = 0, model: String, createdAt: Date = Date(), dataEnd: CalendarDay, customers: Int, products: Int, fitJSON: String) {
        self.id = id
        self.model = model
        self.createdAt = createdAt
        self.dataEnd = dataEnd
        self.customers = customers
        self.products = products
        self.fitJSON = fitJSON
    }
}
