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
                    "The products this customer is most likely to buy next (implicit ALS over every order line, products they have filtered out), each with its score and the reason it is there.",
                tag: "recommendations", query: [Self.count],
                responses: [200: "The products", 404: "No such customer, or no order lines with products"],
                response: RecommendationList.self
            )
        ) { request, context in
            let id = CustomerID(try context.id())
            let k = try request.integer(Self.count) ?? 10
            guard try await services.store.customer(id) != nil else { throw APIError.notFound("No customer with that id.") }
            let recommendations = try await answer { try await RecommendWorkflow(store: services.store).recommend(customer: id, k: k) }
            services.audit.record(AuditEvent(actor: context.actor, action: "read recommendations", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(RecommendationList(customer_id: id.rawValue, product_id: nil, k: k, products: recommendations))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/products/{id}/similar", roles: .readers,
                summary: "The products most often bought by the customers who bought this one (item-kNN, cosine).",
                tag: "recommendations", query: [Self.count],
                responses: [200: "The products", 404: "Nobody bought that product"], response: RecommendationList.self
            )
        ) { request, context in
            let product = try context.id()
            let k = try request.integer(Self.count) ?? 10
            let similar = try await answer { try await RecommendWorkflow(store: services.store).similar(product: product, k: k) }
            return try JSON.response(RecommendationList(customer_id: nil, product_id: product, k: k, products: similar))
        }
    }

    /// The workflow's answer, its "who or what is that" failures as 404.
    private static func answer(_ body: () async throws -> [RecommendWorkflow.ProductRecommendation]) async throws -> [RecommendWorkflow.ProductRecommendation] {
        do {
            return try await body()
        } catch let error as RecommendWorkflowError {
            throw APIError.notFound(error.description)
        } catch WorkflowError.noOrders {
            throw APIError.notFound("No order line names a product yet: import orders with product ids (`clv ingest orders`).")
        }
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
