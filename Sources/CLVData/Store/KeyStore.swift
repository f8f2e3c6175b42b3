import Foundation

/// What an API key may do.
///
/// - `admin`: everything, including keys, erasure and model fits.
/// - `analyst`: read customers, scores, segments, model runs, audiences; fit models.
/// - `agent`: customer service: read one customer at a time, use the language models.
/// - `ingest`: post events only.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, analyst, agent, ingest
}

/// API keys: the secret is shown once and only its SHA-256 is stored.
public protocol KeyStore: Sendable {
    func createKey(role: Role, label: String?) async throws -> (key: APIKeyRecord, secret: String)
    /// The live (not revoked) key whose secret hashes to `secretHash`.
    func key(secretHash: String) async throws -> APIKeyRecord?
    func keys() async throws -> [APIKeyRecord]
    func revokeKey(id: Int64) async throws -> Bool
}

/// A stored API key (never the secret).
public struct APIKeyRecord: Sendable, Equatable, Codable {
    public var id: Int64
    /// The first characters of the secret, to recognise a key in a list.
    public var prefix: String
    public var role: Role
    public var label: String?
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: Int64, prefix: String, role: Role, label: String?, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.prefix = prefix
        self.role = role
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
