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
    /// - Complexity: ``months`` + 1 conditional expectations, sixteen months at a time.
    public func value(of model: some PurchaseModel, history: CustomerSummary, spendPerTransaction m: Double) -> Double {
        value(of: model, history: history, spendPerTransaction: m, discounts: discountFactors)
    }

    /// (1 + d)ᵏ for k = 1…``months`` (at least one), the divisors of each month's purchases.
    var discountFactors: [Double] { (1...max(1, months)).map { Double.pow(1 + monthlyDiscountRate, Double($0)) } }

    /// ``value(of:history:spendPerTransaction:)`` with ``discountFactors`` computed once for many customers.
    func value(of model: some PurchaseModel, history: CustomerSummary, spendPerTransaction m: Double, discounts: [Double]) -> Double {
        var total = 0.0
        var previous = 0.0
        var k = 1
        while k <= discounts.count {
            let lanes = Swift.min(16, discounts.count - k + 1)
            var horizons = SIMD16<Double>.zero
            for lane in 0..<lanes { horizons[lane] = Double(k + lane) * unitsPerMonth }
            accumulate(model.expectedPurchases(within: horizons, given: history), lanes: lanes, fromMonth: k, m, discounts, &total, &previous)
            k += lanes
        }
        return months >= 1 ? total : 0
    }

    /// The value from cumulative expected purchases at the ends of months 1…``months`` in lanes 0…months−1 (at
    /// most 16 months; the other lanes are not read).
    func value(cumulative: SIMD16<Double>, spendPerTransaction m: Double, discounts: [Double]) -> Double {
        precondition(discounts.count <= 16, "at most 16 months in one vector")
        var total = 0.0
        var previous = 0.0
        accumulate(cumulative, lanes: discounts.count, fromMonth: 1, m, discounts, &total, &previous)
        return months >= 1 ? total : 0
    }

    /// Adds the discounted purchases of `lanes` months from `fromMonth` on (`previous`: the cumulative before).
    @inline(__always)
    private func accumulate(
        _ cumulative: SIMD16<Double>, lanes: Int, fromMonth k: Int, _ m: Double, _ discounts: [Double], _ total: inout Double, _ previous: inout Double
    ) {
        for lane in 0..<lanes {
            total += m * (cumulative[lane] - previous) / discounts[k + lane - 1]
            previous = cumulative[lane]
        }
    }
}
