import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

/// Gamma-Gamma on the 946 CDNOW repeat customers: Fader & Hardie (2013) note 025 and lifetimes' docs give
/// p = 6.2488, q = 3.7446, v = 15.4477.
@Suite struct GammaGammaPublishedValuesTests {
    @Test func parametersMatchTheNote() throws {
        let customers = try Fixtures.cdnowCustomers()
        let m = try GammaGamma.Estimator().fit(frequency: customers.map(\.summary.frequency), meanSpend: customers.map(\.meanSpend))
        #expect(m.diagnostics.customerCount == 946)
        #expect(m.parameters.p.isApproximatelyEqual(to: 6.2488, relativeTolerance: 1e-3))
        #expect(m.parameters.q.isApproximatelyEqual(to: 3.7446, relativeTolerance: 1e-3))
        #expect(m.parameters.v.isApproximatelyEqual(to: 15.4477, relativeTolerance: 1e-3))
    }
}

/// BG/BB on lifetimes' `donations.csv` (Fader, Hardie & Shang 2010, §4): α = 1.204, β = 0.750, γ = 0.657, δ = 2.783.
@Suite struct BGBBPublishedValuesTests {
    @Test func parametersMatchThePaper() throws {
        let (customers, weights) = try Fixtures.donations()
        let m = try BGBB.Estimator().fit(customers, weights: weights)
        #expect(m.parameters.alpha.matchesPublished(1.204, decimals: 3))
        #expect(m.parameters.beta.matchesPublished(0.750, decimals: 3))
        #expect(m.parameters.gamma.matchesPublished(0.657, decimals: 3))
        #expect(m.parameters.delta.matchesPublished(2.783, decimals: 3))
        #expect(m.diagnostics.customerCount == 11104)
        // FHS 2010 report LL = −33,225.6 (1 decimal).
        #expect(m.diagnostics.logLikelihood.matchesPublished(-33225.6, decimals: 1))
    }
}
