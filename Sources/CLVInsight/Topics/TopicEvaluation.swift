import Foundation

/// Topic quality as BERTopic's paper reports it: coherence (NPMI) and diversity.
public enum TopicEvaluation {
    /// The ε gensim adds inside the logarithms of NPMI, so that a pair that never co-occurs scores close to −1
    /// instead of −∞.
    public static let epsilon = 1e-12

    /// NPMI coherence of each topic and their mean.
    public struct Coherence: Sendable, Equatable, Codable {
        /// Per topic: the mean NPMI over all pairs of its top terms.
        public let perTopic: [Double]
        /// The mean over topics.
        public let mean: Double
    }

    /// Normalised pointwise mutual information of each topic's top terms (Bouma 2009; Röder, Both & Hinneburg 2015,
    /// "Exploring the space of topic coherence measures", WSDM, doi:10.1145/2684822.2685324), averaged over pairs.
    ///
    /// Probabilities are estimated from document co-occurrence over `documents` (the corpus the topics came from):
    /// p(w) = D(w)/N, p(wᵢ, wⱼ) = D(wᵢ, wⱼ)/N for N documents. As gensim's `c_npmi`,
    /// `NPMI = log((p(wᵢ,wⱼ) + ε) / (p(wᵢ)·p(wⱼ))) / −log(p(wᵢ,wⱼ) + ε)` with ε = 10⁻¹²; unlike gensim, which
    /// counts co-occurrence in sliding windows of 10 tokens, a document is the window here (the usual
    /// approximation for short texts such as reviews, where a document is shorter than a window anyway). A pair
    /// appearing in every document scores 1, a pair with a term absent from the corpus −1.
    ///
    /// - Parameters:
    ///   - topics: each topic's terms, best first.
    ///   - documents: the tokenised corpus (with the tokenizer that made the terms).
    ///   - topN: how many of each topic's first terms are scored (BERTopic: 10).
    /// - Returns: per-topic and mean coherence, in [−1, 1]; a topic with fewer than two terms scores 0.
    /// - Complexity: O(topics · topN² · N) set lookups.
    public static func npmiCoherence(topics: [[String]], documents: [[String]], topN: Int = 10) -> Coherence {
        let sets = documents.map(Set.init)
        let n = Double(sets.count)
        var perTopic: [Double] = []
        for topic in topics {
            let terms = Array(topic.prefix(topN))
            let containing = terms.map { t in Set(sets.indices.filter { sets[$0].contains(t) }) }
            var total = 0.0
            var pairs = 0
            for i in 0..<terms.count {
                for j in (i + 1)..<max(terms.count, i + 1) {
                    pairs += 1
                    let di = Double(containing[i].count)
                    let dj = Double(containing[j].count)
                    guard di > 0, dj > 0, n > 0 else {
                        total -= 1
                        continue
                    }
                    let dij = Double(containing[i].intersection(containing[j]).count)
                    if dij == n {
                        total += 1
                        continue
                    }
                    let joint = dij / n + epsilon
                    total += Foundation.log(joint / ((di / n) * (dj / n))) / -Foundation.log(joint)
                }
            }
            perTopic.append(pairs == 0 ? 0 : total / Double(pairs))
        }
        let mean = perTopic.isEmpty ? 0 : perTopic.reduce(0, +) / Double(perTopic.count)
        return Coherence(perTopic: perTopic, mean: mean)
    }

    /// Topic diversity (Dieng, Ruiz & Blei 2020, "Topic modeling in embedding spaces", TACL,
    /// doi:10.1162/tacl_a_00325): the share of unique terms among all topics' first `topN` terms, in (0, 1]; 1
    /// when no term is shared. As OCTIS and BERTopic compute it, the denominator is `topN × topics`.
    public static func diversity(topics: [[String]], topN: Int = 25) -> Double {
        guard !topics.isEmpty, topN > 0 else { return 0 }
        let unique = Set(topics.flatMap { $0.prefix(topN) })
        return Double(unique.count) / Double(topN * topics.count)
    }

    /// ``npmiCoherence(topics:documents:topN:)`` of a fitted model on its documents.
    public static func npmiCoherence(_ model: TopicModel, documents: [String], tokenizer: TopicTokenizer = TopicTokenizer(), topN: Int = 10) -> Coherence {
        npmiCoherence(topics: model.topics.map { $0.terms.map(\.term) }, documents: documents.map(tokenizer.tokens), topN: topN)
    }
}
