/// One user's row of the user × item matrix: the items they interacted with and how much.
public struct SparseVector: Sendable, Equatable {
    /// Item indices, ascending.
    public var indices: ArraySlice<Int32>
    /// The values, one per index.
    public var values: ArraySlice<Float>

    public init(indices: ArraySlice<Int32>, values: ArraySlice<Float>) {
        precondition(indices.count == values.count, "SparseVector: \(indices.count) indices for \(values.count) values")
        self.indices = indices
        self.values = values
    }

    /// A vector from (item, value) pairs in any order; repeated items are summed.
    public init(_ pairs: [(item: Int, value: Float)]) {
        var merged: [Int: Float] = [:]
        for pair in pairs { merged[pair.item, default: 0] += pair.value }
        let sorted = merged.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        self.init(indices: ArraySlice(sorted.map { Int32($0.key) }), values: ArraySlice(sorted.map(\.value)))
    }

    /// Number of stored items.
    public var count: Int { indices.count }

    /// The stored (item, value) pairs.
    public var entries: some Sequence<(item: Int, value: Float)> { zip(indices, values).lazy.map { (Int($0.0), $0.1) } }
}

extension SparseMatrix {
    /// Row `r` as a vector.
    public func row(_ r: Int) -> SparseVector { SparseVector(indices: columns(ofRow: r), values: values(ofRow: r)) }
}

/// An item with its score.
public struct ScoredItem: Sendable, Hashable {
    public var item: Int
    public var score: Float

    public init(item: Int, score: Float) {
        self.item = item
        self.score = score
    }
}

/// Which items a recommendation may contain.
///
/// By default a user's own items are left out (`allowRepurchase == false`), as implicit's
/// `filter_already_liked_items`; retail replenishment (coffee, printer ink) wants them back in.
public struct ItemFilter: Sendable {
    /// Keep items the user already has.
    public var allowRepurchase: Bool
    /// When set, only these items (a category, what is in stock, a price range) may be recommended.
    public var allowedItems: Set<Int>?
    /// When set, only items for which it returns true may be recommended.
    public var predicate: (@Sendable (Int) -> Bool)?

    public init(allowRepurchase: Bool = false, allowedItems: Set<Int>? = nil, predicate: (@Sendable (Int) -> Bool)? = nil) {
        self.allowRepurchase = allowRepurchase
        self.allowedItems = allowedItems
        self.predicate = predicate
    }

    /// The default: every item but the user's own.
    public static let unseen = ItemFilter()

    func admits(_ item: Int) -> Bool {
        if let allowedItems, !allowedItems.contains(item) { return false }
        if let predicate, !predicate(item) { return false }
        return true
    }
}

/// An item of a user's history and how much it pushed a recommended item up.
public struct ItemContribution: Sendable, Hashable {
    /// The history item.
    public var item: Int
    /// Its share of the recommended item's score (same units as the score).
    public var contribution: Float

    public init(item: Int, contribution: Float) {
        self.item = item
        self.contribution = contribution
    }
}

/// A fitted model that scores every item for a user.
public protocol Recommender: Sendable {
    /// Number of items the model knows.
    var itemCount: Int { get }

    /// Writes the score of every item for `user`, whose interactions are `history`.
    ///
    /// Models with user factors use the fitted factors of a user they were fitted on (`user < userCount`) and
    /// fold in `history` for any other user; neighbourhood and popularity models read `history` only.
    /// - Precondition: `scores.count == itemCount`.
    func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>)
}

/// A model that can say which of a user's items drove a recommendation.
public protocol ExplainableRecommender: Recommender {
    /// The items of `history` that contributed most to `item`'s score for `user`, largest first.
    func explain(user: Int, history: SparseVector, item: Int, count: Int) -> [ItemContribution]
}

extension Recommender {
    /// The scores of every item for `user`.
    public func scores(user: Int, history: SparseVector) -> [Float] {
        [Float](unsafeUninitializedCapacity: itemCount) { buffer, initialized in
            buffer.initialize(repeating: 0)
            scoreItems(user: user, history: history, into: buffer)
            initialized = itemCount
        }
    }

    /// The `k` best items for `user` that `filter` admits, best first.
    ///
    /// - Complexity: O(items·k) at worst, O(items) typically.
    public func recommend(user: Int, history: SparseVector, k: Int, filter: ItemFilter = .unseen) -> [ScoredItem] {
        let scores = scores(user: user, history: history)
        return Self.topItems(scores: scores, history: history, k: k, filter: filter)
    }

    static func topItems(scores: [Float], history: SparseVector, k: Int, filter: ItemFilter) -> [ScoredItem] {
        var excluded = Set<Int>()
        if !filter.allowRepurchase { excluded = Set(history.indices.map(Int.init)) }
        var top = TopK(k: k)
        let unrestricted = filter.allowedItems == nil && filter.predicate == nil
        for (item, score) in scores.enumerated() where score > top.threshold && score.isFinite {
            if !excluded.isEmpty, excluded.contains(item) { continue }
            if !unrestricted, !filter.admits(item) { continue }
            top.offer(item: item, score: score)
        }
        return zip(top.items, top.scores).map { ScoredItem(item: $0.0, score: $0.1) }
    }
}
