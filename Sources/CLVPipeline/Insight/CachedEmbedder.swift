import CLVData
import CLVText
import Foundation

/// Embeds stored texts through the embedding cache: each distinct text is embedded once per model, ever.
public struct CachedEmbedder: Sendable {
    public let model: any TextEmbeddingModel
    public let cache: any EmbeddingCache
    /// Texts per forward pass and per cache write (a killed run keeps what it wrote).
    public var chunkSize = 256

    public init(model: any TextEmbeddingModel, cache: any EmbeddingCache) {
        self.model = model
        self.cache = cache
    }

    /// The cache's name for the model's vectors: stored texts are documents, so instruction-trained models embed
    /// them as passages, and the role is part of the name.
    public var cacheKey: String { model.modelName.contains("e5") ? "\(model.modelName)/passage" : model.modelName }

    /// What one call embedded.
    public struct Outcome: Sendable {
        /// One vector per input text, in order.
        public var vectors: [[Float]]
        /// Distinct texts found in the cache, and embedded now.
        public var hits: Int
        public var misses: Int
    }

    /// Vectors for `texts`, embedding only those the cache does not hold.
    /// - Parameter progress: (embedded, to embed) after each chunk.
    public func embed(_ texts: [String], progress: (Int, Int) -> Void = { _, _ in }) async throws -> Outcome {
        let hashes = texts.map(TextHash.init(of:))
        var known = try await cache.embeddings(model: cacheKey, hashes: hashes)
        let hits = known.count
        var missing: [(TextHash, String)] = []
        var queued = Set<TextHash>()
        for (hash, text) in zip(hashes, texts) where known[hash] == nil && queued.insert(hash).inserted { missing.append((hash, text)) }
        var done = 0
        progress(0, missing.count)
        for start in stride(from: 0, to: missing.count, by: chunkSize) {
            try Task.checkCancellation()
            let chunk = missing[start..<min(start + chunkSize, missing.count)]
            let vectors = try model.embed(chunk.map(\.1), role: .passage)
            var fresh: [TextHash: [Float]] = [:]
            for ((hash, _), vector) in zip(chunk, vectors) { fresh[hash] = vector }
            try await cache.storeEmbeddings(model: cacheKey, fresh)
            known.merge(fresh) { $1 }
            done += chunk.count
            progress(done, missing.count)
        }
        return Outcome(vectors: hashes.map { known[$0]! }, hits: hits, misses: missing.count)
    }
}
