import CLVCore
import CLVData
import CLVModels
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/segments` and `/v1/audiences`: the customer base by RFM segment and CLV tier, and campaign audiences.
enum SegmentRoutes {
    enum Method: String, CaseIterable { case rfm, tier }
    enum Format: String, CaseIterable { case json, csv }
    enum ConsentKind: String, CaseIterable { case marketing, profiling }

    struct SegmentList: Encodable, Sendable {
        var method: String
        var as_of: String
        var customers: Int
        var segments: [Row]

        struct Row: Encodable, Sendable {
            var segment: String
            var customers: Int
            var share_of_customers: Double
            var share_of_clv: Double
            var mean_p_alive: Double
        }
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(RouteSpec(
            method: .get, path: "/v1/segments", roles: .analysts,
            summary: "RFM segments (?method=rfm, default) or CLV tiers (?method=tier): size, share of customers and of predicted CLV, mean P(alive).",
            tag: "segments", query: [.init(name: "method", description: "rfm or tier")]
        )) { request, _ in
            let population = try await CustomerRoutes.requirePopulation(services)
            let method = try request.query("method", oneOf: Method.self) ?? .rfm
            let labels = population.customers.map { method == .rfm ? $0.segment.rawValue : $0.tier }
            let order = method == .rfm ? RFMSegment.allCases.map(\.rawValue) : services.scores.policy.tiers.tiers.map(\.name)
            let summaries = SegmentSummary.summarise(
                labels: labels, clv: population.customers.map { $0.score.clv ?? $0.score.expectedPurchases },
                probabilityAlive: population.customers.map(\.score.probabilityAlive), order: order
            )
            return try JSON.response(SegmentList(
                method: method.rawValue, as_of: population.asOf.description, customers: population.customers.count,
                segments: summaries.map {
                    .init(segment: $0.segment, customers: $0.customers, share_of_customers: $0.shareOfCustomers,
                          share_of_clv: $0.shareOfCLV, mean_p_alive: $0.meanProbabilityAlive)
                }
            ))
        }

        routes.add(RouteSpec(
            method: .get, path: "/v1/audiences", roles: .analysts,
            summary: "A campaign audience: customers matching every filter given, with its size and predicted value; JSON or CSV.",
            tag: "segments",
            query: [
                .init(name: "segment", description: "RFM segment name, e.g. Champions"),
                .init(name: "tier", description: "CLV tier: platinum, gold, silver, bronze"),
                .init(name: "min_p_alive", description: "Lowest P(alive)", type: "number"),
                .init(name: "max_p_alive", description: "Highest P(alive)", type: "number"),
                .init(name: "churn_risk", description: "low, medium or high"),
                .init(name: "consent", description: "marketing or profiling: only customers who gave it"),
                .init(name: "format", description: "json (default) or csv"),
            ],
            produces: "application/json, text/csv"
        )) { request, context in
            let population = try await CustomerRoutes.requirePopulation(services)
            let segment = try request.query("segment", oneOf: RFMSegment.self)
            let tier = request.query("tier")
            let tierNames = services.scores.policy.tiers.tiers.map(\.name)
            if let tier, !tierNames.contains(tier) {
                throw APIError.badRequest("Query parameter tier=\(tier) must be one of: \(tierNames.joined(separator: ", ")).")
            }
            let minAlive = try request.query("min_p_alive", number: 0...1) ?? 0
            let maxAlive = try request.query("max_p_alive", number: 0...1) ?? 1
            let risk = try request.query("churn_risk", oneOf: ChurnRisk.self)
            let consentKind = try request.query("consent", oneOf: ConsentKind.self)
            let format = try request.query("format", oneOf: Format.self) ?? .json
            let consents = consentKind == nil ? [:] : try await services.store.consents()
            let members = population.customers.filter { c in
                (segment == nil || c.segment == segment) && (tier == nil || c.tier == tier)
                    && c.score.probabilityAlive >= minAlive && c.score.probabilityAlive <= maxAlive
                    && (risk == nil || c.churnBand == risk)
                    && (consentKind == nil || {
                        let consent = consents[c.row.customer] ?? Consent()
                        return consentKind == .marketing ? consent.marketing : consent.profiling
                    }())
            }.sorted { ($0.score.clv ?? $0.score.expectedPurchases) > ($1.score.clv ?? $1.score.expectedPurchases) }
            let value = members.reduce(0) { $0 + ($1.score.clv ?? 0) }
            let filters = request.uri.query ?? ""
            services.audit.record(AuditEvent(actor: context.actor, action: "export audience", detail: "\(members.count) customers; \(filters)"))
            switch format {
            case .csv:
                let csv = audienceCSV(members)
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audience.csv\"",
                              HTTPField.Name("X-Audience-Size")!: String(members.count), HTTPField.Name("X-Audience-Value")!: String(value)],
                    body: .init(byteBuffer: ByteBuffer(string: csv))
                )
            case .json:
                return JSON.response(object: [
                    "as_of": population.asOf.description, "size": members.count, "predicted_value": value,
                    "customers": members.map { c -> [String: Any] in
                        ["customer_id": c.row.customer.rawValue, "tier": c.tier, "segment": c.segment.rawValue,
                         "p_alive": c.score.probabilityAlive, "churn_risk": c.churnBand.rawValue,
                         "expected_purchases": c.score.expectedPurchases, "clv": c.score.clv ?? NSNull()]
                    },
                ])
            }
        }
    }

    /// An audience as CSV, the same for the API and the dashboard export.
    static func audienceCSV(_ members: [ScoredCustomer]) -> String {
        var csv = "customer_id,tier,segment,p_alive,churn_risk,expected_purchases,clv\n"
        for c in members {
            csv += "\(CSVField.spreadsheetSafe(c.row.customer.rawValue)),\(c.tier),\(CSVField.spreadsheetSafe(c.segment.rawValue)),\(c.score.probabilityAlive),\(c.churnBand.rawValue),\(c.score.expectedPurchases),\(c.score.clv.map { "\($0)" } ?? "")\n"
        }
        return csv
    }
}
