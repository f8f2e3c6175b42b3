import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Recommender runs

extension SQLiteStore: RecommenderRunStore {
    public func saveRecommenderRun(_ run: RecommenderRunRecord) async throws -> Int64 {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO recommender_run (model, created_at, data_end, customers, products, fit_json)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [run.model, StoredTime.text(run.createdAt), run.dataEnd.daysSinceEpoch, run.customers, run.products, run.fitJSON]
            )
            return db.lastInsertedRowID
        }
    }

    public func latestRecommenderRun(model: String?) async throws -> RecommenderRunRecord? {
        try await writer.read { db in
            let row =
                if let model {
                    try Row.fetchOne(db, sql: "SELECT * FROM recommender_run WHERE model = ? ORDER BY id DESC LIMIT 1", arguments: [model])
                } else {
                    try Row.fetchOne(db, sql: "SELECT * FROM recommender_run ORDER BY id DESC LIMIT 1")
                }
            return try row.map { row in
                RecommenderRunRecord(
                    id: row["id"], model: row["model"], createdAt: try StoredTime.date(row["created_at"], table: "recommender_run"),
                    dataEnd: CalendarDay(daysSinceEpoch: row["data_end"]), customers: row["customers"], products: row["products"],
                    fitJSON: row["fit_json"])
            }
        }
    }
}
