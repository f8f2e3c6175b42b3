import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/ui/audiences` and its CSV export: build a campaign audience from the same filters as `/v1/audiences`.
enum AudiencesPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/audiences", roles: .analysts) { request, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let query = try AudienceQuery(form: request, tiers: snapshot.tierNames)
            let members = try await query.members(of: snapshot.population, store: services.store)
            let value = members.reduce(0) { $0 + ($1.score.clv ?? 0) }
            return DashboardRoutes.html(
                View.page(
                    title: "Audiences", active: "audiences", role: viewer.role,
                    render(filter: query, tiers: snapshot.tierNames, members: members, value: value, money: snapshot.hasSpend)))
        }

        dashboard.page("/ui/audiences.csv", roles: .analysts) { request, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let query = try AudienceQuery(form: request, tiers: snapshot.tierNames)
            let members = try await query.members(of: snapshot.population, store: services.store)
            services.audit.record(AuditEvent(actor: viewer.actor, action: "export audience", detail: "\(members.count) customers; \(query.text)"))
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audience.csv\"", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: SegmentRoutes.audienceCSV(members)))
            )
        }
    }

    static func render(filter: AudienceQuery, tiers: [String], members: [ScoredCustomer], value: Double, money: Bool) -> HTML {
        func options(_ values: [String], selected: String?) -> HTML {
            HTML.join(
                ([""] + values).map { v in "<option value=\"\(v)\"\(v == (selected ?? "") ? (" selected" as HTML) : "")>\(v.isEmpty ? "any" : v)</option>" })
        }
        let form = """
            <form class="filters" method="get" action="/ui/audiences" id="audience-form">
            <label>RFM segment<select name="segment">\(options(RFMSegment.allCases.map(\.rawValue), selected: filter.audience.segment?.rawValue))</select></label>
            <label>Tier<select name="tier">\(options(tiers, selected: filter.audience.tier))</select></label>
            <label>Min P(alive)<input name="min_p_alive" type="number" min="0" max="1" step="0.05" value="\(filter.audience.minimumProbabilityAlive.map { String($0) } ?? "")"></label>
            <label>Max P(alive)<input name="max_p_alive" type="number" min="0" max="1" step="0.05" value="\(filter.audience.maximumProbabilityAlive.map { String($0) } ?? "")"></label>
            <label>Churn risk<select name="churn_risk">\(options(ChurnRisk.allCases.map(\.rawValue), selected: filter.audience.churnRisk?.rawValue))</select></label>
            <label>Consent<select name="consent">\(options(Audience.ConsentKind.allCases.map(\.rawValue), selected: filter.audience.consent?.rawValue))</select></label>
            <button class="primary" type="submit">Build audience</button></form>
            """ as HTML
        let csv = "/ui/audiences.csv?\(filter.text)"
        let summary = View.stats([
            View.stat("audience-size", "Audience size", Format.integer(members.count)),
            View.stat(
                "audience-value", "Predicted value",
                money ? Format.money(value) : Format.number(members.reduce(0) { $0 + $1.score.expectedPurchases }, decimals: 1)),
            View.stat(
                "audience-alive", "Mean P(alive)",
                members.isEmpty ? "–" : Format.percent(members.reduce(0) { $0 + $1.score.probabilityAlive } / Double(members.count))),
        ])
        let list = View.table(
            "audience", headers: ["Customer", "Tier", "Segment", "P(alive)", "Predicted CLV"], numeric: [3, 4],
            rows: members.prefix(50).map { c in
                [
                    View.customerLink(c.row.customer), View.tier(c.tier), View.text(c.segment.rawValue), View.text(Format.percent(c.score.probabilityAlive)),
                    View.text(c.score.clv.map { Format.money($0) } ?? "–"),
                ]
            })
        return """
            \(View.card("Filters", wide: true, form))
            <div style="margin-top:1rem">\(summary)</div>
            <div class="actions"><a id="csv-export" href="\(csv)" download>Export CSV (\(Format.integer(members.count)) customers)</a></div>
            \(View.card("Highest-value members", id: "panel-audience", note: members.count > 50 ? "The first 50 of \(Format.integer(members.count)); the CSV has them all." : nil, wide: true, list))
            """
    }
}
