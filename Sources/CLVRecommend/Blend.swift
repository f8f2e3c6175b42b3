/// A weighted blend of fitted recommenders: each component's scores for the user are scaled so that its best
/// item scores 1 (the components' scores live on different scales: ALS preferences, kNN similarity sums,
/// popularity counts), then summed with the weights.
public struct BlendedRecommender: Recommender {
    /// The components and their weights.
    public let components: [(model: any Recommender, weight: Float)]

    public var itemCount: Int { components.first?.model.itemCount ?? 0 }

    /// - Precondition: at least one component, all over the same items.
    public init(_ components: [(model: any Recommender, weight: Float)]) {
        precondition(!components.isEmpty, "BlendedRecommender: no components")
        precondition(Set(components.map(\.model.itemCount)).count == 1, "BlendedRecommender: components over different items")
        self.components = components
    }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<scores.count { scores[i] = 0 }
        for (model, weight) in components where weight != 0 {
            let part = model.scores(user: user, history: history)
            let top = part.max() ?? 0
            guard top > 0 else { continue }
            let scale = weight / top
            for i in 0..<scores.count { scores[i] += scale * part[i] }
        }
    }

    /// The weight `w` of `first` (and `1 − w` of `second`) among `grid` with the best recall@k on a validation
    /// split; ties go to the earlier grid value.
    public static func chooseWeight(
        _ first: any Recommender, _ second: any Recommender, grid: [Float], train: SparseMatrix, validation: SparseMatrix, k: Int, threads: Int = 2
    ) -> (weight: Float, recall: Double) {
        var best: (weight: Float, recall: Double) = (grid.first ?? 1, -1)
        for w in grid {
            let blend = BlendedRecommender([(first, w), (second, 1 - w)])
            let recall = RecommenderEvaluation.evaluate(blend, train: train, test: validation, k: k, threads: threads).recall
            if recall > best.recall { best = (w, recall) }
        }
        return best
    }
}
