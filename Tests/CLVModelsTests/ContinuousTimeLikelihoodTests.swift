import CLVCore
import CLVTestSupport
import Foundation
import RealModule
import Testing

@testable import CLVModels

/// The fast likelihoods on data that does not compress (continuous times), their vector logs and exps, and the
/// decision to compress, each against a slow reference.
@Suite struct ContinuousTimeLikelihoodTests {
    /// CDNOW plus simulated customers with continuous purchase times (no two rows alike).
    static func continuousRows() throws -> CustomerRows {
        var rng = SplitMix64(seed: 21)
        let bg = PurchaseSimulator(observationEnd: 52, cohortLength: 26)
            .simulate(BGNBD.Parameters(r: 0.5, alpha: 2, a: 0.5, b: 3), customers: 3000, using: &rng)
        let pn = PurchaseSimulator(observationEnd: 52, cohortLength: 26)
            .simulate(ParetoNBD.Parameters(r: 0.55, alpha: 10.6, s: 0.6, beta: 11.7), customers: 3000, using: &rng)
        return try CustomerRows(Fixtures.cdnowSummaries() + bg.map(\.summary) + pn.map(\.summary))
    }

    static func expectClose(_ f: (value: Double, gradient: [Double]), _ g: (value: Double, gradient: [Double]), _ context: String) {
        #expect(f.value.isApproximatelyEqual(to: g.value, relativeTolerance: 1e-11), "\(context)")
        for i in 0..<4 {
            #expect(
                f.gradient[i].isApproximatelyEqual(to: g.gradient[i], absoluteTolerance: 1e-8 * abs(g.value), relativeTolerance: 1e-9),
                "\(context) ∂\(i)")
        }
    }

    @Test(arguments: [[0.3, 5.0, 0.8, 2.4], [1.2, 0.7, 3.0, 0.4], [0.05, 40.0, 0.2, 9.0], [2.0, 0.1, 0.05, 0.01]])
    func bgnbdMatchesTheGenericSumOnContinuousTimes(θ: [Double]) throws {
        let rows = try Self.continuousRows()
        Self.expectClose(
            BGNBDFastLikelihood(rows: rows).evaluate(θ),
            MaximumLikelihood<BGNBD.Kernel>.weightedLogLikelihood(θ, rows: rows, gradient: true), "\(θ)")
    }

    /// Gamma-Gamma on continuous mean spends (one row per repeat customer, some weighted), at parameters near and far
    /// from a fit.
    @Test(arguments: [[6.25, 3.74, 15.44], [0.5, 1.2, 300.0], [40.0, 20.0, 0.3]])
    func gammaGammaMatchesTheGenericSum(θ: [Double]) {
        var rng = SplitMix64(seed: 31)
        let n = 20_003  // not a whole number of vectors or chunks
        let x = (0..<n).map { _ in Double(Int.random(in: 1...40, using: &rng)) }
        let m = (0..<n).map { _ in 30 * Double.exp(Double.random(in: -3...3, using: &rng)) }
        let w = (0..<n).map { _ in Double(Int.random(in: 1...3, using: &rng)) }
        let rows = CustomerRows(frequency: x, recency: m, age: [Double](repeating: 0, count: n), weight: w)
        let fast = GammaGammaFastLikelihood(rows: rows).evaluate(θ)
        let slow = MaximumLikelihood<GammaGamma.Kernel>.weightedLogLikelihood(θ, rows: rows, gradient: true)
        #expect(fast.value.isApproximatelyEqual(to: slow.value, relativeTolerance: 1e-11), "\(θ)")
        for i in 0..<3 {
            #expect(
                fast.gradient[i].isApproximatelyEqual(to: slow.gradient[i], absoluteTolerance: 1e-8 * abs(slow.value), relativeTolerance: 1e-9),
                "\(θ) ∂\(i)")
        }
    }

    /// A grid over α/β from equal to 1000 apart either way puts z = |α−β| / (max(α,β) + t) across the series'
    /// range and beyond it (quadrature), for both branches (α ≥ β and α < β): the regime split must not show.
    @Test func paretoRegimeSplitMatchesTheReferenceOnAGrid() throws {
        let rows = try Self.continuousRows()
        let fast = ParetoNBDFastLikelihood(rows: rows)
        for (r, s) in [(0.55, 0.6), (2.5, 0.05)] {
            for alpha in [0.05, 10.6, 60] {
                for ratio in [1.0, 1.05, 9, 1000] {
                    for beta in Set([alpha / ratio, alpha * ratio]) {
                        let θ = [r, alpha, s, beta]
                        Self.expectClose(
                            fast.evaluate(θ),
                            MaximumLikelihood<ParetoNBD.Kernel>.weightedLogLikelihood(θ, rows: rows, gradient: true), "\(θ)")
                    }
                }
            }
        }
    }

    @Test func vectorLogAndExpMatchLibm() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<20_000 {
            // log: 1 + e for e in [0, 1], α + t over many binades; exp: the likelihoods' e^−|d|.
            let x =
                Double.random(in: 0...1, using: &rng) < 0.5
                ? 1 + Double.random(in: 0...1, using: &rng)
                : Double.pow(10, Double.random(in: -12...12, using: &rng))
            let y = -Double.random(in: 0...40, using: &rng)
            let logs = VectorLogExp.log(VectorLogExp.Vector(repeating: x)), exps = VectorLogExp.exp(VectorLogExp.Vector(repeating: y))
            #expect(abs(logs[3] - Double.log(x)) <= 4 * Double.log(x).ulp.magnitude + 1e-300, "log \(x)")
            #expect(abs(exps[5] - Double.exp(y)) <= 4 * Double.exp(y).ulp, "exp \(y)")
            // expm1: the Pareto/NBD's h(T) − h(tₓ), from tiny to large (both sides of the series' switch at ¼).
            let u = (Bool.random(using: &rng) ? 1 : -1) * Double.pow(10, Double.random(in: -12...1.5, using: &rng))
            let em1 = VectorLogExp.expMinusOne(VectorLogExp.Vector(repeating: u))
            #expect(abs(em1[2] - Double.expMinusOne(u)) <= 4 * Double.expMinusOne(u).ulp.magnitude, "expm1 \(u)")
        }
        #expect(VectorLogExp.exp(VectorLogExp.Vector(repeating: -800))[0] == 0)
        #expect(VectorLogExp.exp(VectorLogExp.Vector(repeating: 0))[0] == 1)
        #expect(VectorLogExp.log(VectorLogExp.Vector(repeating: 1))[0] == 0)
    }

    @Test func compressionIsSkippedOnlyWhereItCannotPay() throws {
        var rng = SplitMix64(seed: 9)
        let params = BGNBD.Parameters(r: 0.24, alpha: 4.4, a: 0.79, b: 2.4)
        let continuous = PurchaseSimulator(observationEnd: 52, cohortLength: 26).simulate(params, customers: 70_000, using: &rng).map(\.summary)
        let daily = PurchaseSimulator(observationEnd: 52, cohortLength: 26, resolution: 1.0 / 7).simulate(params, customers: 70_000, using: &rng).map(\.summary)
        #expect(!CustomerRows.compressionPays(continuous))
        #expect(CustomerRows.compressionPays(daily))
        let kept = try CustomerRows(continuous), merged = try CustomerRows(daily)
        #expect(kept.count == continuous.count && kept.inputCount == continuous.count)
        #expect(merged.count < daily.count && merged.totalWeight == Double(daily.count))
        // Either way the likelihood is the same: one row per customer against the same customers merged.
        let sample = Array(daily.prefix(60_000))
        let oneEach = CustomerRows(
            frequency: sample.map { Double($0.frequency) }, recency: sample.map(\.recency), age: sample.map(\.age),
            weight: [Double](repeating: 1, count: sample.count))
        let compressed = try CustomerRows(sample)
        let θ = [0.3, 5.0, 0.8, 2.4]
        Self.expectClose(BGNBDFastLikelihood(rows: oneEach).evaluate(θ), BGNBDFastLikelihood(rows: compressed).evaluate(θ), "BG/NBD")
        Self.expectClose(ParetoNBDFastLikelihood(rows: oneEach).evaluate(θ), ParetoNBDFastLikelihood(rows: compressed).evaluate(θ), "Pareto/NBD")
        let perCustomer = try BGNBD.Estimator().fit(continuous)
        #expect(perCustomer.diagnostics.distinctRows == continuous.count)
        #expect(
            perCustomer.diagnostics.logLikelihood.isApproximatelyEqual(
                to: continuous.map { perCustomer.logLikelihood(of: $0) }.reduce(0, +), relativeTolerance: 1e-10))
    }
}
