import CLVTestSupport
import Testing

@testable import CLVLearn

@Suite struct LiftMetricsTests {
    @Test func perfectAndReversedRankings() {
        let actual: [Double] = [0, 0, 1, 3, 10, 0, 2, 7, 0, 5]
        let perfect = LiftMetrics(predicted: actual, actual: actual)
        #expect(perfect.normalizedGini.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
        #expect(perfect.spearman.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
        #expect(perfect.decileMAPE == 0)
        #expect(perfect.meanAbsoluteError == 0)
        let reversed = LiftMetrics(predicted: actual.map { -$0 }, actual: actual)
        #expect(reversed.normalizedGini < 0)
        #expect(reversed.spearman.isApproximatelyEqual(to: -1, absoluteTolerance: 1e-12))
    }

    @Test func giniByHandAndKaggleDefinition() {
        // Ordered by prediction: actual 4, 0, 1 → cumulative shares 0.8, 0.8, 1.0 → (2.6 − 2) / 3 = 0.2;
        // the perfect order 4, 1, 0 gives (0.8 + 1 + 1 − 2) / 3 = 0.2667.
        let m = LiftMetrics(predicted: [3, 2, 1], actual: [4, 0, 1])
        #expect(m.normalizedGini.isApproximatelyEqual(to: 0.2 / (0.8 / 3), relativeTolerance: 1e-12))
    }

    @Test func aucCountsTiesAsHalf() {
        // Positives score 0.9 and 0.5, negatives 0.5 and 0.1: pairs won 1 + 1 + 0.5 + 1 of 4.
        let m = LiftMetrics(predicted: [1, 1, 1, 1], actual: [3, 0, 2, 0], probability: [0.9, 0.5, 0.5, 0.1])
        #expect(m.auc == 0.875)
    }

    @Test func decilesSplitByPredictionHighestFirst() {
        let predicted = (0..<100).map(Double.init)
        let actual = predicted.map { $0 * 2 }
        let m = LiftMetrics(predicted: predicted, actual: actual)
        #expect(m.deciles.count == 10)
        #expect(m.deciles[0].meanPredicted == 94.5)
        #expect(m.deciles[0].meanActual == 189)
        // Predictions half the actual in every decile: MAPE 0.5.
        #expect(m.decileMAPE.isApproximatelyEqual(to: 0.5, relativeTolerance: 1e-12))
    }
}
