import Foundation
import GRDB

/// The database schema as named, append-only migrations: never edit a registered migration, add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("createOrders") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ingest_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        format TEXT NOT NULL,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        status TEXT NOT NULL CHECK (status IN ('running', 'finished')),
                        lines_read INTEGER NOT NULL DEFAULT 0,
                        imported INTEGER NOT NULL DEFAULT 0,
                        duplicates INTEGER NOT NULL DEFAULT 0,
                        quarantined INTEGER NOT NULL DEFAULT 0,
                        returns INTEGER NOT NULL DEFAULT 0,
                        guest_lines INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE customer (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
                        country TEXT,
                        first_seen_day INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE product (
                        id TEXT PRIMARY KEY NOT NULL,
                        title TEXT
                    ) WITHOUT ROWID;
                    -- line_key is the stable key of the source line, so a re-import inserts nothing. Rows are appended in
                    -- id order (cheap) while the unique index on the 8-byte keys absorbs the random inserts.
                    CREATE TABLE order_line (
                        id INTEGER PRIMARY KEY,
                        line_key INTEGER NOT NULL UNIQUE,
                        customer_id TEXT,
                        order_id TEXT,
                        product_id TEXT,
                        day INTEGER NOT NULL,
                        second_of_day INTEGER CHECK (second_of_day BETWEEN 0 AND 86399),
                        quantity REAL,
                        unit_price REAL,
                        amount REAL NOT NULL,
                        is_return INTEGER NOT NULL CHECK (is_return IN (0, 1)),
                        ingest_run_id INTEGER NOT NULL REFERENCES ingest_run(id)
                    );
                    -- Purchases and returns netted per customer and calendar day; maintained in the same transaction as
                    -- the lines, so summaries read a few rows per customer instead of every line.
                    CREATE TABLE customer_day (
                        customer_id TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        purchase_amount REAL NOT NULL,
                        purchase_lines INTEGER NOT NULL CHECK (purchase_lines >= 0),
                        return_amount REAL NOT NULL,
                        return_lines INTEGER NOT NULL CHECK (return_lines >= 0),
                        PRIMARY KEY (customer_id, day)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("createServiceTables") { db in
            try db.execute(
                sql: """
                    ALTER TABLE customer ADD COLUMN consent_marketing INTEGER NOT NULL DEFAULT 0 CHECK (consent_marketing IN (0, 1));
                    ALTER TABLE customer ADD COLUMN consent_profiling INTEGER NOT NULL DEFAULT 0 CHECK (consent_profiling IN (0, 1));
                    -- Installation secrets, e.g. the key of the audit log's keyed customer hashes.
                    CREATE TABLE setting (
                        name TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE api_key (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        secret_hash TEXT NOT NULL UNIQUE,
                        prefix TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'agent', 'ingest')),
                        label TEXT,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    -- Who did what to which customer. customer_hash is an HMAC of the id under setting 'audit_key', so
                    -- erasing a customer leaves the log intact and holding nothing that identifies them.
                    CREATE TABLE audit_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        customer_hash TEXT,
                        detail TEXT
                    );
                    CREATE TABLE model_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        data_end INTEGER NOT NULL,
                        time_unit TEXT NOT NULL CHECK (time_unit IN ('day', 'week', 'month')),
                        customers INTEGER NOT NULL,
                        log_likelihood REAL,
                        converged INTEGER NOT NULL CHECK (converged IN (0, 1)),
                        -- Versioned JSON of the fitted model (parameters, standard errors, diagnostics).
                        fit_json TEXT NOT NULL
                    );
                    """)
            var key = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for i in key.indices { key[i] = UInt8.random(in: 0...255, using: &generator) }
            try db.execute(sql: "INSERT INTO setting (name, value) VALUES ('audit_key', ?)", arguments: [Data(key)])
        }
        migrator.registerMigration("lineKeyAsPrimaryKey") { db in
            // One B-tree instead of two: the line key becomes the rowid, and since keys now start with the line's
            // day (RowKey.value(day:)) an import appends at the end of the table instead of writing all over a
            // separate unique index. Lines stored before this migration keep their (day-less) keys.
            try db.execute(
                sql: """
                    CREATE TABLE order_line_by_key (
                        line_key INTEGER PRIMARY KEY,
                        customer_id TEXT,
                        order_id TEXT,
                        product_id TEXT,
                        day INTEGER NOT NULL,
                        second_of_day INTEGER CHECK (second_of_day BETWEEN 0 AND 86399),
                        quantity REAL,
                        unit_price REAL,
                        amount REAL NOT NULL,
                        is_return INTEGER NOT NULL CHECK (is_return IN (0, 1)),
                        ingest_run_id INTEGER NOT NULL REFERENCES ingest_run(id)
                    );
                    INSERT INTO order_line_by_key
                        SELECT line_key, customer_id, order_id, product_id, day, second_of_day, quantity, unit_price, amount,
                               is_return, ingest_run_id
                        FROM order_line ORDER BY line_key;
                    DROP TABLE order_line;
                    ALTER TABLE order_line_by_key RENAME TO order_line;
                    -- Lines already stored keep keys a new import cannot reproduce: remember it, so imports can warn.
                    INSERT INTO setting (name, value) SELECT 'legacy_line_keys', x'01' WHERE EXISTS (SELECT 1 FROM order_line);
                    """)
        }
        migrator.registerMigration("createInsightTables") { db in
            try db.execute(
                sql: """
                    ALTER TABLE product ADD COLUMN description TEXT;
                    ALTER TABLE product ADD COLUMN category TEXT;
                    ALTER TABLE product ADD COLUMN price REAL CHECK (price >= 0);
                    -- What customers wrote or looked at, redacted before it reaches this table. text_hash keys the
                    -- embedding cache, so erasure finds the vectors of a customer's texts.
                    CREATE TABLE interaction (
                        key INTEGER PRIMARY KEY,
                        customer_id TEXT NOT NULL CHECK (length(customer_id) > 0),
                        kind TEXT NOT NULL CHECK (kind IN ('search', 'view', 'review', 'chat', 'note')),
                        text TEXT NOT NULL,
                        text_hash TEXT NOT NULL,
                        product_id TEXT,
                        rating REAL CHECK (rating BETWEEN 1 AND 5),
                        at REAL NOT NULL,
                        day INTEGER NOT NULL,
                        ingest_run_id INTEGER REFERENCES ingest_run(id)
                    );
                    CREATE INDEX interaction_by_customer ON interaction (customer_id, at);
                    CREATE INDEX interaction_by_text ON interaction (text_hash);
                    -- Sentence embeddings of stored texts, little-endian Float32, by model and text.
                    CREATE TABLE embedding (
                        model TEXT NOT NULL,
                        text_hash TEXT NOT NULL,
                        dimensions INTEGER NOT NULL CHECK (dimensions > 0),
                        vector BLOB NOT NULL CHECK (length(vector) = 4 * dimensions),
                        PRIMARY KEY (model, text_hash)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("createKnowledgeTables") { db in
            try db.execute(
                sql: """
                    -- The knowledge base's passages: the shop's own text, not personal data. text_hash is the hash of
                    -- the text retrievers embed (title, heading, section), the key of its vectors in embedding.
                    CREATE TABLE knowledge_chunk (
                        id TEXT PRIMARY KEY NOT NULL,
                        article_id TEXT NOT NULL CHECK (length(article_id) > 0),
                        title TEXT NOT NULL,
                        heading TEXT NOT NULL,
                        body TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        language TEXT NOT NULL,
                        text_hash TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX knowledge_chunk_by_article ON knowledge_chunk (article_id);
                    -- The assistant's side of each conversation turn. The customer's words are the chat interaction
                    -- it references; deleting that interaction (erasure, retention) deletes the turn.
                    CREATE TABLE assist_turn (
                        interaction_key INTEGER PRIMARY KEY REFERENCES interaction(key) ON DELETE CASCADE,
                        session TEXT NOT NULL CHECK (length(session) > 0),
                        customer_id TEXT NOT NULL,
                        reply TEXT NOT NULL,
                        action TEXT NOT NULL CHECK (action IN ('answer', 'rephrase', 'handoff')),
                        route TEXT NOT NULL CHECK (route IN ('auto_answer', 'human', 'priority_human'))
                    );
                    CREATE INDEX assist_turn_by_session ON assist_turn (customer_id, session);
                    """)
        }
        migrator.registerMigration("createRecommenderRuns") { db in
            try db.execute(
                sql: """
                    -- Saved recommender fits: products' factors, similarities and counts as versioned JSON. No
                    -- customer id or customer factor is stored (customers are folded in from their orders when
                    -- served), so erasure and retention have nothing here to delete.
                    CREATE TABLE recommender_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL CHECK (length(model) > 0),
                        created_at TEXT NOT NULL,
                        data_end INTEGER NOT NULL,
                        customers INTEGER NOT NULL,
                        products INTEGER NOT NULL,
                        fit_json TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("assistTurnDetails") { db in
            // What an agent taking the conversation over needs: the intent, the articles the reply rests on (a JSON
            // array of ids), and the model's answer when it was held back.
            try db.execute(
                sql: """
                    ALTER TABLE assist_turn ADD COLUMN intent TEXT NOT NULL DEFAULT '';
                    ALTER TABLE assist_turn ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE assist_turn ADD COLUMN suggested_answer TEXT;
                    """)
        }
        migrator.registerMigration("createCustomerScores") { db in
            // Scores written back by `clv predict --save`, per customer and purchase-model run (shards of the
            // customers write at once). Personal data: erasure and retention delete them with their customer.
            try db.execute(
                sql: """
                    CREATE TABLE customer_score (
                        customer_id TEXT NOT NULL,
                        model_run_id INTEGER NOT NULL,
                        horizon REAL NOT NULL,
                        expected_purchases REAL NOT NULL,
                        p_alive REAL NOT NULL,
                        expected_spend REAL,
                        clv REAL,
                        PRIMARY KEY (customer_id, model_run_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX customer_score_by_run ON customer_score (model_run_id, customer_id);
                    """)
        }
        return migrator
    }
}
