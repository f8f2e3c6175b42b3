/// Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009, SIGIR): score(d) = Σ_r 1 / (k + rank_r(d)), ranks
/// from 1, over the rankings that contain d. Only ranks matter, so retrievers whose scores live on different
/// scales (BM25's unbounded sums, cosines) combine without calibration; k = 60 is the paper's choice.
public enum ReciprocalRankFusion {
    /// The fused ranking of documents, best first (ties by document id).
    /// - Parameter rankings: each a list of document ids, best first.
    public static func fuse(_ rankings: [[Int]], k: Double = 60) -> [(document: Int, score: Double)] {
        var scores: [Int: Double] = [:]
        for ranking in rankings {
            for (position, document) in ranking.enumerated() { scores[document, default: 0] += 1 / (k + Double(position + 1)) }
        }
        return scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
