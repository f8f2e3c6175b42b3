import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Knowledge base

extension SQLiteStore: KnowledgeBaseStore {
    public func storeKnowledge(_ chunks: [KnowledgeChunk]) async throws -> KnowledgeWriteCounts {
        try await writer.write { db in
            let articles = Set(chunks.map(\.articleID))
            let select = try db.cachedStatement(sql: "\(Self.knowledgeColumns) WHERE article_id = ?")
            var stored: [String: KnowledgeChunk] = [:]
            for article in articles {
                for row in try Row.fetchAll(select, arguments: [article]) {
                    let chunk = Self.knowledgeChunk(row)
                    stored[chunk.id] = chunk
                }
            }
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO knowledge_chunk (id, article_id, title, heading, body, tags, language, text_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            var written = 0
            var unchanged = 0
            for chunk in chunks {
                if stored.removeValue(forKey: chunk.id) == chunk {
                    unchanged += 1
                    continue
                }
                insert.setUncheckedArguments([
                    chunk.id, chunk.articleID, chunk.title, chunk.heading, chunk.text, Self.tagsText(chunk.tags), chunk.language,
                    TextHash(of: chunk.searchText).hex,
                ])
                try insert.execute()
                written += 1
            }
            // What is left belongs to the batch's articles but not to their new versions.
            let delete = try db.cachedStatement(sql: "DELETE FROM knowledge_chunk WHERE id = ?")
            for id in stored.keys { try delete.execute(arguments: [id]) }
            return KnowledgeWriteCounts(articles: articles.count, written: written, unchanged: unchanged, removed: stored.count)
        }
    }

    public func knowledgeChunks() async throws -> [KnowledgeChunk] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "\(Self.knowledgeColumns) ORDER BY article_id, id").map(Self.knowledgeChunk)
        }
    }

    private static let knowledgeColumns = "SELECT id, article_id, title, heading, body, tags, language FROM knowledge_chunk"

    /// Tags as one text: a unit separator between them (tags are short words; none holds one).
    private static func tagsText(_ tags: [String]) -> String { tags.joined(separator: "\u{1F}") }

    private static func knowledgeChunk(_ row: Row) -> KnowledgeChunk {
        let tags: String = row[5]
        return KnowledgeChunk(
            id: row[0], articleID: row[1], title: row[2], heading: row[3], text: row[4],
            tags: tags.isEmpty ? [] : tags.split(separator: "\u{1F}").map(String.init), language: row[6])
    }
}

// MARK: - Assistant sessions

extension SQLiteStore: AssistSessionStore {
    public func appendAssistTurn(_ turn: AssistTurn) async throws {
        // The interaction is written through the same path as any other, so its customer row appears too.
        _ = try await write([turn.interaction], importID: nil, counts: nil)
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO assist_turn (interaction_key, session, customer_id, reply, action, route, intent, sources, suggested_answer)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (interaction_key) DO NOTHING
                    """,
                arguments: [
                    turn.interaction.key, turn.session, turn.interaction.customer.rawValue, turn.reply, turn.action, turn.route, turn.intent,
                    String(decoding: try JSONEncoder().encode(turn.sources), as: UTF8.self), turn.suggestedAnswer,
                ])
        }
    }

    public func assistTurns(session: String, customer: CustomerID) async throws -> [AssistTurn] {
        try await turns(where: "t.customer_id = ? AND t.session = ?", order: "i.at, i.key", arguments: [customer.rawValue, session])
    }

    public func recentAssistTurns(limit: Int) async throws -> [AssistTurn] {
        try await turns(where: "1", order: "i.at DESC, i.key DESC LIMIT ?", arguments: [max(0, limit)])
    }

    private func turns(where condition: String, order: String, arguments: StatementArguments) async throws -> [AssistTurn] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT i.key, i.customer_id, i.kind, i.text, i.product_id, i.rating, i.at, t.session, t.reply, t.action, t.route,
                        t.intent, t.sources, t.suggested_answer
                    FROM assist_turn t JOIN interaction i ON i.key = t.interaction_key
                    WHERE \(condition) ORDER BY \(order)
                    """, arguments: arguments
            ).map { row in
                let kind = InteractionKind(rawValue: row[2]) ?? .chat
                let interaction = Interaction(
                    key: row[0], customer: CustomerID(row[1] as String), kind: kind, text: row[3], product: row[4], rating: row[5],
                    timestamp: Date(timeIntervalSince1970: row[6]))
                let sources = (try? JSONDecoder().decode([String].self, from: Data((row[12] as String).utf8))) ?? []
                return AssistTurn(
                    session: row[7], interaction: interaction, reply: row[8], action: row[9], route: row[10], intent: row[11], sources: sources,
                    suggestedAnswer: row[13])
            }
        }
    }
}
