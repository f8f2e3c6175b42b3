/// Exact nearest-neighbour search over unit-length sentence embeddings of one model (cosine = dot product).
///
/// A knowledge base has hundreds of passages, so a full scan is exact and takes microseconds; an approximate
/// index would only add error.
public struct DenseIndex: Sendable {
    /// The embedding model the vectors (and so the queries) come from.
    public let modelName: String
    public let dimensions: Int
    private let vectors: [[Float]]

    /// - Throws: ``AssistError/invalidIndex(_:)`` when the vectors differ in length or are not finite.
    public init(modelName: String, vectors: [[Float]]) throws(AssistError) {
        let d = vectors.first?.count ?? 0
        guard vectors.allSatisfy({ $0.count == d && $0.allSatisfy(\.isFinite) }) else {
            throw .invalidIndex("the \(modelName) vectors differ in length or hold NaN: re-run `clv kb ingest`")
        }
        self.modelName = modelName
        self.dimensions = d
        self.vectors = vectors
    }

    public var count: Int { vectors.count }

    /// The `limit` documents most similar to `query`, best first (ties by position).
    /// - Throws: ``AssistError/invalidIndex(_:)`` for a query of another dimension.
    public func search(_ query: [Float], limit: Int) throws(AssistError) -> [(document: Int, score: Double)] {
        guard vectors.isEmpty || query.count == dimensions else {
            throw .invalidIndex("a \(query.count)-dimensional query against \(dimensions)-dimensional \(modelName) vectors")
        }
        var scored: [(Int, Double)] = []
        scored.reserveCapacity(vectors.count)
        for (i, v) in vectors.enumerated() {
            var dot: Float = 0
            for j in 0..<dimensions { dot += v[j] * query[j] }
            scored.append((i, Double(dot)))
        }
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Array(scored.prefix(limit))
    }
}
