import CLVCore
import CLVData
import Foundation
import PostgresNIO

// MARK: - Customers and privacy

extension PostgresStore: CustomerDirectory {
    public func customer(_ id: CustomerID) async throws -> CustomerRecord? {
        try await Self.customer(id, rows: try await query(Self.customerQuery(id)))
    }

    public func customerDays(of id: CustomerID) async throws -> [CustomerDay] {
        try await Self.customerDays(of: id, rows: try await query(Self.customerDaysQuery(id)))
    }

    public func customerWithDays(_ id: CustomerID) async throws -> (CustomerRecord, [CustomerDay])? {
        // One transaction: the record and its days come from one snapshot, even while an import runs.
        try await transaction { connection in
            guard let record = try await Self.customer(id, rows: try await connection.query(Self.customerQuery(id), logger: logger)) else { return nil }
            return (record, try await Self.customerDays(of: id, rows: try await connection.query(Self.customerDaysQuery(id), logger: logger)))
        }
    }

    private static func customerQuery(_ id: CustomerID) -> PostgresQuery {
        "SELECT country, first_seen_day, consent_marketing, consent_profiling FROM customer WHERE customer_id = \(id.rawValue)"
    }

    private static func customerDaysQuery(_ id: CustomerID) -> PostgresQuery {
        "SELECT day, purchase_amount, return_amount, purchase_lines FROM customer_day WHERE customer_id = \(id.rawValue) ORDER BY day"
    }

    private static func customer(_ id: CustomerID, rows: PostgresRowSequence) async throws -> CustomerRecord? {
        for try await (country, firstSeen, marketing, profiling) in rows.decode((String?, Int, Bool, Bool).self) {
            return CustomerRecord(
                id: id, country: country, firstSeen: CalendarDay(daysSinceEpoch: firstSeen), consent: Consent(marketing: marketing, profiling: profiling))
        }
        return nil
    }

    private static func customerDays(of id: CustomerID, rows: PostgresRowSequence) async throws -> [CustomerDay] {
        var days: [CustomerDay] = []
        for try await (day, purchase, returned, lines) in rows.decode((Int, Double, Double, Int).self) {
            days.append(
                CustomerDay(customer: id, day: CalendarDay(daysSinceEpoch: day), purchaseAmount: purchase, returnAmount: returned, purchaseLines: lines))
        }
        return days
    }

    /// The customer's lines through the lines' primary key (customer first): newest day first, within a day the
    /// latest time first (lines without a time last, as in SQLite), then by key.
    public func recentOrderLines(of id: CustomerID, limit: Int) async throws -> [OrderHistoryLine] {
        guard !id.rawValue.isEmpty else { return [] }
        let rows = try await query(
            """
            SELECT l.day, l.second_of_day, l.order_id, l.product_id, p.title, l.quantity, l.unit_price, l.amount, l.is_return
            FROM order_line l LEFT JOIN product p ON p.product_id = l.product_id
            WHERE l.customer_id = \(id.rawValue)
            ORDER BY l.day DESC, l.second_of_day DESC NULLS LAST, l.line_key
            LIMIT \(max(0, limit))
            """)
        var lines: [OrderHistoryLine] = []
        for try await (day, second, order, product, title, quantity, price, amount, isReturn) in rows.decode(
            (Int, Int?, String?, String?, String?, Double?, Double?, Double, Bool).self)
        {
            lines.append(
                OrderHistoryLine(
                    day: CalendarDay(daysSinceEpoch: day), secondOfDay: second, order: order, product: product, productTitle: title, quantity: quantity,
                    unitPrice: price, amount: amount, isReturn: isReturn))
        }
        return lines
    }

    public func countries() async throws -> [CustomerID: String] {
        var result: [CustomerID: String] = [:]
        for try await (id, country) in try await query("SELECT customer_id, country FROM customer WHERE country IS NOT NULL").decode((String, String).self) {
            result[CustomerID(id)] = country
        }
        return result
    }

    public func consents() async throws -> [CustomerID: Consent] {
        var result: [CustomerID: Consent] = [:]
        for try await (id, marketing, profiling) in try await query("SELECT customer_id, consent_marketing, consent_profiling FROM customer").decode(
            (String, Bool, Bool).self)
        {
            result[CustomerID(id)] = Consent(marketing: marketing, profiling: profiling)
        }
        return result
    }

    public func setConsent(_ consent: Consent, for id: CustomerID, actor: String) async throws -> Bool {
        let audit = AuditEvent(
            actor: actor, action: "set consent", customerHash: pseudonym(of: id), detail: "marketing=\(consent.marketing) profiling=\(consent.profiling)")
        return try await transaction { connection in
            let changed = try await connection.query(
                """
                WITH changed AS (
                    UPDATE customer SET consent_marketing = \(consent.marketing), consent_profiling = \(consent.profiling)
                    WHERE customer_id = \(id.rawValue) RETURNING 1
                ) SELECT count(*) FROM changed
                """, logger: logger
            ).single(Int.self)
            guard changed > 0 else { return false }
            try await Self.insertAudit([audit], on: connection, logger: logger)
            return true
        }
    }

    public func erase(_ id: CustomerID, actor: String) async throws -> ErasureReport {
        let audit = pseudonym(of: id)
        return try await transaction { connection in
            var report = ErasureReport()
            guard !id.rawValue.isEmpty else { return report }
            let customer = id.rawValue
            report.orderLines = try await Self.count(connection, logger, "DELETE FROM order_line WHERE customer_id = \(customer) RETURNING 1")
            report.customerDays = try await Self.count(connection, logger, "DELETE FROM customer_day WHERE customer_id = \(customer) RETURNING 1")
            (report.interactions, report.embeddings) = try await Self.deleteInteractions(
                where: "customer_id = $1", binding: customer, on: connection, logger: logger)
            try await connection.query("DELETE FROM customer_score WHERE customer_id = \(customer)", logger: logger)
            report.customers = try await Self.count(connection, logger, "DELETE FROM customer WHERE customer_id = \(customer) RETURNING 1")
            guard !report.isEmpty else { return report }
            try await Self.insertAudit(
                [AuditEvent(actor: actor, action: "erase", customerHash: audit, detail: report.description)], on: connection, logger: logger)
            return report
        }
    }

    public func purge(before day: CalendarDay, actor: String) async throws -> ErasureReport {
        try await transaction { connection in
            var report = ErasureReport()
            let cutoff = day.daysSinceEpoch
            report.orderLines = try await Self.count(connection, logger, "DELETE FROM order_line WHERE day < \(cutoff) RETURNING 1")
            report.customerDays = try await Self.count(connection, logger, "DELETE FROM customer_day WHERE day < \(cutoff) RETURNING 1")
            (report.interactions, report.embeddings) = try await Self.deleteInteractions(where: "day < $1", binding: cutoff, on: connection, logger: logger)
            report.customers = try await Self.count(
                connection, logger,
                """
                DELETE FROM customer c
                WHERE NOT EXISTS (SELECT 1 FROM customer_day d WHERE d.customer_id = c.customer_id)
                  AND NOT EXISTS (SELECT 1 FROM interaction i WHERE i.customer_id = c.customer_id)
                RETURNING 1
                """)
            try await connection.query(
                "DELETE FROM customer_score s WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.customer_id = s.customer_id)", logger: logger)
            try await connection.query(
                """
                UPDATE customer c SET first_seen_day = least(
                    coalesce((SELECT min(day) FROM customer_day d WHERE d.customer_id = c.customer_id), 2147483647),
                    coalesce((SELECT min(day) FROM interaction i WHERE i.customer_id = c.customer_id), 2147483647))
                WHERE first_seen_day < \(cutoff)
                """, logger: logger)
            try await Self.insertAudit(
                [AuditEvent(actor: actor, action: "retention", detail: "before \(day): " + report.description)], on: connection, logger: logger)
            return report
        }
    }

    /// Runs a `… RETURNING 1` statement and counts its rows (the rows it changed).
    static func count(_ connection: PostgresConnection, _ logger: Logger, _ statement: PostgresQuery) async throws -> Int {
        var rows = 0
        for try await _ in try await connection.query(statement, logger: logger) { rows += 1 }
        return rows
    }

    /// Deletes the cached vectors of the texts that only the interactions `condition` (with `$1`) selects hold,
    /// then those interactions (and with them their assistant turns); returns (interactions, embeddings).
    static func deleteInteractions(
        where condition: String, binding value: some PostgresEncodable & Sendable, on connection: PostgresConnection, logger: Logger
    ) async throws -> (Int, Int) {
        var bindings = PostgresBindings()
        try bindings.append(value)
        let embeddings = try await count(
            connection, logger,
            PostgresQuery(
                unsafeSQL: """
                    DELETE FROM embedding WHERE text_hash IN (
                        SELECT text_hash FROM interaction WHERE \(condition)
                        EXCEPT SELECT text_hash FROM interaction WHERE NOT (\(condition))
                        EXCEPT SELECT text_hash FROM knowledge_chunk
                    ) RETURNING 1
                    """, binds: bindings))
        let interactions = try await count(
            connection, logger, PostgresQuery(unsafeSQL: "DELETE FROM interaction WHERE \(condition) RETURNING 1", binds: bindings))
        return (interactions, embeddings)
    }
}
