import CLVCore
import Foundation

/// The audit log: who did what, and to which customer only as a keyed, irreversible pseudonym.
public protocol AuditLog: Sendable {
    /// Appends audit events (batched by callers on hot paths).
    func audit(_ events: [AuditEvent]) async throws
    /// The keyed pseudonym of a customer id used in the audit log (stable for one store, useless without its key).
    func auditHash(of id: CustomerID) async throws -> String
    /// The most recent audit events, newest first.
    func auditEvents(limit: Int) async throws -> [AuditEvent]
}

/// One line of the audit log: never a raw customer id, only its keyed hash.
public struct AuditEvent: Sendable, Equatable, Codable {
    public var at: Date
    /// Who acted: `key:<id>` for an API key, `cli` for the command line.
    public var actor: String
    public var action: String
    public var customerHash: String?
    public var detail: String?

    public init(at: Date = Date(), actor: String, action: String, customerHash: String? = nil, detail: String? = nil) {
        self.at = at
        self.actor = actor
        self.action = action
        self.customerHash = customerHash
        self.detail = detail
    }
}
