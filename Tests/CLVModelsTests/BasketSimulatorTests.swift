import CLVCore
import CLVModels
import RealModule
import Testing

/// The baskets of simulated order files: purchase values follow the Gamma-Gamma process they are drawn from, products
/// follow Zipf's law, basket sizes their mean.
@Suite struct BasketSimulatorTests {
    /// Gamma-Gamma fitted on the simulated values recovers the published CDNOW estimates (Fader & Hardie 2013, note
    /// 025: p = 6.25, q = 3.74, v = 15.44) within 3 standard errors.
    @Test func purchaseValuesRecoverTheGammaGammaParametersTheyAreDrawnFrom() throws {
        let truth = GammaGamma.Parameters(p: 6.25, q: 3.74, v: 15.44)
        let simulator = BasketSimulator(spend: truth, catalogue: ProductCatalogue(count: 50, exponent: 1), meanLines: 2.5)
        var rng = SplitMix64(seed: 7)
        var frequency: [Int] = [], meanSpend: [Double] = []
        for customer in 0..<20_000 {
            let purchases = 2 + customer % 6
            let values = simulator.baskets(purchases: purchases, using: &rng).map { basket in
                Double(basket.reduce(0) { $0 + $1.cents! }) / 100
            }
            // Repeat purchases only, as summaries give Gamma-Gamma.
            frequency.append(purchases - 1)
            meanSpend.append(values.dropFirst().reduce(0, +) / Double(purchases - 1))
        }
        let fitted = try GammaGamma.Estimator().fit(frequency: frequency, meanSpend: meanSpend)
        let se = try #require(fitted.diagnostics.standardErrors)
        for (i, name) in GammaGamma.Parameters.names.enumerated() {
            let (estimate, expected) = (fitted.parameters.values[i], truth.values[i])
            #expect(abs(estimate - expected) <= 3 * se[i], "\(name): \(estimate) vs \(expected) ± \(se[i])")
        }
    }

    /// Product k's share of 200,000 lines is 1/k^s over the harmonic sum, within 4 binomial standard deviations;
    /// the mean basket size is `meanLines`, within 4 standard errors of a 1 + Poisson(1.5) mean.
    @Test func productsFollowZipfsLawAndBasketsTheirMeanSize() {
        let catalogue = ProductCatalogue(count: 100, exponent: 1.1)
        let simulator = BasketSimulator(catalogue: catalogue, meanLines: 2.5)
        var rng = SplitMix64(seed: 8)
        let baskets = simulator.baskets(purchases: 80_000, using: &rng)
        let lines = baskets.flatMap { $0 }
        #expect(lines.allSatisfy { $0.cents == nil })
        var counts = [Int](repeating: 0, count: catalogue.count + 1)
        for line in lines { counts[line.product!] += 1 }
        let n = Double(lines.count)
        for k in [1, 2, 5, 20, 100] {
            let share = catalogue.share(of: k)
            let sd = (n * share * (1 - share)).squareRoot()
            #expect(abs(Double(counts[k]) - n * share) <= 4 * sd, "product \(k): \(counts[k]) lines, expected \(n * share) ± \(sd)")
        }
        #expect(counts[0] == 0)
        #expect(baskets.allSatisfy { !$0.isEmpty })
        let meanSize = n / Double(baskets.count)
        let standardError = (1.5 / Double(baskets.count)).squareRoot()
        #expect(abs(meanSize - 2.5) <= 4 * standardError, "mean basket \(meanSize)")
        #expect(ProductCatalogue(count: 4, exponent: 0).share(of: 3) == 0.25)
    }
}
