import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The web dashboard under `/ui`: server-rendered HTML pages over the same services as the API, signed in with a
/// session cookie (the API keeps Bearer keys). `/` redirects here.
enum DashboardRoutes {
    /// Paths the dashboard authenticates itself (by session cookie), which ``AuthMiddleware`` lets through.
    static func owns(_ path: String) -> Bool { path == "/" || path == "/ui" || path.hasPrefix("/ui/") }

    struct Viewer: Sendable {
        var key: APIKeyRecord
        var role: Role { key.role }
        var actor: String { "key:\(key.id)" }
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        let dashboard = Dashboard(router: routes.router, services: services)
        dashboard.router.get("/") { _, _ in redirect("/ui") }
        // Browsers ask for it on every page: no icon, and no 401 in the log.
        dashboard.router.get("/favicon.ico") { _, _ in Response(status: .noContent, headers: [.cacheControl: "max-age=86400"]) }
        LoginPage.register(dashboard)
        OverviewPage.register(dashboard)
        SegmentsPage.register(dashboard)
        ModelPage.register(dashboard)
        CustomerPage.register(dashboard)
        AudiencesPage.register(dashboard)
        SearchPage.register(dashboard)
        TopicsPage.register(dashboard)
        CohortsPage.register(dashboard)
        AgentPage.register(dashboard)
    }

    static func errorPage(_ viewer: Viewer, _ message: String) -> HTML {
        View.page(title: "Something is wrong", active: "", role: viewer.role, View.message(message, tone: "bad"))
    }

    /// An error as a page, with the error's status and headers (e.g. Retry-After).
    static func errorResponse(_ viewer: Viewer, _ error: HTTPError) -> Response {
        var response = html(errorPage(viewer, error.body ?? error.status.reasonPhrase), status: error.status)
        response.headers.append(contentsOf: error.headers)
        return response
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

/// What every dashboard page registers with: the router, the sessions, the services, and the per-snapshot cache.
struct Dashboard {
    let router: Router<APIRequestContext>
    let services: Services
    let sessions = DashboardSessions()
    let cache = DashboardCache()

    /// A page for signed-in users with one of `roles`; errors become an HTML page with the API's message.
    func page(_ path: String, roles: Set<Role>, _ render: @escaping @Sendable (Request, APIRequestContext, DashboardRoutes.Viewer) async throws -> Response) {
        let sessions = sessions, services = services
        router.get(RouterPath(path)) { request, context in
            guard let token = DashboardSessions.token(in: request), let session = sessions.session(token) else {
                return DashboardRoutes.redirect("/ui/login?next=\(urlComponent(request.uri.path))")
            }
            guard let key = try await services.store.key(secretHash: session.secretHash) else {
                sessions.close(token)
                return DashboardRoutes.redirect("/ui/login", cookie: DashboardSessions.clearCookie)
            }
            let viewer = DashboardRoutes.Viewer(key: key)
            do {
                try services.limiter.charge(key: key.id)
                guard roles.contains(key.role) else {
                    return DashboardRoutes.html(
                        DashboardRoutes.errorPage(
                            viewer,
                            "This page needs one of: \(roles.map(\.rawValue).sorted().joined(separator: ", ")); your key's role is \(key.role.rawValue)."),
                        status: .forbidden)
                }
                return try await render(request, context, viewer)
            } catch let error as HTTPError {
                return DashboardRoutes.errorResponse(viewer, error)
            } catch let error where APIError.domain(error) != nil {
                return DashboardRoutes.errorResponse(viewer, APIError.domain(error)!)
            }
        }
    }
}

/// What pages derive from a population snapshot (model run, "as of" day, build time), computed once per snapshot:
/// the overview's insights and histogram, the k-means segments, the cohort table.
final class DashboardCache: Sendable {
    private struct Entry: Sendable {
        var key: String
        var insights: PopulationInsights
        var histogram: [(label: String, count: Int)]
    }

    private let entry = Mutex<Entry?>(nil)
    private let segments = SnapshotMemo<Result<BehaviourSegments, InsightError>>()
    private let cohorts = SnapshotMemo<CohortTable>()

    static func key(_ snapshot: Snapshot) -> String {
        "\(snapshot.models.purchaseRun.id)|\(snapshot.asOf)|\(snapshot.builtAt.timeIntervalSince1970)"
    }

    func insights(_ snapshot: Snapshot) -> (PopulationInsights, [(label: String, count: Int)]) {
        let key = Self.key(snapshot)
        if let hit = entry.withLock({ $0 }), hit.key == key { return (hit.insights, hit.histogram) }
        let value = Entry(key: key, insights: PopulationInsights(snapshot.population), histogram: OverviewPage.histogram(snapshot.customers.map(\.value)))
        entry.withLock { $0 = value }
        return (value.insights, value.histogram)
    }

    /// The snapshot's k-means segments (k chosen by silhouette), or why there are none.
    func behaviourSegments(_ snapshot: Snapshot) -> Result<BehaviourSegments, InsightError> {
        segments.value(for: Self.key(snapshot)) { Result { () throws(InsightError) in try BehaviourSegments(snapshot.population, k: nil) } }
    }

    /// Monthly cohorts of the orders behind the snapshot, with the snapshot's purchase model's expected retention.
    func cohortTable(_ snapshot: Snapshot, store: any ServiceStore) async throws -> CohortTable {
        try await cohorts.value(for: Self.key(snapshot)) {
            try await InsightWorkflow(store: store).cohorts(period: .month, model: snapshot.models.purchase, unit: snapshot.models.unit)
        }
    }
}

/// One value per snapshot key: the last one computed, replaced when the key changes.
final class SnapshotMemo<Value: Sendable>: Sendable {
    private let entry = Mutex<(key: String, value: Value)?>(nil)

    func value(for key: String, _ compute: () throws -> Value) rethrows -> Value {
        if let hit = entry.withLock({ $0 }), hit.key == key { return hit.value }
        let value = try compute()
        entry.withLock { $0 = (key, value) }
        return value
    }

    func value(for key: String, _ compute: () async throws -> Value) async rethrows -> Value {
        if let hit = entry.withLock({ $0 }), hit.key == key { return hit.value }
        let value = try await compute()
        entry.withLock { $0 = (key, value) }
        return value
    }
}
