import CLVCore
import CLVData
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Checks `Authorization: Bearer <key>` on every route except the health checks and the dashboard (which signs in
/// with a session cookie and charges the same per-key rate limit itself, see ``DashboardRoutes``), and applies the
/// key's rate limit.
///
/// Keys are looked up by the SHA-256 of the secret; hits are cached for a few seconds so that a busy key does not
/// cost a database read per request, while a revoked key stops working within that time.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let keys: KeyCache
    let limiter: RateLimiter
    let bodyLimit: Int
    /// Paths served without a key.
    static let publicPaths: Set<String> = ["/healthz", "/readyz", "/favicon.ico"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = bodyLimit
        if Self.publicPaths.contains(request.uri.path) || DashboardRoutes.owns(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("Missing API key: send 'Authorization: Bearer <key>' (create one with `clv keys create --role analyst`).")
        }
        guard header.hasPrefix("Bearer "), case let secret = header.dropFirst(7).trimmingCharacters(in: .whitespaces), !secret.isEmpty else {
            throw APIError.unauthorized("The Authorization header must be 'Bearer <key>'.")
        }
        guard let key = try await keys.key(for: secret) else {
            throw APIError.unauthorized("Unknown or revoked API key: check the key, or create one with `clv keys create`.")
        }
        try limiter.charge(key: key.id)
        context.key = key
        return try await next(request, context)
    }
}

/// Live API keys by secret, cached briefly.
final class KeyCache: Sendable {
    private let store: any KeyStore
    private let ttl: TimeInterval
    private let entries = Mutex<[String: (key: APIKeyRecord, expires: Date)]>([:])

    init(store: any KeyStore, ttl: TimeInterval = 5) {
        self.store = store
        self.ttl = ttl
    }

    func key(for secret: String) async throws -> APIKeyRecord? {
        let now = Date()
        if let hit = entries.withLock({ $0[secret] }), hit.expires > now { return hit.key }
        guard secret.utf8.count <= 256, let key = try await store.key(secretHash: SHA256.hex(secret)) else {
            entries.withLock { _ = $0.removeValue(forKey: secret) }
            return nil
        }
        entries.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[secret] = (key, now.addingTimeInterval(ttl))
        }
        return key
    }
}

/// A token bucket per key: `rate` requests per second on average, bursts of up to `burst`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[Int64: Bucket]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(burst, 1)
    }

    /// Takes a token for `key`.
    /// - Throws: 429 with Retry-After when the key's bucket is empty.
    func charge(key: Int64) throws(HTTPError) {
        guard let wait = take(key: key) else { return }
        throw HTTPError(
            .tooManyRequests, headers: [.retryAfter: String(max(1, Int(wait.rounded(.up))))],
            message: "Rate limit of this key exceeded; retry after \(String(format: "%.2f", wait)) s or ask for a higher limit (CLV_RATE_LIMIT)."
        )
    }

    /// Takes a token; returns nil when allowed, else the seconds until one is available.
    func take(key: Int64) -> Double? {
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }
}

extension APIRequestContext {
    /// Throws 403 unless the key's role is one of `roles`.
    func require(_ roles: Set<Role>) throws {
        guard let role, roles.contains(role) else {
            let allowed = roles.map(\.rawValue).sorted().joined(separator: ", ")
            throw APIError.forbidden("This key's role (\(key?.role.rawValue ?? "none")) may not do this; it needs one of: \(allowed).")
        }
    }
}
