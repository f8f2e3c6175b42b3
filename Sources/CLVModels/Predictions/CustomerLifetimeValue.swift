import CLVCore
import RealModule

/// Customer lifetime value by lifetimes' monthly discounted-cash-flow method.
///
/// CLV = Σₖ₌₁ᴴ m · (E[X(T, T + k f)] − E[X(T, T + (k−1) f)]) / (1 + d)ᵏ, where f is the number of model time units
/// per month (lifetimes' factors: 4.345 weeks, 30 days, 1 month), d the monthly discount rate and m the expected
/// spend per transaction (e.g. from ``GammaGamma``). This is `lifetimes.utils._customer_lifetime_value` (0.11.3).
public struct DiscountedCashFlow: Sendable, Equatable, Codable {
    /// Horizon in months.
    public var months: Int
    /// Discount rate per month (0.01 = 1% a month).
    public var monthlyDiscountRate: Double
    /// The model's time unit.
    public var timeUnit: TimeUnit

    public init(months: Int = 12, monthlyDiscountRate: Double = 0.01, timeUnit: TimeUnit = .week) {
        self.months = months
        self.monthlyDiscountRate = monthlyDiscountRate
        self.timeUnit = timeUnit
    }

    /// The whole months nearest to `horizon` model time units (at least one).
    public init(horizon: Double, monthlyDiscountRate: Double, timeUnit: TimeUnit) {
        self.init(months: 1, monthlyDiscountRate: monthlyDiscountRate, timeUnit: timeUnit)
        months = max(1, Int((horizon / unitsPerMonth).rounded()))
    }

    /// Model time units per month, as lifetimes counts them.
    public var unitsPerMonth: Double {
        switch timeUnit {
        case .week: 4.345
        case .day: 30
        case .month: 1
        }
    }

    /// Discounted value of the customer's expected purchases over ``months``.
    /// - Complexity: ``months`` + 1 conditional expectations.
    public func value(of model: some PurchaseModel, history: CustomerSummary, spendPerTransaction m: Double) -> Double {
        var total = 0.0
        var previous = 0.0
        for k in 1...max(1, months) {
            let cumulative = model.expectedPurchases(within: Double(k) * unitsPerMonth, given: history)
            total += m * (cumulative - previous) / Double.pow(1 + monthlyDiscountRate, Double(k))
            previous = cumulative
        }
        return months >= 1 ? total : 0
    }
}
