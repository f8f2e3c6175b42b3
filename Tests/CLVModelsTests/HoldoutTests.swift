import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

/// The calibration/holdout table of Fader, Hardie & Lee (2005), Figure 4 (CDNOW sample, 39 + 39 weeks): mean
/// holdout purchases by calibration frequency, actual vs BG/NBD conditional expectation.
@Suite struct HoldoutTests {
    @Test func holdoutTableMatchesThePaper() throws {
        let customers = try Fixtures.cdnowCustomers()
        let holdout = try Fixtures.cdnowHoldoutCounts()
        let model = try BGNBD.Estimator().fit(customers.map(\.summary))
        // Everybody is observed to 1998-06-30: the holdout is 39 weeks for every customer.
        let table = HoldoutComparison(
            model: model, calibration: customers.map(\.summary), holdoutPurchases: customers.map { holdout[$0.id] ?? 0 },
            holdoutLength: [Double](repeating: 39, count: customers.count))
        // Published to 3 decimals (0, 1) and 2 decimals (7+): (actual, expected).
        #expect(table.groups[0].actualMean.matchesPublished(0.237, decimals: 3))
        #expect(table.groups[0].predictedMean.matchesPublished(0.225, decimals: 3))
        #expect(table.groups[1].actualMean.matchesPublished(0.697, decimals: 3))
        #expect(table.groups[1].predictedMean.matchesPublished(0.523, decimals: 3))
        #expect(table.groups[7].actualMean.matchesPublished(6.36, decimals: 2))
        #expect(table.groups[7].predictedMean.matchesPublished(6.16, decimals: 2))
        #expect(table.groups.map(\.customers).reduce(0, +) == 2357)
        #expect(table.meanAbsoluteError > 0 && table.rootMeanSquaredError >= table.meanAbsoluteError)
    }
}

/// Tracking data on CDNOW (Fader, Hardie & Lee 2005, Figure 2): weekly cumulative repeat transactions, actual
/// (from the order file) against the BG/NBD expectation from each customer's first-purchase week.
@Suite struct TrackingTests {
    @Test func cumulativeRepeatTransactionsTrackTheData() throws {
        let customers = try Fixtures.cdnowCustomers()
        let model = try BGNBD.Estimator().fit(customers.map(\.summary))
        var days: [Int: Set<Int>] = [:]
        for (c, d) in try Fixtures.cdnowTransactions() { days[c, default: []].insert(d) }
        var births: [Double] = [], repeats: [Double] = []
        for (_, set) in days {
            let sorted = set.sorted()
            births.append(Double(sorted[0]) / 7)
            repeats += sorted.dropFirst().map { Double($0) / 7 }
        }
        // Calibration ends on day 272 (1997-09-30, T = 38.86 weeks for a first purchase on 1997-01-01); the holdout on day 545.
        let weeks = [272.0 / 7, 545.0 / 7]
        let actual = actualCumulativeRepeatTransactions(repeatPurchaseTimes: repeats, at: weeks)
        let expected = expectedCumulativeRepeatTransactions(model: model, firstPurchaseTimes: births, at: weeks)
        // In the calibration period the model reproduces the total it was fitted on; Σx over the summary is the same
        // count of repeat days through week 39 (rounding of the published tₓ aside).
        #expect(actual[0] == Double(customers.map(\.summary.frequency).reduce(0, +)))
        #expect(expected[0].isApproximatelyEqual(to: actual[0], relativeTolerance: 0.02))
        // Holdout: the paper's Figure 2 shows the BG/NBD tracking the actual curve to within a few percent.
        #expect(expected[1].isApproximatelyEqual(to: actual[1], relativeTolerance: 0.05))
    }
}
