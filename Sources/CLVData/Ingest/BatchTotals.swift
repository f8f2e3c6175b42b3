import CLVCore

/// What one batch adds to the per-customer daily aggregates and to the customers' first purchase days.
///
/// Worked out by the ingester while the store writes the previous batch, so the writer (the import's bottleneck)
/// only applies it; a store recomputes it over the lines it actually inserted when some were already stored.
public struct BatchTotals: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public var customer: CustomerID
        public var day: CalendarDay
    }

    public struct Day: Sendable, Equatable {
        public var purchaseAmount = 0.0
        public var purchaseLines = 0
        public var returnAmount = 0.0
        public var returnLines = 0
    }

    public private(set) var days: [Key: Day] = [:]
    /// The earliest day of each customer's lines in the batch.
    public private(set) var firstDays: [CustomerID: CalendarDay] = [:]

    /// Totals the lines that have a customer (guest lines are kept out of customer aggregates).
    public init(_ lines: some Sequence<OrderLine>) {
        for line in lines {
            guard let customer = line.customer else { continue }
            let key = Key(customer: customer, day: line.day)
            if line.isReturn {
                days[key, default: Day()].returnAmount += line.amount
                days[key, default: Day()].returnLines += 1
            } else {
                days[key, default: Day()].purchaseAmount += line.amount
                days[key, default: Day()].purchaseLines += 1
            }
            if let first = firstDays[customer], first <= line.day { continue }
            firstDays[customer] = line.day
        }
    }
}
