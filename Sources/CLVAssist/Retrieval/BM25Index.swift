import Foundation

/// Okapi BM25 over a fixed set of documents (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework:
/// BM25 and Beyond", eq. 3.14 with Lucene's non-negative idf `ln(1 + (N − n + 0.5)/(n + 0.5))`).
///
/// score(q, d) = Σ_t∈q idf(t) · f(t,d)·(k1 + 1) / (f(t,d) + k1·(1 − b + b·|d|/avgdl)), over the query's distinct terms.
public struct BM25Index: Sendable {
    /// Term-frequency saturation.
    public let k1: Double
    /// Length normalisation.
    public let b: Double
    public let tokenizer: SearchTokenizer
    private let postings: [String: [(document: Int, count: Int)]]
    private let lengths: [Double]
    private let averageLength: Double

    /// An index of `documents` (their positions are the ids ``search(_:limit:)`` returns).
    public init(documents: [String], tokenizer: SearchTokenizer = SearchTokenizer(), k1: Double = 1.2, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
        self.tokenizer = tokenizer
        var postings: [String: [(Int, Int)]] = [:]
        var lengths: [Double] = []
        for (i, document) in documents.enumerated() {
            let terms = tokenizer.terms(document)
            lengths.append(Double(terms.count))
            var counts: [String: Int] = [:]
            for term in terms { counts[term, default: 0] += 1 }
            for (term, count) in counts { postings[term, default: []].append((i, count)) }
        }
        self.postings = postings
        self.lengths = lengths
        averageLength = lengths.isEmpty ? 0 : max(lengths.reduce(0, +) / Double(lengths.count), 1)
    }

    public var documentCount: Int { lengths.count }

    /// Documents with a positive score, best first (ties by position), at most `limit`.
    public func search(_ query: String, limit: Int) -> [(document: Int, score: Double)] {
        let n = Double(lengths.count)
        var scores: [Int: Double] = [:]
        for term in Set(tokenizer.terms(query)) {
            guard let list = postings[term] else { continue }
            let idf = log(1 + (n - Double(list.count) + 0.5) / (Double(list.count) + 0.5))
            for (document, count) in list {
                let f = Double(count)
                scores[document, default: 0] += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[document] / averageLength))
            }
        }
        return scores.filter { $0.value > 0 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
            .map { ($0.key, $0.value) }
    }
}
