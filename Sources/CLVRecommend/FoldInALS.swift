/// ALS as served: item factors only, every user folded in from their current history (the exact solve of
/// ``ALSModel/foldIn(_:)``) with `YᵀY` computed once here instead of once per user.
///
/// No user factor is kept, so a saved model holds nothing about any one customer, and a customer whose history
/// grew since the fit (new orders) is scored on what they have now without a refit: the fold-in of the changed
/// users that incremental updates need.
public struct FoldInALS: ExplainableRecommender {
    /// The fitted model; its user factors are not read.
    public let model: ALSModel
    private let gram: [Double]

    public var itemCount: Int { model.itemCount }

    public init(_ model: ALSModel) {
        self.model = model
        self.gram = model.itemGram()
    }

    /// The model without its user factors: what is saved.
    public static func itemSide(of model: ALSModel) -> ALSModel {
        ALSModel(
            factors: model.factors, regularization: model.regularization, alpha: model.alpha, userFactors: [], itemFactors: model.itemFactors,
            userCount: 0, itemCount: model.itemCount)
    }

    /// The user's factors from `history`.
    public func userVector(_ history: SparseVector) -> [Float] { model.foldIn(history, itemGram: gram) }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "FoldInALS.scoreItems: \(scores.count) scores for \(itemCount) items")
        ALSModel.score(vector: userVector(history), itemFactors: model.itemFactors, factors: model.factors, into: scores)
    }

    public func explain(user: Int, history: SparseVector, item: Int, count: Int) -> [ItemContribution] {
        model.explain(history: history, item: item, count: count, itemGram: gram)
    }

    /// The items like `item`: cosine similarity of item factors.
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] { model.similarItems(to: item, count: count) }
}
