import CLVCore
import CLVNumerics
import RealModule
import Testing

@testable import CLVRecommend

@Suite struct ALSTests {
    @Test func lossDecreasesEveryIteration() {
        let matrix = randomCounts(rows: 120, columns: 80, density: 0.08, seed: 11)
        var losses: [Double] = []
        _ = ALSEstimator(factors: 8, regularization: 0.1, alpha: 2, iterations: 12, threads: 2).fit(matrix) { _, loss in losses.append(loss) }
        #expect(losses.count == 12)
        for (before, after) in zip(losses, losses.dropFirst()) {
            // Each CG step lowers the quadratic it solves, so the loss can only fall (up to float rounding).
            #expect(after <= before * (1 + 1e-6), "loss rose from \(before) to \(after)")
        }
        #expect(losses.last! < losses.first!)
    }

    @Test func plantedBlocksAreRecovered() {
        let planted = PlantedBlocks()
        let model = ALSEstimator(factors: 4, regularization: 0.05, alpha: 5, iterations: 25, threads: 2).fit(planted.matrix)
        var inGroup = 0
        var total = 0
        for user in 0..<planted.matrix.rows {
            let missing = planted.missingItems(of: user)
            guard !missing.isEmpty else { continue }
            let top = model.recommend(user: user, history: planted.matrix.row(user), k: missing.count)
            inGroup += top.filter { missing.contains($0.item) }.count
            total += missing.count
        }
        // Every unseen item of the user's own block must outrank every item of another block.
        #expect(total > 100)
        #expect(inGroup == total, "\(inGroup) of \(total) recommendations fall in the user's own block")
    }

    @Test func conjugateGradientMatchesCholeskyWhenRunToConvergence() {
        let matrix = randomCounts(rows: 30, columns: 40, density: 0.2, seed: 3)
        let model = ALSEstimator(factors: 6, regularization: 0.1, alpha: 3, iterations: 5, threads: 1).fit(matrix)
        // CG on an n × n system is exact after n steps (in exact arithmetic): give it 4n.
        var users = model.userFactors
        let confidence = matrix.mapValues { 1 + 3 * $0 }
        ALSSolver.halfStep(confidence, solving: &users, fixed: model.itemFactors, factors: 6, regularization: 0.1, steps: 24, parallel: ParallelFor(threads: 2))
        for user in 0..<matrix.rows {
            let exact = model.foldIn(matrix.row(user))
            let cg = Array(users[(user * 6)..<((user + 1) * 6)])
            let error = zip(exact, cg).map { abs($0 - $1) }.max()!
            #expect(error < 1e-4, "user \(user): CG and Cholesky differ by \(error)")
        }
    }

    @Test func foldInOfAFittedUserEqualsItsFactors() {
        let matrix = randomCounts(rows: 80, columns: 60, density: 0.1, seed: 5)
        let model = ALSEstimator(factors: 8, regularization: 1, alpha: 2, iterations: 100, threads: 2).fit(matrix)
        for user in stride(from: 0, to: matrix.rows, by: 7) {
            let fitted = Array(model.userVector(user))
            let folded = model.foldIn(matrix.row(user))
            let norm = fitted.map { $0 * $0 }.reduce(0, +).squareRoot()
            let difference = zip(fitted, folded).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            // Converged alternating solves: the user half-step's answer for the final item factors, to 1%.
            #expect(difference <= 0.01 * max(norm, 1e-3), "user \(user): |fold-in − fitted| = \(difference), |fitted| = \(norm)")
        }
    }

    @Test func unknownUserIsScoredByFoldIn() {
        let planted = PlantedBlocks()
        let model = ALSEstimator(factors: 4, regularization: 0.05, alpha: 5, iterations: 20).fit(planted.matrix)
        // A new customer who bought three items of block 2.
        let history = SparseVector([(item: 40, value: 1), (item: 41, value: 2), (item: 45, value: 1)])
        let top = model.recommend(user: model.userCount + 5, history: history, k: 10)
        #expect(top.count == 10)
        #expect(top.allSatisfy { planted.group(ofItem: $0.item) == 2 })
        #expect(top.allSatisfy { ![40, 41, 45].contains($0.item) })
    }

    @Test func explanationsNameItemsTheUserHas() {
        let planted = PlantedBlocks()
        let model = ALSEstimator(factors: 4, regularization: 0.05, alpha: 5, iterations: 20).fit(planted.matrix)
        for user in [0, 30, 77] {
            let history = planted.matrix.row(user)
            let owned = Set(history.indices.map(Int.init))
            let item = model.recommend(user: user, history: history, k: 1)[0].item
            let reasons = model.explain(user: user, history: history, item: item, count: 3)
            #expect(reasons.count == 3)
            #expect(reasons.allSatisfy { owned.contains($0.item) })
            // The explanation adds up to the fold-in score of the item (the decomposition is exact).
            let all = model.explain(user: user, history: history, item: item, count: history.count)
            let folded = model.foldIn(history)
            let score = zip(folded, model.itemVector(item)).map { $0 * $1 }.reduce(0, +)
            #expect(all.map(\.contribution).reduce(0, +).isApproximatelyEqual(to: score, relativeTolerance: 1e-3))
        }
    }

    @Test func similarItemsStayInTheirBlock() {
        let planted = PlantedBlocks()
        let model = ALSEstimator(factors: 4, regularization: 0.05, alpha: 5, iterations: 20).fit(planted.matrix)
        let similar = model.similarItems(to: 25, count: 10)
        #expect(similar.count == 10)
        #expect(similar.allSatisfy { planted.group(ofItem: $0.item) == 1 && $0.item != 25 })
    }
}
