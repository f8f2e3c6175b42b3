import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/customers`: one customer's summary and scores, the scored list, consent, erasure.
enum CustomerRoutes {
    static let interval = QueryParameter.number("interval", "Prediction-interval level, e.g. 0.9", in: 0.5...0.999)
    static let orderLimit = QueryParameter.integer("limit", "At most this many lines (default 50)", in: 1...500)
    static let pageLimit = QueryParameter.integer("limit", "At most this many (default 50)", in: 1...1000)
    static let offset = QueryParameter.integer("offset", "Skip this many (default 0)", in: 0...1_000_000_000)
    static let sort = QueryParameter.choice("sort", "Order by (default clv)", SortKey.self)

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}", roles: .readers,
                summary: "One customer: summary, scores (with ?interval=0.9 a prediction interval), tier, RFM segment, churn risk.",
                tag: "customers", query: [Self.interval],
                responses: [200: "The customer", 404: "No such customer"], response: CustomerView.self
            )
        ) { request, context in
            let id = CustomerID(try context.id())
            let level = try request.number(Self.interval)
            let view = try await customerView(id, services: services, level: level)
            services.audit.record(AuditEvent(actor: context.actor, action: "read customer", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(view)
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}/explanation", roles: .readers,
                summary:
                    "Why the newest learned model values this customer as it does, feature by feature (exact Shapley values for the linear ZILN, TreeSHAP for the trees, integrated gradients for the MLP), and BG/NBD's drivers in plain words.",
                tag: "customers",
                responses: [
                    200: "The explanation", 404: "No such customer, no learned model saved, or no purchase by the model's cutoff",
                    503: "The learned model is still being applied",
                ],
                response: ExplanationView.self
            )
        ) { _, context in
            let id = CustomerID(try context.id())
            guard try await services.store.customer(id) != nil else { throw APIError.notFound("No customer with that id.") }
            guard let learned = await services.learned.current() else {
                let problem = await services.learned.problem ?? .pending
                if problem == .noRun { throw APIError.notFound("No learned CLV: \(problem).") }
                throw APIError.unavailable("No learned CLV yet: \(problem).")
            }
            guard let prediction = learned.prediction(for: id), let explanation = try learned.explain(id) else {
                throw APIError.notFound("This customer has no purchase on or before \(learned.asOf), the learned model's cutoff.")
            }
            services.audit.record(
                AuditEvent(actor: context.actor, action: "read customer explanation", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(ExplanationView(explanation, prediction: prediction, scoring: learned))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}/orders", roles: .readers,
                summary: "One customer's most recent order lines (purchases and returns), newest first, with product titles.",
                tag: "customers", query: [Self.orderLimit],
                responses: [200: "The lines", 404: "No such customer"], response: OrderHistory.self
            )
        ) { request, context in
            let id = CustomerID(try context.id())
            let limit = try request.integer(Self.orderLimit) ?? 50
            guard try await services.store.customer(id) != nil else { throw APIError.notFound("No customer with that id.") }
            let lines = try await services.store.recentOrderLines(of: id, limit: limit)
            services.audit.record(AuditEvent(actor: context.actor, action: "read customer orders", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(OrderHistory(customer_id: id.rawValue, lines: lines.map(OrderHistory.Line.init)))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers", roles: .analysts,
                summary: "Scored customers, highest CLV first (or by ?sort=p_alive|expected_purchases|churn_risk).",
                tag: "customers",
                query: [Self.pageLimit, Self.offset, Self.sort],
                response: CustomerPage.self
            )
        ) { request, context in
            let snapshot = try await requireSnapshot(services)
            let limit = try request.integer(Self.pageLimit) ?? 50
            let offset = try request.integer(Self.offset) ?? 0
            let sort = try request.choice(Self.sort, as: SortKey.self) ?? .clv
            let ordered = snapshot.customers.sorted {
                sort.value($0) > sort.value($1) || (sort.value($0) == sort.value($1) && $0.row.customer < $1.row.customer)
            }
            let page = ordered.dropFirst(offset).prefix(limit)
            let horizon = services.configuration.horizonWeeks
            services.audit.record(AuditEvent(actor: context.actor, action: "list customers", detail: "\(page.count) customers"))
            return try JSON.response(
                CustomerPage(
                    total: snapshot.customers.count, offset: offset, as_of: snapshot.asOf.description,
                    customers: page.map { CustomerView(record: nil, scored: $0, models: snapshot.models, asOf: snapshot.asOf, horizon: horizon, level: nil) }
                ))
        }

        routes.add(
            RouteSpec(
                method: .put, path: "/v1/customers/{id}/consent", roles: [.admin, .ingest],
                summary: "Set a customer's consent to marketing and profiling (both default to false).", tag: "privacy",
                requestBody: Consent.self, responses: [200: "Updated", 404: "No such customer", 422: "Invalid body"], response: ConsentView.self
            )
        ) { request, context in
            let id = CustomerID(try context.id())
            let consent = try await JSON.decode(Consent.self, from: request, context: context)
            guard try await services.store.setConsent(consent, for: id, actor: context.actor) else { throw APIError.notFound("No customer with that id.") }
            services.scores.invalidate()
            return try JSON.response(ConsentView(customer_id: id.rawValue, marketing: consent.marketing, profiling: consent.profiling))
        }

        routes.add(
            RouteSpec(
                method: .delete, path: "/v1/customers/{id}", roles: .admins,
                summary: "Erase a customer: every row and cache entry; the audit log keeps only a keyed hash.", tag: "privacy",
                responses: [200: "Erased", 404: "No such customer"], response: ErasureView.self
            )
        ) { _, context in
            let id = CustomerID(try context.id())
            let deleted = try await services.store.erase(id, actor: context.actor)
            guard !deleted.isEmpty else { throw APIError.notFound("No customer with that id.") }
            await services.learned.rebuild()
            services.scores.invalidate()
            _ = try await services.scores.snapshot(maxAge: 0)
            return try JSON.response(ErasureView(deleted))
        }
    }

    enum SortKey: String, CaseIterable {
        case clv, p_alive, expected_purchases, churn_risk

        func value(_ c: ScoredCustomer) -> Double {
            switch self {
            case .clv: c.value
            case .p_alive: c.score.probabilityAlive
            case .expected_purchases: c.score.expectedPurchases
            case .churn_risk: 1 - c.score.probabilityAlive
            }
        }
    }

    struct OrderHistory: Encodable, Sendable {
        struct Line: Encodable, Sendable {
            var date: String
            var time: String?
            var order_id: String?
            var product_id: String?
            var product_title: String?
            var quantity: Double?
            var unit_price: Double?
            var amount: Double
            var is_return: Bool

            init(_ line: OrderHistoryLine) {
                date = line.day.description
                time = line.secondOfDay.map { String(format: "%02d:%02d:%02d", $0 / 3600, $0 / 60 % 60, $0 % 60) }
                order_id = line.order
                product_id = line.product
                product_title = line.productTitle
                quantity = line.quantity
                unit_price = line.unitPrice
                amount = line.amount
                is_return = line.isReturn
            }
        }

        var customer_id: String
        var lines: [Line]
    }

    struct ConsentView: Encodable, Sendable {
        var customer_id: String
        var marketing: Bool
        var profiling: Bool
    }

    /// What an erasure deleted, by table (the names the privacy team's reports use).
    struct ErasureView: Encodable, Sendable {
        struct Rows: Encodable, Sendable {
            var order_line: Int
            var customer_day: Int
            var customer: Int
            var interaction: Int
            var embedding: Int
        }

        var erased = true
        var deleted_rows: Rows

        init(_ report: ErasureReport) {
            deleted_rows = Rows(
                order_line: report.orderLines, customer_day: report.customerDays, customer: report.customers, interaction: report.interactions,
                embedding: report.embeddings)
        }
    }

    struct CustomerPage: Encodable, Sendable {
        var total: Int
        var offset: Int
        var as_of: String
        var customers: [CustomerView]
    }

    /// The customer scored now, or 404/503 with a reason.
    static func customerView(_ id: CustomerID, services: Services, level: Double?) async throws -> CustomerView {
        guard let (record, days) = try await services.store.customerWithDays(id) else { throw APIError.notFound("No customer with that id.") }
        guard let models = services.scores.models, let asOf = services.scores.asOf else {
            throw APIError.unavailable("No fitted model yet (\(services.scores.problem ?? "starting")); fit one with `clv fit` or POST /v1/fit-jobs.")
        }
        guard let scored = try await services.scores.score(id, days: days, level: level) else {
            throw APIError.notFound("This customer has no purchases on or before \(asOf).")
        }
        var view = CustomerView(record: record, scored: scored, models: models, asOf: asOf, horizon: services.configuration.horizonWeeks, level: level)
        if let learned = await services.learned.current(), let prediction = learned.prediction(for: id) {
            view.learned = LearnedView(prediction, scoring: learned)
        }
        return view
    }

    static func requireSnapshot(_ services: Services) async throws -> Snapshot {
        guard let snapshot = try await services.scores.snapshot(maxAge: services.configuration.snapshotMaxAgeSeconds) else {
            throw APIError.unavailable("No fitted model yet (\(services.scores.problem ?? "starting")); fit one with `clv fit` or POST /v1/fit-jobs.")
        }
        return snapshot
    }
}
