import CLVData
import HTTPTypes
import Hummingbird

/// The per-request context: Hummingbird's core storage plus the authenticated API key.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthMiddleware`` for every route but the health checks.
    public var key: APIKeyRecord?
    /// Set at start-up from the configuration.
    var bodyLimit: Int

    public init(source: Source) {
        coreContext = .init(source: source)
        bodyLimit = 1 << 20
    }

    public var maxUploadSize: Int { bodyLimit }

    /// The authenticated role (after ``AuthMiddleware``).
    var role: Role? { key?.role }

    /// `key:<id>` for the audit log.
    var actor: String { key.map { "key:\($0.id)" } ?? "anonymous" }
}
