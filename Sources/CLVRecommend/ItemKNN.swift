import CLVNumerics

#if canImport(Glibc)
import Glibc
#endif

/// How item-kNN weighs the user × item matrix before taking item-item dot products (implicit's
/// `CosineRecommender`, `BM25Recommender`, `TFIDFRecommender`).
public enum NeighbourWeighting: Sendable, Hashable, Codable {
    /// Every item's column scaled to unit length: dot products are cosine similarities.
    case cosine
    /// Okapi BM25 on the item × user matrix (items are the documents, users the terms), with saturation `k1`
    /// and length normalisation `b` (implicit's BM25Recommender defaults: 1.2 and 0.75). Robertson & Zaragoza (2009), "The
    /// probabilistic relevance framework: BM25 and beyond", doi:10.1561/1500000019.
    case bm25(k1: Float, b: Float)
    /// `sqrt(count) · idf(user)` on the item × user matrix (Sparck Jones 1972), each item's row then scaled to unit length.
    case tfidf
}

/// Item-item nearest neighbours: each item keeps its `neighbours` most similar items, and a user's score for
/// item j is `Σ_{i∈u} r_ui · sim(i, j)` (Sarwar, Karypis, Konstan & Riedl 2001, "Item-based collaborative
/// filtering recommendation algorithms", WWW, doi:10.1145/371920.372071; Deshpande & Karypis 2004).
public struct ItemKNNEstimator: Sendable {
    public var weighting: NeighbourWeighting
    /// Neighbours kept per item (implicit's `K`, default 20); the item itself is never its own neighbour.
    public var neighbours: Int
    public var threads: Int

    public init(weighting: NeighbourWeighting = .cosine, neighbours: Int = 20, threads: Int = 2) {
        self.weighting = weighting
        self.neighbours = neighbours
        self.threads = threads
    }

    /// Computes the item-item neighbourhoods from a user × item count matrix.
    ///
    /// - Complexity: O(Σ_u nnz_u² + items·neighbours) time with one dense accumulator per thread.
    public func fit(_ interactions: SparseMatrix) -> ItemKNNModel {
        let itemUsers = Self.weighted(interactions.transposed(), weighting)
        let userItems = itemUsers.transposed()
        let items = interactions.columns
        let k = neighbours
        var neighbourItems = [Int32](repeating: -1, count: items * k)
        var neighbourScores = [Float](repeating: 0, count: items * k)
        let block = 64
        let blocks = (items + block - 1) / block
        neighbourItems.withUnsafeMutableBufferPointer { nb in
            neighbourScores.withUnsafeMutableBufferPointer { sb in
                let np = UncheckedPointer(nb.baseAddress!)
                let sp = UncheckedPointer(sb.baseAddress!)
                ParallelFor(threads: threads).run(count: blocks) { b in
                    var accumulator = [Float](repeating: 0, count: items)
                    var marked = [Bool](repeating: false, count: items)
                    var touched: [Int] = []
                    for i in (b * block)..<min(items, (b + 1) * block) {
                        touched.removeAll(keepingCapacity: true)
                        for p in itemUsers.rowStart[i]..<itemUsers.rowStart[i + 1] {
                            let user = Int(itemUsers.columnIndices[p])
                            let w = itemUsers.values[p]
                            for q in userItems.rowStart[user]..<userItems.rowStart[user + 1] {
                                let j = Int(userItems.columnIndices[q])
                                if !marked[j] {
                                    marked[j] = true
                                    touched.append(j)
                                }
                                accumulator[j] += w * userItems.values[q]
                            }
                        }
                        var top = TopK(k: k)
                        for j in touched {
                            if j != i { top.offer(item: j, score: accumulator[j]) }
                            accumulator[j] = 0
                            marked[j] = false
                        }
                        for (slot, (item, score)) in zip(top.items, top.scores).enumerated() {
                            np.pointer[i * k + slot] = Int32(item)
                            sp.pointer[i * k + slot] = score
                        }
                    }
                }
            }
        }
        return ItemKNNModel(weighting: weighting, neighbours: k, itemCount: items, neighbourItems: neighbourItems, neighbourScores: neighbourScores)
    }

    /// The item × user matrix after weighting.
    static func weighted(_ itemUsers: SparseMatrix, _ weighting: NeighbourWeighting) -> SparseMatrix {
        switch weighting {
        case .cosine:
            return unitRows(itemUsers)
        case .bm25(let k1, let b):
            let idf = inverseDocumentFrequency(itemUsers)
            var lengths = [Float](repeating: 0, count: itemUsers.rows)
            for r in 0..<itemUsers.rows { lengths[r] = itemUsers.values(ofRow: r).reduce(0, +) }
            let average = lengths.reduce(0, +) / Float(max(1, itemUsers.rows))
            return itemUsers.mapEntries { r, c, v in
                let norm = (1 - b) + b * lengths[r] / max(average, .leastNonzeroMagnitude)
                return v * (k1 + 1) / (k1 * norm + v) * idf[c]
            }
        case .tfidf:
            // Then unit rows, as for cosine: the dot products are cosines of the TF-IDF vectors (as implicit does).
            let idf = inverseDocumentFrequency(itemUsers)
            return unitRows(itemUsers.mapEntries { _, c, v in v.squareRoot() * idf[c] })
        }
    }

    /// Every row scaled to unit Euclidean length (empty and all-zero rows stay zero).
    static func unitRows(_ m: SparseMatrix) -> SparseMatrix {
        var norms = [Float](repeating: 0, count: m.rows)
        for r in 0..<m.rows {
            var s: Float = 0
            for v in m.values(ofRow: r) { s += v * v }
            norms[r] = s.squareRoot()
        }
        return m.mapEntries { r, _, v in norms[r] > 0 ? v / norms[r] : 0 }
    }

    /// `log N − log(1 + n_c)` for every column c of an N-row matrix, n_c its stored entries.
    static func inverseDocumentFrequency(_ m: SparseMatrix) -> [Float] {
        var counts = [Int](repeating: 0, count: m.columns)
        for c in m.columnIndices { counts[Int(c)] += 1 }
        let logN = logf(Float(m.rows))
        return counts.map { logN - log1pf(Float($0)) }
    }
}

/// Fitted item-kNN neighbourhoods: for item i, slots `i·neighbours ..< (i+1)·neighbours` of the two arrays
/// hold its neighbours (−1 for an empty slot) and their similarities, best first.
public struct ItemKNNModel: ExplainableRecommender, Codable, Equatable {
    public let weighting: NeighbourWeighting
    public let neighbours: Int
    public let itemCount: Int
    public let neighbourItems: [Int32]
    public let neighbourScores: [Float]

    public init(weighting: NeighbourWeighting, neighbours: Int, itemCount: Int, neighbourItems: [Int32], neighbourScores: [Float]) {
        precondition(neighbourItems.count == itemCount * neighbours && neighbourScores.count == neighbourItems.count, "ItemKNNModel: shapes")
        self.weighting = weighting
        self.neighbours = neighbours
        self.itemCount = itemCount
        self.neighbourItems = neighbourItems
        self.neighbourScores = neighbourScores
    }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "ItemKNNModel.scoreItems: \(scores.count) scores for \(itemCount) items")
        for i in 0..<itemCount { scores[i] = 0 }
        for (item, value) in history.entries where item < itemCount {
            for slot in (item * neighbours)..<((item + 1) * neighbours) {
                let j = neighbourItems[slot]
                if j < 0 { break }
                scores[Int(j)] += value * neighbourScores[slot]
            }
        }
    }

    /// The stored neighbours of `item`, best first.
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        var out: [ScoredItem] = []
        for slot in (item * neighbours)..<((item + 1) * neighbours) where out.count < count {
            let j = neighbourItems[slot]
            if j < 0 { break }
            out.append(ScoredItem(item: Int(j), score: neighbourScores[slot]))
        }
        return out
    }

    /// The user's items that have `item` among their neighbours, by `r_ui · sim(i, item)`.
    public func explain(user: Int, history: SparseVector, item: Int, count: Int) -> [ItemContribution] {
        var out: [ItemContribution] = []
        for (historyItem, value) in history.entries where historyItem < itemCount {
            for slot in (historyItem * neighbours)..<((historyItem + 1) * neighbours) {
                let j = neighbourItems[slot]
                if j < 0 { break }
                if Int(j) == item { out.append(ItemContribution(item: historyItem, contribution: value * neighbourScores[slot])) }
            }
        }
        return Array(out.sorted { $0.contribution > $1.contribution }.prefix(count))
    }
}

/// Most popular first: an item's score is the number of users who have it.
public struct PopularityModel: Recommender, Codable, Equatable {
    /// Users per item.
    public let userCounts: [Float]
    public var itemCount: Int { userCounts.count }

    public init(userCounts: [Float]) { self.userCounts = userCounts }

    /// Counts the users of each item.
    public init(fitting interactions: SparseMatrix) {
        var counts = [Float](repeating: 0, count: interactions.columns)
        for c in interactions.columnIndices { counts[Int(c)] += 1 }
        self.init(userCounts: counts)
    }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "PopularityModel.scoreItems: \(scores.count) scores for \(itemCount) items")
        for i in 0..<itemCount { scores[i] = userCounts[i] }
    }
}
