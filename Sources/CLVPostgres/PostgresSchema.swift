/// The database schema as named, append-only migrations, recorded in `schema_migration`: never edit a migration
/// once it is here, add a new one.
///
/// Citus-ready: every table keyed by customer has `customer_id` (its distribution column) in its primary key, and
/// the only foreign key (a turn to its interaction) includes it, so colocated shards can keep it. Text keys are
/// `COLLATE "C"`, so that ordering by them is byte order, as in SQLite, whatever the database's locale.
enum PostgresSchema {
    struct Migration {
        let name: String
        let sql: String
    }

    /// Guest lines (no customer id in the source) are stored under this id, so that `customer_id` can be part of
    /// the lines' key; no customer can have it (customer ids are never empty).
    static let guestCustomer = ""

    /// The lock every process takes before migrating, so that two `clv` processes opening a new database at once
    /// do not both create it.
    static let migrationLock: Int64 = 0x434C_564B_6974_0001

    static let migrations: [Migration] = [
        Migration(
            name: "createOrders",
            sql: """
                CREATE TABLE ingest_run (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    source text NOT NULL,
                    format text NOT NULL,
                    started_at timestamptz NOT NULL,
                    finished_at timestamptz,
                    status text NOT NULL CHECK (status IN ('running', 'finished')),
                    lines_read bigint NOT NULL DEFAULT 0,
                    imported bigint NOT NULL DEFAULT 0,
                    duplicates bigint NOT NULL DEFAULT 0,
                    quarantined bigint NOT NULL DEFAULT 0,
                    returns bigint NOT NULL DEFAULT 0,
                    guest_lines bigint NOT NULL DEFAULT 0
                );
                CREATE TABLE customer (
                    customer_id text COLLATE "C" PRIMARY KEY CHECK (length(customer_id) > 0),
                    country text,
                    first_seen_day integer NOT NULL,
                    consent_marketing boolean NOT NULL DEFAULT false,
                    consent_profiling boolean NOT NULL DEFAULT false
                );
                CREATE TABLE product (
                    product_id text COLLATE "C" PRIMARY KEY,
                    title text,
                    description text,
                    category text,
                    price double precision CHECK (price >= 0)
                );
                -- line_key is the stable key of the source line, so a re-import inserts nothing; customer_id leads the
                -- key so that a distributed table keeps it unique per shard.
                CREATE TABLE order_line (
                    customer_id text COLLATE "C" NOT NULL,
                    line_key bigint NOT NULL,
                    order_id text,
                    product_id text COLLATE "C",
                    day integer NOT NULL,
                    second_of_day integer CHECK (second_of_day BETWEEN 0 AND 86399),
                    quantity double precision,
                    unit_price double precision,
                    amount double precision NOT NULL,
                    is_return boolean NOT NULL,
                    ingest_run_id bigint NOT NULL,
                    PRIMARY KEY (customer_id, line_key)
                );
                -- Retention deletes by day.
                CREATE INDEX order_line_by_day ON order_line (day);
                -- Purchases and returns netted per customer and calendar day, maintained in the same transaction as
                -- the lines: summaries read a few rows per customer instead of every line.
                CREATE TABLE customer_day (
                    customer_id text COLLATE "C" NOT NULL,
                    day integer NOT NULL,
                    purchase_amount double precision NOT NULL,
                    purchase_lines integer NOT NULL CHECK (purchase_lines >= 0),
                    return_amount double precision NOT NULL,
                    return_lines integer NOT NULL CHECK (return_lines >= 0),
                    PRIMARY KEY (customer_id, day)
                );
                CREATE INDEX customer_day_by_day ON customer_day (day);
                """),
        Migration(
            name: "createServiceTables",
            sql: """
                -- Installation secrets, e.g. the key of the audit log's keyed customer hashes.
                CREATE TABLE setting (
                    name text COLLATE "C" PRIMARY KEY,
                    value bytea NOT NULL
                );
                CREATE TABLE api_key (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    secret_hash text NOT NULL UNIQUE,
                    prefix text NOT NULL,
                    role text NOT NULL CHECK (role IN ('admin', 'analyst', 'agent', 'ingest')),
                    label text,
                    created_at timestamptz NOT NULL,
                    revoked_at timestamptz
                );
                -- Who did what to which customer. customer_hash is an HMAC of the id under setting 'audit_key', so
                -- erasing a customer leaves the log intact and holding nothing that identifies them.
                CREATE TABLE audit_event (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    at timestamptz NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    customer_hash text,
                    detail text
                );
                CREATE TABLE model_run (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    model text NOT NULL,
                    created_at timestamptz NOT NULL,
                    data_end integer NOT NULL,
                    time_unit text NOT NULL CHECK (time_unit IN ('day', 'week', 'month')),
                    customers bigint NOT NULL,
                    log_likelihood double precision,
                    converged boolean NOT NULL,
                    -- Versioned JSON of the fitted model (parameters, standard errors, diagnostics).
                    fit_json text NOT NULL
                );
                CREATE INDEX model_run_by_model ON model_run (model, id);
                """),
        Migration(
            name: "createInsightTables",
            sql: """
                -- What customers wrote or looked at, redacted before it reaches this table. text_hash keys the
                -- embedding cache, so erasure finds the vectors of a customer's texts.
                CREATE TABLE interaction (
                    customer_id text COLLATE "C" NOT NULL CHECK (length(customer_id) > 0),
                    key bigint NOT NULL,
                    kind text NOT NULL CHECK (kind IN ('search', 'view', 'review', 'chat', 'note')),
                    text text NOT NULL,
                    text_hash text COLLATE "C" NOT NULL,
                    product_id text COLLATE "C",
                    rating double precision CHECK (rating BETWEEN 1 AND 5),
                    at double precision NOT NULL,
                    day integer NOT NULL,
                    ingest_run_id bigint,
                    PRIMARY KEY (customer_id, key)
                );
                CREATE INDEX interaction_by_text ON interaction (text_hash);
                CREATE INDEX interaction_by_day ON interaction (day);
                -- Sentence embeddings of stored texts, little-endian Float32, by model and text.
                CREATE TABLE embedding (
                    model text COLLATE "C" NOT NULL,
                    text_hash text COLLATE "C" NOT NULL,
                    dimensions integer NOT NULL CHECK (dimensions > 0),
                    vector bytea NOT NULL CHECK (length(vector) = 4 * dimensions),
                    PRIMARY KEY (model, text_hash)
                );
                CREATE INDEX embedding_by_text ON embedding (text_hash);
                """),
        Migration(
            name: "createKnowledgeTables",
            sql: """
                -- The knowledge base's passages: the shop's own text, not personal data. text_hash is the hash of the
                -- text retrievers embed (title, heading, section), the key of its vectors in embedding.
                CREATE TABLE knowledge_chunk (
                    id text COLLATE "C" PRIMARY KEY,
                    article_id text COLLATE "C" NOT NULL CHECK (length(article_id) > 0),
                    title text NOT NULL,
                    heading text NOT NULL,
                    body text NOT NULL,
                    tags text NOT NULL,
                    language text NOT NULL,
                    text_hash text COLLATE "C" NOT NULL
                );
                CREATE INDEX knowledge_chunk_by_article ON knowledge_chunk (article_id);
                CREATE INDEX knowledge_chunk_by_text ON knowledge_chunk (text_hash);
                -- The assistant's side of each conversation turn. The customer's words are the chat interaction it
                -- references; deleting that interaction (erasure, retention) deletes the turn.
                CREATE TABLE assist_turn (
                    customer_id text COLLATE "C" NOT NULL,
                    interaction_key bigint NOT NULL,
                    session text NOT NULL CHECK (length(session) > 0),
                    reply text NOT NULL,
                    action text NOT NULL CHECK (action IN ('answer', 'rephrase', 'handoff')),
                    route text NOT NULL CHECK (route IN ('auto_answer', 'human', 'priority_human')),
                    PRIMARY KEY (customer_id, interaction_key),
                    FOREIGN KEY (customer_id, interaction_key) REFERENCES interaction (customer_id, key) ON DELETE CASCADE
                );
                CREATE INDEX assist_turn_by_session ON assist_turn (customer_id, session);
                """),
        Migration(
            name: "assistTurnDetails",
            sql: """
                -- What an agent taking the conversation over needs: the intent, the articles the reply rests on (a JSON
                -- array of ids), and the model's answer when it was held back.
                ALTER TABLE assist_turn ADD COLUMN intent text NOT NULL DEFAULT '';
                ALTER TABLE assist_turn ADD COLUMN sources text NOT NULL DEFAULT '[]';
                ALTER TABLE assist_turn ADD COLUMN suggested_answer text;
                """),
        Migration(
            name: "createRecommenderRuns",
            sql: """
                -- Saved recommender fits: products' factors, similarities and counts as versioned JSON. No customer id
                -- or customer factor is stored (customers are folded in from their orders when served), so erasure
                -- and retention have nothing here to delete; under Citus it is a reference table like model_run.
                CREATE TABLE recommender_run (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    model text NOT NULL CHECK (length(model) > 0),
                    created_at timestamptz NOT NULL,
                    data_end integer NOT NULL,
                    customers bigint NOT NULL,
                    products bigint NOT NULL,
                    fit_json text NOT NULL
                );
                CREATE INDEX recommender_run_by_model ON recommender_run (model, id);
                """),
        Migration(
            name: "createCustomerScores",
            sql: """
                -- Scores written back by `clv predict --save`, per customer and purchase-model run (shards of the
                -- customers write at once). Keyed by customer first, so that it distributes with the other
                -- customer tables; erasure and retention delete the scores with their customer.
                CREATE TABLE customer_score (
                    customer_id text COLLATE "C" NOT NULL,
                    model_run_id bigint NOT NULL,
                    horizon double precision NOT NULL,
                    expected_purchases double precision NOT NULL,
                    p_alive double precision NOT NULL,
                    expected_spend double precision,
                    clv double precision,
                    PRIMARY KEY (customer_id, model_run_id)
                );
                CREATE INDEX customer_score_by_run ON customer_score (model_run_id, customer_id);
                """),
        Migration(
            name: "dropDayIndexes",
            sql: """
                -- Maintaining them cost imports more than they saved: only retention filtered lines and days by day
                -- alone, and a purge of old days reads most of a table anyway; summaries and the timeline read every
                -- day up to a window's end (the SQLite store has neither index).
                DROP INDEX IF EXISTS order_line_by_day;
                DROP INDEX IF EXISTS customer_day_by_day;
                """),
    ]
}
