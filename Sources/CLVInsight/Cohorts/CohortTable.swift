import CLVCore
import CLVModels

/// Retention and revenue by acquisition cohort, as product-analytics tools show them: customers grouped by the
/// period of their first purchase, and for each later period the share of them who bought and what they spent.
public struct CohortTable: Sendable, Equatable, Codable {
    /// Calendar months, or weeks starting on Monday.
    public enum Period: String, Sendable, Codable, CaseIterable {
        case month, week

        /// The period's index: months since 1970-01, or Monday-weeks since the week of 1970-01-01.
        func index(of day: CalendarDay) -> Int {
            switch self {
            case .month:
                let c = day.components
                return (c.year - 1970) * 12 + c.month - 1
            case .week:
                // 1970-01-01 was a Thursday: shifting by three days puts Mondays on multiples of seven.
                return Int((Double(day.daysSinceEpoch + 3) / 7).rounded(.down))
            }
        }

        /// The first day of period `index`.
        func start(of index: Int) -> CalendarDay {
            switch self {
            case .month:
                let year = 1970 + Int((Double(index) / 12).rounded(.down))
                return CalendarDay(year: year, month: index - (year - 1970) * 12 + 1, day: 1)!
            case .week: return CalendarDay(daysSinceEpoch: index * 7 - 3)
            }
        }

        /// The mean length of a period in days.
        public var days: Double { self == .month ? 365.25 / 12 : 7 }
    }

    /// One acquisition cohort.
    public struct Cohort: Sendable, Equatable, Codable {
        /// First day of the cohort's period.
        public var start: CalendarDay
        /// Customers whose first purchase fell in the period.
        public var size: Int
        /// Customers of the cohort who bought in period k after it (k = 0 is the cohort's own period: all of them).
        public var active: [Int]
        /// Net revenue of the cohort in period k (returns subtracted).
        public var revenue: [Double]

        /// Share of the cohort who bought in period k.
        public var retention: [Double] { active.map { size > 0 ? Double($0) / Double(size) : 0 } }
    }

    public var period: Period
    public var cohorts: [Cohort]
    /// The last day with data: the last period of every cohort is partial when it ends after this day.
    public var dataEnd: CalendarDay
    /// The model's expected share of a new customer's cohort buying in period k (k ≥ 1), when a model was given.
    public var expectedRetention: [Double]?
    /// The customer-weighted mean of the actual retention in period k, over the cohorts old enough to have one.
    public var meanRetention: [Double] {
        let longest = cohorts.map(\.active.count).max() ?? 0
        return (0..<longest).map { k in
            let old = cohorts.filter { $0.active.count > k }
            let size = old.reduce(0) { $0 + $1.size }
            return size > 0 ? Double(old.reduce(0) { $0 + $1.active[k] }) / Double(size) : 0
        }
    }

    /// One day of one customer's orders.
    public struct Day: Sendable, Equatable {
        public var customer: CustomerID
        public var day: CalendarDay
        /// Net revenue that day (purchases less returns).
        public var revenue: Double
        /// Whether the customer bought anything that day (not only returned).
        public var purchased: Bool

        public init(customer: CustomerID, day: CalendarDay, revenue: Double, purchased: Bool) {
            self.customer = customer
            self.day = day
            self.revenue = revenue
            self.purchased = purchased
        }
    }

    /// Builds the table from every customer's order days. A day whose purchases were all returned still counts as a
    /// day the customer bought (as summaries count it); return-only days count only in revenue.
    /// - Parameter days: each customer's days, in any order.
    public init(days: [Day], period: Period) {
        self.period = period
        var byCustomer: [CustomerID: [Day]] = [:]
        for day in days { byCustomer[day.customer, default: []].append(day) }
        let dataEnd = days.map(\.day).max() ?? CalendarDay(daysSinceEpoch: 0)
        self.dataEnd = dataEnd
        let lastPeriod = period.index(of: dataEnd)
        struct Accumulator {
            var size = 0
            var active: [Int]
            var revenue: [Double]
        }
        var cohorts: [Int: Accumulator] = [:]
        for (_, customerDays) in byCustomer {
            guard let first = customerDays.filter(\.purchased).map(\.day).min() else { continue }
            let cohort = period.index(of: first)
            let length = lastPeriod - cohort + 1
            var accumulator = cohorts[cohort] ?? Accumulator(active: Array(repeating: 0, count: length), revenue: Array(repeating: 0, count: length))
            accumulator.size += 1
            var boughtIn = Set<Int>()
            for day in customerDays {
                let k = period.index(of: day.day) - cohort
                guard k >= 0 else { continue }
                accumulator.revenue[k] += day.revenue
                if day.purchased { boughtIn.insert(k) }
            }
            for k in boughtIn { accumulator.active[k] += 1 }
            cohorts[cohort] = accumulator
        }
        self.cohorts = cohorts.keys.sorted().map { index in
            let a = cohorts[index]!
            return Cohort(start: period.start(of: index), size: a.size, active: a.active, revenue: a.revenue)
        }
    }

    /// The model's expected retention: the share of simulated new customers (each making their first purchase at
    /// time 0) with a repeat purchase in period k, for k = 1 ..< `periods`.
    /// - Parameters:
    ///   - simulated: customers drawn from the fitted model with their first purchase at 0.
    ///   - periodLength: one period in the model's time unit.
    public static func expectedRetention(simulated: [SimulatedCustomer], periodLength: Double, periods: Int) -> [Double] {
        guard periods > 1, !simulated.isEmpty else { return [] }
        var counts = Array(repeating: 0, count: periods)
        for customer in simulated {
            var seen = Set<Int>()
            for time in customer.repeatPurchases {
                let k = Int((time / periodLength).rounded(.down))
                if k >= 1, k < periods { seen.insert(k) }
            }
            for k in seen { counts[k] += 1 }
        }
        return [1] + counts.dropFirst().map { Double($0) / Double(simulated.count) }
    }
}
