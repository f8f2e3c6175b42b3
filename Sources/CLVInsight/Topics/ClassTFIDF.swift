import Foundation

/// Class-based TF-IDF (c-TF-IDF), the term weighting BERTopic labels topics with (Grootendorst 2022,
/// "BERTopic: Neural topic modeling with a class-based TF-IDF procedure", arXiv:2203.05794, eq. 1).
///
/// All documents of a class (topic) are joined into one; for term t and class c,
/// `W(t, c) = tf(t, c) · log(1 + A / f(t))`, where `tf(t, c)` is the frequency of t in c divided by the number of
/// terms in c (BERTopic's `ClassTfidfTransformer` L1-normalises each class), `f(t)` is the frequency of t over all
/// classes and `A` the average number of terms per class, truncated to an integer as BERTopic does.
public enum ClassTFIDF {
    /// c-TF-IDF weights of every term of every class.
    ///
    /// - Parameter classes: each class's term counts.
    /// - Returns: each class's weights (terms absent from the class have none).
    public static func weights(_ classes: [[String: Int]]) -> [[String: Double]] {
        var frequency: [String: Int] = [:]
        var totals: [Int] = []
        for counts in classes {
            totals.append(counts.values.reduce(0, +))
            for (term, n) in counts { frequency[term, default: 0] += n }
        }
        guard !classes.isEmpty else { return [] }
        let average = Double(totals.reduce(0, +) / classes.count)
        return classes.enumerated().map { c, counts in
            guard totals[c] > 0 else { return [:] }
            var out: [String: Double] = [:]
            for (term, n) in counts {
                let tf = Double(n) / Double(totals[c])
                out[term] = tf * Foundation.log1p(average / Double(frequency[term]!))
            }
            return out
        }
    }

    /// The `count` highest-weighted terms of each class, highest first (ties alphabetical).
    public static func topTerms(_ classes: [[String: Int]], count: Int) -> [[WeightedTerm]] {
        weights(classes).map { w in
            w.map { WeightedTerm(term: $0.key, weight: $0.value) }
                .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.term < $1.term }
                .prefix(count).map { $0 }
        }
    }
}

/// A term with its weight in a topic.
public struct WeightedTerm: Sendable, Equatable, Codable {
    /// The term (a word, or a Chinese character bigram).
    public let term: String
    /// Its c-TF-IDF weight.
    public let weight: Double

    public init(term: String, weight: Double) {
        self.term = term
        self.weight = weight
    }
}
