import CLVCore
import Foundation

/// Durable storage of what customers wrote and looked at (texts already redacted).
///
/// Like order batches, an interaction batch is one transaction and idempotent: a record whose key is stored is
/// skipped and counted as a duplicate. A customer an interaction names who has no order yet is created (first seen
/// that day, no consent), so that consent, erasure and retention reach them.
public protocol InteractionStore: Sendable {
    /// Stores one batch in one transaction; `importID` (from ``OrderStore/beginImport(source:format:)``) is nil for
    /// interactions posted through the API.
    func write(_ interactions: [Interaction], importID: Int64?, counts: IngestCounts?, audit: [AuditEvent]) async throws -> (inserted: Int, duplicates: Int)

    /// The customer's interactions, oldest first.
    func interactions(of customer: CustomerID) async throws -> [Interaction]

    /// Every interaction of the given kinds (all kinds when empty), by customer and then time.
    func interactions(kinds: Set<InteractionKind>) async throws -> [Interaction]

    /// Interactions stored, by kind.
    func interactionCounts() async throws -> [InteractionKind: Int]
}

/// The product catalogue: titles, descriptions, categories and prices, and who bought what.
public protocol ProductCatalog: Sendable {
    /// Inserts or replaces the given products (a field absent from the new record keeps its stored value), in one
    /// transaction. Returns how many were new.
    func upsertProducts(_ products: [Product]) async throws -> (inserted: Int, updated: Int)

    /// Every product, by id.
    func products() async throws -> [Product]

    /// The products among `ids` that are stored, by id (a profile reads only what its customer bought).
    func products(ids: Set<String>) async throws -> [String: Product]

    /// Every purchase line's (customer, product, day, quantity), returns excluded, by customer and day: what
    /// interest vectors and recommendations are built from.
    func productPurchases() async throws -> [ProductPurchase]

    /// One customer's purchase lines, as ``productPurchases()``.
    func productPurchases(of customer: CustomerID) async throws -> [ProductPurchase]

    /// Every line with a customer and a product, returns included with a negative quantity, by customer and day:
    /// what recommendation matrices are built from, so that a return nets against its purchase.
    func productLinesNettingReturns() async throws -> [ProductPurchase]
}

/// A purchase line reduced to what profiles need.
public struct ProductPurchase: Sendable, Equatable {
    public var customer: CustomerID
    public var product: String
    public var day: CalendarDay
    public var quantity: Double

    public init(customer: CustomerID, product: String, day: CalendarDay, quantity: Double) {
        self.customer = customer
        self.product = product
        self.day = day
        self.quantity = quantity
    }
}

/// Sentence embeddings of stored texts (interaction texts and product descriptions), by model and text hash, so
/// that nothing is embedded twice. Vectors of different models never mix: the model is part of the key.
///
/// Only texts stored elsewhere in the database are cached: erasure and retention delete every vector whose text no
/// interaction or product holds any more.
public protocol EmbeddingCache: Sendable {
    /// The cached vectors among `hashes` for `model`.
    func embeddings(model: String, hashes: [TextHash]) async throws -> [TextHash: [Float]]
    /// Stores vectors (replacing any under the same key), in one transaction.
    func storeEmbeddings(model: String, _ vectors: [TextHash: [Float]]) async throws
    /// Vectors cached, by model.
    func embeddingCounts() async throws -> [String: Int]
}

extension InteractionStore {
    /// Interactions whose write needs no audit record of its own (file imports are recorded as ingest runs).
    public func write(_ interactions: [Interaction], importID: Int64?, counts: IngestCounts?) async throws -> (inserted: Int, duplicates: Int) {
        try await write(interactions, importID: importID, counts: counts, audit: [])
    }
}
