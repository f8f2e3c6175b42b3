import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/segments` and `/v1/audiences`: the customer base by RFM segment and CLV tier, and campaign audiences.
enum SegmentRoutes {
    enum Format: String, CaseIterable { case json, csv }

    static let method = QueryParameter.choice("method", "Segment by (default rfm)", SegmentationMethod.self)
    static let format = QueryParameter.choice("format", "Response format (default json)", Format.self)

    struct SegmentList: Encodable, Sendable {
        var method: SegmentationMethod
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

    struct AudienceView: Encodable, Sendable {
        struct Member: Encodable, Sendable {
            var customer_id: String
            var tier: String
            var segment: RFMSegment
            var p_alive: Double
            var churn_risk: ChurnRisk
            var expected_purchases: Double
            var clv: Double?
        }

        var as_of: String
        var size: Int
        var predicted_value: Double
        var customers: [Member]
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .get, path: "/v1/segments", roles: .analysts,
                summary: "RFM segments (?method=rfm, default) or CLV tiers (?method=tier): size, share of customers and of predicted CLV, mean P(alive).",
                tag: "segments", query: [Self.method], response: SegmentList.self
            )
        ) { request, _ in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let method = try request.choice(Self.method, as: SegmentationMethod.self) ?? .rfm
            return try JSON.response(
                SegmentList(
                    method: method, as_of: snapshot.asOf.description, customers: snapshot.customers.count,
                    segments: snapshot.population.segmentSummaries(by: method).map {
                        .init(
                            segment: $0.segment, customers: $0.customers, share_of_customers: $0.shareOfCustomers,
                            share_of_clv: $0.shareOfCLV, mean_p_alive: $0.meanProbabilityAlive)
                    }
                ))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/audiences", roles: .analysts,
                summary: "A campaign audience: customers matching every filter given, with its size and predicted value; JSON or CSV.",
                tag: "segments",
                query: AudienceQuery.parameters(tiers: services.scores.tierNames) + [Self.format],
                response: AudienceView.self, produces: "application/json, text/csv"
            )
        ) { request, context in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let query = try AudienceQuery(api: request, tiers: snapshot.tierNames)
            let format = try request.choice(Self.format, as: Format.self) ?? .json
            let members = try await query.members(of: snapshot.population, store: services.store)
            let value = members.reduce(0) { $0 + ($1.score.clv ?? 0) }
            services.audit.record(AuditEvent(actor: context.actor, action: "export audience", detail: "\(members.count) customers; \(query.text)"))
            switch format {
            case .csv:
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audience.csv\"",
                        HTTPField.Name("X-Audience-Size")!: String(members.count), HTTPField.Name("X-Audience-Value")!: String(value),
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: audienceCSV(members)))
                )
            case .json:
                return try JSON.response(
                    AudienceView(
                        as_of: snapshot.asOf.description, size: members.count, predicted_value: value,
                        customers: members.map { c in
                            .init(
                                customer_id: c.row.customer.rawValue, tier: c.tier, segment: c.segment, p_alive: c.score.probabilityAlive,
                                churn_risk: c.churnBand, expected_purchases: c.score.expectedPurchases, clv: c.score.clv)
                        }
                    ))
            }
        }
    }

    /// An audience as CSV, the same for the API and the dashboard export.
    static func audienceCSV(_ members: [ScoredCustomer]) -> String {
        var csv = "customer_id,tier,segment,p_alive,churn_risk,expected_purchases,clv\n"
        for c in members {
            csv +=
                "\(CSVField.spreadsheetSafe(c.row.customer.rawValue)),\(c.tier),\(CSVField.spreadsheetSafe(c.segment.rawValue)),\(c.score.probabilityAlive),\(c.churnBand.rawValue),\(c.score.expectedPurchases),\(c.score.clv.map { "\($0)" } ?? "")\n"
        }
        return csv
    }
}

/// An audience's filters from a query string (empty fields mean "any"), as `/v1/audiences` and the dashboard's
/// audience page and CSV export take them: one parser for both.
struct AudienceQuery: Sendable {
    var audience: Audience

    static func parameters(tiers: [String]) -> [QueryParameter] {
        [
            .choice("segment", "RFM segment", RFMSegment.self), .choice("tier", "CLV tier", tiers),
            .number("min_p_alive", "Lowest P(alive)", in: 0...1), .number("max_p_alive", "Highest P(alive)", in: 0...1),
            .choice("churn_risk", "Churn-risk band", ChurnRisk.self), .choice("consent", "Only customers who gave this consent", Audience.ConsentKind.self),
        ]
    }

    /// From the API's query string: every parameter as declared.
    init(api request: Request, tiers: [String]) throws {
        try self.init(tiers: tiers) { try request.value(of: $0) }
    }

    /// From the dashboard's filter form, whose empty fields mean "any".
    init(form request: Request, tiers: [String]) throws {
        let fields = DashboardRoutes.queryFields(request)
        try self.init(tiers: tiers) { parameter in try parameter.read(fields[parameter.name].map { $0.isEmpty ? [] : [$0] } ?? []) }
    }

    private init(tiers: [String], value: (QueryParameter) throws -> String?) throws {
        let p = Dictionary(uniqueKeysWithValues: Self.parameters(tiers: tiers).map { ($0.name, $0) })
        func read(_ name: String) throws -> String? { try value(p[name]!) }
        audience = Audience(
            segment: try read("segment").flatMap(RFMSegment.init), minimumProbabilityAlive: try read("min_p_alive").flatMap(Double.init),
            maximumProbabilityAlive: try read("max_p_alive").flatMap(Double.init), churnRisk: try read("churn_risk").flatMap(ChurnRisk.init),
            consent: try read("consent").flatMap(Audience.ConsentKind.init)
        )
        audience.tier = try read("tier")
    }

    /// The members, reading consents only when the audience needs them.
    func members(of population: Population, store: any ServiceStore) async throws -> [ScoredCustomer] {
        audience.members(of: population, consents: audience.consent == nil ? [:] : try await store.consents())
    }

    /// The same filters as a query string, for links between the API, the page and its CSV export.
    var text: String {
        var items: [(String, String)] = []
        if let segment = audience.segment { items.append(("segment", segment.rawValue)) }
        if let tier = audience.tier { items.append(("tier", tier)) }
        if let v = audience.minimumProbabilityAlive { items.append(("min_p_alive", String(v))) }
        if let v = audience.maximumProbabilityAlive { items.append(("max_p_alive", String(v))) }
        if let risk = audience.churnRisk { items.append(("churn_risk", risk.rawValue)) }
        if let consent = audience.consent { items.append(("consent", consent.rawValue)) }
        return items.map { "\($0.0)=\(urlComponent($0.1))" }.joined(separator: "&")
    }
}
