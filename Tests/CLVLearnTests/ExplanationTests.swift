import CLVCore
import CLVInsight
import CLVModels
import CLVTestSupport
import Foundation
import Testing

@testable import CLVLearn

@Suite struct ExplanationTests {
    @Test func linearShapleyValuesSumExactly() throws {
        let table = try plantedZILN(rows: 1500, seed: 8)
        let model = try ZILNTrainer.linear.fit(table)
        for i in [0, 5, 900] {
            let e = try model.explain(table, row: i)
            let outputs = try model.outputs(table)[i]
            for a in e.attributions where a.method == .linearShapley {
                #expect(abs(a.completenessGap) <= 1e-12 * max(1, abs(a.value)))
                // The same sum as the network's, in another order: equal to the last bits.
                #expect(a.value.isApproximatelyEqual(to: a.output == .buyLogOdds ? outputs.logit : outputs.mu, relativeTolerance: 1e-13))
            }
            // The linear Shapley value of a feature is its weight times its standardised distance from the mean.
            let logOdds = try #require(e.attributions.first { $0.output == .buyLogOdds })
            let z = (table.features[i, 0] - model.standardizer.means[0]) / model.standardizer.scales[0]
            #expect(logOdds.contributions[0].isApproximatelyEqual(to: model.network.parameters[0] * z, relativeTolerance: 1e-12))
            let value = try #require(e.attributions.first { $0.output == .expectedValue })
            #expect(value.value.isApproximatelyEqual(to: e.prediction.mean, relativeTolerance: 1e-12))
        }
    }

    @Test func treeSHAPSumsExactlyOverTheEnsemble() throws {
        let table = try plantedZILN(rows: 1500, seed: 8)
        let model = try TwoStageBoostingTrainer().fit(table)
        for i in [1, 44, 1200] {
            let e = try model.explain(table, row: i)
            #expect(e.attributions.count == 2)
            for a in e.attributions {
                #expect(a.method == .treeSHAP)
                #expect(abs(a.completenessGap) <= 1e-9 * max(1, abs(a.value)))
            }
            // The informative features carry the explanation; noise (column 2) and the level code carry little.
            let logOdds = e.attributions[0].contributions
            #expect(abs(logOdds[0]) >= abs(logOdds[2]))
        }
    }

    @Test func integratedGradientsAreCompleteWithinOnePercent() throws {
        let table = try plantedZILN(rows: 1500, seed: 8)
        let model = try ZILNTrainer.mlp.fit(table)
        for i in [2, 77, 1400] {
            let e = try model.explain(table, row: i)
            #expect(e.attributions.count == 3)
            for a in e.attributions {
                #expect(a.method == .integratedGradients)
                #expect(abs(a.completenessGap) <= 0.01 * abs(a.value - a.baseline) + 1e-9, "\(a.output): gap \(a.completenessGap)")
            }
            let groups = e.attributions[0].groupTotals(e.featureSet)
            #expect(groups.map(\.group) == [.summary, .behaviour, .text])
            #expect(groups.reduce(0) { $0 + $1.contribution }.isApproximatelyEqual(to: e.attributions[0].contributions.reduce(0, +), relativeTolerance: 1e-12))
        }
    }

    @Test func probabilisticDriversQuoteTheModel() throws {
        // Published CDNOW BG/NBD parameters (Fader, Hardie & Lee 2005): r, alpha, a, b.
        // Diagnostics come from any fit; only the parameters matter here.
        let some = try (0..<40).map { i in try CustomerSummary(frequency: i % 5, recency: i % 5 == 0 ? 0 : Double(i % 30), age: 38) }
        let diagnostics = try BGNBD.Estimator().fit(some).diagnostics
        let model = AnyPurchaseModel.bgnbd(BGNBD(parameters: .init(values: [0.243, 4.414, 0.793, 2.426]), diagnostics: diagnostics))
        let silent = try CustomerSummary(frequency: 4, recency: 10, age: 38)
        let drivers = ProbabilisticDriver.drivers(for: silent, model: model, unit: .week, horizon: 52)
        let alive = model.model.probabilityAlive(given: silent)
        let recency = try #require(drivers.first { $0.factor == "recency" })
        // 28 silent weeks = 196 days against a usual gap of 2.5 weeks = 17.5 days: 11.2x.
        #expect(recency.text.hasPrefix("no purchase for 196 days, 11.2x this customer's usual gap of 18 days, so P(alive) fell to \(format(alive, 2))"))
        #expect(drivers.contains { $0.factor == "frequency" })
    }
}
