import CLVCore
import CLVInsight
import CLVTestSupport
import Foundation
import Testing

@testable import CLVLearn

@Suite struct BoostedTreesTests {
    /// y = 3 above x₀ = 0.6, −1 below, plus noise; x₁ is noise only.
    @Test func fitsAPlantedStepFunction() throws {
        var rng = SplitMix64(seed: 9)
        let n = 2000
        var elements: [Double] = []
        var y: [Double] = []
        for _ in 0..<n {
            let a = Double.random(in: 0..<1, using: &rng), b = Double.random(in: 0..<1, using: &rng)
            elements += [a, b]
            y.append((a > 0.6 ? 3 : -1) + 0.1 * gaussian(&rng))
        }
        let x = try FeatureMatrix(rows: n, columns: 2, elements: elements)
        let (model, _) = try BoostedTreesTrainer(learningRate: 0.3).fit(x, targets: y, loss: .squared, training: Array(0..<1600), validation: Array(1600..<n))
        // The first tree's root is the step: feature 0, within a bin of 0.6 (255 bins over [0, 1)).
        let root = model.trees[0].nodes[0]
        #expect(root.feature == 0)
        #expect(root.threshold.isApproximatelyEqual(to: 0.6, absoluteTolerance: 0.01))
        // Within 5% of the step's height of the planted level everywhere away from the edge (leaves of 20 noisy
        // rows, boosted, leave a few hundredths of noise fitted).
        for a in stride(from: 0.05, to: 1, by: 0.1) where abs(a - 0.6) > 0.02 {
            for b in [0.1, 0.5, 0.9] {
                #expect(model.score([a, b]).isApproximatelyEqual(to: a > 0.6 ? 3 : -1, absoluteTolerance: 0.2), "at (\(a), \(b))")
            }
        }
    }

    @Test func binsKeepEqualValuesTogetherAndSplitOnBoundaries() throws {
        let values: [Double] = (0..<1000).map { Double($0 % 7) }
        let x = try FeatureMatrix(rows: 1000, columns: 1, elements: values)
        let bins = FeatureBins(x, rows: Array(0..<1000), maximumBins: 255)
        #expect(bins.thresholds[0] == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        let many = try FeatureMatrix(rows: 1000, columns: 1, elements: (0..<1000).map { Double($0) })
        let coarse = FeatureBins(many, rows: Array(0..<1000), maximumBins: 16)
        #expect(coarse.binCount(0) == 16)
        for i in 0..<1000 { #expect(Int(coarse.codes[i]) == FeatureBins.bin(Double(i), coarse.thresholds[0])) }
    }
}

@Suite struct TreeSHAPTests {
    /// Shapley values by their definition, over every coalition, with TreeSHAP's value function.
    func bruteForceShapley(_ tree: RegressionTree, _ x: [Double]) -> [Double] {
        let m = x.count
        var factorial = [1.0]
        for k in 1...m { factorial.append(factorial[k - 1] * Double(k)) }
        return (0..<m).map { i in
            var phi = 0.0
            let others = (0..<m).filter { $0 != i }
            for mask in 0..<(1 << others.count) {
                let s = Set(others.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
                let weight = factorial[s.count] * factorial[m - s.count - 1] / factorial[m]
                phi += weight * (tree.conditionalExpectation(x, known: s.union([i])) - tree.conditionalExpectation(x, known: s))
            }
            return phi
        }
    }

    /// A tree that splits on feature 0 twice along one path, the case TreeSHAP's unwinding exists for.
    static let handmade = RegressionTree(nodes: [
        .init(feature: 0, threshold: 0.5, left: 1, right: 2, value: 0, cover: 100),
        .init(feature: 1, threshold: 0.3, left: 3, right: 4, value: 0, cover: 60),
        .init(feature: 2, threshold: 0.7, left: 5, right: 6, value: 0, cover: 40),
        .init(feature: 0, threshold: 0.2, left: 7, right: 8, value: 0, cover: 25),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: 2.5, cover: 35),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: -1, cover: 30),
        .init(feature: 1, threshold: 0.9, left: 9, right: 10, value: 0, cover: 10),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: 4, cover: 5),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: 0.5, cover: 20),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: 7, cover: 4),
        .init(feature: -1, threshold: 0, left: -1, right: -1, value: -3, cover: 6),
    ])

    @Test(arguments: [[0.1, 0.2, 0.8, 0.0], [0.4, 0.9, 0.1, 1.0], [0.9, 0.95, 0.75, 0.0], [0.9, 0.1, 0.2, 0.5]])
    func equalsBruteForceShapleyOnASmallTree(x: [Double]) {
        let fast = Self.handmade.shapValues(x, features: 4)
        let slow = bruteForceShapley(Self.handmade, x)
        for (a, b) in zip(fast, slow) { #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-12)) }
        #expect(fast[3] == 0)
        let sum = fast.reduce(0, +)
        #expect(sum.isApproximatelyEqual(to: Self.handmade.predict(x) - Self.handmade.expectedValue, absoluteTolerance: 1e-12))
    }

    @Test func equalsBruteForceShapleyOnGrownTrees() throws {
        let table = try plantedZILN(rows: 1200, seed: 4)
        let model = try TwoStageBoostingTrainer(classifier: BoostedTreesTrainer(maximumRounds: 5, maximumLeaves: 12)).fit(table)
        for i in [0, 17, 333] {
            let x = table.features.row(i)
            for tree in model.classifier.trees {
                for (a, b) in zip(tree.shapValues(x, features: 4), bruteForceShapley(tree, x)) {
                    #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-12))
                }
            }
        }
    }
}
