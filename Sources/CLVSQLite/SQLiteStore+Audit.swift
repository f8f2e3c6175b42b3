import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Audit log

extension SQLiteStore: AuditLog {
    public func audit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await writer.write { db in try Self.insertAudit(events, in: db) }
    }

    public func auditHash(of id: CustomerID) async throws -> String { pseudonym(of: id) }

    /// HMAC-SHA256 of the id under the installation's audit key.
    func pseudonym(of id: CustomerID) -> String {
        SHA256.hmac(key: auditKey, message: Array(id.rawValue.utf8)).hexString
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, actor, action, customer_hash, detail FROM audit_event ORDER BY id DESC LIMIT ?", arguments: [max(0, limit)]
            ).map { row in
                AuditEvent(at: try StoredTime.date(row[0], table: "audit_event"), actor: row[1], action: row[2], customerHash: row[3], detail: row[4])
            }
        }
    }

    static func insertAudit(_ events: [AuditEvent], in db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO audit_event (at, actor, action, customer_hash, detail) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            try statement.execute(arguments: [StoredTime.text(event.at, fractionalSeconds: true), event.actor, event.action, event.customerHash, event.detail])
        }
    }

}
