import CLVCore
import RealModule
import Testing

@testable import CLVRecommend

@Suite struct SparseMatrixTests {
    @Test func repeatedCellsAreSummedAndReturnsNetted() {
        let matrix = SparseMatrix(
            rows: 2, columns: 3,
            entries: [
                Interaction(user: 0, item: 2, value: 3), Interaction(user: 0, item: 0, value: 1), Interaction(user: 0, item: 2, value: 2),
                Interaction(user: 1, item: 1, value: 4), Interaction(user: 1, item: 1, value: -4), Interaction(user: 1, item: 0, value: -1),
            ])
        #expect(matrix.rowStart == [0, 2, 2])
        #expect(matrix.columnIndices == [0, 2])
        #expect(matrix.values == [1, 5])
        #expect(matrix.value(row: 0, column: 2) == 5)
        #expect(matrix.value(row: 1, column: 1) == 0)
        let transposed = matrix.transposed()
        #expect(transposed.rows == 3 && transposed.columns == 2)
        #expect(transposed.value(row: 2, column: 0) == 5)
        #expect(transposed.transposed() == matrix)
    }
}

@Suite struct RecommendTests {
    @Test func filtersDecideWhatMayBeRecommended() {
        let popularity = PopularityModel(userCounts: [5, 4, 3, 2, 1])
        let history = SparseVector([(item: 0, value: 1)])
        #expect(popularity.recommend(user: 0, history: history, k: 2).map(\.item) == [1, 2])
        #expect(popularity.recommend(user: 0, history: history, k: 2, filter: ItemFilter(allowRepurchase: true)).map(\.item) == [0, 1])
        #expect(popularity.recommend(user: 0, history: history, k: 2, filter: ItemFilter(allowedItems: [0, 3, 4])).map(\.item) == [3, 4])
        #expect(popularity.recommend(user: 0, history: history, k: 3, filter: ItemFilter(predicate: { $0 % 2 == 0 })).map(\.item) == [2, 4])
    }

    @Test func bprRanksTheUsersOwnBlockFirst() {
        let planted = PlantedBlocks()
        let model = BPREstimator(factors: 8, learningRate: 0.05, regularization: 0.01, iterations: 60, threads: 1).fit(planted.matrix)
        var inGroup = 0
        var total = 0
        for user in 0..<planted.matrix.rows {
            let top = model.recommend(user: user, history: planted.matrix.row(user), k: 3)
            inGroup += top.filter { planted.group(ofItem: $0.item) == planted.group(ofUser: user) }.count
            total += top.count
        }
        #expect(Double(inGroup) / Double(total) > 0.95, "\(inGroup) of \(total) in the user's block")
        // Seeded: one thread, same seed, same model.
        let again = BPREstimator(factors: 8, learningRate: 0.05, regularization: 0.01, iterations: 60, threads: 1).fit(planted.matrix)
        #expect(again == model)
        // Fold-in from the items alone recovers the block.
        let folded = model.recommend(user: model.userCount, history: SparseVector([(item: 61, value: 1), (item: 70, value: 1)]), k: 5)
        #expect(folded.allSatisfy { planted.group(ofItem: $0.item) == 3 })
    }

    @Test(arguments: [NeighbourWeighting.cosine, .bm25(k1: 1.2, b: 0.75), .tfidf])
    func itemNeighboursComeFromTheSameBlock(weighting: NeighbourWeighting) {
        let planted = PlantedBlocks()
        let model = ItemKNNEstimator(weighting: weighting, neighbours: 10).fit(planted.matrix)
        for item in [0, 33, 79] {
            let similar = model.similarItems(to: item, count: 10)
            #expect(similar.count == 10)
            #expect(similar.allSatisfy { planted.group(ofItem: $0.item) == planted.group(ofItem: item) && $0.item != item })
        }
        let user = 52
        let history = planted.matrix.row(user)
        let owned = Set(history.indices.map(Int.init))
        let top = model.recommend(user: user, history: history, k: 3)
        #expect(top.allSatisfy { planted.group(ofItem: $0.item) == planted.group(ofUser: user) && !owned.contains($0.item) })
        let reasons = model.explain(user: user, history: history, item: top[0].item, count: 5)
        #expect(!reasons.isEmpty)
        #expect(reasons.allSatisfy { owned.contains($0.item) })
    }

    @Test func blendScalesEachComponentToItsBestItem() {
        let planted = PlantedBlocks()
        let als = ALSEstimator(factors: 4, regularization: 0.05, alpha: 5, iterations: 20).fit(planted.matrix)
        let popularity = PopularityModel(fitting: planted.matrix)
        let history = planted.matrix.row(10)
        // Weight 1 on one component ranks exactly as that component.
        let alsOnly = BlendedRecommender([(als, 1), (popularity, 0)]).recommend(user: 10, history: history, k: 5)
        #expect(alsOnly.map(\.item) == als.recommend(user: 10, history: history, k: 5).map(\.item))
        // Each component contributes weight × score / its best score: an even blend of a model with itself gives
        // the model's scores divided by its best.
        let halves = BlendedRecommender([(popularity, 0.5), (popularity, 0.5)]).scores(user: 10, history: history)
        let counts = popularity.scores(user: 10, history: history)
        let best = counts.max()!
        #expect(zip(halves, counts).allSatisfy { $0.isApproximatelyEqual(to: $1 / best, relativeTolerance: 1e-6) || ($0 == 0 && $1 == 0) })
        // The weight chosen on a validation split is one of the grid's.
        let chosen = BlendedRecommender.chooseWeight(als, popularity, grid: [0, 0.5, 1], train: planted.matrix, validation: planted.matrix, k: 3)
        #expect([0, 0.5, 1].contains(chosen.weight))
    }

    @Test func cosineSimilarityIsHandChecked() {
        // Users × items: item 0 = (1, 1, 0), item 1 = (1, 0, 0), item 2 = (0, 1, 1).
        let matrix = SparseMatrix(
            rows: 3, columns: 3,
            entries: [
                Interaction(user: 0, item: 0), Interaction(user: 1, item: 0), Interaction(user: 0, item: 1), Interaction(user: 1, item: 2),
                Interaction(user: 2, item: 2),
            ])
        let model = ItemKNNEstimator(weighting: .cosine, neighbours: 2).fit(matrix)
        let similar = model.similarItems(to: 0, count: 2)
        // cos(0, 1) = 1/√2 ≈ 0.7071; cos(0, 2) = 1/(√2·√2) = 0.5.
        #expect(similar.map(\.item) == [1, 2])
        #expect(similar[0].score.isApproximatelyEqual(to: 0.70710677, relativeTolerance: 1e-6))
        #expect(similar[1].score.isApproximatelyEqual(to: 0.5, relativeTolerance: 1e-6))
    }
}

@Suite struct EvaluationTests {
    @Test func metricsOfATinyExampleMatchHandComputation() {
        // User A: list 1, 2, 3 against {1, 3, 9}: hits at ranks 1 and 3. User B: list 4, 5, 6 against {7}: none.
        let metrics = RankingMetrics.evaluate(lists: [[1, 2, 3], [4, 5, 6], [8]], relevant: [[1, 3, 9], [7], []], k: 3, catalogue: 10)
        #expect(metrics.users == 2)
        // precision: (2/3 + 0) / 2; recall: (2/3 + 0) / 2.
        #expect(metrics.precision.isApproximatelyEqual(to: 1.0 / 3.0, relativeTolerance: 1e-12))
        #expect(metrics.recall.isApproximatelyEqual(to: 1.0 / 3.0, relativeTolerance: 1e-12))
        // NDCG of A: (1 + 1/log2 4) / (1 + 1/log2 3 + 1/log2 4) = 1.5 / 2.1309298 = 0.7039180.
        #expect(metrics.ndcg.isApproximatelyEqual(to: 0.7039180 / 2, absoluteTolerance: 1e-7))
        // AP of A: (1/1 + 2/3) / min(3, 3) = 0.5555556.
        #expect(metrics.map.isApproximatelyEqual(to: 0.5555556 / 2, absoluteTolerance: 1e-7))
        // Items in the evaluated users' lists: 1…6 of 10 (user C had nothing held out, so is skipped).
        #expect(metrics.coverage == 0.6)
    }

    @Test func splitsHoldOutWhatTheySay() {
        var log: [Interaction] = []
        for user in 0..<5 {
            for t in 0..<(user + 4) { log.append(Interaction(user: user, item: t, value: 1, timestamp: Int64(100 * user + t))) }
        }
        let (train, test) = InteractionSplit.stratified(log, trainFraction: 0.75, seed: 1)
        #expect(train.count + test.count == log.count)
        for user in 0..<5 {
            let n = user + 4
            #expect(train.filter { $0.user == user }.count == Int((Double(n) * 0.75).rounded()))
        }
        let (again, _) = InteractionSplit.stratified(log, trainFraction: 0.75, seed: 1)
        #expect(again == train)

        let (before, after) = InteractionSplit.time(log, splitAt: 200)
        #expect(before.allSatisfy { $0.timestamp < 200 } && after.allSatisfy { $0.timestamp >= 200 })
        #expect(before.count == 9)

        let (history, last) = InteractionSplit.leaveLast(log.reversed(), k: 2)
        #expect(last.count == 10 && history.count == log.count - 10)
        for user in 0..<5 {
            #expect(Set(last.filter { $0.user == user }.map(\.item)) == [user + 2, user + 3])
        }
    }

    @Test func evaluationSkipsUsersWithoutHeldOutOrTrainingItems() {
        let planted = PlantedBlocks()
        // User 0 has no training items; users 1…9 hold out one unseen item of their block; the rest hold out none.
        let train = SparseMatrix(
            rows: planted.matrix.rows, columns: planted.matrix.columns,
            entries: (1..<planted.matrix.rows).flatMap { user in
                planted.matrix.row(user).entries.map { Interaction(user: user, item: $0.item, value: $0.value) }
            })
        let heldOut = (0..<10).compactMap { user in planted.missingItems(of: user).min().map { Interaction(user: user, item: $0) } }
        let test = SparseMatrix(rows: train.rows, columns: train.columns, entries: heldOut)
        let metrics = RecommenderEvaluation.evaluate(PopularityModel(fitting: train), train: train, test: test, k: 5)
        #expect(metrics.users == heldOut.filter { $0.user != 0 }.count)
        #expect(metrics.precision >= 0 && metrics.precision <= 0.2)
    }
}
