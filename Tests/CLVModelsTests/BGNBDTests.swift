import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

/// BG/NBD on the CDNOW sample (39-week calibration, weeks): Fader, Hardie & Lee (2005),
/// doi:10.1287/mksc.1040.0098, and Hardie's spreadsheet "Implementing the BG/NBD model" (the numbers BTYD and
/// CLVTools reproduce).
@Suite struct BGNBDPublishedValuesTests {
    static let model = Result { try BGNBD.Estimator().fit(Fixtures.cdnowSummaries()) }

    @Test func parametersMatchThePaper() throws {
        let m = try Self.model.get()
        let p = m.parameters
        // Published to 4 decimals; the issue asks 1e-3 relative.
        #expect(p.r.isApproximatelyEqual(to: 0.2426, relativeTolerance: 1e-3))
        #expect(p.alpha.isApproximatelyEqual(to: 4.4136, relativeTolerance: 1e-3))
        #expect(p.a.isApproximatelyEqual(to: 0.7929, relativeTolerance: 1e-3))
        #expect(p.b.isApproximatelyEqual(to: 2.4259, relativeTolerance: 1e-3))
        // LL published to 2 decimals.
        #expect(m.diagnostics.logLikelihood.matchesPublished(-9582.43, decimals: 2))
        #expect(m.diagnostics.converged)
        #expect(m.diagnostics.customerCount == 2357)
    }

    @Test func conditionalExpectationOfTheExampleCustomer() throws {
        // Paper §4: x = 2, tₓ = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks (3 decimals).
        let m = try Self.model.get()
        let h = try CustomerSummary(frequency: 2, recency: 30.43, age: 38.86)
        #expect(m.expectedPurchases(within: 39, given: h).matchesPublished(1.226, decimals: 3))
    }

    @Test func customer1516() throws {
        // Hardie's BG/NBD sheet: customer 1516 (x = 26, tₓ = 30.857, T = 31): 25.757 in 52 weeks, P(alive) = 0.9689.
        let m = try Self.model.get()
        let h = try CustomerSummary(frequency: 26, recency: 30.857, age: 31)
        #expect(m.expectedPurchases(within: 52, given: h).matchesPublished(25.757, significantDigits: 4))
        #expect(m.probabilityAlive(given: h).matchesPublished(0.9689, decimals: 4))
    }

    @Test(arguments: zip([1.0, 3.0, 78.0], [0.0532, 0.1506, 1.8576]))
    func unconditionalExpectation(t: Double, expected: Double) throws {
        // Hardie's BG/NBD sheet, 4 decimals. The issue asks 3 significant digits. Known difference: at t = 78 the
        // sheet says 1.8576 where eq. 9 gives 1.85797 at our MLE and 1.85802 at the sheet's own parameters
        // (lifetimes 0.11.3 gives the same 1.8580239 at those parameters), i.e. the sheet's ₂F₁ is slightly off.
        let m = try Self.model.get()
        #expect(m.expectedPurchases(within: t).matchesPublished(expected, significantDigits: 3))
        #expect(m.expectedPurchases(within: t).isApproximatelyEqual(to: expected, relativeTolerance: 5e-4))
    }

    @Test func probabilityOfNoPurchaseIn39Weeks() throws {
        // Paper Figure / sheet: P(X(39) = 0) = 0.574 (3 decimals).
        let m = try Self.model.get()
        #expect(m.probabilityOfPurchases(0, within: 39).matchesPublished(0.574, decimals: 3))
        // The distribution sums to one.
        let total = (0...200).map { m.probabilityOfPurchases($0, within: 39) }.reduce(0, +)
        #expect(total.isApproximatelyEqual(to: 1, relativeTolerance: 1e-9))
    }
}
