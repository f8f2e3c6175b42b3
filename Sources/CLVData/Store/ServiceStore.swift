/// Everything the workflow layer, the HTTP service and the CLI need from storage: one store implements them all
/// (SQLite in CLVSQLite; PostgreSQL later), and the store conformance suite checks each promise on every one.
public typealias ServiceStore = OrderStore & CustomerDirectory & AuditLog & KeyStore & ModelRunStore & InteractionStore & ProductCatalog & EmbeddingCache
    & KnowledgeBaseStore & AssistSessionStore & RecommenderRunStore & ScoreStore
