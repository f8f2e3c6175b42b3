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
}

/// The lines of one batch plus the side facts they carry (product titles, customers' countries).
public struct OrderBatch: Sendable {
    public var lines: [OrderLine] = []
    public var productTitles: [String: String] = [:]
    public var customerCountries: [CustomerID: String] = [:]

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }
}

/// The purchases of one customer on one calendar day, netted per day: what summaries are computed from.
public struct CustomerDay: Sendable, Equatable {
    public var customer: CustomerID
    public var day: CalendarDay
    /// Sum of the day's purchase lines (returns excluded).
    public var purchaseAmount: Double
    /// Sum of the day's cancellation and return lines (zero or negative).
    public var returnAmount: Double

    public init(customer: CustomerID, day: CalendarDay, purchaseAmount: Double, returnAmount: Double = 0) {
        self.customer = customer
        self.day = day
        self.purchaseAmount = purchaseAmount
        self.returnAmount = returnAmount
    }
}
