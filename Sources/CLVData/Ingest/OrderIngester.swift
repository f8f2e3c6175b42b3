import CLVCore
import Foundation

/// Streams an order file into a store: parse and validate each line, quarantine the bad ones, write whole batches.
///
/// Memory stays constant whatever the file size: one read buffer, one batch, and the occurrence counts of the
/// current order only. Each batch is one transaction, so killing the process leaves only whole batches behind, and
/// a second import of the same file finds every line already stored.
public struct OrderIngester: Sendable {
    public var format: OrderFileFormat
    /// Lines per transaction.
    public var batchSize: Int

    public init(format: OrderFileFormat, batchSize: Int = 50_000) {
        self.format = format
        self.batchSize = max(1, batchSize)
    }

    /// Progress after each batch.
    public struct Progress: Sendable {
        public var bytesRead: Int
        public var totalBytes: Int
        public var counts: IngestCounts
    }

    /// The outcome of an import.
    public struct Report: Sendable, Codable, Equatable {
        public var source: String
        public var format: String
        public var counts: IngestCounts
        /// The quarantine CSV, when any line was rejected.
        public var quarantineFile: String?
        /// How many rejected lines each reason accounts for.
        public var quarantineReasons: [String: Int]
    }

    /// Imports `file` into `store`, writing rejected lines to `quarantineFile` (replaced on every import of a file).
    /// - Throws: ``IngestError`` when the file cannot be used at all (unreadable, missing columns, nothing valid).
    public func ingest(
        file: URL, into store: some OrderStore, quarantineFile: URL,
        progress: (Progress) -> Void = { _ in }
    ) async throws -> Report {
        let totalBytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        var reader: DelimitedReader
        do {
            reader = try DelimitedReader(url: file, separator: format.separator.reader)
        } catch {
            throw IngestError.unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
        let layout = try resolveLayout(&reader, path: file.path)
        var quarantine = QuarantineWriter(url: quarantineFile, source: file.lastPathComponent)
        let importID = try await store.beginImport(source: file.path, format: format.name)
        var counts = IngestCounts()
        var batch = OrderBatch()
        batch.lines.reserveCapacity(batchSize)
        var occurrences = OccurrenceCounter()
        var pending: Task<(inserted: Int, duplicates: Int), any Error>?
        let signature = RowKey.of(format.signature)

        while try reader.next() {
            if reader.fields.isEmpty || (reader.fields.count == 1 && reader.record.allSatisfy({ $0 == 32 || $0 == 9 })) { continue }
            counts.read += 1
            switch parse(reader, layout: layout, signature: signature, occurrences: &occurrences, batch: &batch) {
            case let .success(line):
                if line.isReturn { counts.returns += 1 }
                if line.customer == nil { counts.guestLines += 1 }
                batch.lines.append(line)
            case let .failure(reason):
                counts.quarantined += 1
                try quarantine.append(line: reader.lineNumber, reason: reason, raw: reader.record)
            }
            if batch.lines.count >= batchSize {
                // Parse the next batch while the database writes this one: two cores, two stages.
                batch.prepareForWriting()
                try await collect(&pending, counts: &counts)
                pending = startWrite(batch, store: store, importID: importID, counts: counts)
                batch.removeAll()
                try quarantine.flush()
                progress(Progress(bytesRead: reader.bytesConsumed, totalBytes: totalBytes, counts: counts))
            }
        }
        try await collect(&pending, counts: &counts)
        if !batch.isEmpty {
            batch.prepareForWriting()
            pending = startWrite(batch, store: store, importID: importID, counts: counts)
            try await collect(&pending, counts: &counts)
        }
        try quarantine.close()
        try await store.finishImport(importID, counts: counts)
        progress(Progress(bytesRead: reader.bytesConsumed, totalBytes: totalBytes, counts: counts))
        let report = Report(
            source: file.path, format: format.name, counts: counts,
            quarantineFile: counts.quarantined > 0 ? quarantineFile.path : nil,
            quarantineReasons: quarantine.reasonCounts
        )
        guard counts.imported + counts.duplicates > 0 else { throw IngestError.nothingValid(report: report) }
        return report
    }

    private func startWrite(
        _ batch: OrderBatch, store: some OrderStore, importID: Int64, counts: IngestCounts
    ) -> Task<(inserted: Int, duplicates: Int), any Error> {
        Task { try await store.write(batch, importID: importID, counts: counts) }
    }

    /// Waits for the batch in flight, if any, and adds its outcome to the counts.
    private func collect(_ pending: inout Task<(inserted: Int, duplicates: Int), any Error>?, counts: inout IngestCounts) async throws {
        guard let task = pending else { return }
        pending = nil
        let outcome = try await task.value
        counts.imported += outcome.inserted
        counts.duplicates += outcome.duplicates
    }

    // MARK: - Layout

    /// Field positions (0-based) of each role.
    struct Layout {
        var columnCount: Int?
        var customer: Int
        var date: Int
        var amount: Int?
        var quantity: Int?
        var price: Int?
        var order: Int?
        var product: Int?
        var productTitle: Int?
        var country: Int?
        var minimumColumns: Int
    }

    private func resolveLayout(_ reader: inout DelimitedReader, path: String) throws -> Layout {
        var header: [String] = []
        if format.hasHeader {
            guard try reader.next() else { throw IngestError.empty(path: path) }
            for i in reader.fields.indices {
                header.append(reader.withField(i) { String(decoding: FieldParsing.trimmed($0), as: UTF8.self) })
            }
        }
        func index(_ column: OrderFileFormat.Column) throws -> Int {
            switch column {
            case let .position(n):
                if format.hasHeader, n > header.count { throw IngestError.missingColumn(column.description, available: header, path: path) }
                return n - 1
            case let .named(name):
                if let i = header.firstIndex(of: name) ?? header.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) { return i }
                throw IngestError.missingColumn(column.description, available: header, path: path)
            }
        }
        let c = format.columns
        var layout = Layout(
            columnCount: format.hasHeader ? header.count : format.expectedColumnCount,
            customer: try index(c.customer), date: try index(c.date),
            order: try c.order.map(index), product: try c.product.map(index),
            productTitle: try c.productTitle.map(index), country: try c.country.map(index), minimumColumns: 0
        )
        switch c.amount {
        case let .column(column): layout.amount = try index(column)
        case let .quantityTimesPrice(q, p):
            layout.quantity = try index(q)
            layout.price = try index(p)
        }
        if layout.quantity == nil { layout.quantity = try c.quantity.map(index) }
        layout.minimumColumns =
            1 + [
                layout.customer, layout.date, layout.amount, layout.quantity, layout.price, layout.order,
                layout.product, layout.productTitle, layout.country,
            ].compactMap { $0 }.max()!
        return layout
    }

    // MARK: - Parsing one line

    private func parse(
        _ reader: borrowing DelimitedReader, layout: Layout, signature: UInt64,
        occurrences: inout OccurrenceCounter, batch: inout OrderBatch
    ) -> Result<OrderLine, QuarantineReason> {
        let fieldCount = reader.fields.count
        if let expected = layout.columnCount, fieldCount != expected {
            return .failure(.wrongColumnCount(expected: expected, found: fieldCount))
        }
        guard fieldCount >= layout.minimumColumns else { return .failure(.wrongColumnCount(expected: layout.minimumColumns, found: fieldCount)) }
        guard FieldParsing.isValidUTF8(reader.record) else { return .failure(.invalidEncoding) }

        let customerText = reader.withField(layout.customer, FieldParsing.string)
        guard customerText != nil || format.keepsGuestOrders else { return .failure(.missingCustomer) }
        guard let date = reader.withField(layout.date, format.dateFormat.parse) else { return .failure(.badDate(format.dateFormat)) }

        var quantity: Double?
        if let q = layout.quantity {
            guard let value = reader.withField(q, FieldParsing.decimal) else { return .failure(.badNumber("quantity")) }
            quantity = value
        }
        var unitPrice: Double?
        let amount: Double
        if let p = layout.price {
            guard let price = reader.withField(p, FieldParsing.decimal) else { return .failure(.badNumber("unit price")) }
            guard price >= 0 else { return .failure(.negativePrice) }
            unitPrice = price
            amount = (quantity ?? 1) * price
        } else {
            guard let a = layout.amount, let value = reader.withField(a, FieldParsing.decimal) else { return .failure(.badNumber("amount")) }
            amount = value
        }
        let order = layout.order.flatMap { reader.withField($0, FieldParsing.string) }
        let cancelled = format.cancellationPrefix.map { prefix in order?.hasPrefix(prefix) ?? false } ?? false

        var customer: CustomerID?
        if let customerText {
            customer = CustomerID(format.canonicalisesNumericIDs ? FieldParsing.canonicalNumericID(customerText) : customerText)
        }
        let product = layout.product.flatMap { reader.withField($0, FieldParsing.string) }
        if let product, batch.productTitles[product] == nil, let t = layout.productTitle, let title = reader.withField(t, FieldParsing.string) {
            batch.productTitles[product] = title
        }
        if let customer, let c = layout.country, let country = reader.withField(c, FieldParsing.string) {
            batch.customerCountries[customer] = country
        }

        // Identical lines in one order are distinct purchases: the key counts how many came before.
        var group = RowKey(seed: signature)
        if let o = layout.order {
            reader.withField(o) { group.combine($0) }
        } else {
            reader.withField(layout.customer) { group.combine($0) }
            reader.withField(layout.date) { group.combine($0) }
        }
        var key = RowKey(seed: signature)
        key.combine(reader.record)
        let occurrence = occurrences.next(group: group.state, line: key.state)
        key.combine(UInt64(occurrence))

        return .success(
            OrderLine(
                key: key.value(day: date.day), customer: customer, order: order, product: product, day: date.day, secondOfDay: date.second,
                quantity: quantity, unitPrice: unitPrice, sourceAmount: amount, cancelled: cancelled
            ))
    }
}

/// Counts identical lines within the current order group; forgets everything when the group changes, so memory
/// does not grow with the file (exports list an order's lines together).
struct OccurrenceCounter {
    private var group: UInt64 = 0
    private var seen: [UInt64: Int] = [:]

    mutating func next(group: UInt64, line: UInt64) -> Int {
        if group != self.group {
            self.group = group
            seen.removeAll(keepingCapacity: true)
        }
        let n = seen[line, default: 0]
        seen[line] = n + 1
        return n
    }
}

extension OrderFileFormat {
    /// Columns a header-less format must have on every line.
    var expectedColumnCount: Int? { name == OrderFileFormat.cdnowSample.name ? 5 : nil }
}
