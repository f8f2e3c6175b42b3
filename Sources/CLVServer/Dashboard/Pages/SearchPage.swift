import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/search`: find a customer by id (an exact id opens the customer; analysts also see prefix matches).
enum SearchPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/search", roles: .readers) { request, _, viewer in
            let query = (DashboardRoutes.queryFields(request)["q"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty, query.utf8.count <= 256 else {
                return DashboardRoutes.html(View.page(title: "Customers", active: "search", role: viewer.role, render(query: "", matches: [], total: nil)))
            }
            if try await services.store.customer(CustomerID(query)) != nil {
                return DashboardRoutes.redirect("/ui/customer?id=\(urlComponent(query))")
            }
            // Partial matches list customers, which only analysts may do (as in the API).
            var matches: [ScoredCustomer] = [], total: Int?
            if Set<Role>.analysts.contains(viewer.role), let snapshot = try await services.scores.snapshot(maxAge: services.configuration.snapshotMaxAgeSeconds)
            {
                let all = snapshot.customers.filter { $0.row.customer.rawValue.hasPrefix(query) }.sorted { $0.value > $1.value }
                total = all.count
                matches = Array(all.prefix(50))
            }
            return DashboardRoutes.html(
                View.page(title: "Customers", active: "search", role: viewer.role, render(query: query, matches: matches, total: total)))
        }
    }

    static func render(query: String, matches: [ScoredCustomer], total: Int?) -> HTML {
        let form = """
            <form class="filters" method="get" action="/ui/search" id="search-form"><label>Customer id<input name="q" value="\(query)" autofocus autocomplete="off"></label><button class="primary" type="submit">Find</button></form>
            """ as HTML
        var body: HTML = View.card("Find a customer", wide: true, form)
        if !query.isEmpty {
            let rows = matches.map { c -> [HTML] in
                [
                    View.customerLink(c.row.customer), View.tier(c.tier), View.text(Format.percent(c.score.probabilityAlive)),
                    View.text(c.score.clv.map { Format.money($0) } ?? "–"),
                ]
            }
            body = """
                \(body)<div style="margin-top:1rem">\(matches.isEmpty ? View.message("No customer id starts with “\(query)”.") : View.card("Matches", id: "panel-matches", note: total.map { "\($0) match\($0 == 1 ? "" : "es")" }, wide: true, View.table("matches", headers: ["Customer", "Tier", "P(alive)", "Predicted CLV"], numeric: [2, 3], rows: rows)))</div>
                """
        }
        return body
    }
}
