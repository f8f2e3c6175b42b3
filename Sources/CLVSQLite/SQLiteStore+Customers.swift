import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Customers and privacy

extension SQLiteStore: CustomerDirectory {
    // Reads go through GRDB's async API: blocking a cooperative thread on the reader pool can deadlock the
    // server (only two such threads on two cores), as a synchronous variant did.

    public func customer(_ id: CustomerID) async throws -> CustomerRecord? {
        try await writer.read { db in try Self.customer(id, in: db) }
    }

    public func customerDays(of id: CustomerID) async throws -> [CustomerDay] {
        try await writer.read { db in try Self.customerDays(of: id, in: db) }
    }

    public func customerWithDays(_ id: CustomerID) async throws -> (CustomerRecord, [CustomerDay])? {
        try await writer.read { db in
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
        let statement = try db.cachedStatement(
            sql: "SELECT day, purchase_amount, return_amount, purchase_lines FROM customer_day WHERE customer_id = ? ORDER BY day")
        return try Row.fetchAll(statement, arguments: [id.rawValue]).map { row in
            CustomerDay(customer: id, day: CalendarDay(daysSinceEpoch: row[0]), purchaseAmount: row[1], returnAmount: row[2], purchaseLines: row[3])
        }
    }

    public func recentOrderLines(of id: CustomerID, limit: Int) async throws -> [OrderHistoryLine] {
        try await writer.read { db in
            if hasLegacyLineKeys { return try Self.scanOrderLines(of: id, limit: limit, in: db) }
            // No index on the lines' customer (it would cost imports a third of their speed): the customer's days
            // come from customer_day, and each day's lines are one range of line keys (OrderLine.keyRange(day:)).
            let days = try Int.fetchAll(
                db.cachedStatement(sql: "SELECT day FROM customer_day WHERE customer_id = ? ORDER BY day DESC"), arguments: [id.rawValue])
            let linesOfDay = try db.cachedStatement(
                sql: """
                    \(Self.historyColumns)
                    WHERE l.line_key BETWEEN ? AND ? AND l.day = ? AND l.customer_id = ?
                    ORDER BY l.second_of_day DESC, l.line_key
                    LIMIT ?
                    """)
            var lines: [OrderHistoryLine] = []
            for day in days.map(CalendarDay.init(daysSinceEpoch:)) {
                guard lines.count < limit else { break }
                let keys = OrderLine.keyRange(day: day)
                let rows = try Row.fetchAll(linesOfDay, arguments: [keys.lowerBound, keys.upperBound, day.daysSinceEpoch, id.rawValue, limit - lines.count])
                lines += rows.map(Self.historyLine)
            }
            return lines
        }
    }

    /// The customer's lines by reading every line: for databases whose older lines' keys do not start with the day.
    private static func scanOrderLines(of id: CustomerID, limit: Int, in db: Database) throws -> [OrderHistoryLine] {
        let statement = try db.cachedStatement(
            sql: """
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

    public func countries() async throws -> [CustomerID: String] {
        try await writer.read { db in
            var result: [CustomerID: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, country FROM customer WHERE country IS NOT NULL")
            while let row = try rows.next() { result[CustomerID(row[0] as String)] = row[1] as String }
            return result
        }
    }

    public func consents() async throws -> [CustomerID: Consent] {
        try await writer.read { db in
            var result: [CustomerID: Consent] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, consent_marketing, consent_profiling FROM customer")
            while let row = try rows.next() { result[CustomerID(row[0] as String)] = Consent(marketing: row[1], profiling: row[2]) }
            return result
        }
    }

    public func setConsent(_ consent: Consent, for id: CustomerID, actor: String) async throws -> Bool {
        let audit = AuditEvent(
            actor: actor, action: "set consent", customerHash: pseudonym(of: id), detail: "marketing=\(consent.marketing) profiling=\(consent.profiling)")
        return try await writer.write { db in
            guard try Self.updateConsent(consent, for: id, in: db) else { return false }
            try Self.insertAudit([audit], in: db)
            return true
        }
    }

    static func updateConsent(_ consent: Consent, for id: CustomerID, in db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE customer SET consent_marketing = ?, consent_profiling = ? WHERE id = ?",
            arguments: [consent.marketing, consent.profiling, id.rawValue])
        return db.changesCount > 0
    }

    public func erase(_ id: CustomerID, actor: String) async throws -> ErasureReport {
        try await writer.write { db in
            var report = ErasureReport()
            try db.execute(sql: "DELETE FROM order_line WHERE customer_id = ?", arguments: [id.rawValue])
            report.orderLines = db.changesCount
            try db.execute(sql: "DELETE FROM customer_day WHERE customer_id = ?", arguments: [id.rawValue])
            report.customerDays = db.changesCount
            (report.interactions, report.embeddings) = try Self.deleteInteractions(where: "customer_id = ?", arguments: [id.rawValue], in: db)
            try db.execute(sql: "DELETE FROM customer_score WHERE customer_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [id.rawValue])
            report.customers = db.changesCount
            guard !report.isEmpty else { return report }
            try Self.insertAudit([AuditEvent(actor: actor, action: "erase", customerHash: pseudonym(of: id), detail: report.description)], in: db)
            return report
        }
    }

    public func purge(before day: CalendarDay, actor: String) async throws -> ErasureReport {
        try await writer.write { db in
            var report = ErasureReport()
            try db.execute(sql: "DELETE FROM order_line WHERE day < ?", arguments: [day.daysSinceEpoch])
            report.orderLines = db.changesCount
            try db.execute(sql: "DELETE FROM customer_day WHERE day < ?", arguments: [day.daysSinceEpoch])
            report.customerDays = db.changesCount
            (report.interactions, report.embeddings) = try Self.deleteInteractions(where: "day < ?", arguments: [day.daysSinceEpoch], in: db)
            try db.execute(
                sql: """
                    DELETE FROM customer WHERE id NOT IN (SELECT customer_id FROM customer_day UNION SELECT customer_id FROM interaction)
                    """)
            report.customers = db.changesCount
            try db.execute(sql: "DELETE FROM customer_score WHERE customer_id NOT IN (SELECT id FROM customer)")
            try db.execute(
                sql: """
                    UPDATE customer SET first_seen_day = min(
                        coalesce((SELECT min(day) FROM customer_day WHERE customer_id = customer.id), 2147483647),
                        coalesce((SELECT min(day) FROM interaction WHERE customer_id = customer.id), 2147483647))
                    WHERE first_seen_day < ?
                    """, arguments: [day.daysSinceEpoch])
            try Self.insertAudit([AuditEvent(actor: actor, action: "retention", detail: "before \(day): " + report.description)], in: db)
            return report
        }
    }
}
