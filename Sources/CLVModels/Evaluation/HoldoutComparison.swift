import CLVCore

/// Calibration/holdout validation: actual vs predicted holdout purchases grouped by calibration frequency.
///
/// This is the "conditional expectations" check of Fader, Hardie & Lee (2005), Figure 4: customers are grouped by
/// their calibration frequency x (0, 1, …, `maximumFrequency`+), and the mean actual holdout purchases of each group
/// are set against the mean of E[X(T, T + t*) | x, tₓ, T].
public struct HoldoutComparison: Sendable, Codable, Equatable {
    /// One frequency group.
    public struct Group: Sendable, Codable, Equatable {
        /// Calibration frequency; the last group holds `frequency` and above.
        public var frequency: Int
        /// Whether this is the open-ended last group ("7+").
        public var isOpenEnded: Bool
        public var customers: Int
        public var actualMean: Double
        public var predictedMean: Double
    }

    public var groups: [Group]
    /// Mean absolute error per customer, |actual − predicted|.
    public var meanAbsoluteError: Double
    /// Root mean squared error per customer.
    public var rootMeanSquaredError: Double
    /// Total actual and predicted holdout purchases.
    public var actualTotal: Double
    public var predictedTotal: Double

    /// Compares a fitted model with holdout purchases.
    /// - Parameters:
    ///   - calibration: each customer's calibration summary.
    ///   - holdoutPurchases: each customer's number of purchases in the holdout period.
    ///   - holdoutLength: length of the holdout period per customer, in the model's time unit.
    ///   - maximumFrequency: the last group collects this frequency and above (7 in the paper).
    public init(
        model: some PurchaseModel, calibration: [CustomerSummary], holdoutPurchases: [Int], holdoutLength: [Double],
        maximumFrequency: Int = 7
    ) {
        precondition(
            calibration.count == holdoutPurchases.count && calibration.count == holdoutLength.count,
            "HoldoutComparison needs one holdout count and length per customer")
        var count = [Int](repeating: 0, count: maximumFrequency + 1)
        var actual = [Double](repeating: 0, count: maximumFrequency + 1)
        var predicted = [Double](repeating: 0, count: maximumFrequency + 1)
        var absError = 0.0, squaredError = 0.0
        for i in calibration.indices {
            let e = model.expectedPurchases(within: holdoutLength[i], given: calibration[i])
            let a = Double(holdoutPurchases[i])
            let g = min(calibration[i].frequency, maximumFrequency)
            count[g] += 1
            actual[g] += a
            predicted[g] += e
            absError += abs(a - e)
            squaredError += (a - e) * (a - e)
        }
        let n = Double(max(1, calibration.count))
        groups = (0...maximumFrequency).map { g in
            Group(
                frequency: g, isOpenEnded: g == maximumFrequency, customers: count[g],
                actualMean: count[g] > 0 ? actual[g] / Double(count[g]) : 0,
                predictedMean: count[g] > 0 ? predicted[g] / Double(count[g]) : 0)
        }
        meanAbsoluteError = absError / n
        rootMeanSquaredError = (squaredError / n).squareRoot()
        actualTotal = actual.reduce(0, +)
        predictedTotal = predicted.reduce(0, +)
    }
}

/// Tracking data: cumulative expected repeat transactions of a cohort over calendar time (Fader, Hardie & Lee
/// 2005, Figure 2), E(τ) = Σᵢ E[X(τ − bᵢ)] over customers whose first purchase bᵢ is before τ.
public func expectedCumulativeRepeatTransactions(
    model: some PurchaseModel, firstPurchaseTimes: [Double], at times: [Double]
) -> [Double] {
    // Group identical first-purchase times (whole days in practice).
    var counts: [Double: Int] = [:]
    for b in firstPurchaseTimes { counts[b, default: 0] += 1 }
    let births = counts.sorted { $0.key < $1.key }
    return times.map { tau in
        var total = 0.0
        for (b, c) in births where b < tau { total += Double(c) * model.expectedPurchases(within: tau - b) }
        return total
    }
}

/// Actual cumulative repeat transactions at each time: the number of repeat purchases (calendar times) at or before
/// it, for the tracking plot next to ``expectedCumulativeRepeatTransactions(model:firstPurchaseTimes:at:)``.
public func actualCumulativeRepeatTransactions(repeatPurchaseTimes: [Double], at times: [Double]) -> [Double] {
    let sorted = repeatPurchaseTimes.sorted()
    return times.map { tau in
        // Number of purchases ≤ τ by binary search.
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= tau { lo = mid + 1 } else { hi = mid }
        }
        return Double(lo)
    }
}
