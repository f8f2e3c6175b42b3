import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Interactions

extension SQLiteStore: InteractionStore {
    public func write(
        _ interactions: [Interaction], importID: Int64?, counts: IngestCounts?, audit: [AuditEvent]
    ) async throws -> (inserted: Int, duplicates: Int) {
        try await writer.write { db in
            try Self.insertAudit(audit, in: db)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO interaction (key, customer_id, kind, text, text_hash, product_id, rating, at, day, ingest_run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO NOTHING
                    """)
            // A customer known only from their words still gets a row, so that consent and erasure reach them.
            let customer = try db.cachedStatement(
                sql: """
                    INSERT INTO customer (id, first_seen_day) VALUES (?, ?)
                    ON CONFLICT (id) DO UPDATE SET first_seen_day = min(first_seen_day, excluded.first_seen_day)
                    """)
            var inserted = 0
            for interaction in interactions {
                insert.setUncheckedArguments([
                    interaction.key, interaction.customer.rawValue, interaction.kind.rawValue, interaction.text, interaction.textHash.hex,
                    interaction.product, interaction.rating, interaction.timestamp.timeIntervalSince1970, interaction.day.daysSinceEpoch, importID,
                ])
                try insert.execute()
                guard db.changesCount > 0 else { continue }
                inserted += 1
                customer.setUncheckedArguments([interaction.customer.rawValue, interaction.day.daysSinceEpoch])
                try customer.execute()
            }
            if let importID, var running = counts {
                running.imported += inserted
                running.duplicates += interactions.count - inserted
                try Self.updateCounts(running, importID: importID, in: db)
            }
            return (inserted, interactions.count - inserted)
        }
    }

    public func interactions(of customer: CustomerID) async throws -> [Interaction] {
        try await writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "\(Self.interactionColumns) WHERE customer_id = ? ORDER BY at, key"), arguments: [customer.rawValue])
                .map(Self.interaction)
        }
    }

    public func interactions(kinds: Set<InteractionKind>) async throws -> [Interaction] {
        try await writer.read { db in
            let filter = kinds.isEmpty ? "" : "WHERE kind IN (\(kinds.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")))"
            return try Row.fetchAll(db, sql: "\(Self.interactionColumns) \(filter) ORDER BY customer_id, at, key").map(Self.interaction)
        }
    }

    public func interactionCounts() async throws -> [InteractionKind: Int] {
        try await writer.read { db in
            var counts: [InteractionKind: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) FROM interaction GROUP BY kind") {
                if let kind = InteractionKind(rawValue: row[0]) { counts[kind] = row[1] }
            }
            return counts
        }
    }

    private static let interactionColumns = "SELECT key, customer_id, kind, text, product_id, rating, at FROM interaction"

    private static func interaction(_ row: Row) throws -> Interaction {
        guard let kind = InteractionKind(rawValue: row[2]) else {
            throw StoreError.unreadableRow(table: "interaction", reason: "unknown kind '\(row[2] as String)'")
        }
        return Interaction(
            key: row[0], customer: CustomerID(row[1] as String), kind: kind, text: row[3], product: row[4], rating: row[5],
            timestamp: Date(timeIntervalSince1970: row[6])
        )
    }

    /// Deletes the cached vectors of the texts that only the interactions `condition` selects hold, then those
    /// interactions; returns (interactions, embeddings) deleted. Part of erasure and retention.
    static func deleteInteractions(where condition: String, arguments: StatementArguments, in db: Database) throws -> (Int, Int) {
        try db.execute(
            sql: """
                DELETE FROM embedding WHERE text_hash IN (
                    SELECT text_hash FROM interaction WHERE \(condition)
                    EXCEPT SELECT text_hash FROM interaction WHERE NOT (\(condition))
                    EXCEPT SELECT text_hash FROM knowledge_chunk
                )
                """, arguments: arguments + arguments)
        let embeddings = db.changesCount
        try db.execute(sql: "DELETE FROM interaction WHERE \(condition)", arguments: arguments)
        return (db.changesCount, embeddings)
    }
}

// MARK: - Products

extension SQLiteStore {
    public func allCustomerDays() async throws -> [CustomerDay] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT customer_id, day, purchase_amount, return_amount, purchase_lines FROM customer_day ORDER BY customer_id, day").map
            {
                CustomerDay(
                    customer: CustomerID($0[0] as String), day: CalendarDay(daysSinceEpoch: $0[1]), purchaseAmount: $0[2], returnAmount: $0[3],
                    purchaseLines: $0[4])
            }
        }
    }
}

extension SQLiteStore: ProductCatalog {
    public func upsertProducts(_ products: [Product]) async throws -> (inserted: Int, updated: Int) {
        try await writer.write { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM product WHERE id = ?")
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO product (id, title, description, category, price) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        title = coalesce(excluded.title, title), description = coalesce(excluded.description, description),
                        category = coalesce(excluded.category, category), price = coalesce(excluded.price, price)
                    """)
            var inserted = 0
            for product in products {
                if try Bool.fetchOne(exists, arguments: [product.id]) == nil { inserted += 1 }
                upsert.setUncheckedArguments([product.id, product.title, product.description, product.category, product.price])
                try upsert.execute()
            }
            return (inserted, products.count - inserted)
        }
    }

    public func products() async throws -> [Product] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, title, description, category, price FROM product ORDER BY id").map(Self.product)
        }
    }

    public func products(ids: Set<String>) async throws -> [String: Product] {
        try await writer.read { db in
            let select = try db.cachedStatement(sql: "SELECT id, title, description, category, price FROM product WHERE id = ?")
            var found: [String: Product] = [:]
            for id in ids {
                if let row = try Row.fetchOne(select, arguments: [id]) { found[id] = Self.product(row) }
            }
            return found
        }
    }

    public func productPurchases() async throws -> [ProductPurchase] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT customer_id, product_id, day, coalesce(quantity, 1) FROM order_line
                    WHERE customer_id IS NOT NULL AND product_id IS NOT NULL AND is_return = 0
                    ORDER BY customer_id, day
                    """
            ).map(Self.purchase)
        }
    }

    public func productLinesNettingReturns() async throws -> [ProductPurchase] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT customer_id, product_id, day,
                        CASE WHEN is_return = 1 THEN -abs(coalesce(quantity, 1)) ELSE coalesce(quantity, 1) END
                    FROM order_line
                    WHERE customer_id IS NOT NULL AND product_id IS NOT NULL
                    ORDER BY customer_id, day
                    """
            ).map(Self.purchase)
        }
    }

    public func productPurchases(of customer: CustomerID) async throws -> [ProductPurchase] {
        // The customer's days come from customer_day and each day's lines are one key range (as recentOrderLines).
        let history = try await recentOrderLines(of: customer, limit: Int.max)
        return history.reversed().compactMap { line in
            guard !line.isReturn, let product = line.product else { return nil }
            return ProductPurchase(customer: customer, product: product, day: line.day, quantity: line.quantity ?? 1)
        }
    }

    private static func product(_ row: Row) -> Product {
        Product(id: row[0], title: row[1], description: row[2], category: row[3], price: row[4])
    }

    private static func purchase(_ row: Row) -> ProductPurchase {
        ProductPurchase(customer: CustomerID(row[0] as String), product: row[1], day: CalendarDay(daysSinceEpoch: row[2]), quantity: row[3])
    }
}

// MARK: - Embedding cache

extension SQLiteStore: EmbeddingCache {
    public func embeddings(model: String, hashes: [TextHash]) async throws -> [TextHash: [Float]] {
        try await writer.read { db in
            let select = try db.cachedStatement(sql: "SELECT vector FROM embedding WHERE model = ? AND text_hash = ?")
            var found: [TextHash: [Float]] = [:]
            for hash in Set(hashes) {
                guard let blob = try Data.fetchOne(select, arguments: [model, hash.hex]) else { continue }
                found[hash] = Self.vector(blob)
            }
            return found
        }
    }

    public func storeEmbeddings(model: String, _ vectors: [TextHash: [Float]]) async throws {
        try await writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO embedding (model, text_hash, dimensions, vector) VALUES (?, ?, ?, ?)")
            for (hash, vector) in vectors {
                insert.setUncheckedArguments([model, hash.hex, vector.count, Self.blob(vector)])
                try insert.execute()
            }
        }
    }

    public func embeddingCounts() async throws -> [String: Int] {
        try await writer.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT model, count(*) FROM embedding GROUP BY model").map { ($0[0], $0[1]) })
        }
    }

    static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func vector(_ blob: Data) -> [Float] {
        blob.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { i in Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
        }
    }
}
