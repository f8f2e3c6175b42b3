import CLVCore
import CLVData
import Foundation
import PostgresNIO

extension PostgresStore: OrderStore {
    // MARK: - Imports

    public func beginImport(source: String, format: String) async throws -> Int64 {
        let rows = try await query(
            "INSERT INTO ingest_run (source, format, started_at, status) VALUES (\(source), \(format), \(Date()), 'running') RETURNING id")
        return Int64(try await rows.single(Int.self))
    }

    /// One transaction, as the SQLite store's: `COPY` the batch's new lines straight into `order_line`, and add
    /// exactly those to the customer-day aggregates and the customers, totalled here in the SQLite store's order
    /// (so a day's amounts are added in the same order and come out equal to the last bit).
    ///
    /// Most batches hold only new lines, so the copy first takes them all (under a savepoint); only when the key
    /// index refuses one (a re-import, an overlapping file, a retried event) does it roll back to the savepoint,
    /// find which keys are stored (one join with the index) and copy the others. A concurrent import storing the
    /// same lines makes the copy wait for its commit and then fail on the key; the transaction is then retried and
    /// skips them, so each line is stored and counted once.
    ///
    /// The lines go to the server in key-index order (customer, then line key), so that a file in time order
    /// inserts each customer's lines side by side in the key's B-tree instead of all over it; every import uses the
    /// same order, so two concurrent ones wait on each other's rows in one direction only.
    public func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts, audit: [AuditEvent]) async throws -> (inserted: Int, duplicates: Int) {
        let lines = batch.totals == nil ? batch.lines.sorted { $0.key < $1.key } : batch.lines
        let titles = batch.productTitles.sorted { $0.key < $1.key }
        return try await transaction(retryingUniqueViolations: true) { connection in
            var kept = Self.firstOfEachKey(lines, skipping: [])
            try await connection.query("SAVEPOINT new_lines", logger: logger)
            do {
                try await Self.copy(Self.inKeyOrder(kept, of: lines).lazy.map { lines[$0] }, importID: importID, on: connection, logger: logger)
                try await connection.query("RELEASE SAVEPOINT new_lines", logger: logger)
            } catch let error as PSQLError where PostgresFailure.isUniqueViolation(error) {
                try await connection.query("ROLLBACK TO SAVEPOINT new_lines", logger: logger)
                kept = Self.firstOfEachKey(lines, skipping: try await Self.storedKeys(of: lines, on: connection, logger: logger))
                try await Self.copy(Self.inKeyOrder(kept, of: lines).lazy.map { lines[$0] }, importID: importID, on: connection, logger: logger)
            }
            let totals = kept.count == lines.count ? (batch.totals ?? BatchTotals(lines)) : BatchTotals(kept.lazy.map { lines[$0] })
            if !titles.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO product (product_id, title)
                    SELECT * FROM unnest(\(titles.map(\.key))::text[], \(titles.map(\.value))::text[]) ORDER BY 1
                    ON CONFLICT (product_id) DO UPDATE SET title = coalesce(product.title, excluded.title)
                    """, logger: logger)
            }
            try await Self.addTotals(totals, countries: batch.customerCountries, on: connection, logger: logger)
            var running = counts
            running.imported += kept.count
            running.duplicates += batch.lines.count - kept.count
            try await Self.updateCounts(running, importID: importID, on: connection, logger: logger)
            try await Self.insertAudit(audit, on: connection, logger: logger)
            return (kept.count, batch.lines.count - kept.count)
        }
    }

    /// The indices of the first line of each key not in `stored` (a batch may repeat a line; the SQLite store
    /// keeps the first).
    static func firstOfEachKey(_ lines: [OrderLine], skipping stored: Set<StoredKey>) -> [Int] {
        var seen = Set<StoredKey>()
        seen.reserveCapacity(lines.count)
        var kept: [Int] = []
        kept.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            let key = StoredKey(customer: line.customer?.rawValue ?? PostgresSchema.guestCustomer, line: line.key)
            if !stored.contains(key), seen.insert(key).inserted { kept.append(index) }
        }
        return kept
    }

    /// The indices `kept` sorted by the key of `order_line` (customer, then line key).
    static func inKeyOrder(_ kept: [Int], of lines: [OrderLine]) -> [Int] {
        kept.sorted { a, b in
            let customerA = lines[a].customer?.rawValue ?? PostgresSchema.guestCustomer
            let customerB = lines[b].customer?.rawValue ?? PostgresSchema.guestCustomer
            return customerA != customerB ? customerA.utf8.lexicographicallyPrecedes(customerB.utf8) : lines[a].key < lines[b].key
        }
    }

    /// Streams lines into `order_line` with `COPY`, a megabyte at a time.
    static func copy(_ lines: some Sequence<OrderLine>, importID: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await copyRows(lines, into: "order_line", columns: CopyText.orderLineColumns, on: connection, logger: logger) {
            CopyText.append($0, importID: importID, to: &$1)
        }
    }

    /// Streams `rows` into `table` with `COPY`, each written by `append` in the text format, a megabyte at a time.
    static func copyRows<Row>(
        _ rows: some Sequence<Row>, into table: String, columns: [String], on connection: PostgresConnection, logger: Logger,
        append: (Row, inout ByteBuffer) -> Void
    ) async throws {
        var iterator = rows.makeIterator()
        guard let first = iterator.next() else { return }
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 << 20)
            append(first, &buffer)
            while let line = iterator.next() {
                append(line, &buffer)
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    /// A line's key in `order_line`.
    struct StoredKey: Hashable {
        let customer: String
        let line: Int64
    }

    /// The keys of `lines` that `order_line` holds already: one join of the batch's keys with the key index.
    static func storedKeys(of lines: [OrderLine], on connection: PostgresConnection, logger: Logger) async throws -> Set<StoredKey> {
        guard !lines.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT o.customer_id, o.line_key FROM unnest(\(lines.map { $0.customer?.rawValue ?? PostgresSchema.guestCustomer })::text[],
                \(lines.map(\.key))::bigint[]) AS b(customer_id, line_key)
            JOIN order_line o ON o.customer_id = b.customer_id AND o.line_key = b.line_key
            """, logger: logger)
        var stored = Set<StoredKey>()
        for try await (customer, key) in rows.decode((String, Int64).self) { stored.insert(StoredKey(customer: customer, line: key)) }
        return stored
    }

    /// Adds a batch's new lines to the customer-day aggregates and the customers (first day, country), in key
    /// order, so that concurrent imports lock the rows they share in the same order.
    ///
    /// Most of a batch's customer-days and customers are new (a file sorted by customer or by time meets each again
    /// only across a batch boundary), so each table is first tried with a plain `COPY` under a savepoint, which
    /// costs a fraction of the per-row speculative insertion of `ON CONFLICT`; when the key refuses a row, the table
    /// is rolled back to the savepoint and upserted instead.
    static func addTotals(
        _ totals: BatchTotals, countries: [CustomerID: String], on connection: PostgresConnection, logger: Logger
    ) async throws {
        let days = totals.days.sorted { ($0.key.customer.rawValue, $0.key.day) < ($1.key.customer.rawValue, $1.key.day) }
        let copiedDays = try await copyingIfNew(on: connection, logger: logger) {
            try await copyRows(days, into: "customer_day", columns: CopyText.customerDayColumns, on: connection, logger: logger) {
                CopyText.append(day: $0.key, $0.value, to: &$1)
            }
        }
        if !days.isEmpty, !copiedDays {
            try await connection.query(
                """
                INSERT INTO customer_day (customer_id, day, purchase_amount, purchase_lines, return_amount, return_lines)
                SELECT * FROM unnest(\(days.map(\.key.customer.rawValue))::text[], \(days.map(\.key.day.daysSinceEpoch))::integer[],
                    \(days.map(\.value.purchaseAmount))::float8[], \(days.map(\.value.purchaseLines))::integer[],
                    \(days.map(\.value.returnAmount))::float8[], \(days.map(\.value.returnLines))::integer[])
                ON CONFLICT (customer_id, day) DO UPDATE SET
                    purchase_amount = customer_day.purchase_amount + excluded.purchase_amount,
                    purchase_lines = customer_day.purchase_lines + excluded.purchase_lines,
                    return_amount = customer_day.return_amount + excluded.return_amount,
                    return_lines = customer_day.return_lines + excluded.return_lines
                """, logger: logger)
        }
        let customers = totals.firstDays.sorted { $0.key.rawValue < $1.key.rawValue }
        let copiedCustomers = try await copyingIfNew(on: connection, logger: logger) {
            try await copyRows(customers, into: "customer", columns: CopyText.customerColumns, on: connection, logger: logger) {
                CopyText.append(customer: $0.key, country: countries[$0.key], firstDay: $0.value, to: &$1)
            }
        }
        guard !customers.isEmpty, !copiedCustomers else { return }
        // Arrays cannot hold NULL through PostgresNIO's encoders: a flag says which countries are known.
        try await connection.query(
            """
            INSERT INTO customer (customer_id, country, first_seen_day)
            SELECT c, CASE WHEN known THEN country END, day
            FROM unnest(\(customers.map(\.key.rawValue))::text[], \(customers.map { countries[$0.key] != nil })::bool[],
                \(customers.map { countries[$0.key] ?? "" })::text[], \(customers.map(\.value.daysSinceEpoch))::integer[]) AS t(c, known, country, day)
            ON CONFLICT (customer_id) DO UPDATE SET
                country = coalesce(excluded.country, customer.country),
                first_seen_day = least(customer.first_seen_day, excluded.first_seen_day)
            """, logger: logger)
    }

    /// Runs `copy` under a savepoint: true when it stored every row, false (and nothing stored) when a key
    /// refused one.
    static func copyingIfNew(on connection: PostgresConnection, logger: Logger, _ copy: () async throws -> Void) async throws -> Bool {
        try await connection.query("SAVEPOINT new_rows", logger: logger)
        do {
            try await copy()
            try await connection.query("RELEASE SAVEPOINT new_rows", logger: logger)
            return true
        } catch let error as PSQLError where PostgresFailure.isUniqueViolation(error) {
            try await connection.query("ROLLBACK TO SAVEPOINT new_rows", logger: logger)
            return false
        }
    }

    public func finishImport(_ importID: Int64, counts: IngestCounts) async throws {
        try await transaction { connection in
            try await Self.updateCounts(counts, importID: importID, on: connection, logger: logger)
            try await connection.query("UPDATE ingest_run SET status = 'finished', finished_at = \(Date()) WHERE id = \(importID)", logger: logger)
        }
    }

    public func importWarning() async throws -> String? { nil }

    static func updateCounts(_ counts: IngestCounts, importID: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            UPDATE ingest_run SET lines_read = \(counts.read), imported = \(counts.imported), duplicates = \(counts.duplicates),
                quarantined = \(counts.quarantined), returns = \(counts.returns), guest_lines = \(counts.guestLines)
            WHERE id = \(importID)
            """, logger: logger)
    }

    // MARK: - Aggregates

    /// The server groups the daily aggregates per customer (a window gives each row its customer's first day) and
    /// returns one compressed row per customer; the sums run in day order, as ``CustomerSummarizer``'s do, so the
    /// rows equal the SQLite store's to the last bit.
    public func summaries(for window: SummaryWindow) async throws -> [CustomerSummaryRow] {
        let calibrationEnd = window.calibrationEnd.daysSinceEpoch
        let holdoutEnd = window.holdoutEnd?.daysSinceEpoch ?? calibrationEnd
        let rows = try await query(
            """
            WITH d AS (
                SELECT customer_id, day, purchase_amount, min(day) OVER (PARTITION BY customer_id) AS first_day
                FROM customer_day WHERE purchase_lines > 0 AND day <= \(window.lastDay.daysSinceEpoch)
            )
            SELECT customer_id, first_day,
                max(day) FILTER (WHERE day <= \(calibrationEnd)),
                count(*) FILTER (WHERE day > first_day AND day <= \(calibrationEnd)),
                coalesce(sum(purchase_amount ORDER BY day) FILTER (WHERE day > first_day AND day <= \(calibrationEnd)), 0),
                count(*) FILTER (WHERE day > \(calibrationEnd) AND day <= \(holdoutEnd)),
                coalesce(sum(purchase_amount ORDER BY day) FILTER (WHERE day > \(calibrationEnd) AND day <= \(holdoutEnd)), 0)
            FROM d WHERE first_day <= \(calibrationEnd)
            GROUP BY customer_id, first_day
            """)
        let unitDays = window.unit.days
        let cal = window.calibrationEnd
        var result: [CustomerSummaryRow] = []
        for try await (id, firstDay, lastDay, repeatDays, repeatValue, holdoutDays, holdoutValue) in rows.decode(
            (String, Int, Int, Int, Double, Int, Double).self)
        {
            let first = CalendarDay(daysSinceEpoch: firstDay)
            var row = CustomerSummaryRow(
                customer: CustomerID(id), frequency: repeatDays,
                recency: Double(first.days(to: CalendarDay(daysSinceEpoch: lastDay))) / unitDays,
                age: Double(first.days(to: cal)) / unitDays,
                monetaryValue: repeatDays > 0 ? repeatValue / Double(repeatDays) : 0)
            if let end = window.holdoutEnd {
                row.holdout = .init(
                    frequency: holdoutDays, monetaryValue: holdoutDays > 0 ? holdoutValue / Double(holdoutDays) : 0,
                    duration: Double(cal.days(to: end)) / unitDays)
            }
            result.append(row)
        }
        return CustomerID.sorted(result, by: \.customer)
    }

    public func purchaseTimeline(through end: CalendarDay, cohortEnd: CalendarDay) async throws -> [PurchaseTimelineDay] {
        let rows = try await query(
            """
            WITH first AS (
                SELECT customer_id, min(day) AS day FROM customer_day WHERE purchase_lines > 0 GROUP BY customer_id
            )
            SELECT d.day, count(*) FILTER (WHERE d.day = f.day), count(*) FILTER (WHERE d.day > f.day)
            FROM customer_day d JOIN first f ON f.customer_id = d.customer_id
            WHERE d.purchase_lines > 0 AND d.day <= \(end.daysSinceEpoch) AND f.day <= \(cohortEnd.daysSinceEpoch)
            GROUP BY d.day ORDER BY d.day
            """)
        var timeline: [PurchaseTimelineDay] = []
        for try await (day, first, repeats) in rows.decode((Int, Int, Int).self) {
            timeline.append(PurchaseTimelineDay(day: CalendarDay(daysSinceEpoch: day), firstPurchases: first, repeatPurchases: repeats))
        }
        return timeline
    }

    public func allCustomerDays() async throws -> [CustomerDay] {
        let rows = try await query(
            "SELECT customer_id, day, purchase_amount, return_amount, purchase_lines FROM customer_day ORDER BY customer_id, day")
        var days: [CustomerDay] = []
        for try await (id, day, purchase, returned, lines) in rows.decode((String, Int, Double, Double, Int).self) {
            days.append(
                CustomerDay(
                    customer: CustomerID(id), day: CalendarDay(daysSinceEpoch: day), purchaseAmount: purchase, returnAmount: returned, purchaseLines: lines))
        }
        return days
    }

    /// From the index on `order_line (day)`.
    public func lastOrderDay() async throws -> CalendarDay? {
        for try await last in try await query("SELECT max(day) FROM order_line").decode(Int?.self) {
            return last.map(CalendarDay.init(daysSinceEpoch:))
        }
        return nil
    }

    public func statistics() async throws -> StoreStatistics {
        let rows = try await query(
            """
            SELECT (SELECT count(*) FROM order_line), (SELECT count(*) FROM customer), (SELECT count(*) FROM product),
                min(day), max(day), coalesce(sum(amount), 0)
            FROM order_line
            """)
        for try await (lines, customers, products, first, last, revenue) in rows.decode((Int, Int, Int, Int?, Int?, Double).self) {
            return StoreStatistics(
                orderLines: lines, customers: customers, products: products, firstDay: first.map(CalendarDay.init(daysSinceEpoch:)),
                lastDay: last.map(CalendarDay.init(daysSinceEpoch:)), netRevenue: revenue)
        }
        return StoreStatistics(orderLines: 0, customers: 0, products: 0, firstDay: nil, lastDay: nil, netRevenue: 0)
    }
}

/// Rows in the text format of `COPY … FROM STDIN`: tab-separated, `\N` for NULL, backslash escapes.
enum CopyText {
    /// The columns of ``append(_:importID:to:)``'s rows, in order.
    static let orderLineColumns = [
        "customer_id", "line_key", "order_id", "product_id", "day", "second_of_day", "quantity", "unit_price", "amount", "is_return", "ingest_run_id",
    ]

    /// One `order_line` row: customer (empty for a guest), key, order, product, day, second, quantity, unit
    /// price, amount, return, import.
    static func append(_ line: OrderLine, importID: Int64, to buffer: inout ByteBuffer) {
        text(line.customer?.rawValue ?? PostgresSchema.guestCustomer, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        buffer.writeString(String(line.key))
        field(line.order, to: &buffer)
        field(line.product, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        buffer.writeString(String(line.day.daysSinceEpoch))
        field(line.secondOfDay.map(String.init), to: &buffer)
        field(line.quantity.map(number), to: &buffer)
        field(line.unitPrice.map(number), to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        buffer.writeString(number(line.amount))
        buffer.writeString(line.isReturn ? "\tt\t" : "\tf\t")
        buffer.writeString(String(importID))
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// The columns of ``append(day:_:to:)``'s rows, in order.
    static let customerDayColumns = ["customer_id", "day", "purchase_amount", "purchase_lines", "return_amount", "return_lines"]

    /// One `customer_day` row.
    static func append(day key: BatchTotals.Key, _ total: BatchTotals.Day, to buffer: inout ByteBuffer) {
        text(key.customer.rawValue, to: &buffer)
        buffer.writeString("\t\(key.day.daysSinceEpoch)\t\(number(total.purchaseAmount))\t\(total.purchaseLines)")
        buffer.writeString("\t\(number(total.returnAmount))\t\(total.returnLines)\n")
    }

    /// The columns of ``append(customer:country:firstDay:to:)``'s rows, in order.
    static let customerColumns = ["customer_id", "country", "first_seen_day"]

    /// One `customer` row; an unknown country is NULL.
    static func append(customer: CustomerID, country: String?, firstDay: CalendarDay, to buffer: inout ByteBuffer) {
        text(customer.rawValue, to: &buffer)
        field(country, to: &buffer)
        buffer.writeString("\t\(firstDay.daysSinceEpoch)\n")
    }

    /// A tab, then the value or `\N`.
    private static func field(_ value: String?, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let value { text(value, to: &buffer) } else { buffer.writeString("\\N") }
    }

    /// Shortest round-trip decimal: the server's parser reads it back to the same bits.
    private static func number(_ value: Double) -> String { value.description }

    static func text(_ value: String, to buffer: inout ByteBuffer) {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeString(value)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x5C: buffer.writeString("\\\\")
            case 0x09: buffer.writeString("\\t")
            case 0x0A: buffer.writeString("\\n")
            case 0x0D: buffer.writeString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}

extension PostgresRowSequence {
    /// The one value of a one-row, one-column result.
    func single<T: PostgresDecodable & Sendable>(_ type: T.Type) async throws -> T {
        for try await value in decode(T.self) { return value }
        throw StoreError.unreadableRow(table: "result", reason: "the statement returned no row")
    }
}
