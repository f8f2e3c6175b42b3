import CLVCore
import CLVNumerics

#if canImport(Glibc)
import Glibc
#endif

/// Top-k ranking metrics averaged over the evaluated users, with catalogue coverage.
///
/// For a user with relevant (held-out) set T and top-k list L: precision = |L∩T|/k; recall = |L∩T|/|T|;
/// NDCG = DCG/IDCG with binary gains, `DCG = Σ_{rank r, L_r∈T} 1/log2(r+1)` and IDCG the DCG of min(k, |T|)
/// hits; MAP = `Σ_{r: L_r∈T} precision@r / min(k, |T|)` (Microsoft Recommenders' and RecBole's definitions,
/// so the published MovieLens tables compare). Coverage is the share of the catalogue that appears in at least
/// one user's list.
public struct RankingMetrics: Sendable, Hashable, Codable {
    public var k: Int
    public var precision: Double
    public var recall: Double
    public var ndcg: Double
    public var map: Double
    public var coverage: Double
    /// Users averaged over (those with at least one held-out item).
    public var users: Int

    public init(k: Int, precision: Double, recall: Double, ndcg: Double, map: Double, coverage: Double, users: Int) {
        self.k = k
        self.precision = precision
        self.recall = recall
        self.ndcg = ndcg
        self.map = map
        self.coverage = coverage
        self.users = users
    }

    /// The metrics of recommendation lists against held-out items.
    ///
    /// - Parameters:
    ///   - lists: each user's recommended items, best first (at most k are read).
    ///   - relevant: each user's held-out items; users with none are skipped.
    ///   - k: the cut-off.
    ///   - catalogue: the number of items that could be recommended.
    public static func evaluate(lists: [[Int]], relevant: [Set<Int>], k: Int, catalogue: Int) -> RankingMetrics {
        precondition(lists.count == relevant.count, "RankingMetrics: \(lists.count) lists for \(relevant.count) users")
        var precision = 0.0
        var recall = 0.0
        var ndcg = 0.0
        var map = 0.0
        var users = 0
        var recommended = Set<Int>()
        for (list, truth) in zip(lists, relevant) {
            guard !truth.isEmpty else { continue }
            users += 1
            let top = list.prefix(k)
            recommended.formUnion(top)
            var hits = 0
            var dcg = 0.0
            var averagePrecision = 0.0
            for (rank, item) in top.enumerated() where truth.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(rank + 2))
                averagePrecision += Double(hits) / Double(rank + 1)
            }
            let ideal = min(k, truth.count)
            var idcg = 0.0
            for rank in 0..<ideal { idcg += 1 / log2(Double(rank + 2)) }
            precision += Double(hits) / Double(k)
            recall += Double(hits) / Double(truth.count)
            ndcg += idcg > 0 ? dcg / idcg : 0
            map += averagePrecision / Double(ideal)
        }
        let n = Double(max(1, users))
        return RankingMetrics(
            k: k, precision: precision / n, recall: recall / n, ndcg: ndcg / n, map: map / n,
            coverage: catalogue > 0 ? Double(recommended.count) / Double(catalogue) : 0, users: users)
    }
}

/// Offline evaluation of a fitted recommender on a train/test split.
public enum RecommenderEvaluation {
    /// Recommends `k` items to every user with held-out items and at least one training item, and scores the
    /// lists against the held-out items.
    ///
    /// - Parameters:
    ///   - model: the fitted model (fitted on `train`).
    ///   - train: the training matrix (its rows are the histories; seen items are filtered unless the filter
    ///     allows repurchase).
    ///   - test: the held-out matrix, same shape.
    ///   - filter: which items may be recommended.
    ///   - threads: users scored in parallel.
    public static func evaluate(
        _ model: some Recommender, train: SparseMatrix, test: SparseMatrix, k: Int, filter: ItemFilter = .unseen, threads: Int = 2
    ) -> RankingMetrics {
        let users = (0..<min(train.rows, test.rows)).filter { test.count(ofRow: $0) > 0 && train.count(ofRow: $0) > 0 }
        let lists = recommendAll(model, users: users, train: train, k: k, filter: filter, threads: threads)
        let relevant = users.map { Set(test.columns(ofRow: $0).map(Int.init)) }
        return RankingMetrics.evaluate(lists: lists, relevant: relevant, k: k, catalogue: model.itemCount)
    }

    /// The top-k lists of the given users, in parallel.
    public static func recommendAll(
        _ model: some Recommender, users: [Int], train: SparseMatrix, k: Int, filter: ItemFilter = .unseen, threads: Int = 2
    ) -> [[Int]] {
        var lists = [[Int]](repeating: [], count: users.count)
        lists.withUnsafeMutableBufferPointer { out in
            let o = UncheckedPointer(out.baseAddress!)
            ParallelFor(threads: threads).run(count: users.count) { index in
                let user = users[index]
                let row = user < train.rows ? train.row(user) : SparseVector(indices: [], values: [])
                o.pointer[index] = model.recommend(user: user, history: row, k: k, filter: filter).map(\.item)
            }
        }
        return lists
    }
}

/// Ways to hold out part of an interaction log; each returns (train, test) interactions.
public enum InteractionSplit {
    /// Train on everything before `date`, test on everything from it on (timestamps in the log's units).
    /// Test cells of users or items absent from training are kept: evaluation skips users without training
    /// items, and items unseen in training simply cannot be hit.
    public static func time(_ log: [Interaction], splitAt date: Int64) -> (train: [Interaction], test: [Interaction]) {
        (log.filter { $0.timestamp < date }, log.filter { $0.timestamp >= date })
    }

    /// For every user, a random `trainFraction` of their interactions (rounded to the nearest whole one) to
    /// training and the rest to test, seeded (Microsoft Recommenders' `python_stratified_split`).
    public static func stratified(_ log: [Interaction], trainFraction: Double, seed: UInt64) -> (train: [Interaction], test: [Interaction]) {
        var byUser: [Int: [Interaction]] = [:]
        for entry in log { byUser[entry.user, default: []].append(entry) }
        var rng = SplitMix64(seed: seed)
        var train: [Interaction] = []
        var test: [Interaction] = []
        for user in byUser.keys.sorted() {
            var rows = byUser[user]!
            rows.shuffle(using: &rng)
            let cut = Int((Double(rows.count) * trainFraction).rounded())
            train += rows[0..<cut]
            test += rows[cut...]
        }
        return (train, test)
    }

    /// For every user with more than `k` interactions, the last `k` (by timestamp; ties by log order) to test.
    public static func leaveLast(_ log: [Interaction], k: Int) -> (train: [Interaction], test: [Interaction]) {
        var byUser: [Int: [(offset: Int, element: Interaction)]] = [:]
        for (offset, entry) in log.enumerated() { byUser[entry.user, default: []].append((offset, entry)) }
        var train: [Interaction] = []
        var test: [Interaction] = []
        for user in byUser.keys.sorted() {
            let rows = byUser[user]!.sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
            if rows.count > k {
                train += rows[0..<(rows.count - k)]
                test += rows[(rows.count - k)...]
            } else {
                train += rows
            }
        }
        return (train, test)
    }
}
