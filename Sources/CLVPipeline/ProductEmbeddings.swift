import CLVData
import CLVRecommend
import CLVText

/// How the content model reads a product's title and description.
public enum ProductContent: Sendable {
    /// TF-IDF of the words: no model needed, and only products sharing a word with the customer's score.
    case words
    /// Sentence embeddings of the texts (through the store's embedding cache): products described alike in other
    /// words score too.
    case embeddings(CachedEmbedder)

    /// The embedding model's cache name, nil for words: recorded with a run whose ranking reads it.
    var embeddingModel: String? {
        switch self {
        case .words: nil
        case .embeddings(let embedder): embedder.cacheKey
        }
    }
}

/// Unit sentence embeddings of the catalogue's product texts (title and description), by product id.
struct ProductEmbeddings: Sendable {
    let dimensions: Int
    let vectors: [String: [Float]]

    /// Embeds every product with a text; texts already in the cache are not embedded again.
    static func embedding(_ catalogue: [Product], with embedder: CachedEmbedder) async throws -> ProductEmbeddings {
        let described = catalogue.compactMap { product in product.text.map { (product.id, $0) } }
        let vectors = try await embedder.embed(described.map(\.1)).vectors
        return ProductEmbeddings(
            dimensions: embedder.model.dimensions,
            vectors: Dictionary(zip(described.map(\.0), vectors).map { ($0, $1) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The `count` products among `candidates` (that `admitting` admits) whose embeddings have the largest cosine
    /// with `product`'s, best first.
    func nearest(to product: String, among candidates: IndexMap<String>, count: Int, admitting: (String) -> Bool) -> [(product: String, score: Float)] {
        guard let query = vectors[product] else { return [] }
        var scored: [(product: String, score: Float)] = []
        for id in candidates.ids where admitting(id) {
            guard let v = vectors[id] else { continue }
            scored.append((id, zip(query, v).reduce(0) { $0 + $1.0 * $1.1 }))
        }
        return Array(scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.product < $1.product }.prefix(count))
    }
}

/// Content-based recommendations from embeddings: a customer's interest vector is the sum of the embeddings of
/// the products they have, and a product scores the cosine of its embedding with it (the interest vector's length
/// does not change the order). Products without a text score zero.
struct EmbeddingContentRecommender: Recommender {
    let itemCount: Int
    private let dimensions: Int
    /// `[itemCount × dimensions]`, row per product column; zero rows for products without a text.
    private let matrix: [Float]

    init(_ embeddings: ProductEmbeddings, products: [String]) {
        let d = embeddings.dimensions
        var matrix = [Float](repeating: 0, count: products.count * d)
        for (item, id) in products.enumerated() {
            guard let v = embeddings.vectors[id] else { continue }
            for f in 0..<d { matrix[item * d + f] = v[f] }
        }
        self.itemCount = products.count
        self.dimensions = d
        self.matrix = matrix
    }

    func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        let d = dimensions
        var interest = [Float](repeating: 0, count: d)
        for (item, value) in history.entries where item < itemCount {
            for f in 0..<d { interest[f] += value * matrix[item * d + f] }
        }
        let norm = interest.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else {
            for i in 0..<scores.count { scores[i] = 0 }
            return
        }
        for f in 0..<d { interest[f] /= norm }
        matrix.withUnsafeBufferPointer { rows in
            for item in 0..<itemCount {
                var s: Float = 0
                for f in 0..<d { s += rows[item * d + f] * interest[f] }
                scores[item] = s
            }
        }
    }
}
