import CLVCore
import CLVData
import Foundation
import GRDB

extension SQLiteStore: OrderStore {
    // MARK: - Imports

    public func beginImport(source: String, format: String) async throws -> Int64 {
        let now = StoredTime.text(Date())
        return try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO ingest_run (source, format, started_at, status) VALUES (?, ?, ?, 'running')",
                arguments: [source, format, now]
            )
            return db.lastInsertedRowID
        }
    }

    public func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts, audit: [AuditEvent]) async throws -> (inserted: Int, duplicates: Int) {
        try await writer.write { db in
            let outcome = try Self.write(batch, importID: importID, counts: counts, in: db)
            try Self.insertAudit(audit, in: db)
            return outcome
        }
    }

    public func finishImport(_ importID: Int64, counts: IngestCounts) async throws {
        let now = StoredTime.text(Date())
        try await writer.write { db in
            try Self.updateCounts(counts, importID: importID, in: db)
            try db.execute(sql: "UPDATE ingest_run SET status = 'finished', finished_at = ? WHERE id = ?", arguments: [now, importID])
        }
    }

    public func importWarning() async throws -> String? {
        guard hasLegacyLineKeys else { return nil }
        return
            "\(path) holds lines imported before 2026-11-29, whose keys a new import cannot reproduce: importing those files again stores their lines twice. Import into a new database instead."
    }

    private static func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts, in db: Database) throws -> (inserted: Int, duplicates: Int) {
        let insertLine = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO order_line
                    (line_key, customer_id, order_id, product_id, day, second_of_day, quantity, unit_price, amount, is_return, ingest_run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var inserted = 0
        var skipped: [Int] = []
        // The hot loop binds through the C API: GRDB's StatementArguments box every value, which cost more than
        // SQLite's own work at half a million lines.
        // Keys in ascending order walk the key B-tree once per batch instead of jumping around it.
        let raw = RawStatement(insertLine.sqliteStatement)
        let lines = batch.totals == nil ? batch.lines.sorted { $0.key < $1.key } : batch.lines
        for (index, line) in lines.enumerated() {
            raw.reset()
            raw.bind(1, line.key)
            raw.bind(2, line.customer?.rawValue)
            raw.bind(3, line.order)
            raw.bind(4, line.product)
            raw.bind(5, Int64(line.day.daysSinceEpoch))
            raw.bind(6, line.secondOfDay.map(Int64.init))
            raw.bind(7, line.quantity)
            raw.bind(8, line.unitPrice)
            raw.bind(9, line.amount)
            raw.bind(10, Int64(line.isReturn ? 1 : 0))
            raw.bind(11, importID)
            if try raw.step(db) > 0 { inserted += 1 } else { skipped.append(index) }
        }
        // Lines already stored must not count twice: total only the new ones then.
        let totals: BatchTotals
        if skipped.isEmpty {
            totals = batch.totals ?? BatchTotals(lines)
        } else {
            let alreadyStored = Set(skipped)
            totals = BatchTotals(lines.indices.lazy.filter { !alreadyStored.contains($0) }.map { lines[$0] })
        }
        let upsertDay = try db.cachedStatement(
            sql: """
                INSERT INTO customer_day (customer_id, day, purchase_amount, purchase_lines, return_amount, return_lines)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (customer_id, day) DO UPDATE SET
                    purchase_amount = purchase_amount + excluded.purchase_amount,
                    purchase_lines = purchase_lines + excluded.purchase_lines,
                    return_amount = return_amount + excluded.return_amount,
                    return_lines = return_lines + excluded.return_lines
                """)
        // In key order, like the lines: a batch then walks each aggregate B-tree once instead of seeking at random
        // (by SQLite's byte order of the ids, not CustomerID's numeric-first order).
        let rawDay = RawStatement(upsertDay.sqliteStatement)
        for (key, day) in totals.days.sorted(by: { ($0.key.customer.rawValue, $0.key.day) < ($1.key.customer.rawValue, $1.key.day) }) {
            rawDay.reset()
            rawDay.bind(1, key.customer.rawValue)
            rawDay.bind(2, Int64(key.day.daysSinceEpoch))
            rawDay.bind(3, day.purchaseAmount)
            rawDay.bind(4, Int64(day.purchaseLines))
            rawDay.bind(5, day.returnAmount)
            rawDay.bind(6, Int64(day.returnLines))
            _ = try rawDay.step(db)
        }
        let upsertCustomer = try db.cachedStatement(
            sql: """
                INSERT INTO customer (id, country, first_seen_day) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    country = coalesce(excluded.country, country),
                    first_seen_day = min(first_seen_day, excluded.first_seen_day)
                """)
        let rawCustomer = RawStatement(upsertCustomer.sqliteStatement)
        for (customer, day) in totals.firstDays.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            rawCustomer.reset()
            rawCustomer.bind(1, customer.rawValue)
            rawCustomer.bind(2, batch.customerCountries[customer])
            rawCustomer.bind(3, Int64(day.daysSinceEpoch))
            _ = try rawCustomer.step(db)
        }
        let upsertProduct = try db.cachedStatement(
            sql: """
                INSERT INTO product (id, title) VALUES (?, ?)
                ON CONFLICT (id) DO UPDATE SET title = coalesce(title, excluded.title)
                """)
        for (product, title) in batch.productTitles {
            upsertProduct.setUncheckedArguments([product, title])
            try upsertProduct.execute()
        }
        var running = counts
        running.imported += inserted
        running.duplicates += batch.lines.count - inserted
        try updateCounts(running, importID: importID, in: db)
        return (inserted, batch.lines.count - inserted)
    }

    static func updateCounts(_ counts: IngestCounts, importID: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE ingest_run SET lines_read = ?, imported = ?, duplicates = ?, quarantined = ?, returns = ?, guest_lines = ?
                WHERE id = ?
                """,
            arguments: [counts.read, counts.imported, counts.duplicates, counts.quarantined, counts.returns, counts.guestLines, importID]
        )
    }

    // MARK: - Aggregates

    /// Summaries in Swift over the daily aggregates: one ordered scan of `customer_day` through the window's last
    /// day, summarised while it is read (faster here than SQLite's GROUP BY with window functions, and only one
    /// customer's days in memory at a time, so peak memory follows the customers, not the order lines).
    public func summaries(for window: SummaryWindow) async throws -> [CustomerSummaryRow] {
        try await writer.read { db in
            var stream = CustomerSummarizer.Stream(window: window)
            try Self.forEachPurchaseDay(through: window.lastDay, in: db) { stream.add($0) }
            return stream.finish()
        }
    }

    /// Calls `body` with every customer-day with at least one purchase on or before `lastDay`, ordered by customer id
    /// then day (a day with returns only is not a purchase day).
    static func forEachPurchaseDay(through lastDay: CalendarDay, in db: Database, _ body: (CustomerDay) -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT customer_id, day, purchase_amount, return_amount FROM customer_day
                WHERE purchase_lines > 0 AND day <= ? ORDER BY customer_id, day
                """,
            arguments: [lastDay.daysSinceEpoch]
        )
        var customer = CustomerID("")
        while let row = try rows.next() {
            // The rows come customer by customer: one String per customer, not one per day.
            let id: String = row[0]
            if id != customer.rawValue { customer = CustomerID(id) }
            body(CustomerDay(customer: customer, day: CalendarDay(daysSinceEpoch: row[1]), purchaseAmount: row[2], returnAmount: row[3]))
        }
    }

    /// Every customer-day with at least one purchase on or before `lastDay`, ordered by customer id then day.
    func purchaseDays(through lastDay: CalendarDay) async throws -> [CustomerDay] {
        try await writer.read { db in
            var result: [CustomerDay] = []
            try Self.forEachPurchaseDay(through: lastDay, in: db) { result.append($0) }
            return result
        }
    }

    public func purchaseTimeline(through end: CalendarDay, cohortEnd: CalendarDay) async throws -> [PurchaseTimelineDay] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH first AS (
                        SELECT customer_id, min(day) AS day FROM customer_day WHERE purchase_lines > 0 GROUP BY customer_id
                    )
                    SELECT d.day, sum(d.day = f.day), sum(d.day > f.day)
                    FROM customer_day d JOIN first f ON f.customer_id = d.customer_id
                    WHERE d.purchase_lines > 0 AND d.day <= ? AND f.day <= ?
                    GROUP BY d.day ORDER BY d.day
                    """,
                arguments: [end.daysSinceEpoch, cohortEnd.daysSinceEpoch]
            ).map { row in
                PurchaseTimelineDay(day: CalendarDay(daysSinceEpoch: row[0]), firstPurchases: row[1], repeatPurchases: row[2])
            }
        }
    }

    /// From the daily aggregates: a few rows per customer instead of every line.
    public func lastOrderDay() async throws -> CalendarDay? {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT max(day) FROM customer_day").map(CalendarDay.init(daysSinceEpoch:))
        }
    }

    public func statistics() async throws -> StoreStatistics {
        try await writer.read { db in
            let lines = try Int.fetchOne(db, sql: "SELECT count(*) FROM order_line") ?? 0
            let customers = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer") ?? 0
            let products = try Int.fetchOne(db, sql: "SELECT count(*) FROM product") ?? 0
            let row = try Row.fetchOne(db, sql: "SELECT min(day), max(day), total(amount) FROM order_line")
            let first: Int? = row?[0], last: Int? = row?[1]
            return StoreStatistics(
                orderLines: lines, customers: customers, products: products,
                firstDay: first.map(CalendarDay.init(daysSinceEpoch:)), lastDay: last.map(CalendarDay.init(daysSinceEpoch:)),
                netRevenue: row?[2] ?? 0
            )
        }
    }
}
