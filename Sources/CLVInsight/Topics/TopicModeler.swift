import CLVNumerics

/// Topics of a set of documents from their sentence embeddings: k-means on the embeddings, then each cluster
/// labelled with its most distinctive terms by c-TF-IDF (``ClassTFIDF``), as BERTopic does (without its UMAP/HDBSCAN
/// stage: on normalised sentence embeddings k-means is the simpler, deterministic choice).
public struct TopicModeler: Sendable, Equatable {
    /// The number of topics, or nil to choose it in ``candidateTopicCounts`` by silhouette.
    public var topicCount: Int?
    /// The numbers of topics tried when ``topicCount`` is nil.
    public var candidateTopicCounts: ClosedRange<Int>
    /// The clustering settings (its `clusterCount` is replaced).
    public var kmeans: KMeans
    /// Terms reported per topic.
    public var termsPerTopic: Int
    /// Documents reported per topic (those closest to its centroid).
    public var representativesPerTopic: Int
    /// How documents become terms.
    public var tokenizer: TopicTokenizer

    /// A topic modeller; by default it chooses between 2 and 10 topics.
    public init(
        topicCount: Int? = nil, candidateTopicCounts: ClosedRange<Int> = 2...10, kmeans: KMeans = KMeans(clusterCount: 2), termsPerTopic: Int = 10,
        representativesPerTopic: Int = 3, tokenizer: TopicTokenizer = TopicTokenizer()
    ) {
        self.topicCount = topicCount
        self.candidateTopicCounts = candidateTopicCounts
        self.kmeans = kmeans
        self.termsPerTopic = termsPerTopic
        self.representativesPerTopic = representativesPerTopic
        self.tokenizer = tokenizer
    }

    /// Finds the topics of `documents`.
    ///
    /// - Parameters:
    ///   - documents: the texts (already redacted).
    ///   - embeddings: one embedding per document, of one model.
    ///   - seed: the seed of the clustering.
    /// - Returns: topics numbered by size (topic 0 is the largest), and each document's topic.
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when the counts differ, and the errors of ``KMeans``.
    public func fit(documents: [String], embeddings: [[Float]], seed: UInt64 = 0) throws(InsightError) -> TopicModel {
        guard documents.count == embeddings.count else { throw .shapeMismatch("\(documents.count) documents and \(embeddings.count) embeddings") }
        let x = try FeatureMatrix(embeddings: embeddings)
        let clustering: KMeansResult
        var silhouette: Double?
        if let k = topicCount {
            var configuration = kmeans
            configuration.clusterCount = k
            clustering = try configuration.fit(x, seed: seed)
        } else {
            let upper = min(candidateTopicCounts.upperBound, x.rows - 1)
            guard upper >= candidateTopicCounts.lowerBound else { throw .tooFewRows(needed: candidateTopicCounts.lowerBound + 1, found: x.rows) }
            let selection = try kmeans.chooseK(in: candidateTopicCounts.lowerBound...upper, for: x, seed: seed)
            clustering = selection.best
            silhouette = selection.candidates.first { $0.k == selection.k }?.silhouette
        }
        return Self.topics(
            documents: documents, x: x, clustering: clustering, silhouette: silhouette, tokenizer: tokenizer, terms: termsPerTopic,
            representatives: representativesPerTopic
        )
    }

    static func topics(
        documents: [String], x: FeatureMatrix, clustering: KMeansResult, silhouette: Double?, tokenizer: TopicTokenizer, terms: Int, representatives: Int
    ) -> TopicModel {
        let k = clustering.clusterCount
        // Topic 0 is the largest cluster; ties by the first document in the cluster.
        let sizes = clustering.clusterSizes
        let firstDocument = (0..<k).map { c in clustering.assignments.firstIndex(of: c) ?? Int.max }
        let order = (0..<k).filter { sizes[$0] > 0 }.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : firstDocument[$0] < firstDocument[$1] }
        var topicOf = [Int](repeating: -1, count: k)
        for (t, c) in order.enumerated() { topicOf[c] = t }
        let assignments = clustering.assignments.map { topicOf[$0] }

        var counts = [[String: Int]](repeating: [:], count: order.count)
        for (i, document) in documents.enumerated() {
            for term in tokenizer.tokens(document) { counts[assignments[i]][term, default: 0] += 1 }
        }
        let top = ClassTFIDF.topTerms(counts, count: terms)

        var members = [[Int]](repeating: [], count: order.count)
        for (i, t) in assignments.enumerated() { members[t].append(i) }
        let topics = order.enumerated().map { t, c in
            let centroid = clustering.centroids.row(c)
            let distance = members[t].map { i in
                var s = 0.0
                for j in 0..<x.columns {
                    let diff = x[i, j] - centroid[j]
                    s += diff * diff
                }
                return (i, s)
            }
            let closest = distance.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(representatives).map(\.0)
            return Topic(id: t, terms: top[t], size: members[t].count, representativeDocuments: Array(closest))
        }
        return TopicModel(topics: topics, assignments: assignments, silhouette: silhouette)
    }
}

/// The topics of a corpus.
public struct TopicModel: Sendable, Equatable, Codable {
    /// The topics, largest first (``Topic/id`` is the index).
    public let topics: [Topic]
    /// Each document's topic id.
    public let assignments: [Int]
    /// The silhouette of the chosen clustering, when the number of topics was chosen by it.
    public let silhouette: Double?
}

/// One topic: its distinctive terms, its size and its most typical documents.
public struct Topic: Sendable, Equatable, Codable {
    /// 0 for the largest topic, 1 for the next, ….
    public let id: Int
    /// The highest c-TF-IDF terms, highest first.
    public let terms: [WeightedTerm]
    /// The number of documents in the topic.
    public let size: Int
    /// Indices of the documents closest to the topic's centroid, closest first.
    public let representativeDocuments: [Int]
}
