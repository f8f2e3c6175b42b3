import CLVCore
import Foundation
import GRDB

// MARK: - Customers and privacy

extension SQLiteStore: CustomerDirectory {
    // Reads go through GRDB's async API: blocking a cooperative thread on the reader pool can deadlock the
    // server (only two such threads on two cores), as a synchronous variant did.

    public func customer(_ id: CustomerID) async throws -> CustomerRecord? {
        try await pool.read { db in try Self.customer(id, in: db) }
    }

    public func customerDays(of id: CustomerID) async throws -> [CustomerDay] {
        try await pool.read { db in try Self.customerDays(of: id, in: db) }
    }

    public func customerWithDays(_ id: CustomerID) async throws -> (CustomerRecord, [CustomerDay])? {
        try await pool.read { db in
            guard let record = try Self.customer(id, in: db) else { return nil }
            return (record, try Self.customerDays(of: id, in: db))
        }
    }

    static func customer(_ id: CustomerID, in db: Database) throws -> CustomerRecord? {
        let statement = try db.cachedStatement(sql: "SELECT id, country, first_seen_day, consent_marketing, consent_profiling FROM customer WHERE id = ?")
        return try Row.fetchOne(statement, arguments: [id.rawValue]).map { row in
            CustomerRecord(
                id: CustomerID(row[0] as String), country: row[1], firstSeen: CalendarDay(daysSinceEpoch: row[2]),
                consent: Consent(marketing: row[3], profiling: row[4])
            )
        }
    }

    static func customerDays(of id: CustomerID, in db: Database) throws -> [CustomerDay] {
        let statement = try db.cachedStatement(sql: "SELECT day, purchase_amount, return_amount, purchase_lines FROM customer_day WHERE customer_id = ? ORDER BY day")
        return try Row.fetchAll(statement, arguments: [id.rawValue]).map { row in
            CustomerDay(customer: id, day: CalendarDay(daysSinceEpoch: row[0]), purchaseAmount: row[1], returnAmount: row[2], purchaseLines: row[3])
        }
    }

    public func recentOrderLines(of id: CustomerID, limit: Int) async throws -> [OrderHistoryLine] {
        try await pool.read { db in
            if hasLegacyLineKeys { return try Self.scanOrderLines(of: id, limit: limit, in: db) }
            // No index on the lines' customer (it would cost imports a third of their speed): the customer's days
            // come from customer_day, and each day's lines are one range of line keys (RowKey.range(day:)).
            let days = try Int.fetchAll(db.cachedStatement(sql: "SELECT day FROM customer_day WHERE customer_id = ? ORDER BY day DESC"), arguments: [id.rawValue])
            let linesOfDay = try db.cachedStatement(sql: """
                \(Self.historyColumns)
                WHERE l.line_key BETWEEN ? AND ? AND l.day = ? AND l.customer_id = ?
                ORDER BY l.second_of_day DESC, l.line_key
                LIMIT ?
                """)
            var lines: [OrderHistoryLine] = []
            for day in days.map(CalendarDay.init(daysSinceEpoch:)) {
                guard lines.count < limit else { break }
                let keys = RowKey.range(day: day)
                let rows = try Row.fetchAll(linesOfDay, arguments: [keys.lowerBound, keys.upperBound, day.daysSinceEpoch, id.rawValue, limit - lines.count])
                lines += rows.map(Self.historyLine)
            }
            return lines
        }
    }

    /// The customer's lines by reading every line: for databases whose older lines' keys do not start with the day.
    private static func scanOrderLines(of id: CustomerID, limit: Int, in db: Database) throws -> [OrderHistoryLine] {
        let statement = try db.cachedStatement(sql: """
            \(historyColumns)
            WHERE l.customer_id = ?
            ORDER BY l.day DESC, l.second_of_day DESC, l.line_key
            LIMIT ?
            """)
        return try Row.fetchAll(statement, arguments: [id.rawValue, max(0, limit)]).map(historyLine)
    }

    /// A row of `historyColumns`.
    private static func historyLine(_ row: Row) -> OrderHistoryLine {
        OrderHistoryLine(
            day: CalendarDay(daysSinceEpoch: row[0]), secondOfDay: row[1], order: row[2], product: row[3], productTitle: row[4],
            quantity: row[5], unitPrice: row[6], amount: row[7], isReturn: row[8]
        )
    }

    /// The columns of a customer's history: the line and its product's title.
    private static let historyColumns = """
        SELECT l.day, l.second_of_day, l.order_id, l.product_id, p.title, l.quantity, l.unit_price, l.amount, l.is_return
        FROM order_line l LEFT JOIN product p ON p.id = l.product_id
        """

    public func consents() async throws -> [CustomerID: Consent] {
        try await pool.read { db in
            var result: [CustomerID: Consent] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, consent_marketing, consent_profiling FROM customer")
            while let row = try rows.next() { result[CustomerID(row[0] as String)] = Consent(marketing: row[1], profiling: row[2]) }
            return result
        }
    }

    public func setConsent(_ consent: Consent, for id: CustomerID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE customer SET consent_marketing = ?, consent_profiling = ? WHERE id = ?",
                arguments: [consent.marketing, consent.profiling, id.rawValue]
            )
            return db.changesCount > 0
        }
    }

    public func erase(_ id: CustomerID, actor: String) async throws -> [String: Int] {
        try await pool.write { db in
            var deleted: [String: Int] = [:]
            for table in ["order_line", "customer_day"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE customer_id = ?", arguments: [id.rawValue])
                deleted[table] = db.changesCount
            }
            try db.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [id.rawValue])
            deleted["customer"] = db.changesCount
            guard deleted.values.contains(where: { $0 > 0 }) else { return deleted }
            let hash = try Self.auditHash(of: id, in: db)
            try Self.insertAudit([AuditEvent(actor: actor, action: "erase", customerHash: hash, detail: Self.describe(deleted))], in: db)
            return deleted
        }
    }

    public func purge(before day: CalendarDay, actor: String) async throws -> [String: Int] {
        try await pool.write { db in
            var deleted: [String: Int] = [:]
            for table in ["order_line", "customer_day"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE day < ?", arguments: [day.daysSinceEpoch])
                deleted[table] = db.changesCount
            }
            try db.execute(sql: "DELETE FROM customer WHERE id NOT IN (SELECT DISTINCT customer_id FROM customer_day)")
            deleted["customer"] = db.changesCount
            try db.execute(sql: """
                UPDATE customer SET first_seen_day = (SELECT min(day) FROM customer_day WHERE customer_id = customer.id)
                WHERE first_seen_day < ?
                """, arguments: [day.daysSinceEpoch])
            try Self.insertAudit([AuditEvent(actor: actor, action: "retention", detail: "before \(day): " + Self.describe(deleted))], in: db)
            return deleted
        }
    }

    public func audit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await pool.write { db in try Self.insertAudit(events, in: db) }
    }

    public func auditHash(of id: CustomerID) async throws -> String {
        SHA256.hmac(key: auditKey, message: Array(id.rawValue.utf8)).hexString
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, actor, action, customer_hash, detail FROM audit_event ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map { row in
                AuditEvent(
                    at: ISO8601DateFormatter().date(from: row[0]) ?? Date(timeIntervalSince1970: 0),
                    actor: row[1], action: row[2], customerHash: row[3], detail: row[4]
                )
            }
        }
    }

    static func auditHash(of id: CustomerID, in db: Database) throws -> String {
        guard let key = try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'audit_key'") else {
            throw DatabaseError(message: "the audit key is missing from table setting")
        }
        return SHA256.hmac(key: Array(key), message: Array(id.rawValue.utf8)).hexString
    }

    static func insertAudit(_ events: [AuditEvent], in db: Database) throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let statement = try db.cachedStatement(sql: "INSERT INTO audit_event (at, actor, action, customer_hash, detail) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            try statement.execute(arguments: [formatter.string(from: event.at), event.actor, event.action, event.customerHash, event.detail])
        }
    }

    private static func describe(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

// MARK: - API keys

extension SQLiteStore: KeyStore {
    public func createKey(role: String, label: String?) async throws -> (key: APIKeyRecord, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = "clv_" + (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let now = ISO8601DateFormatter().string(from: Date())
        let prefix = String(secret.prefix(10))
        let id = try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO api_key (secret_hash, prefix, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [SHA256.hex(secret), prefix, role, label, now]
            )
            return db.lastInsertedRowID
        }
        return (APIKeyRecord(id: id, prefix: prefix, role: role, label: label, createdAt: now, revokedAt: nil), secret)
    }

    public func key(secretHash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE secret_hash = ? AND revoked_at IS NULL", arguments: [secretHash]).map(Self.keyRecord)
        }
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY id").map(Self.keyRecord) }
    }

    public func revokeKey(id: Int64) async throws -> Bool {
        let now = ISO8601DateFormatter().string(from: Date())
        return try await pool.write { db in
            try db.execute(sql: "UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [now, id])
            return db.changesCount > 0
        }
    }

    private static func keyRecord(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(id: row["id"], prefix: row["prefix"], role: row["role"], label: row["label"], createdAt: row["created_at"], revokedAt: row["revoked_at"])
    }
}

// MARK: - Model runs

extension SQLiteStore: ModelRunStore {
    public func saveModelRun(_ run: ModelRunRecord) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO model_run (model, created_at, data_end, time_unit, customers, log_likelihood, converged, fit_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [run.model, run.createdAt, run.dataEnd.daysSinceEpoch, run.unit.rawValue, run.customers, run.logLikelihood, run.converged, run.fitJSON]
            )
            return db.lastInsertedRowID
        }
    }

    public func modelRuns() async throws -> [ModelRunRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM model_run ORDER BY id DESC").map(Self.modelRun) }
    }

    public func modelRun(id: Int64) async throws -> ModelRunRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM model_run WHERE id = ?", arguments: [id]).map(Self.modelRun) }
    }

    public func latestModelRun(model: String) async throws -> ModelRunRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM model_run WHERE model = ? ORDER BY id DESC LIMIT 1", arguments: [model]).map(Self.modelRun)
        }
    }

    private static func modelRun(_ row: Row) -> ModelRunRecord {
        ModelRunRecord(
            id: row["id"], model: row["model"], createdAt: row["created_at"], dataEnd: CalendarDay(daysSinceEpoch: row["data_end"]),
            unit: TimeUnit(rawValue: row["time_unit"]) ?? .week, customers: row["customers"], logLikelihood: row["log_likelihood"],
            converged: row["converged"], fitJSON: row["fit_json"]
        )
    }
}
