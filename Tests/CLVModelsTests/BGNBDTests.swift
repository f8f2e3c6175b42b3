import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

/// BG/NBD on the CDNOW sample: Fader, Hardie & Lee (2005), doi:10.1287/mksc.1040.0098, and Hardie's
/// spreadsheet "Implementing the BG/NBD model" (the same numbers as BTYD/CLVTools).
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
        #expect(m.diagnostics.logLikelihood.isApproximatelyEqual(to: -9582.43, relativeTolerance: 1e-6))
        #expect(m.diagnostics.converged)
        #expect(m.diagnostics.standardErrors != nil)
    }
}
