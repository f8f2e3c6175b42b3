import CLVCore
import CLVData
import CLVModels
import Foundation
import HTTPTypes
import Hummingbird

/// The web dashboard under `/ui`: server-rendered HTML pages over the same services as the API, signed in with a
/// session cookie (the API keeps Bearer keys). `/` redirects here.
enum DashboardRoutes {
    /// Paths the dashboard authenticates itself (by session cookie), which ``AuthMiddleware`` lets through.
    static func owns(_ path: String) -> Bool { path == "/" || path == "/ui" || path.hasPrefix("/ui/") }

    struct Viewer: Sendable {
        var key: APIKeyRecord
        var role: Role
        var actor: String { "key:\(key.id)" }
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        let sessions = DashboardSessions()
        let cache = DashboardCache()
        let router = routes.router
        let horizonWeeks = services.configuration.horizonWeeks

        // Warm the caches so the first page view is fast.
        Task.detached(priority: .background) {
            guard let population = try? await services.scores.population(maxAge: .infinity) else { return }
            _ = cache.insights(population)
            _ = try? await cache.analysis(population, store: services.store, horizon: services.scores.policy.horizon(in: population.models.unit))
        }

        router.get("/") { _, _ in redirect("/ui") }

        router.get("/ui/login") { request, _ in
            html(View.page(title: "Sign in", active: "login", role: nil, Pages.login(error: nil, next: safeNext(request.query("next")))))
        }

        router.post("/ui/login") { request, context in
            let form = try await formFields(request, context: context)
            let next = safeNext(form["next"])
            let secret = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let failure: String?
            var opened: (token: String, role: Role)?
            if secret.isEmpty || secret.utf8.count > 256 {
                failure = "Paste an API key."
            } else if let key = try await services.store.key(secretHash: SHA256.hex(secret)), let role = Role(rawValue: key.role) {
                if Set<Role>.readers.contains(role) {
                    opened = (sessions.open(secretHash: SHA256.hex(secret)), role)
                    failure = nil
                    services.audit.record(AuditEvent(actor: "key:\(key.id)", action: "dashboard sign-in"))
                } else {
                    failure = "This key's role (\(role.rawValue)) cannot view the dashboard; use an admin, analyst or agent key."
                }
            } else {
                failure = "Unknown or revoked API key: check it, or create one with `clv keys create --role analyst`."
            }
            guard let opened else {
                return html(View.page(title: "Sign in", active: "login", role: nil, Pages.login(error: failure, next: next)), status: .unauthorized)
            }
            let landing = next == "/ui" && !Set<Role>.analysts.contains(opened.role) ? "/ui/search" : next
            return redirect(landing, cookie: sessions.setCookie(opened.token))
        }

        router.post("/ui/logout") { request, _ in
            if let token = DashboardSessions.token(in: request) { sessions.close(token) }
            return redirect("/ui/login", cookie: DashboardSessions.clearCookie)
        }

        /// A page for signed-in users with one of `roles`; errors become an HTML page with the API's message.
        func page(_ path: String, roles: Set<Role>, _ render: @escaping @Sendable (Request, APIRequestContext, Viewer) async throws -> Response) {
            router.get(RouterPath(path)) { request, context in
                guard let token = DashboardSessions.token(in: request), let session = sessions.session(token) else {
                    return redirect("/ui/login?next=\(urlComponent(request.uri.path))")
                }
                guard let key = try await services.store.key(secretHash: session.secretHash), let role = Role(rawValue: key.role) else {
                    sessions.close(token)
                    return redirect("/ui/login", cookie: DashboardSessions.clearCookie)
                }
                let viewer = Viewer(key: key, role: role)
                do {
                    try services.limiter.charge(key: key.id)
                    guard roles.contains(role) else {
                        return html(errorPage(viewer, "This page needs one of: \(roles.map(\.rawValue).sorted().joined(separator: ", ")); your key's role is \(role.rawValue)."), status: .forbidden)
                    }
                    return try await render(request, context, viewer)
                } catch let error as HTTPError {
                    var response = html(errorPage(viewer, error.body ?? error.status.reasonPhrase), status: error.status)
                    response.headers.append(contentsOf: error.headers) // e.g. Retry-After
                    return response
                }
            }
        }

        page("/ui", roles: .analysts) { _, _, viewer in
            let population = try await CustomerRoutes.requirePopulation(services)
            let insights = cache.insights(population)
            let statistics = try await services.store.statistics()
            return html(View.page(title: "Overview", active: "overview", role: viewer.role,
                                  Pages.overview(population: population, insights: insights, statistics: statistics, horizonWeeks: horizonWeeks)))
        }

        page("/ui/segments", roles: .analysts) { _, _, viewer in
            let population = try await CustomerRoutes.requirePopulation(services)
            let clv = population.customers.map { $0.score.clv ?? $0.score.expectedPurchases }
            let alive = population.customers.map(\.score.probabilityAlive)
            let rfm = SegmentSummary.summarise(labels: population.customers.map(\.segment.rawValue), clv: clv, probabilityAlive: alive,
                                               order: RFMSegment.allCases.map(\.rawValue))
            let tiers = SegmentSummary.summarise(labels: population.customers.map(\.tier), clv: clv, probabilityAlive: alive,
                                                 order: services.scores.policy.tiers.tiers.map(\.name))
            return html(View.page(title: "Segments", active: "segments", role: viewer.role,
                                  Pages.segments(rfm: rfm, tiers: tiers, tierFloors: population.tierFloors, money: population.models.spend != nil)))
        }

        page("/ui/model", roles: .analysts) { _, _, viewer in
            let population = try await CustomerRoutes.requirePopulation(services)
            var runs = [ModelRunRoutes.describe(population.models.purchaseRun)]
            if let spend = population.models.spendRun { runs.append(ModelRunRoutes.describe(spend)) }
            let analysis = try await cache.analysis(population, store: services.store, horizon: services.scores.policy.horizon(in: population.models.unit))
            return html(View.page(title: "Model", active: "model", role: viewer.role, Pages.model(population: population, runs: runs, analysis: analysis)))
        }

        page("/ui/customer", roles: .readers) { request, _, viewer in
            guard let raw = queryFields(request)["id"], !raw.isEmpty, raw.utf8.count <= 256 else {
                throw APIError.badRequest("Give a customer id: /ui/customer?id=…")
            }
            let id = CustomerID(raw)
            let view = try await CustomerRoutes.customerView(id, services: services, level: 0.9)
            let days = try await services.store.customerDays(of: id)
            guard let models = services.scores.models, let asOf = services.scores.asOf else {
                throw APIError.unavailable("No fitted model yet; fit one with `clv fit`.")
            }
            services.audit.record(AuditEvent(actor: viewer.actor, action: "read customer", customerHash: try await services.store.auditHash(of: id)))
            let facts = Pages.CustomerFacts(view: view, days: days, aliveHistory: aliveHistory(days: days, model: models.purchase, unit: models.unit, asOf: asOf),
                                            models: models, asOf: asOf, horizonWeeks: horizonWeeks,
                                            recentLines: try await services.store.recentOrderLines(of: id, limit: 20))
            return html(View.page(title: "Customer \(id.rawValue)", active: "search", role: viewer.role, Pages.customer(facts)))
        }

        page("/ui/audiences", roles: .analysts) { request, _, viewer in
            let population = try await CustomerRoutes.requirePopulation(services)
            let tierNames = services.scores.policy.tiers.tiers.map(\.name)
            let filter = try AudienceFilter(request, tiers: tierNames)
            let members = filter.members(population, consents: filter.consent == nil ? [:] : try await services.store.consents())
            let value = members.reduce(0) { $0 + ($1.score.clv ?? 0) }
            return html(View.page(title: "Audiences", active: "audiences", role: viewer.role,
                                  Pages.audiences(filter: filter, tiers: tierNames, members: members, value: value, money: population.models.spend != nil)))
        }

        page("/ui/audiences.csv", roles: .analysts) { request, _, viewer in
            let population = try await CustomerRoutes.requirePopulation(services)
            let filter = try AudienceFilter(request, tiers: services.scores.policy.tiers.tiers.map(\.name))
            let members = filter.members(population, consents: filter.consent == nil ? [:] : try await services.store.consents())
            services.audit.record(AuditEvent(actor: viewer.actor, action: "export audience", detail: "\(members.count) customers; \(filter.query)"))
            let csv = SegmentRoutes.audienceCSV(members)
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audience.csv\"", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: csv)))
        }

        page("/ui/search", roles: .readers) { request, _, viewer in
            let query = (queryFields(request)["q"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !query.isEmpty, query.utf8.count <= 256 else {
                return html(View.page(title: "Customers", active: "search", role: viewer.role, Pages.search(query: "", matches: [], total: nil)))
            }
            if try await services.store.customer(CustomerID(query)) != nil {
                return redirect("/ui/customer?id=\(urlComponent(query))")
            }
            // Partial matches list customers, which only analysts may do (as in the API).
            var matches: [ScoredCustomer] = [], total: Int?
            if Set<Role>.analysts.contains(viewer.role), let population = try await services.scores.population(maxAge: services.configuration.snapshotMaxAgeSeconds) {
                let all = population.customers.filter { $0.row.customer.rawValue.hasPrefix(query) }
                    .sorted { ($0.score.clv ?? $0.score.expectedPurchases) > ($1.score.clv ?? $1.score.expectedPurchases) }
                total = all.count
                matches = Array(all.prefix(50))
            }
            return html(View.page(title: "Customers", active: "search", role: viewer.role, Pages.search(query: query, matches: matches, total: total)))
        }
    }

    /// P(alive) at the end of each week since the first purchase, from the purchases made by then.
    static func aliveHistory(days: [CustomerDay], model: AnyPurchaseModel, unit: TimeUnit, asOf: CalendarDay) -> [(week: Double, alive: Double)] {
        let purchases = days.filter { $0.purchaseLines > 0 && $0.day <= asOf }.map(\.day)
        guard let first = purchases.first else { return [] }
        let m = model.model
        var out: [(Double, Double)] = []
        var seen = 0
        var day = 0
        let end = first.days(to: asOf)
        while true {
            while seen < purchases.count, first.days(to: purchases[seen]) <= day { seen += 1 }
            let recency = Double(first.days(to: purchases[seen - 1])) / unit.days
            if let s = try? CustomerSummary(frequency: seen - 1, recency: recency, age: Double(day) / unit.days) {
                out.append((Double(day) / 7, m.probabilityAlive(given: s)))
            }
            if day >= end { break }
            day = min(day + 7, end)
        }
        return out
    }

    static func errorPage(_ viewer: Viewer, _ message: String) -> HTML {
        View.page(title: "Something is wrong", active: "", role: viewer.role, View.message(message, tone: "bad"))
    }

    /// Only same-site dashboard paths (no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui"), !next.hasPrefix("//"), !next.contains("\\"), next.utf8.count < 512 else { return "/ui" }
        return next
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        .xContentTypeOptions: "nosniff", .cacheControl: "no-store", HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    static func html(_ page: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page.description)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    static func formFields(_ request: Request, context: APIRequestContext) async throws -> [String: String] {
        decodeForm(String(buffer: try await request.body.collect(upTo: 16 << 10)))
    }

    /// The query string decoded as a browser's form submission encodes it (`+` is a space).
    static func queryFields(_ request: Request) -> [String: String] { decodeForm(request.uri.query ?? "") }

    static func decodeForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}

/// An audience's filters from a query string (empty fields mean "any"), as the API's `/v1/audiences` takes them.
struct AudienceFilter: Sendable {
    var segment: RFMSegment?
    var tier: String?
    var minAlive: Double?
    var maxAlive: Double?
    var risk: ChurnRisk?
    var consent: String?

    init(_ request: Request, tiers: [String]) throws {
        let fields = DashboardRoutes.queryFields(request)
        func field(_ name: String) -> String? { fields[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let s = field("segment") {
            guard let v = RFMSegment(rawValue: s) else { throw APIError.badRequest("Unknown RFM segment \(s).") }
            segment = v
        }
        if let t = field("tier") {
            guard tiers.contains(t) else { throw APIError.badRequest("Tier must be one of: \(tiers.joined(separator: ", ")).") }
            tier = t
        }
        for (name, path) in [("min_p_alive", \AudienceFilter.minAlive), ("max_p_alive", \AudienceFilter.maxAlive)] {
            if let text = field(name) {
                guard let v = Double(text), (0...1).contains(v) else { throw APIError.badRequest("\(name) must be a number from 0 to 1.") }
                self[keyPath: path] = v
            }
        }
        if let r = field("churn_risk") {
            guard let v = ChurnRisk(rawValue: r) else { throw APIError.badRequest("Churn risk must be low, medium or high.") }
            risk = v
        }
        if let c = field("consent") {
            guard c == "marketing" || c == "profiling" else { throw APIError.badRequest("Consent must be marketing or profiling.") }
            consent = c
        }
    }

    /// The same query string for the API's `/v1/audiences` or the dashboard's CSV export.
    var query: String {
        var items: [(String, String)] = []
        if let segment { items.append(("segment", segment.rawValue)) }
        if let tier { items.append(("tier", tier)) }
        if let minAlive { items.append(("min_p_alive", String(minAlive))) }
        if let maxAlive { items.append(("max_p_alive", String(maxAlive))) }
        if let risk { items.append(("churn_risk", risk.rawValue)) }
        if let consent { items.append(("consent", consent)) }
        return items.map { "\($0.0)=\(urlComponent($0.1))" }.joined(separator: "&")
    }

    /// Matching customers, highest predicted value first.
    func members(_ population: Population, consents: [CustomerID: Consent]) -> [ScoredCustomer] {
        population.customers.filter { c in
            (segment == nil || c.segment == segment) && (tier == nil || c.tier == tier)
                && c.score.probabilityAlive >= (minAlive ?? 0) && c.score.probabilityAlive <= (maxAlive ?? 1)
                && (risk == nil || c.churnBand == risk)
                && (consent == nil || { let k = consents[c.row.customer] ?? Consent(); return consent == "marketing" ? k.marketing : k.profiling }())
        }.sorted { ($0.score.clv ?? $0.score.expectedPurchases) > ($1.score.clv ?? $1.score.expectedPurchases) }
    }
}
