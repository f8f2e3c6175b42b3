import CLVAssist
import CLVCore
import CLVData
import CLVText
import Foundation

/// Ingests the knowledge base into the store and builds its retriever: articles are chunked by heading, stored,
/// and each passage is embedded once (through the embedding cache) by the model of its language.
public struct KnowledgeBaseWorkflow: Sendable {
    public let store: any KnowledgeBaseStore & EmbeddingCache
    /// The embedding models by choice; only the ones a language needs are used.
    public let encoders: [EmbeddingModelChoice: any TextEmbeddingModel]

    public init(store: any KnowledgeBaseStore & EmbeddingCache, encoders: [EmbeddingModelChoice: any TextEmbeddingModel]) {
        self.store = store
        self.encoders = encoders
    }

    /// Loads MiniLM and e5-small from the models directory.
    /// - Throws: when a model was not fetched (`make setup`).
    public static func loadEncoders(directory: ModelDirectory = ModelDirectory()) throws -> [EmbeddingModelChoice: any TextEmbeddingModel] {
        [.minilm: try EmbeddingModelChoice.minilm.load(from: directory), .e5Small: try EmbeddingModelChoice.e5Small.load(from: directory)]
    }

    /// What an ingest did.
    public struct IngestReport: Sendable, Equatable, Codable {
        public var articles: Int
        public var chunks: Int
        public var written: Int
        public var unchanged: Int
        public var removed: Int
        /// Passages embedded now, and found in the cache.
        public var embedded: Int
        public var cached: Int
    }

    /// Stores `articles` and embeds their passages.
    public func ingest(_ articles: [KnowledgeArticle], progress: (Int, Int) -> Void = { _, _ in }) async throws -> IngestReport {
        let chunks = articles.flatMap(KnowledgeChunker.chunks(of:))
        let counts = try await store.storeKnowledge(chunks)
        let (_, outcome) = try await vectors(for: chunks, progress: progress)
        return IngestReport(
            articles: articles.count, chunks: chunks.count, written: counts.written, unchanged: counts.unchanged, removed: counts.removed,
            embedded: outcome.misses, cached: outcome.hits)
    }

    /// The retriever over every stored passage (embedding any passage the cache lacks).
    /// - Throws: ``AssistError/emptyKnowledgeBase`` when nothing was ingested.
    public func retriever() async throws -> KnowledgeRetriever {
        let chunks = try await store.knowledgeChunks()
        guard !chunks.isEmpty else { throw AssistError.emptyKnowledgeBase }
        let (vectors, _) = try await vectors(for: chunks)
        var byLanguage: [String: any TextEmbeddingModel] = [:]
        for chunk in chunks {
            let language = KnowledgeRetriever.partitionName(chunk.language)
            byLanguage[language] = try encoder(KnowledgeRetriever.modelChoice(forLanguage: language))
        }
        return try KnowledgeRetriever(chunks: chunks, vectors: vectors, encoders: byLanguage)
    }

    private func encoder(_ choice: EmbeddingModelChoice) throws -> any TextEmbeddingModel {
        guard let model = encoders[choice] else { throw AssistError.invalidParameter("the \(choice.rawValue) embedding model is not loaded") }
        return model
    }

    /// Each chunk's passage vector by its language's model, in order, through the cache.
    private func vectors(for chunks: [KnowledgeChunk], progress: (Int, Int) -> Void = { _, _ in }) async throws -> ([[Float]], CachedEmbedder.Outcome) {
        var vectors = [[Float]](repeating: [], count: chunks.count)
        var total = CachedEmbedder.Outcome(vectors: [], hits: 0, misses: 0)
        let groups = Dictionary(grouping: chunks.indices) { KnowledgeRetriever.modelChoice(forLanguage: chunks[$0].language) }
        for choice in groups.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            let rows = groups[choice]!
            let outcome = try await CachedEmbedder(model: try encoder(choice), cache: store).embed(rows.map { chunks[$0].searchText }, progress: progress)
            for (row, vector) in zip(rows, outcome.vectors) { vectors[row] = vector }
            total.hits += outcome.hits
            total.misses += outcome.misses
        }
        return (vectors, total)
    }
}
