import CLVCore
import CLVNumerics
import CLVTestSupport
import Foundation
import RealModule
import Testing

@testable import CLVModels

/// Properties every model must have, on the CDNOW sample.
@Suite struct PropertiesTests {
    static let summaries = Result { try Fixtures.cdnowSummaries() }

    @Test func probabilitiesAreProbabilities() throws {
        let s = try Self.summaries.get()
        let bg = try BGNBD.Estimator().fit(s), pn = try ParetoNBD.Estimator().fit(s), mbg = try MBGNBD.Estimator().fit(s)
        for h in s {
            for p in [
                bg.probabilityAlive(given: h), pn.probabilityAlive(given: h), mbg.probabilityAlive(given: h),
                bg.probabilityAlive(after: 26, given: h), pn.probabilityAlive(after: 26, given: h),
            ] {
                #expect(p >= 0 && p <= 1)
            }
            #expect(bg.probabilityAlive(after: 26, given: h) <= bg.probabilityAlive(given: h) + 1e-12)
        }
        // P(X(t) = n | history) sums to 1 and its mean is the conditional expectation.
        let h = try CustomerSummary(frequency: 2, recency: 30.43, age: 38.86)
        for model in [bg as any PurchaseModel, pn, mbg] {
            let probs = (0...120).map { model.probabilityOfPurchases($0, within: 39, given: h) }
            #expect(probs.reduce(0, +).isApproximatelyEqual(to: 1, relativeTolerance: 1e-6))
            let mean = probs.enumerated().map { Double($0.offset) * $0.element }.reduce(0, +)
            #expect(mean.isApproximatelyEqual(to: model.expectedPurchases(within: 39, given: h), relativeTolerance: 1e-5))
            let uncond = (0...120).map { model.probabilityOfPurchases($0, within: 39) }
            let uncondMean = uncond.enumerated().map { Double($0.offset) * $0.element }.reduce(0, +)
            #expect(uncondMean.isApproximatelyEqual(to: model.expectedPurchases(within: 39), relativeTolerance: 1e-5))
        }
    }

    /// The sixteen-horizon expectations (BG/NBD and MBG/NBD sum their ₂F₁ together, the others lane by lane) equal
    /// the one-horizon ones, and the scores with a spend model (one vector per customer) equal lifetimes' monthly
    /// sum written out here one month at a time; months beyond one vector (24) too.
    @Test func expectationsAtManyHorizonsEqualOneAtATime() throws {
        let s = try Self.summaries.get()
        let bg = try BGNBD.Estimator().fit(s), pn = try ParetoNBD.Estimator().fit(s), mbg = try MBGNBD.Estimator().fit(s)
        var horizons = SIMD16<Double>.zero
        for lane in 0..<13 { horizons[lane] = 4.345 * Double(lane + 1) }
        horizons[15] = 39
        for model in [bg as any PurchaseModel, pn, mbg] {
            for h in s.prefix(400) {
                let together = model.expectedPurchases(within: horizons, given: h)
                for lane in 0..<16 {
                    let one = horizons[lane] > 0 ? model.expectedPurchases(within: horizons[lane], given: h) : 0
                    #expect(together[lane].isApproximatelyEqual(to: one, absoluteTolerance: 1e-13, relativeTolerance: 1e-12), "\(h) lane \(lane)")
                }
            }
        }
        let spend = (
            model: GammaGamma(parameters: .init(p: 6.25, q: 3.74, v: 15.44), diagnostics: bg.diagnostics), meanSpend: s.map { 20 + Double($0.frequency) }
        )
        for months in [9, 24] {
            let flow = DiscountedCashFlow(months: months, monthlyDiscountRate: 0.01, timeUnit: .week)
            let scores = scoreCustomers(model: bg, customers: s, horizon: 39, spend: spend, cashFlow: flow)
            for (i, h) in s.enumerated() {
                let m = spend.model.expectedAverageSpend(frequency: h.frequency, meanSpend: spend.meanSpend[i])
                var clv = 0.0, previous = 0.0
                for k in 1...months {
                    let cumulative = bg.expectedPurchases(within: Double(k) * 4.345, given: h)
                    clv += m * (cumulative - previous) / Double.pow(1.01, Double(k))
                    previous = cumulative
                }
                #expect(scores[i].clv!.isApproximatelyEqual(to: clv, absoluteTolerance: 1e-12, relativeTolerance: 1e-12))
                #expect(scores[i].expectedPurchases.isApproximatelyEqual(to: bg.expectedPurchases(within: 39, given: h), relativeTolerance: 1e-12))
                #expect(scores[i].probabilityAlive == bg.probabilityAlive(given: h))
            }
        }
    }

    @Test func rescalingTimeRescalesRateParametersOnly() throws {
        // Measuring time in days instead of weeks multiplies α (and β) by 7 and leaves the rest unchanged.
        let s = try Self.summaries.get()
        let days = try s.map { try CustomerSummary(frequency: $0.frequency, recency: $0.recency * 7, age: $0.age * 7) }
        let w = try BGNBD.Estimator().fit(s).parameters, d = try BGNBD.Estimator().fit(days).parameters
        #expect(d.r.isApproximatelyEqual(to: w.r, relativeTolerance: 1e-5))
        #expect(d.alpha.isApproximatelyEqual(to: 7 * w.alpha, relativeTolerance: 1e-5))
        #expect(d.a.isApproximatelyEqual(to: w.a, relativeTolerance: 1e-5))
        let pw = try ParetoNBD.Estimator().fit(s).parameters, pd = try ParetoNBD.Estimator().fit(days).parameters
        #expect(pd.beta.isApproximatelyEqual(to: 7 * pw.beta, relativeTolerance: 1e-3))
        #expect(pd.s.isApproximatelyEqual(to: pw.s, relativeTolerance: 1e-3))
    }

    @Test func penalizerShrinksParameters() throws {
        let s = try Self.summaries.get()
        let free = try BGNBD.Estimator().fit(s).parameters.values
        let shrunk = try BGNBD.Estimator(options: EstimatorOptions(penalizer: 0.5)).fit(s).parameters.values
        let shrunkNorm: Double = shrunk.map { $0 * $0 }.reduce(0, +)
        let freeNorm: Double = free.map { $0 * $0 }.reduce(0, +)
        #expect(shrunkNorm < freeNorm)
    }

    @Test func likelihoodIsAdditiveAndCompressionChangesNothing() throws {
        let s = try Self.summaries.get()
        let model = try BGNBD.Estimator().fit(s)
        let total = s.map { model.logLikelihood(of: $0) }.reduce(0, +)
        #expect(total.isApproximatelyEqual(to: model.diagnostics.logLikelihood, relativeTolerance: 1e-12))
        // Doubling every customer doubles log L and leaves the estimate unchanged; weights do the same.
        let doubled = try BGNBD.Estimator().fit(s + s)
        let weighted = try BGNBD.Estimator().fit(s, weights: [Double](repeating: 2, count: s.count))
        #expect(doubled.diagnostics.logLikelihood.isApproximatelyEqual(to: 2 * total, relativeTolerance: 1e-9))
        #expect(weighted.parameters.r.isApproximatelyEqual(to: model.parameters.r, relativeTolerance: 1e-6))
        #expect(doubled.diagnostics.distinctRows == model.diagnostics.distinctRows)
    }

    @Test func edgeCasesStayFinite() throws {
        let s = try Self.summaries.get()
        let bg = try BGNBD.Estimator().fit(s), pn = try ParetoNBD.Estimator().fit(s)
        let cases = try [
            CustomerSummary(frequency: 0, recency: 0, age: 38),
            CustomerSummary(frequency: 5, recency: 38, age: 38),
            CustomerSummary(frequency: 500, recency: 9_000, age: 10_000),
            CustomerSummary(frequency: 3, recency: 1, age: 100_000),
        ]
        for h in cases {
            for v in [
                bg.expectedPurchases(within: 52, given: h), bg.probabilityAlive(given: h), bg.logLikelihood(of: h),
                pn.expectedPurchases(within: 52, given: h), pn.probabilityAlive(given: h), pn.logLikelihood(of: h),
            ] {
                #expect(v.isFinite)
            }
        }
        #expect(bg.probabilityAlive(given: cases[0]) == 1)
    }

    @Test func paretoFallbackAgreesWithTheSeries() {
        // The quadrature fallback and the ₂F₁ series must give the same dropout term where both apply.
        for (x, tx, T) in [(0.0, 0.0, 38.0), (2, 30.43, 38.86), (26, 30.857, 31), (7, 5, 60)] {
            for (alpha, beta) in [(10.577, 11.668), (20.0, 3.0), (2.0, 9.0)] {
                let series: Double? = ParetoNBD.logDropoutTerm(r: 0.55, alpha: alpha, s: 0.61, beta: beta, x: x, recency: tx, age: T)
                let quad: Double? = ParetoNBD.logDropoutTerm(r: 0.55, alpha: alpha, s: 0.61, beta: beta, x: x, recency: tx, age: T, forceQuadrature: true)
                #expect(series!.isApproximatelyEqual(to: quad!, relativeTolerance: 1e-9))
            }
        }
    }

    @Test func clearErrorsInsteadOfNaN() throws {
        let nobodyReturns = try (0..<50).map { _ in try CustomerSummary(frequency: 0, recency: 0, age: 20) }
        #expect(throws: FitError.noRepeatBuyers) { try BGNBD.Estimator().fit(nobodyReturns) }
        #expect(throws: FitError.noCustomers) { try ParetoNBD.Estimator().fit([]) }
        let one = [try CustomerSummary(frequency: 2, recency: 5, age: 10)]
        #expect(throws: FitError.tooFewCustomers(count: 1, parameters: 4)) { try BGNBD.Estimator().fit(one) }
        // Too few iterations allowed: a typed error, not NaN parameters.
        #expect(throws: FitError.self) {
            try BGNBD.Estimator(options: EstimatorOptions(maximumIterations: 2)).fit(try Self.summaries.get())
        }
        do {
            _ = try ParetoNBD.Estimator(options: EstimatorOptions(maximumIterations: 3)).fit(try Self.summaries.get())
            Issue.record("expected didNotConverge")
        } catch let error as FitError {
            guard case .didNotConverge = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.description.contains("Try a larger penalizer"))
        }
        #expect(throws: FitError.invalidPenalizer(-1)) {
            try BGNBD.Estimator(options: EstimatorOptions(penalizer: -1)).fit(try Self.summaries.get())
        }
    }

    @Test func standardErrorsAndIntervals() throws {
        let model = try BGNBD.Estimator().fit(try Self.summaries.get())
        let se = try #require(model.diagnostics.standardErrors)
        let ci = try #require(model.diagnostics.confidenceIntervals(for: model.parameters.values))
        for i in 0..<4 {
            #expect(se[i] > 0 && se[i] < model.parameters.values[i])
            #expect(ci[i].lower < model.parameters.values[i] && model.parameters.values[i] < ci[i].upper)
        }
        // Parameter-sampling interval contains the point prediction.
        var rng = SplitMix64(seed: 7)
        let sampling = ParameterSampling(draws: 100, level: 0.9)
        let models = sampling.sampleModels(model, using: &rng)
        let h = try CustomerSummary(frequency: 2, recency: 30.43, age: 38.86)
        let bounds = sampling.bounds(of: models.map { $0.expectedPurchases(within: 39, given: h) })
        let point = model.expectedPurchases(within: 39, given: h)
        #expect(bounds.lower < point && point < bounds.upper)
    }
}

@Suite struct FactorisationTests {
    /// E[X | history] = P(alive) · E[X | alive, x, T] for every model (the identity the scorer's cache relies on),
    /// checked against each model's own closed form (BG/NBD eq. 10, Pareto/NBD eq. 41, BG/BB eq. 13).
    @Test func conditionalExpectationFactorises() throws {
        let s = try Fixtures.cdnowSummaries()
        let models: [any PurchaseModel] = [try BGNBD.Estimator().fit(s), try ParetoNBD.Estimator().fit(s), try MBGNBD.Estimator().fit(s)]
        for model in models {
            for h in s.prefix(200) {
                let product = model.probabilityAlive(given: h) * model.expectedPurchasesIfAlive(within: 39, frequency: h.frequency, age: h.age)
                #expect(product.isApproximatelyEqual(to: model.expectedPurchases(within: 39, given: h), relativeTolerance: 1e-12))
            }
        }
        let (donors, weights) = try Fixtures.donations()
        let bb = try BGBB.Estimator().fit(donors, weights: weights)
        for h in donors {
            let product = bb.probabilityAlive(given: h) * bb.expectedPurchasesIfAlive(within: 5, frequency: h.frequency, age: h.age)
            #expect(product.isApproximatelyEqual(to: bb.expectedPurchases(within: 5, given: h), relativeTolerance: 1e-10))
        }
    }
}

/// The specialised likelihood evaluators against the plain per-row sum over dual numbers (fast path vs naive).
@Suite struct FastLikelihoodTests {
    @Test(arguments: [[0.3, 5.0, 0.8, 2.4], [1.2, 0.7, 3.0, 0.4], [0.05, 40.0, 0.2, 9.0], [0.8, 0.5, 1e-4, 500.0]])
    func fastEvaluatorsMatchTheGenericSum(θ: [Double]) throws {
        var rows = try CustomerRows(Fixtures.cdnowSummaries())
        // Include simulated whole-day data with tₓ = T rows and a wide range of x.
        var rng = SplitMix64(seed: 5)
        let sim = PurchaseSimulator(observationEnd: 52, cohortLength: 26, resolution: 1.0 / 7)
            .simulate(BGNBD.Parameters(r: 0.5, alpha: 2, a: 0.5, b: 3), customers: 3000, using: &rng)
        rows = try CustomerRows(Fixtures.cdnowSummaries() + sim.map(\.summary))
        let checks: [(([Double]) -> (value: Double, gradient: [Double]), ([Double]) -> (value: Double, gradient: [Double]))] = [
            (BGNBDFastLikelihood(rows: rows).evaluate, { MaximumLikelihood<BGNBD.Kernel>.weightedLogLikelihood($0, rows: rows, gradient: true) }),
            (ParetoNBDFastLikelihood(rows: rows).evaluate, { MaximumLikelihood<ParetoNBD.Kernel>.weightedLogLikelihood($0, rows: rows, gradient: true) }),
        ]
        for (fast, generic) in checks {
            let f = fast(θ), g = generic(θ)
            #expect(f.value.isApproximatelyEqual(to: g.value, relativeTolerance: 1e-11))
            for i in 0..<4 {
                #expect(f.gradient[i].isApproximatelyEqual(to: g.gradient[i], absoluteTolerance: 1e-8 * abs(g.value), relativeTolerance: 1e-9))
            }
        }
    }
}

@Suite struct ValueAndStorageTests {
    @Test func dertEqualsTheDiscountedSumOfExpectedPurchases() throws {
        // DERT(δ) = ∫ e^(−δt) dE[X(T, T+t)]: compare the quadrature with a fine Riemann–Stieltjes sum of the model's
        // own conditional expectation (eq. 41) over 80 years of quarter-weeks (the rest weighs e^(−11) ≈ 1e-5).
        let model = try ParetoNBD.Estimator().fit(Fixtures.cdnowSummaries())
        let h = try CustomerSummary(frequency: 26, recency: 30.857, age: 31)
        let delta = 0.0027  // ≈ 15% a year, weekly
        var sum = 0.0, previous = 0.0
        let step = 0.25
        for k in 1...(52 * 80 * 4) {
            let t = Double(k) * step
            let e = model.expectedPurchases(within: t, given: h)
            sum += Double.exp(-delta * (t - step / 2)) * (e - previous)
            previous = e
        }
        let dert = model.discountedExpectedResidualTransactions(continuousDiscountRate: delta, given: h)
        #expect(dert.isApproximatelyEqual(to: sum, relativeTolerance: 1e-3))
    }

    @Test func trackingSumsUnconditionalExpectations() throws {
        let model = try BGNBD.Estimator().fit(Fixtures.cdnowSummaries())
        let births = [0.0, 0.0, 1.5, 3.0]
        let cumulative = expectedCumulativeRepeatTransactions(model: model, firstPurchaseTimes: births, at: [1, 10, 78])
        #expect(cumulative[0].isApproximatelyEqual(to: 2 * model.expectedPurchases(within: 1), relativeTolerance: 1e-12))
        let at10 = 2 * model.expectedPurchases(within: 10) + model.expectedPurchases(within: 8.5) + model.expectedPurchases(within: 7)
        #expect(cumulative[1].isApproximatelyEqual(to: at10, relativeTolerance: 1e-12))
        #expect(cumulative[2] > cumulative[1])
    }

    @Test func fittedModelsRoundTripAsVersionedJSON() throws {
        let model = AnyPurchaseModel.pnbd(try ParetoNBD.Estimator().fit(Fixtures.cdnowSummaries()))
        let data = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(AnyPurchaseModel.self, from: data)
        #expect(decoded == model)
        #expect(String(decoding: data, as: UTF8.self).contains("\"schemaVersion\":1"))
    }
}

@Suite struct BoundaryParameterTests {
    /// Near-boundary parameters (a + b − 1 < 0, as parameter draws of a degenerate fit produce, where ₂F₁ turns
    /// negative): eq. 9 must still equal the mean of eq. 8's distribution.
    @Test(arguments: [(0.8, 69.0, 0.01, 0.3, 365.0), (0.8, 69.0, 0.003, 6.7, 365.0), (0.25, 4.4, 0.79, 2.43, 78.0)])
    func unconditionalExpectationIsTheMeanOfTheDistribution(r: Double, alpha: Double, a: Double, b: Double, t: Double) throws {
        let model = BGNBD(parameters: .init(r: r, alpha: alpha, a: a, b: b), diagnostics: try BGNBD.Estimator().fit(Fixtures.cdnowSummaries()).diagnostics)
        let mean = (0...600).map { Double($0) * model.probabilityOfPurchases($0, within: t) }.reduce(0, +)
        #expect(model.expectedPurchases(within: t).isApproximatelyEqual(to: mean, relativeTolerance: 1e-6))
    }
}
