import CLVCore
import CLVInsight
import CLVTestSupport
import Foundation
import Testing

@testable import CLVLearn

@Suite struct ZILNLossTests {
    /// Central differences with step 1e-6 on O(1) inputs: truncation ~1e-12, rounding ~1e-10, so 1e-6 relative
    /// leaves room for both and still catches any wrong term.
    @Test(arguments: [0.0, 0.37, 12.5, 480.0])
    func gradientMatchesFiniteDifferences(label: Double) {
        let points = [
            ZILNOutputs(logit: 0.3, mu: 1.1, rawScale: -0.4), ZILNOutputs(logit: -2.2, mu: 4.0, rawScale: 1.7), ZILNOutputs(logit: 5, mu: -1, rawScale: 0.2),
        ]
        for o in points {
            let (_, g) = ZILNLoss.lossAndGradient(o, label: label)
            let h = 1e-6
            func loss(_ d: (Double, Double, Double)) -> Double {
                ZILNLoss.lossAndGradient(ZILNOutputs(logit: o.logit + d.0, mu: o.mu + d.1, rawScale: o.rawScale + d.2), label: label).loss
            }
            let numeric = [
                (loss((h, 0, 0)) - loss((-h, 0, 0))) / (2 * h), (loss((0, h, 0)) - loss((0, -h, 0))) / (2 * h),
                (loss((0, 0, h)) - loss((0, 0, -h))) / (2 * h),
            ]
            for (analytic, fd) in zip([g.0, g.1, g.2], numeric) {
                #expect(analytic.isApproximatelyEqual(to: fd, absoluteTolerance: 1e-6, relativeTolerance: 1e-6), "label \(label) at \(o)")
            }
        }
    }

    @Test func lossIsBinaryCrossEntropyPlusLognormalNegativeLogLikelihood() {
        let o = ZILNOutputs(logit: 0.5, mu: 2, rawScale: 0.3)
        let p = 1 / (1 + Double.exp(-0.5))
        let sigma = Double.log(1 + Double.exp(0.3))
        let y = 9.0
        let z = (Double.log(y) - 2) / sigma
        // −log p − log LogNormal(y; 2, sigma), written out from the density.
        let expected = -Double.log(p) + Double.log(y * sigma * (2 * Double.pi).squareRoot()) + z * z / 2
        #expect(ZILNLoss.lossAndGradient(o, label: y).loss.isApproximatelyEqual(to: expected, relativeTolerance: 1e-12))
        #expect(ZILNLoss.lossAndGradient(o, label: 0).loss.isApproximatelyEqual(to: -Double.log(1 - p), relativeTolerance: 1e-12))
    }

    @Test func meanAndQuantilesOfTheMixture() {
        let d = ZILNDistribution(probability: 0.4, mu: 1, sigma: 0.5)
        #expect(d.mean.isApproximatelyEqual(to: 0.4 * Double.exp(1.125), relativeTolerance: 1e-12))
        // Below the zero mass the quantile is 0; above, P(Y ≤ y) = 0.6 + 0.4 Φ((log y − 1)/0.5).
        #expect(d.quantile(0.55) == 0)
        #expect(d.quantile(0.8).isApproximatelyEqual(to: Double.exp(1), relativeTolerance: 1e-9))
        let y = d.quantile(0.95)
        let cdf = 0.6 + 0.4 * 0.5 * Double.erfc(-(Double.log(y) - 1) / 0.5 / 2.0.squareRoot())
        #expect(cdf.isApproximatelyEqual(to: 0.95, absoluteTolerance: 1e-9))
    }
}

@Suite struct ZILNTrainingTests {
    @Test func linearModelRecoversPlantedCoefficients() throws {
        let table = try plantedZILN(rows: 6000, seed: 3)
        let model = try ZILNTrainer.linear.fit(table)
        let d = 4
        let w = model.network.parameters
        let s = model.standardizer.scales
        // Back to raw units: a weight per standardised unit divided by the column's deviation. Tolerances are
        // a few standard errors at n = 6000 (about 0.04 for the logit, 0.02 for mu) plus the l2 shrinkage.
        #expect((w[0] / s[0]).isApproximatelyEqual(to: 1.2, absoluteTolerance: 0.15))
        #expect(abs(w[1] / s[1]) < 0.1)
        #expect((w[d + 1] / s[1]).isApproximatelyEqual(to: 0.8, absoluteTolerance: 0.08))
        #expect(abs(w[d + 2] / s[2]) < 0.08)
        let sigmas = try model.predict(table).map(\.sigma)
        #expect((sigmas.reduce(0, +) / Double(sigmas.count)).isApproximatelyEqual(to: 0.5, absoluteTolerance: 0.05))
        #expect(model.report.bestEpoch >= 1 && model.report.bestEpoch <= model.report.validationLoss.count)
    }

    @Test(arguments: [LearnedModelKind.zilnLinear, .zilnMLP, .gbt])
    func seededTrainingIsReproducibleBitForBit(kind: LearnedModelKind) throws {
        let table = try plantedZILN(rows: 1500, seed: 11)
        let a = try LearnedModel.fit(kind, table, seed: 42)
        let b = try LearnedModel.fit(kind, table, seed: 42)
        #expect(a == b)
        let pa = try a.predict(table).map(\.mean.bitPattern)
        let pb = try b.predict(table).map(\.mean.bitPattern)
        #expect(pa == pb)
        let other = try LearnedModel.fit(kind, table, seed: 43)
        #expect(try other.predict(table).map(\.mean.bitPattern) != pa)
    }

    @Test func mlpRanksPlantedValueWell() throws {
        let table = try plantedZILN(rows: 4000, seed: 5)
        let test = try plantedZILN(rows: 3000, seed: 6)
        let model = try ZILNTrainer.mlp.fit(table)
        let predicted = try model.predict(test)
        // The truth's own expected values set the ceiling the model is measured against.
        let truth = (0..<test.count).map { i -> Double in
            let x = test.features.row(i)
            return 1 / (1 + Double.exp(-(1.2 * x[0] - 0.4))) * Double.exp(2 + 0.8 * x[1] + 0.125)
        }
        let best = LiftMetrics(predicted: truth, actual: test.labels!).normalizedGini
        let found = LiftMetrics(predicted: predicted.map(\.mean), actual: test.labels!).normalizedGini
        #expect(found > 0.9 * best, "Gini \(found) against the truth's \(best)")
    }

    @Test func savedModelReadsBackIdentical() throws {
        let table = try plantedZILN(rows: 800, seed: 2)
        for kind in LearnedModelKind.allCases {
            let model = try LearnedModel.fit(kind, table, seed: 1)
            let json = try JSONEncoder().encode(model)
            #expect(try JSONDecoder().decode(LearnedModel.self, from: json) == model)
        }
    }

    @Test func refusesATableOfAnotherFeatureSet() throws {
        let table = try plantedZILN(rows: 500, seed: 2)
        let model = try LearnedModel.fit(.zilnLinear, table)
        let fewer = try table.keeping([.summary, .behaviour])
        #expect(throws: LearnError.self) { try model.predict(fewer) }
    }
}
