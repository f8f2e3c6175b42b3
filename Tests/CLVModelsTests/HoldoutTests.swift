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
