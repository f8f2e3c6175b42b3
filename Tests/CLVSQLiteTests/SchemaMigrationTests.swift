import CLVCore
import CLVData
import CLVTestSupport
import Foundation
import GRDB
import Testing

@testable import CLVSQLite

/// A database written by an earlier CLVKit opens, migrates and keeps every row.
@Suite struct SchemaMigrationTests {
    @Test func orderLinesMoveToTheKeyedTableIntact() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("old.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "createServiceTables")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO ingest_run (source, format, started_at, status) VALUES ('old.csv', 'cdnow', '2026-01-01', 'finished')")
                try db.execute(
                    sql: """
                        INSERT INTO order_line (id, line_key, customer_id, order_id, day, amount, is_return, ingest_run_id)
                        VALUES (1, -77, 'c1', 'o1', 10000, 12.5, 0, 1), (2, 5, 'c2', NULL, 10001, -3.0, 1, 1)
                        """)
            }
        }
        let store = try SQLiteStore(path: path)
        let (rows, keyColumn) = try await store.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT line_key, customer_id, day, amount, is_return FROM order_line ORDER BY line_key").map { "\($0)" },
                try Row.fetchAll(db, sql: "PRAGMA table_info(order_line)").filter { ($0["pk"] as Int) == 1 }.map { $0["name"] as String }
            )
        }
        #expect(
            rows == [
                "[line_key:-77 customer_id:\"c1\" day:10000 amount:12.5 is_return:0]",
                "[line_key:5 customer_id:\"c2\" day:10001 amount:-3.0 is_return:1]",
            ])
        #expect(keyColumn == ["line_key"])
        #expect(try await store.statistics().orderLines == 2)
        #expect(store.hasLegacyLineKeys, "imports warn that these lines' keys cannot be recomputed")
        // Their keys carry no day, yet the customer's history still finds them.
        #expect(try await store.recentOrderLines(of: CustomerID("c1"), limit: 10).map(\.amount) == [12.5])
    }

    @Test func aNewDatabaseHasNoLegacyKeys() async throws {
        let folder = try TemporaryDirectory()
        #expect(try SQLiteStore(path: folder.path("new.sqlite")).hasLegacyLineKeys == false)
    }
}
