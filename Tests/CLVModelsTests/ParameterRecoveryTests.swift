import CLVCore
import CLVModels
import CLVTestSupport
import RealModule
import Testing

/// Parameter recovery: on 50,000 customers simulated from known parameters (seeded), the estimates lie within 3
/// standard errors of the truth. The true values are the published CDNOW estimates. Release builds (`make test`)
/// use the 50,000 customers; unoptimised debug builds 5,000 (same check, wider standard errors).
@Suite struct ParameterRecoveryTests {
    #if DEBUG
    static let customers = 5_000
    #else
    static let customers = 50_000
    #endif
    static let simulator = PurchaseSimulator(observationEnd: 78, cohortLength: 12)

    func expectWithin3SE(_ estimate: [Double], _ se: [Double]?, truth: [Double]) throws {
        let se = try #require(se)
        for i in truth.indices {
            #expect(abs(estimate[i] - truth[i]) <= 3 * se[i], "parameter \(i): \(estimate[i]) vs \(truth[i]) ± \(se[i])")
        }
    }

    @Test func bgnbd() throws {
        var rng = SplitMix64(seed: 1)
        let truth = BGNBD.Parameters(r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259)
        let sim = Self.simulator.simulate(truth, customers: Self.customers, using: &rng)
        let m = try BGNBD.Estimator().fit(sim.map(\.summary))
        try expectWithin3SE(m.parameters.values, m.diagnostics.standardErrors, truth: truth.values)
    }

    @Test func paretoNBD() throws {
        var rng = SplitMix64(seed: 2)
        let truth = ParetoNBD.Parameters(r: 0.5532, alpha: 10.577, s: 0.6062, beta: 11.668)
        let sim = Self.simulator.simulate(truth, customers: Self.customers, using: &rng)
        let m = try ParetoNBD.Estimator().fit(sim.map(\.summary))
        try expectWithin3SE(m.parameters.values, m.diagnostics.standardErrors, truth: truth.values)
    }

    @Test func mbgnbd() throws {
        var rng = SplitMix64(seed: 3)
        let truth = MBGNBD.Parameters(r: 0.5248, alpha: 6.183, a: 0.8914, b: 1.614)
        let sim = Self.simulator.simulateMBGNBD(truth, customers: Self.customers, using: &rng)
        let m = try MBGNBD.Estimator().fit(sim.map(\.summary))
        try expectWithin3SE(m.parameters.values, m.diagnostics.standardErrors, truth: truth.values)
    }

    @Test func bgbb() throws {
        var rng = SplitMix64(seed: 4)
        let truth = BGBB.Parameters(alpha: 1.204, beta: 0.750, gamma: 0.657, delta: 2.783)
        let sim = PurchaseSimulator.simulate(truth, customers: Self.customers, opportunities: 6, using: &rng)
        let m = try BGBB.Estimator().fit(sim.map(\.summary))
        try expectWithin3SE(m.parameters.values, m.diagnostics.standardErrors, truth: truth.values)
    }
}

/// P(alive) now and at a future time against the generative process: by the law of total probability,
/// Σᵢ P(alive at T + t | historyᵢ) must match the number of simulated customers actually alive at T + t, within
/// four binomial standard deviations.
@Suite struct AliveCalibrationTests {
    static let n = 20_000

    func check(_ model: some PurchaseModel, _ simulated: [SimulatedCustomer], calibrationEnd: Double, later: Double) throws {
        var expectedNow = 0.0, expectedLater = 0.0, aliveNow = 0.0, aliveLater = 0.0, variance = 0.0
        for c in simulated {
            let early = c.repeatPurchases.filter { $0 <= calibrationEnd }
            let h = try CustomerSummary(frequency: early.count, recency: early.last ?? 0, age: calibrationEnd)
            let pNow = model.probabilityAlive(given: h), pLater = model.probabilityAlive(after: later, given: h)
            expectedNow += pNow
            expectedLater += pLater
            variance += pLater * (1 - pLater)
            if (c.dropoutTime ?? .infinity) > calibrationEnd { aliveNow += 1 }
            if (c.dropoutTime ?? .infinity) > calibrationEnd + later { aliveLater += 1 }
        }
        #expect(abs(expectedNow - aliveNow) <= 4 * variance.squareRoot() + 1, "now: \(expectedNow) vs \(aliveNow)")
        #expect(abs(expectedLater - aliveLater) <= 4 * variance.squareRoot() + 1, "later: \(expectedLater) vs \(aliveLater)")
    }

    @Test func bgnbd() throws {
        let p = BGNBD.Parameters(r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259)
        let model = try BGNBD.Estimator().fit(Fixtures.cdnowSummaries())
        var rng = SplitMix64(seed: 21)
        let sim = PurchaseSimulator(observationEnd: 65).simulate(p, customers: Self.n, using: &rng)
        try check(BGNBD(parameters: p, diagnostics: model.diagnostics), sim, calibrationEnd: 39, later: 26)
    }

    @Test func paretoNBD() throws {
        let p = ParetoNBD.Parameters(r: 0.5532, alpha: 10.577, s: 0.6062, beta: 11.668)
        let model = try ParetoNBD.Estimator().fit(Fixtures.cdnowSummaries())
        var rng = SplitMix64(seed: 22)
        let sim = PurchaseSimulator(observationEnd: 65).simulate(p, customers: Self.n, using: &rng)
        try check(ParetoNBD(parameters: p, diagnostics: model.diagnostics), sim, calibrationEnd: 39, later: 26)
    }

    @Test func mbgnbd() throws {
        let p = MBGNBD.Parameters(r: 0.5248, alpha: 6.183, a: 0.8914, b: 1.614)
        let model = try MBGNBD.Estimator().fit(Fixtures.cdnowSummaries())
        var rng = SplitMix64(seed: 23)
        let sim = PurchaseSimulator(observationEnd: 65).simulateMBGNBD(p, customers: Self.n, using: &rng)
        try check(MBGNBD(parameters: p, diagnostics: model.diagnostics), sim, calibrationEnd: 39, later: 26)
    }
}
