import CLVCore

/// One customer's calibration summary and, when asked for, their holdout.
public struct CustomerSummaryRow: Sendable, Equatable, Codable {
    public var customer: CustomerID
    /// x: repeat purchase days in the calibration window.
    public var frequency: Int
    /// tₓ: time from the first to the last purchase day, in the unit.
    public var recency: Double
    /// T: time from the first purchase day to the end of the calibration window, in the unit.
    public var age: Double
    /// Mean value of the repeat purchase days (the first purchase excluded); 0 without repeats.
    public var monetaryValue: Double
    public var holdout: Holdout?

    public init(customer: CustomerID, frequency: Int, recency: Double, age: Double, monetaryValue: Double, holdout: Holdout? = nil) {
        self.customer = customer
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
        self.holdout = holdout
    }

    /// Purchases after the calibration window.
    public struct Holdout: Sendable, Equatable, Codable {
        /// Purchase days in the holdout window.
        public var frequency: Int
        /// Mean value of those days; 0 without any.
        public var monetaryValue: Double
        /// Length of the holdout window, in the unit.
        public var duration: Double

        public init(frequency: Int, monetaryValue: Double, duration: Double) {
            self.frequency = frequency
            self.monetaryValue = monetaryValue
            self.duration = duration
        }
    }

    /// The validated (x, tₓ, T) the models take.
    public func summary() throws(SummaryError) -> CustomerSummary {
        try CustomerSummary(frequency: frequency, recency: recency, age: age)
    }
}

/// The window and unit of a summary: a calibration period and, optionally, a holdout after it.
public struct SummaryWindow: Sendable, Equatable {
    /// Last day of the calibration period (inclusive).
    public var calibrationEnd: CalendarDay
    /// Last day of the holdout period (inclusive), if any.
    public var holdoutEnd: CalendarDay?
    public var unit: TimeUnit

    public init(calibrationEnd: CalendarDay, holdoutEnd: CalendarDay? = nil, unit: TimeUnit = .day) {
        self.calibrationEnd = calibrationEnd
        self.holdoutEnd = holdoutEnd
        self.unit = unit
    }

    /// The last day any purchase is read for.
    public var lastDay: CalendarDay { holdoutEnd ?? calibrationEnd }
}

/// Turns customer-days into per-customer summaries with the semantics of lifetimes'
/// `summary_data_from_transaction_data` and `calibration_and_holdout_data` (lifetimes 0.11, `freq='D'` with a
/// day multiplier): purchases on one day count once, frequency counts repeat purchase days, recency and T run from
/// the first purchase day, and a customer whose first purchase falls after the calibration end is left out.
public enum CustomerSummarizer {
    /// Summarises `days`, which must be ordered by customer and then by day (a store's daily aggregates in key
    /// order). Rows come back ordered by customer id (numerically when ids are integers).
    /// - Complexity: O(n) in the number of customer-days, plus sorting the customers.
    public static func summarise(_ days: [CustomerDay], window: SummaryWindow) -> [CustomerSummaryRow] {
        var stream = Stream(window: window)
        for day in days { stream.add(day) }
        return stream.finish()
    }

    /// The same summaries from customer-days fed one at a time (ordered by customer, then day), so that a store can
    /// summarise while it reads: only one customer's days are held, never every day of every customer.
    public struct Stream: Sendable {
        public let window: SummaryWindow
        private var rows: [CustomerSummaryRow] = []
        private var pending: [CustomerDay] = []

        public init(window: SummaryWindow) { self.window = window }

        public mutating func add(_ day: CustomerDay) {
            if let last = pending.last, last.customer != day.customer { flush() }
            pending.append(day)
        }

        /// Every customer's row, ordered by customer id.
        public mutating func finish() -> [CustomerSummaryRow] {
            flush()
            return CustomerID.sorted(rows, by: \.customer)
        }

        private mutating func flush() {
            guard let first = pending.first else { return }
            if let row = CustomerSummarizer.summarise(customer: first.customer, days: pending[...], window: window) { rows.append(row) }
            pending.removeAll(keepingCapacity: true)
        }
    }

    fileprivate static func summarise(customer: CustomerID, days: ArraySlice<CustomerDay>, window: SummaryWindow) -> CustomerSummaryRow? {
        let cal = window.calibrationEnd
        guard let first = days.first, first.day <= cal else { return nil }
        var lastInCalibration = first.day
        var repeatDays = 0, repeatValue = 0.0
        var holdoutDays = 0, holdoutValue = 0.0
        for d in days.dropFirst() {
            if d.day <= cal {
                repeatDays += 1
                repeatValue += d.purchaseAmount
                lastInCalibration = d.day
            } else if let end = window.holdoutEnd, d.day <= end {
                holdoutDays += 1
                holdoutValue += d.purchaseAmount
            }
        }
        let unitDays = window.unit.days
        var row = CustomerSummaryRow(
            customer: customer,
            frequency: repeatDays,
            recency: Double(first.day.days(to: lastInCalibration)) / unitDays,
            age: Double(first.day.days(to: cal)) / unitDays,
            monetaryValue: repeatDays > 0 ? repeatValue / Double(repeatDays) : 0
        )
        if let end = window.holdoutEnd {
            row.holdout = .init(
                frequency: holdoutDays,
                monetaryValue: holdoutDays > 0 ? holdoutValue / Double(holdoutDays) : 0,
                duration: Double(cal.days(to: end)) / unitDays
            )
        }
        return row
    }
}
