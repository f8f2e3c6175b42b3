import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - API keys

extension SQLiteStore: KeyStore {
    public func createKey(role: Role, label: String?) async throws -> (key: APIKeyRecord, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = "clv_" + (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let created = StoredTime.roundedToSeconds(Date())
        let now = StoredTime.text(created)
        let prefix = String(secret.prefix(10))
        let id = try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO api_key (secret_hash, prefix, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [SHA256.hex(secret), prefix, role.rawValue, label, now]
            )
            return db.lastInsertedRowID
        }
        return (APIKeyRecord(id: id, prefix: prefix, role: role, label: label, createdAt: created, revokedAt: nil), secret)
    }

    public func key(secretHash: String) async throws -> APIKeyRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE secret_hash = ? AND revoked_at IS NULL", arguments: [secretHash]).map {
                try Self.keyRecord($0)
            }
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY id").map { try Self.keyRecord($0) } }
    }

    public func revokeKey(id: Int64) async throws -> Bool {
        let now = StoredTime.text(Date())
        return try await writer.write { db in
            try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            return db.changesCount > 0
        }
    }

    private static func keyRecord(_ row: Row) throws -> APIKeyRecord {
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else { throw StoreError.unreadableRow(table: "api_key", reason: "unknown role '\(roleText)'") }
        let revoked: String? = row["revoked_at"]
        return APIKeyRecord(
            id: row["id"], prefix: row["prefix"], role: role, label: row["label"],
            createdAt: try StoredTime.date(row["created_at"], table: "api_key"),
            revokedAt: try revoked.map { text throws(StoreError) in try StoredTime.date(text, table: "api_key") }
        )
    }
}
