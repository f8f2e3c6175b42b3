import CLVCore
import CLVText

/// Which retriever ranked a passage.
public enum RetrieverKind: String, Sendable, Codable, CaseIterable {
    case bm25
    case dense
}

/// A passage a search returned, with what each retriever thought of it.
public struct RetrievedPassage: Sendable, Equatable, Codable {
    public var chunk: KnowledgeChunk
    /// The score of the ranking asked for: the fused RRF score, or one retriever's own score.
    public var score: Double
    /// BM25's score and 1-based rank among its results, when BM25 found the passage.
    public var bm25Score: Double?
    public var bm25Rank: Int?
    /// The cosine to the query and its 1-based rank, when the dense retriever ranked the passage in its top `depth`.
    public var denseScore: Double?
    public var denseRank: Int?
    /// The retrievers whose results held the passage.
    public var foundBy: [RetrieverKind]
    /// The embedding model the dense score is of.
    public var denseModel: String?
}

/// Hybrid search over the knowledge base: BM25 and dense retrieval within the query's language, fused by
/// reciprocal rank.
///
/// Passages are partitioned by language, and each partition has its own dense index, built with the model that
/// reads that language (MiniLM for English; e5-small for Chinese and everything else). A query goes to the
/// partition of its language (Chinese when it holds a Han character: mixed text is read by e5) and is embedded
/// with that partition's model, so a query vector is only ever compared with vectors of its own model. With no
/// passage in the query's language, every partition is searched by BM25 alone.
public struct KnowledgeRetriever: Sendable {
    /// One language's passages and indexes.
    public struct Partition: Sendable {
        public let language: String
        /// Positions in ``KnowledgeRetriever/chunks``.
        public let members: [Int]
        public let bm25: BM25Index
        public let dense: DenseIndex
        public let encoder: any TextEmbeddingModel
    }

    /// How a search ranks.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case bm25, dense, fused
    }

    public let chunks: [KnowledgeChunk]
    public let partitions: [String: Partition]
    /// How deep each retriever's list goes before fusion.
    public var depth = 20

    /// - Parameters:
    ///   - chunks: every passage.
    ///   - vectors: each passage's embedding (as a passage) by the model of its language, in the order of `chunks`.
    ///   - encoders: the embedding model of each language; a language absent here uses `encoders["*"]`.
    /// - Throws: ``AssistError/emptyKnowledgeBase`` without chunks, ``AssistError/invalidIndex(_:)`` when vectors and
    ///   chunks disagree or a language has no model.
    public init(chunks: [KnowledgeChunk], vectors: [[Float]], encoders: [String: any TextEmbeddingModel]) throws(AssistError) {
        guard !chunks.isEmpty else { throw .emptyKnowledgeBase }
        guard vectors.count == chunks.count else { throw .invalidIndex("\(vectors.count) vectors for \(chunks.count) passages") }
        self.chunks = chunks
        var members: [String: [Int]] = [:]
        for (i, chunk) in chunks.enumerated() { members[Self.partitionName(chunk.language), default: []].append(i) }
        var partitions: [String: Partition] = [:]
        for (language, rows) in members {
            guard let encoder = encoders[language] ?? encoders["*"] else { throw .invalidIndex("no embedding model for language '\(language)'") }
            partitions[language] = Partition(
                language: language, members: rows, bm25: BM25Index(documents: rows.map { chunks[$0].searchText }),
                dense: try DenseIndex(modelName: encoder.modelName, vectors: rows.map { vectors[$0] }), encoder: encoder)
        }
        self.partitions = partitions
    }

    /// The partition a language's passages go to: `zh-CN`, `zh-Hans` and `zh` are one; so are `en-GB` and `en`.
    public static func partitionName(_ language: String) -> String {
        String(language.lowercased().split(separator: "-").first ?? "")
    }

    /// The language a query is searched in: Chinese when it holds a Han character, English otherwise.
    public static func queryLanguage(_ query: String) -> String {
        EmbeddingModelChoice.containsHan(query) ? "zh" : "en"
    }

    /// The embedding model each passage must be embedded with, by chunk language (for the ingest step).
    public static func modelChoice(forLanguage language: String) -> EmbeddingModelChoice {
        partitionName(language) == "en" ? .minilm : .e5Small
    }

    /// The `k` best passages for `query`.
    /// - Throws: ``AssistError`` when a query vector does not fit its index, or the encoder fails.
    public func search(_ query: String, k: Int = 5, mode: Mode = .fused) throws -> [RetrievedPassage] {
        guard let partition = partitions[Self.queryLanguage(query)] else {
            // No passage in the query's language: BM25 over everything is all that can be compared.
            let bm25 = BM25Index(documents: chunks.map(\.searchText)).search(query, limit: k)
            return bm25.enumerated().map { rank, hit in
                RetrievedPassage(
                    chunk: chunks[hit.document], score: hit.score, bm25Score: hit.score, bm25Rank: rank + 1, denseScore: nil, denseRank: nil,
                    foundBy: [.bm25], denseModel: nil)
            }
        }
        let lexical = mode == .dense ? [] : partition.bm25.search(query, limit: depth)
        var semantic: [(document: Int, score: Double)] = []
        if mode != .bm25 {
            let vector = try partition.encoder.embed([query], role: .query)[0]
            semantic = try partition.dense.search(vector, limit: depth)
        }
        var bm25Of: [Int: (Double, Int)] = [:]
        for (rank, hit) in lexical.enumerated() { bm25Of[hit.document] = (hit.score, rank + 1) }
        var denseOf: [Int: (Double, Int)] = [:]
        for (rank, hit) in semantic.enumerated() { denseOf[hit.document] = (hit.score, rank + 1) }
        let ranking: [(document: Int, score: Double)] =
            switch mode {
            case .bm25: lexical
            case .dense: semantic
            case .fused: ReciprocalRankFusion.fuse([lexical.map(\.document), semantic.map(\.document)])
            }
        return ranking.prefix(k).map { hit in
            let b = bm25Of[hit.document]
            let d = denseOf[hit.document]
            return RetrievedPassage(
                chunk: chunks[partition.members[hit.document]], score: hit.score, bm25Score: b?.0, bm25Rank: b?.1, denseScore: d?.0, denseRank: d?.1,
                foundBy: (b == nil ? [] : [.bm25]) + (d == nil ? [] : [.dense]), denseModel: partition.dense.modelName)
        }
    }
}
