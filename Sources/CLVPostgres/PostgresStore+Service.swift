import CLVCore
import CLVData
import Foundation
import PostgresNIO

// MARK: - Audit log

extension PostgresStore: AuditLog {
    public func audit(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        try await transaction { connection in try await Self.insertAudit(events, on: connection, logger: logger) }
    }

    public func auditHash(of id: CustomerID) async throws -> String { pseudonym(of: id) }

    /// HMAC-SHA256 of the id under the installation's audit key (the same pseudonym as the SQLite store's for the
    /// same key).
    func pseudonym(of id: CustomerID) -> String {
        SHA256.hmac(key: auditKey, message: Array(id.rawValue.utf8)).hexString
    }

    public func auditEvents(limit: Int) async throws -> [AuditEvent] {
        let rows = try await query("SELECT at, actor, action, customer_hash, detail FROM audit_event ORDER BY id DESC LIMIT \(max(0, limit))")
        var events: [AuditEvent] = []
        for try await (at, actor, action, hash, detail) in rows.decode((Date, String, String, String?, String?).self) {
            events.append(AuditEvent(at: at, actor: actor, action: action, customerHash: hash, detail: detail))
        }
        return events
    }

    static func insertAudit(_ events: [AuditEvent], on connection: PostgresConnection, logger: Logger) async throws {
        for event in events {
            try await connection.query(
                """
                INSERT INTO audit_event (at, actor, action, customer_hash, detail)
                VALUES (\(event.at), \(event.actor), \(event.action), \(event.customerHash), \(event.detail))
                """, logger: logger)
        }
    }
}

// MARK: - API keys

extension PostgresStore: KeyStore {
    public func createKey(role: Role, label: String?) async throws -> (key: APIKeyRecord, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = "clv_" + (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let created = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let prefix = String(secret.prefix(10))
        let id = try await query(
            """
            INSERT INTO api_key (secret_hash, prefix, role, label, created_at)
            VALUES (\(SHA256.hex(secret)), \(prefix), \(role.rawValue), \(label), \(created)) RETURNING id
            """
        ).single(Int.self)
        return (APIKeyRecord(id: Int64(id), prefix: prefix, role: role, label: label, createdAt: created, revokedAt: nil), secret)
    }

    public func key(secretHash: String) async throws -> APIKeyRecord? {
        try await keyRecords(try await query("\(unescaped: Self.keyColumns) WHERE secret_hash = \(secretHash) AND revoked_at IS NULL")).first
    }

    public func keys() async throws -> [APIKeyRecord] {
        try await keyRecords(try await query("\(unescaped: Self.keyColumns) ORDER BY id"))
    }

    public func revokeKey(id: Int64) async throws -> Bool {
        try await query(
            "WITH revoked AS (UPDATE api_key SET revoked_at = \(Date()) WHERE id = \(id) AND revoked_at IS NULL RETURNING 1) SELECT count(*) FROM revoked"
        ).single(Int.self) > 0
    }

    private static let keyColumns = "SELECT id, prefix, role, label, created_at, revoked_at FROM api_key"

    private func keyRecords(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var keys: [APIKeyRecord] = []
        for try await (id, prefix, roleText, label, created, revoked) in rows.decode((Int, String, String, String?, Date, Date?).self) {
            guard let role = Role(rawValue: roleText) else { throw StoreError.unreadableRow(table: "api_key", reason: "unknown role '\(roleText)'") }
            keys.append(APIKeyRecord(id: Int64(id), prefix: prefix, role: role, label: label, createdAt: created, revokedAt: revoked))
        }
        return keys
    }
}

// MARK: - Model runs

extension PostgresStore: ModelRunStore {
    public func saveModelRun(_ run: ModelRunRecord) async throws -> Int64 {
        Int64(
            try await query(
                """
                INSERT INTO model_run (model, created_at, data_end, time_unit, customers, log_likelihood, converged, fit_json)
                VALUES (\(run.kind.rawValue), \(run.createdAt), \(run.dataEnd.daysSinceEpoch), \(run.unit.rawValue), \(run.customers),
                    \(run.logLikelihood), \(run.converged), \(run.fitJSON))
                RETURNING id
                """
            ).single(Int.self))
    }

    public func modelRuns() async throws -> [ModelRunRecord] {
        try await modelRunRecords(try await query("\(unescaped: Self.modelRunColumns) ORDER BY id DESC"))
    }

    public func modelRun(id: Int64) async throws -> ModelRunRecord? {
        try await modelRunRecords(try await query("\(unescaped: Self.modelRunColumns) WHERE id = \(id)")).first
    }

    public func latestModelRun(kind: ModelKind) async throws -> ModelRunRecord? {
        try await modelRunRecords(try await query("\(unescaped: Self.modelRunColumns) WHERE model = \(kind.rawValue) ORDER BY id DESC LIMIT 1")).first
    }

    private static let modelRunColumns = "SELECT id, model, created_at, data_end, time_unit, customers, log_likelihood, converged, fit_json FROM model_run"

    private func modelRunRecords(_ rows: PostgresRowSequence) async throws -> [ModelRunRecord] {
        var runs: [ModelRunRecord] = []
        for try await (id, kindText, created, dataEnd, unitText, customers, logLikelihood, converged, json) in rows.decode(
            (Int, String, Date, Int, String, Int, Double?, Bool, String).self)
        {
            guard let kind = ModelKind(rawValue: kindText) else { throw StoreError.unreadableRow(table: "model_run", reason: "unknown model '\(kindText)'") }
            guard let unit = TimeUnit(rawValue: unitText) else {
                throw StoreError.unreadableRow(table: "model_run", reason: "unknown time unit '\(unitText)'")
            }
            runs.append(
                ModelRunRecord(
                    id: Int64(id), kind: kind, createdAt: created, dataEnd: CalendarDay(daysSinceEpoch: dataEnd), unit: unit, customers: customers,
                    logLikelihood: logLikelihood, converged: converged, fitJSON: json))
        }
        return runs
    }
}

// MARK: - Interactions

extension PostgresStore: InteractionStore {
    public func write(
        _ interactions: [Interaction], importID: Int64?, counts: IngestCounts?, audit: [AuditEvent]
    ) async throws -> (inserted: Int, duplicates: Int) {
        try await transaction { connection in
            try await Self.insertAudit(audit, on: connection, logger: logger)
            var inserted = 0
            for interaction in interactions {
                // A customer known only from their words still gets a row, so that consent and erasure reach them.
                let added = try await Self.count(
                    connection, logger,
                    """
                    WITH added AS (
                        INSERT INTO interaction (customer_id, key, kind, text, text_hash, product_id, rating, at, day, ingest_run_id)
                        VALUES (\(interaction.customer.rawValue), \(interaction.key), \(interaction.kind.rawValue), \(interaction.text),
                            \(interaction.textHash.hex), \(interaction.product), \(interaction.rating), \(interaction.timestamp.timeIntervalSince1970),
                            \(interaction.day.daysSinceEpoch), \(importID))
                        ON CONFLICT (customer_id, key) DO NOTHING
                        RETURNING customer_id, day
                    ), customers AS (
                        INSERT INTO customer (customer_id, first_seen_day) SELECT customer_id, day FROM added
                        ON CONFLICT (customer_id) DO UPDATE SET first_seen_day = least(customer.first_seen_day, excluded.first_seen_day)
                    )
                    SELECT 1 FROM added
                    """)
                inserted += added
            }
            if let importID, var running = counts {
                running.imported += inserted
                running.duplicates += interactions.count - inserted
                try await Self.updateCounts(running, importID: importID, on: connection, logger: logger)
            }
            return (inserted, interactions.count - inserted)
        }
    }

    public func interactions(of customer: CustomerID) async throws -> [Interaction] {
        try await interactionRecords(try await query("\(unescaped: Self.interactionColumns) WHERE customer_id = \(customer.rawValue) ORDER BY at, key"))
    }

    public func interactions(kinds: Set<InteractionKind>) async throws -> [Interaction] {
        let names = kinds.map(\.rawValue).sorted()
        let filter: PostgresQuery =
            kinds.isEmpty
            ? "\(unescaped: Self.interactionColumns) ORDER BY customer_id, at, key"
            : "\(unescaped: Self.interactionColumns) WHERE kind = ANY(\(names)) ORDER BY customer_id, at, key"
        return try await interactionRecords(try await query(filter))
    }

    public func interactionCounts() async throws -> [InteractionKind: Int] {
        var counts: [InteractionKind: Int] = [:]
        for try await (kind, count) in try await query("SELECT kind, count(*) FROM interaction GROUP BY kind").decode((String, Int).self) {
            if let kind = InteractionKind(rawValue: kind) { counts[kind] = count }
        }
        return counts
    }

    private static let interactionColumns = "SELECT key, customer_id, kind, text, product_id, rating, at FROM interaction"

    private func interactionRecords(_ rows: PostgresRowSequence) async throws -> [Interaction] {
        var result: [Interaction] = []
        for try await (key, customer, kindText, text, product, rating, at) in rows.decode((Int, String, String, String, String?, Double?, Double).self) {
            guard let kind = InteractionKind(rawValue: kindText) else {
                throw StoreError.unreadableRow(table: "interaction", reason: "unknown kind '\(kindText)'")
            }
            result.append(
                Interaction(
                    key: Int64(key), customer: CustomerID(customer), kind: kind, text: text, product: product, rating: rating,
                    timestamp: Date(timeIntervalSince1970: at)))
        }
        return result
    }
}

// MARK: - Products

extension PostgresStore: ProductCatalog {
    public func upsertProducts(_ products: [Product]) async throws -> (inserted: Int, updated: Int) {
        try await transaction { connection in
            var inserted = 0
            for product in products {
                // xmax = 0 only on a row this statement inserted (an updated row carries the updating transaction).
                let new = try await connection.query(
                    """
                    INSERT INTO product (product_id, title, description, category, price)
                    VALUES (\(product.id), \(product.title), \(product.description), \(product.category), \(product.price))
                    ON CONFLICT (product_id) DO UPDATE SET
                        title = coalesce(excluded.title, product.title), description = coalesce(excluded.description, product.description),
                        category = coalesce(excluded.category, product.category), price = coalesce(excluded.price, product.price)
                    RETURNING (xmax = 0)
                    """, logger: logger
                ).single(Bool.self)
                if new { inserted += 1 }
            }
            return (inserted, products.count - inserted)
        }
    }

    public func products() async throws -> [Product] {
        try await productRecords(try await query("SELECT product_id, title, description, category, price FROM product ORDER BY product_id"))
    }

    public func products(ids: Set<String>) async throws -> [String: Product] {
        let records = try await productRecords(
            try await query("SELECT product_id, title, description, category, price FROM product WHERE product_id = ANY(\(ids.sorted()))"))
        return Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
    }

    public func productPurchases() async throws -> [ProductPurchase] {
        try await purchases(
            try await query(
                """
                SELECT customer_id, product_id, day, coalesce(quantity, 1) FROM order_line
                WHERE customer_id <> '' AND product_id IS NOT NULL AND NOT is_return
                ORDER BY customer_id, day, line_key
                """))
    }

    public func productLinesNettingReturns() async throws -> [ProductPurchase] {
        try await purchases(
            try await query(
                """
                SELECT customer_id, product_id, day, CASE WHEN is_return THEN -abs(coalesce(quantity, 1)) ELSE coalesce(quantity, 1) END
                FROM order_line
                WHERE customer_id <> '' AND product_id IS NOT NULL
                ORDER BY customer_id, day, line_key
                """))
    }

    public func productPurchases(of customer: CustomerID) async throws -> [ProductPurchase] {
        let history = try await recentOrderLines(of: customer, limit: Int.max)
        return history.reversed().compactMap { line in
            guard !line.isReturn, let product = line.product else { return nil }
            return ProductPurchase(customer: customer, product: product, day: line.day, quantity: line.quantity ?? 1)
        }
    }

    private func productRecords(_ rows: PostgresRowSequence) async throws -> [Product] {
        var products: [Product] = []
        for try await (id, title, description, category, price) in rows.decode((String, String?, String?, String?, Double?).self) {
            products.append(Product(id: id, title: title, description: description, category: category, price: price))
        }
        return products
    }

    private func purchases(_ rows: PostgresRowSequence) async throws -> [ProductPurchase] {
        var result: [ProductPurchase] = []
        for try await (customer, product, day, quantity) in rows.decode((String, String, Int, Double).self) {
            result.append(ProductPurchase(customer: CustomerID(customer), product: product, day: CalendarDay(daysSinceEpoch: day), quantity: quantity))
        }
        return result
    }
}

// MARK: - Embedding cache

extension PostgresStore: EmbeddingCache {
    public func embeddings(model: String, hashes: [TextHash]) async throws -> [TextHash: [Float]] {
        let wanted = Set(hashes.map(\.hex)).sorted()
        var found: [TextHash: [Float]] = [:]
        for try await (hex, blob) in try await query("SELECT text_hash, vector FROM embedding WHERE model = \(model) AND text_hash = ANY(\(wanted))")
            .decode((String, ByteBuffer).self)
        {
            guard let hash = TextHash(hex: hex) else { throw StoreError.unreadableRow(table: "embedding", reason: "'\(hex)' is not a text hash") }
            found[hash] = Self.vector(blob)
        }
        return found
    }

    public func storeEmbeddings(model: String, _ vectors: [TextHash: [Float]]) async throws {
        try await transaction { connection in
            for (hash, vector) in vectors.sorted(by: { $0.key.hex < $1.key.hex }) {
                try await connection.query(
                    """
                    INSERT INTO embedding (model, text_hash, dimensions, vector) VALUES (\(model), \(hash.hex), \(vector.count), \(Self.blob(vector)))
                    ON CONFLICT (model, text_hash) DO UPDATE SET dimensions = excluded.dimensions, vector = excluded.vector
                    """, logger: logger)
            }
        }
    }

    public func embeddingCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for try await (model, count) in try await query("SELECT model, count(*) FROM embedding GROUP BY model").decode((String, Int).self) {
            counts[model] = count
        }
        return counts
    }

    /// Little-endian Float32, as the SQLite store's blobs.
    static func blob(_ vector: [Float]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(vector.count * 4)
        for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
        return buffer
    }

    static func vector(_ blob: ByteBuffer) -> [Float] {
        var blob = blob
        var vector: [Float] = []
        vector.reserveCapacity(blob.readableBytes / 4)
        while let bits = blob.readInteger(endianness: .little, as: UInt32.self) { vector.append(Float(bitPattern: bits)) }
        return vector
    }
}

// MARK: - Knowledge base

extension PostgresStore: KnowledgeBaseStore {
    public func storeKnowledge(_ chunks: [KnowledgeChunk]) async throws -> KnowledgeWriteCounts {
        try await transaction { connection in
            let articles = Set(chunks.map(\.articleID))
            var stored: [String: KnowledgeChunk] = [:]
            for chunk in try await Self.knowledgeChunks(
                try await connection.query("\(unescaped: Self.knowledgeColumns) WHERE article_id = ANY(\(articles.sorted()))", logger: logger))
            {
                stored[chunk.id] = chunk
            }
            var written = 0, unchanged = 0
            for chunk in chunks {
                if stored.removeValue(forKey: chunk.id) == chunk {
                    unchanged += 1
                    continue
                }
                try await connection.query(
                    """
                    INSERT INTO knowledge_chunk (id, article_id, title, heading, body, tags, language, text_hash)
                    VALUES (\(chunk.id), \(chunk.articleID), \(chunk.title), \(chunk.heading), \(chunk.text), \(Self.tagsText(chunk.tags)),
                        \(chunk.language), \(TextHash(of: chunk.searchText).hex))
                    ON CONFLICT (id) DO UPDATE SET article_id = excluded.article_id, title = excluded.title, heading = excluded.heading,
                        body = excluded.body, tags = excluded.tags, language = excluded.language, text_hash = excluded.text_hash
                    """, logger: logger)
                written += 1
            }
            // What is left belongs to the batch's articles but not to their new versions.
            if !stored.isEmpty {
                try await connection.query("DELETE FROM knowledge_chunk WHERE id = ANY(\(stored.keys.sorted()))", logger: logger)
            }
            return KnowledgeWriteCounts(articles: articles.count, written: written, unchanged: unchanged, removed: stored.count)
        }
    }

    public func knowledgeChunks() async throws -> [KnowledgeChunk] {
        try await Self.knowledgeChunks(try await query("\(unescaped: Self.knowledgeColumns) ORDER BY article_id, id"))
    }

    private static let knowledgeColumns = "SELECT id, article_id, title, heading, body, tags, language FROM knowledge_chunk"

    /// Tags as one text: a unit separator between them, as in the SQLite store.
    private static func tagsText(_ tags: [String]) -> String { tags.joined(separator: "\u{1F}") }

    private static func knowledgeChunks(_ rows: PostgresRowSequence) async throws -> [KnowledgeChunk] {
        var chunks: [KnowledgeChunk] = []
        for try await (id, article, title, heading, body, tags, language) in rows.decode((String, String, String, String, String, String, String).self) {
            chunks.append(
                KnowledgeChunk(
                    id: id, articleID: article, title: title, heading: heading, text: body,
                    tags: tags.isEmpty ? [] : tags.split(separator: "\u{1F}").map(String.init), language: language))
        }
        return chunks
    }
}

// MARK: - Assistant sessions

extension PostgresStore: AssistSessionStore {
    public func appendAssistTurn(_ turn: AssistTurn) async throws {
        // The interaction is written through the same path as any other, so its customer row appears too.
        _ = try await write([turn.interaction], importID: nil, counts: nil)
        let sources = String(decoding: try JSONEncoder().encode(turn.sources), as: UTF8.self)
        try await query(
            """
            INSERT INTO assist_turn (customer_id, interaction_key, session, reply, action, route, intent, sources, suggested_answer)
            VALUES (\(turn.interaction.customer.rawValue), \(turn.interaction.key), \(turn.session), \(turn.reply), \(turn.action), \(turn.route),
                \(turn.intent), \(sources), \(turn.suggestedAnswer))
            ON CONFLICT (customer_id, interaction_key) DO NOTHING
            """)
    }

    public func assistTurns(session: String, customer: CustomerID) async throws -> [AssistTurn] {
        try await assistTurnRecords(
            try await query(
                "\(unescaped: Self.turnColumns) WHERE t.customer_id = \(customer.rawValue) AND t.session = \(session) ORDER BY i.at, i.key"))
    }

    public func recentAssistTurns(limit: Int) async throws -> [AssistTurn] {
        try await assistTurnRecords(try await query("\(unescaped: Self.turnColumns) ORDER BY i.at DESC, i.key DESC LIMIT \(max(0, limit))"))
    }

    private static let turnColumns = """
        SELECT i.customer_id, i.key, i.kind, i.text, i.product_id, i.rating, i.at, t.session, t.reply, t.action, t.route, t.intent, t.sources,
            t.suggested_answer
        FROM assist_turn t JOIN interaction i ON i.customer_id = t.customer_id AND i.key = t.interaction_key
        """

    private func assistTurnRecords(_ rows: PostgresRowSequence) async throws -> [AssistTurn] {
        var turns: [AssistTurn] = []
        for try await (customer, key, kindText, text, product, rating, at, session, reply, action, route, intent, sources, suggested) in rows.decode(
            (String, Int, String, String, String?, Double?, Double, String, String, String, String, String, String, String?).self)
        {
            let interaction = Interaction(
                key: Int64(key), customer: CustomerID(customer), kind: InteractionKind(rawValue: kindText) ?? .chat, text: text, product: product,
                rating: rating, timestamp: Date(timeIntervalSince1970: at))
            turns.append(
                AssistTurn(
                    session: session, interaction: interaction, reply: reply, action: action, route: route, intent: intent,
                    sources: (try? JSONDecoder().decode([String].self, from: Data(sources.utf8))) ?? [], suggestedAnswer: suggested))
        }
        return turns
    }
}

// MARK: - Recommender runs

extension PostgresStore: RecommenderRunStore {
    public func saveRecommenderRun(_ run: RecommenderRunRecord) async throws -> Int64 {
        Int64(
            try await query(
                """
                INSERT INTO recommender_run (model, created_at, data_end, customers, products, fit_json)
                VALUES (\(run.model), \(run.createdAt), \(run.dataEnd.daysSinceEpoch), \(run.customers), \(run.products), \(run.fitJSON))
                RETURNING id
                """
            ).single(Int.self))
    }

    public func latestRecommenderRun(model: String?) async throws -> RecommenderRunRecord? {
        let columns = "SELECT id, model, created_at, data_end, customers, products, fit_json FROM recommender_run"
        let rows =
            if let model {
                try await query("\(unescaped: columns) WHERE model = \(model) ORDER BY id DESC LIMIT 1")
            } else {
                try await query("\(unescaped: columns) ORDER BY id DESC LIMIT 1")
            }
        for try await (id, model, created, dataEnd, customers, products, json) in rows.decode((Int, String, Date, Int, Int, Int, String).self) {
            return RecommenderRunRecord(
                id: Int64(id), model: model, createdAt: created, dataEnd: CalendarDay(daysSinceEpoch: dataEnd), customers: customers, products: products,
                fitJSON: json)
        }
        return nil
    }
}
