import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import CLVText
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// What route handlers share: storage, scoring, audit, metrics, background fits, language models.
struct Services: Sendable {
    let store: any ServiceStore
    let workflow: Workflow
    let scores: ScoreBook
    let audit: AuditTrail
    let metrics: Metrics
    let fits: FitJobs
    let language: LanguageModels
    let learned: LearnedBook
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
    /// Where a response's values lead: OpenAPI links from a status to other operations (by method and path), with
    /// each target parameter's runtime expression, e.g. `["id": "$response.body#/id"]`.
    var links: [Link] = []
    /// What the `Location` header of the created (201) or accepted (202) response points to, when it has one.
    var location: String? = nil

    struct Link: Sendable {
        var name: String
        var status: Int
        var method: HTTPRequest.Method
        var path: String
        var parameters: [String: String]
    }

    var operationID: String { Self.operationID(method: method, path: path) }

    static func operationID(method: HTTPRequest.Method, path: String) -> String {
        method.rawValue.lowercased() + "_"
            + path.split(separator: "/").map {
                $0.replacingOccurrences(of: "{", with: "by_").replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "-", with: "_")
                    .replacingOccurrences(of: ".", with: "_")
            }.joined(separator: "_")
    }

}

/// One query parameter as the route declares it: the OpenAPI document prints its schema and handlers read it through
/// the same declaration (``Request/value(of:)``), so the bounds a request is checked against are the documented ones.
struct QueryParameter: Sendable {
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case choice([String])
    }

    var name: String
    var description: String
    var kind: Kind

    static func integer(_ name: String, _ description: String, in range: ClosedRange<Int>) -> QueryParameter {
        QueryParameter(name: name, description: description, kind: .integer(range))
    }

    static func number(_ name: String, _ description: String, in range: ClosedRange<Double>) -> QueryParameter {
        QueryParameter(name: name, description: description, kind: .number(range))
    }

    static func choice(_ name: String, _ description: String, _ values: [String]) -> QueryParameter {
        QueryParameter(name: name, description: description, kind: .choice(values))
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ description: String, _: T.Type) -> QueryParameter
    where T.RawValue == String {
        choice(name, description, T.allCases.map(\.rawValue))
    }

    /// The one value among the `values` a request gave: at most one, not empty, and of this parameter's kind and
    /// bounds; a failure is a 400 that names the parameter and what it takes.
    func read(_ values: [String]) throws -> String? {
        guard let text = values.first else { return nil }
        let expected: String =
            switch kind {
            case let .integer(range): "an integer from \(range.lowerBound) to \(range.upperBound)"
            case let .number(range): "a number from \(range.lowerBound) to \(range.upperBound)"
            case let .choice(values): "one of: \(values.joined(separator: ", "))"
            }
        guard values.count == 1 else { throw APIError.badRequest("Query parameter \(name) is given \(values.count) times; give it once, \(expected).") }
        let valid: Bool =
            switch kind {
            case let .integer(range): Int(text).map(range.contains) ?? false
            case let .number(range): Double(text).map { $0.isFinite && range.contains($0) } ?? false
            case let .choice(values): values.contains(text)
            }
        guard valid else { throw APIError.badRequest("Query parameter \(name)=\(text.prefix(64)) must be \(expected).") }
        return text
    }

    var schema: JSONValue {
        switch kind {
        case let .integer(range): ["type": "integer", "minimum": .number(Double(range.lowerBound)), "maximum": .number(Double(range.upperBound))]
        case let .number(range): ["type": "number", "minimum": .number(range.lowerBound), "maximum": .number(range.upperBound)]
        case let .choice(values): ["type": "string", "enum": .array(values.map(JSONValue.string))]
        }
    }
}

/// Registers routes on the router and keeps their specs for the OpenAPI document.
final class RouteTable {
    private(set) var specs: [RouteSpec] = []
    let router: Router<APIRequestContext>
    let methods: DeclaredMethods

    init(router: Router<APIRequestContext>, methods: DeclaredMethods) {
        self.router = router
        self.methods = methods
    }

    func add(
        _ spec: RouteSpec,
        _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        specs.append(spec)
        methods.declare(spec.method, path: spec.path)
        let roles = spec.roles
        router.on(RouterPath(spec.path), method: spec.method) { request, context in
            if let roles { try context.require(roles) }
            return try await handler(request, context)
        }
    }
}

/// The methods each documented path takes, for ``MethodMiddleware``.
final class DeclaredMethods: Sendable {
    private let paths = Mutex<[(segments: [Substring], methods: Set<HTTPRequest.Method>)]>([])

    func declare(_ method: HTTPRequest.Method, path: String) {
        let segments = path.split(separator: "/")
        paths.withLock { paths in
            if let i = paths.firstIndex(where: { $0.segments == segments }) { paths[i].methods.insert(method) } else { paths.append((segments, [method])) }
        }
    }

    /// The methods of the documented path that `path` matches (`{name}` matches any one segment), or nil.
    func methods(of path: String) -> Set<HTTPRequest.Method>? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return paths.withLock { paths in
            paths.first { entry in
                entry.segments.count == parts.count
                    && zip(entry.segments, parts).allSatisfy { pattern, part in (pattern.first == "{" && !part.isEmpty) || pattern == part }
            }?.methods
        }
    }
}

/// Answers 405 with `Allow` for any method a documented path does not take, including ones the router has never
/// heard of (QUERY, PROPFIND), instead of 404: the path exists.
struct MethodMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let declared: DeclaredMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let methods = declared.methods(of: request.uri.path), !methods.contains(request.method) {
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "\(request.uri.path) takes \(allow); see /openapi.json.")
        }
        return try await next(request, context)
    }
}

extension APIRequestContext {
    /// A path parameter, percent-decoded and checked: ids are opaque text of at most 256 bytes.
    func id(_ name: String = "id") throws -> String {
        guard let raw = parameters.get(name), let text = raw.removingPercentEncoding, !text.isEmpty, text.unicodeScalars.count <= 256 else {
            throw APIError.badRequest("The \(name) in the path must be 1 to 256 characters of text.")
        }
        return text
    }
}

extension Request {
    /// A query parameter, or nil.
    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    /// Every value of a query parameter, decoded as HTML forms and URL libraries encode them (`+` is a space).
    func queryValues(_ name: String) -> [String] {
        (uri.query ?? "").split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard decode(parts[0]) == name else { return nil }
            return parts.count > 1 ? decode(parts[1]) ?? String(parts[1]) : ""
        }
    }

    /// A declared query parameter's text, checked against its declaration (``QueryParameter/read(_:)``).
    func value(of parameter: QueryParameter) throws -> String? {
        try parameter.read(queryValues(parameter.name))
    }

    func integer(_ parameter: QueryParameter) throws -> Int? { try value(of: parameter).flatMap { Int($0) } }

    func number(_ parameter: QueryParameter) throws -> Double? { try value(of: parameter).flatMap { Double($0) } }

    func choice<T: RawRepresentable>(_ parameter: QueryParameter, as _: T.Type) throws -> T? where T.RawValue == String {
        try value(of: parameter).flatMap { T(rawValue: $0) }
    }
}
