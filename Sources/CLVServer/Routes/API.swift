import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import CLVText
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// What route handlers share: storage, scoring, audit, metrics, background fits, language models.
struct Services: Sendable {
    let store: any ServiceStore
    let workflow: Workflow
    let scores: ScoreBook
    let audit: AuditTrail
    let metrics: Metrics
    let fits: FitJobs
    let language: LanguageModels
    let generations: GenerationQueue
    let configuration: ServerConfiguration
    /// The ingest run that API events are recorded under, and its running counts.
    let eventImportID: Int64
    let eventLedger: EventRoutes.Ledger
    /// Per-key rate limits, shared by the API and the dashboard pages a key's session opens.
    let limiter: RateLimiter
    let logger: Logger
}

/// One documented route: the router and the OpenAPI document are both built from these, so they cannot drift.
struct RouteSpec: Sendable {
    var method: HTTPRequest.Method
    /// OpenAPI-style path, e.g. `/v1/customers/{id}`.
    var path: String
    /// Roles allowed; nil for public routes.
    var roles: Set<Role>?
    var summary: String
    var tag: String
    var query: [QueryParameter] = []
    /// The JSON body the route takes.
    var requestBody: (any APISchema.Type)? = nil
    var responses: [Int: String] = [200: "OK"]
    /// The JSON of the route's success response (the 2xx in ``responses``).
    var response: (any APISchema.Type)? = nil
    var produces: String = "application/json"

    struct QueryParameter: Sendable {
        var name: String
        var description: String
        var type: String = "string"
    }
}

/// Registers routes on the router and keeps their specs for the OpenAPI document.
final class RouteTable {
    private(set) var specs: [RouteSpec] = []
    let router: Router<APIRequestContext>

    init(router: Router<APIRequestContext>) { self.router = router }

    func add(
        _ spec: RouteSpec,
        _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        specs.append(spec)
        let roles = spec.roles
        router.on(RouterPath(spec.path), method: spec.method) { request, context in
            if let roles { try context.require(roles) }
            return try await handler(request, context)
        }
    }

    /// Answers 405 with `Allow` for the methods a documented path does not take (instead of 404: the path exists).
    func refuseUndeclaredMethods() {
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .options, .trace]
        for (path, declared) in Dictionary(grouping: specs, by: \.path).mapValues({ Set($0.map(\.method)) }) {
            let allow = methods.filter(declared.contains).map(\.rawValue).joined(separator: ", ")
            for method in methods where !declared.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "\(path) takes \(allow); see /openapi.json.")
                }
            }
        }
    }
}

extension APIRequestContext {
    /// A path parameter, percent-decoded and checked: ids are opaque text of at most 256 bytes.
    func id(_ name: String = "id") throws -> String {
        guard let raw = parameters.get(name), let text = raw.removingPercentEncoding, !text.isEmpty, text.utf8.count <= 256 else {
            throw APIError.badRequest("The \(name) in the path must be 1 to 256 bytes of text.")
        }
        return text
    }
}

extension Request {
    /// A query parameter, or nil.
    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    /// A numeric query parameter in `range`; a malformed value is a 400 naming the parameter.
    func query(_ name: String, number range: ClosedRange<Double>) throws -> Double? {
        guard let text = query(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw APIError.badRequest("Query parameter \(name)=\(text) must be a number in \(range.lowerBound)...\(range.upperBound).")
        }
        return value
    }

    /// One of a closed set of values.
    func query<T: RawRepresentable & CaseIterable>(_ name: String, oneOf type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = query(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest("Query parameter \(name)=\(text) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }
}
