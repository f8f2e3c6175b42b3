import CLVCore

/// One validated order line, ready to store.
public struct OrderLine: Sendable, Equatable {
    /// Stable key of the source line (see `RowKey`): storing the same line twice is a no-op.
    public var key: Int64
    /// Nil for a guest order (no customer id in the source).
    public var customer: CustomerID?
    public var order: String?
    public var product: String?
    public var day: CalendarDay
    /// Seconds after midnight when the source had a time.
    public var secondOfDay: Int?
    public var quantity: Double?
    public var unitPrice: Double?
    /// Net amount: negative for a cancellation or return.
    public var amount: Double
    /// A cancellation or return: netted against revenue, never counted as a purchase.
    public var isReturn: Bool

    public init(
        key: Int64, customer: CustomerID?, order: String?, product: String?, day: CalendarDay, secondOfDay: Int?,
        quantity: Double?, unitPrice: Double?, amount: Double, isReturn: Bool
    ) {
        self.key = key
        self.customer = customer
        self.order = order
        self.product = product
        self.day = day
        self.secondOfDay = secondOfDay
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.isReturn = isReturn
    }

    /// A line from a source (a file or an API event), with the one rule for returns: a negative amount or quantity,
    /// or an order the source marks as cancelled, is a return, stored with a negative amount and never counted as a
    /// purchase.
    public init(
        key: Int64, customer: CustomerID?, order: String?, product: String?, day: CalendarDay, secondOfDay: Int?,
        quantity: Double?, unitPrice: Double?, sourceAmount: Double, cancelled: Bool = false
    ) {
        let isReturn = cancelled || sourceAmount < 0 || (quantity ?? 0) < 0
        self.init(
            key: key, customer: customer, order: order, product: product, day: day, secondOfDay: secondOfDay, quantity: quantity,
            unitPrice: unitPrice, amount: isReturn ? -abs(sourceAmount) : sourceAmount, isReturn: isReturn
        )
    }

    /// Every key a line dated `day` can have: keys start with the day (see `RowKey`), so a store can find one day's
    /// lines as one range of keys.
    public static func keyRange(day: CalendarDay) -> ClosedRange<Int64> { RowKey.range(day: day) }
}

/// The lines of one batch plus the side facts they carry (product titles, customers' countries).
public struct OrderBatch: Sendable {
    public var lines: [OrderLine] = [] {
        didSet { totals = nil }
    }
    public var productTitles: [String: String] = [:]
    public var customerCountries: [CustomerID: String] = [:]
    /// The lines' per-customer-day totals, set by ``prepareForWriting()`` (any change to the lines clears them), so
    /// that a store applies them instead of totalling while it holds its write lock.
    public private(set) var totals: BatchTotals?

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }

    /// Sorts the lines by key (so a store walks its key index in order) and totals them, off the writer's thread.
    public mutating func prepareForWriting() {
        lines.sort { $0.key < $1.key }
        totals = BatchTotals(lines)
    }

    /// Empties the batch, keeping its storage for the next one.
    mutating func removeAll() {
        lines.removeAll(keepingCapacity: true)
        productTitles.removeAll(keepingCapacity: true)
        customerCountries.removeAll(keepingCapacity: true)
    }
}

/// The purchases and returns of one customer on one calendar day: what summaries are computed from.
public struct CustomerDay: Sendable, Equatable {
    public var customer: CustomerID
    public var day: CalendarDay
    /// Sum of the day's purchase lines (returns excluded).
    public var purchaseAmount: Double
    /// Sum of the day's cancellation and return lines (zero or negative).
    public var returnAmount: Double
    /// Purchase lines that day; 0 on a day with returns only.
    public var purchaseLines: Int

    public init(customer: CustomerID, day: CalendarDay, purchaseAmount: Double, returnAmount: Double = 0, purchaseLines: Int = 1) {
        self.customer = customer
        self.day = day
        self.purchaseAmount = purchaseAmount
        self.returnAmount = returnAmount
        self.purchaseLines = purchaseLines
    }
}

extension OrderLine {
    /// The stable key of line `index` of an order dated `day` posted through the API: posting the same order again
    /// is a no-op. Like imported lines, the key starts with the day (see `RowKey`).
    public static func eventKey(orderID: String, lineIndex: Int, day: CalendarDay) -> Int64 {
        var key = RowKey(seed: RowKey.of("api-order-event"))
        var text = orderID
        text.withUTF8 { key.combine($0) }
        key.combine(UInt64(lineIndex))
        return key.value(day: day)
    }
}
