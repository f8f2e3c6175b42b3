import CLVCore
import CLVData
import CLVPipeline
import Foundation
import Hummingbird

/// `GET /v1/customers/{id}/recommendations` and `GET /v1/products/{id}/similar`: what to offer next.
enum RecommendationRoutes {
    static let count = QueryParameter.integer("k", "How many products (default 10)", in: 1...100)

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}/recommendations", roles: .readers,
                summary:
                    "The products this customer is most likely to buy next (the newest saved recommender, their current orders folded in; products they have left out), each with its score and the reason it is there. A customer without products gets what matches what they wrote (with profiling consent), then what is popular with customers like them.",
                tag: "recommendations", query: [Self.count],
                responses: [200: "The products", 404: "No such customer, or no order lines with products", 503: "The recommender is still being prepared"],
                response: RecommendationList.self
            )
        ) { request, context in
            let id = CustomerID(try context.id())
            let k = try request.integer(Self.count) ?? 10
            let recommendations = try await recommendations(for: id, k: k, services: services)
            services.audit.record(AuditEvent(actor: context.actor, action: "read recommendations", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(RecommendationList(customer_id: id.rawValue, product_id: nil, k: k, products: recommendations))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/products/{id}/similar", roles: .readers,
                summary:
                    "The products most often bought by the customers who bought this one (item-kNN, cosine); for a product nobody bought yet, the ones described most alike.",
                tag: "recommendations", query: [Self.count],
                responses: [200: "The products", 404: "No such product", 503: "The recommender is still being prepared"], response: RecommendationList.self
            )
        ) { request, context in
            let product = try context.id()
            let k = try request.integer(Self.count) ?? 10
            let loaded = try await recommender(services)
            let similar: [RecommendWorkflow.ProductRecommendation]
            do { similar = try loaded.similar(product: product, k: k) } catch { throw APIError.notFound("\(error)") }
            return try JSON.response(RecommendationList(customer_id: nil, product_id: product, k: k, products: similar))
        }
    }

    /// The service's recommender, or 404/503 saying why there is none.
    static func recommender(_ services: Services) async throws -> LoadedRecommender {
        if let loaded = await services.recommender.current() { return loaded }
        let problem = await services.recommender.problem ?? .pending
        if case .missing = problem { throw APIError.notFound("No recommendations: \(problem).") }
        throw APIError.unavailable("No recommendations yet: \(problem).")
    }

    /// The customer's list, one place for the API and the dashboard. What a customer wrote is read (for a cold
    /// start) only with their profiling consent.
    static func recommendations(for id: CustomerID, k: Int, services: Services) async throws -> [RecommendWorkflow.ProductRecommendation] {
        guard let record = try await services.store.customer(id) else { throw APIError.notFound("No customer with that id.") }
        let loaded = try await recommender(services)
        var wrote: [String] = []
        if record.consent.profiling, !loaded.knows(id) {
            wrote = try await services.store.interactions(of: id).map(\.text).filter { !$0.isEmpty }
        }
        return loaded.recommend(customer: id, k: k, wrote: wrote)
    }
}

/// Recommended or similar products, best first.
struct RecommendationList: Encodable, Sendable {
    struct Product: Encodable, Sendable {
        var product_id: String
        var title: String?
        var score: Double?
        var reason: String
    }

    var customer_id: String?
    var product_id: String?
    var k: Int
    var products: [Product]

    init(customer_id: String?, product_id: String?, k: Int, products: [RecommendWorkflow.ProductRecommendation]) {
        self.customer_id = customer_id
        self.product_id = product_id
        self.k = k
        self.products = products.map { Product(product_id: $0.product, title: $0.title, score: $0.score.finiteValue, reason: $0.reason) }
    }
}

extension RecommendationList: APISchema {
    static let schema = Schema.object(
        [
            "customer_id": Schema.string, "product_id": Schema.string, "k": Schema.integer,
            "products": Schema.array(
                Schema.object(
                    ["product_id": Schema.string, "title": Schema.string, "score": Schema.number, "reason": Schema.string],
                    required: ["product_id", "reason"])),
        ], required: ["k", "products"])
}
