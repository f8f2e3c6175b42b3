import GRDB

/// The database schema as named, append-only migrations: never edit a registered migration, add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("createOrders") { db in
            try db.execute(sql: """
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
        return migrator
    }
}
