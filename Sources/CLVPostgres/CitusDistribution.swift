import Logging
import PostgresNIO

/// The step after the migrations that spreads the schema over a Citus cluster: only when the database has the
/// `citus` extension, it distributes every customer-keyed table by `customer_id` (all colocated with `customer`,
/// so a customer's rows of every table live on one shard and joins and deletes by customer run there) and makes
/// the small shared tables reference tables (a copy on every node). Run on every open, so that a database
/// converted to Citus later is distributed the next time `clv` opens it; tables already distributed are left.
///
/// Untested against a real Citus (it cannot be installed here): the tests check that it does nothing without
/// the extension, and which calls it would make.
enum CitusDistribution {
    /// Distributed by `customer_id`, colocated with the first.
    static let distributedTables = ["customer", "order_line", "customer_day", "interaction", "assist_turn", "customer_score"]
    /// Copied to every node: read by shard queries (products' titles in a customer's history; settings).
    static let referenceTables = ["product", "setting"]

    /// Distributes the tables when Citus is there.
    /// - Returns: false, having done nothing, when the database has no `citus` extension.
    static func apply(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let present = try await connection.query("SELECT count(*) FROM pg_extension WHERE extname = 'citus'", logger: logger)
        var count = 0
        for try await value in present.decode(Int.self) { count = value }
        guard count > 0 else { return false }
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            var done: Set<String> = []
            let rows = try await connection.query("SELECT logicalrelid::regclass::text FROM pg_dist_partition", logger: logger)
            for try await table in rows.decode(String.self) { done.insert(table) }
            for statement in statements(alreadyDistributed: done) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
            return true
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// The calls that distribute what is not distributed yet (`done`: tables Citus already knows).
    static func statements(alreadyDistributed done: Set<String>) -> [String] {
        let anchor = distributedTables[0]
        return distributedTables.filter { !done.contains($0) }.map { table in
            table == anchor
                ? "SELECT create_distributed_table('\(table)', 'customer_id')"
                : "SELECT create_distributed_table('\(table)', 'customer_id', colocate_with => '\(anchor)')"
        } + referenceTables.filter { !done.contains($0) }.map { "SELECT create_reference_table('\($0)')" }
    }
}

extension PostgresStore {
    /// Runs the Citus step again on a pooled connection (it ran when the store was opened); false without Citus.
    func distributeOnCitus() async throws -> Bool {
        try await client.withConnection { try await CitusDistribution.apply($0, logger: logger) }
    }
}
