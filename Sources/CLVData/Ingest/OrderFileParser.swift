import CLVCore
import Foundation

/// Reads an order file line by line into validated ``OrderLine``s, or the reason a line is unusable.
///
/// The one parser of order files: the ingester stores what it yields, and ``OrderFileSummary`` summarises it in
/// memory, so both see the same lines, keys, returns and rejections.
struct OrderFileParser: ~Copyable {
    let format: OrderFileFormat
    private(set) var reader: DelimitedReader
    private let layout: Layout
    private let signature: UInt64
    private let collectsSideFacts: Bool
    private var occurrences = OccurrenceCounter()
    private static let columnRemedy = "Name existing columns with --customer-col, --date-col, --amount-col"
    private var customers = CustomerCache()

    /// Opens `file` and reads its header (when the format has one) to find the columns.
    /// - Parameter collectsSideFacts: whether ``next(into:)`` records product titles and customers' countries and
    ///   lines carry their product (a store keeps them; a summary does not need them).
    /// - Throws: ``IngestError`` when the file cannot be read, is empty, or lacks a column.
    init(file: URL, format: OrderFileFormat, collectsSideFacts: Bool = true) throws(IngestError) {
        self.format = format
        self.collectsSideFacts = collectsSideFacts
        var reader: DelimitedReader
        do {
            reader = try DelimitedReader(url: file, separator: format.separator.reader)
        } catch {
            throw IngestError.unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
        do {
            layout = try Self.resolveLayout(&reader, format: format, path: file.path)
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError.unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
        self.reader = reader
        signature = RowKey.of(format.signature)
    }

    /// The next line that is not blank: the order line, or why it is rejected (its number and text are
    /// `reader.lineNumber` and `reader.record` until the next call); nil at the end of the file.
    ///
    /// Product titles and customers' countries go into `batch` when the parser collects them.
    mutating func next(into batch: inout OrderBatch) throws -> Result<OrderLine, QuarantineReason>? {
        while try reader.next() {
            if reader.fields.isEmpty || (reader.fields.count == 1 && reader.record.allSatisfy({ $0 == 32 || $0 == 9 })) { continue }
            return parse(batch: &batch)
        }
        return nil
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

    private static func resolveLayout(_ reader: inout DelimitedReader, format: OrderFileFormat, path: String) throws -> Layout {
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
                if format.hasHeader, n > header.count {
                    throw IngestError.missingColumn(column.description, available: header, path: path, remedy: Self.columnRemedy)
                }
                return n - 1
            case let .named(name):
                if let i = header.firstIndex(of: name) ?? header.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) { return i }
                throw IngestError.missingColumn(column.description, available: header, path: path, remedy: Self.columnRemedy)
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

    private mutating func parse(batch: inout OrderBatch) -> Result<OrderLine, QuarantineReason> {
        let fieldCount = reader.fields.count
        if let expected = layout.columnCount, fieldCount != expected {
            return .failure(.wrongColumnCount(expected: expected, found: fieldCount))
        }
        guard fieldCount >= layout.minimumColumns else { return .failure(.wrongColumnCount(expected: layout.minimumColumns, found: fieldCount)) }
        guard FieldParsing.isValidUTF8(reader.record) else { return .failure(.invalidEncoding) }

        // Consecutive lines mostly share a customer (an order's lines): the previous line's id is reused.
        var cache = CustomerCache()
        swap(&cache, &customers)
        let customer = reader.withField(layout.customer) { cache.customer(for: $0, canonicalisingNumbers: format.canonicalisesNumericIDs) }
        swap(&cache, &customers)
        guard customer != nil || format.keepsGuestOrders else { return .failure(.missingCustomer) }
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

        let product = collectsSideFacts ? layout.product.flatMap { reader.withField($0, FieldParsing.string) } : nil
        if collectsSideFacts {
            if let product, batch.productTitles[product] == nil, let t = layout.productTitle, let title = reader.withField(t, FieldParsing.string) {
                batch.productTitles[product] = title
            }
            if let customer, let c = layout.country, let country = reader.withField(c, FieldParsing.string) {
                batch.customerCountries[customer] = country
            }
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

/// The customer id of the last customer field read, by its raw bytes.
struct CustomerCache {
    private var bytes: [UInt8] = []
    private var id: CustomerID?
    private var isEmpty = true

    /// The id a customer field holds (nil when blank), as ``FieldParsing/string(_:)`` reads it.
    mutating func customer(for raw: UnsafeBufferPointer<UInt8>, canonicalisingNumbers: Bool) -> CustomerID? {
        if !isEmpty, raw.elementsEqual(bytes) { return id }
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: raw)
        isEmpty = false
        id = FieldParsing.string(raw).map { CustomerID(canonicalisingNumbers ? FieldParsing.canonicalNumericID($0) : $0) }
        return id
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
