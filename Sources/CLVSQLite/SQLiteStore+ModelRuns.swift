import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Model runs

extension SQLiteStore: ModelRunStore {
    public func saveModelRun(_ run: ModelRunRecord) async throws -> Int64 {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO model_run (model, created_at, data_end, time_unit, customers, log_likelihood, converged, fit_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.kind.rawValue, StoredTime.text(run.createdAt), run.dataEnd.daysSinceEpoch, run.unit.rawValue, run.customers, run.logLikelihood,
                    run.converged, run.fitJSON,
                ]
            )
            return db.lastInsertedRowID
        }
    }

    public func modelRuns() async throws -> [ModelRunRecord] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM model_run ORDER BY id DESC").map { try Self.modelRun($0) } }
    }

    public func modelRun(id: Int64) async throws -> ModelRunRecord? {
        try await writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM model_run WHERE id = ?", arguments: [id]).map { try Self.modelRun($0) } }
    }

    public func latestModelRun(kind: ModelKind) async throws -> ModelRunRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM model_run WHERE model = ? ORDER BY id DESC LIMIT 1", arguments: [kind.rawValue]).map {
                try Self.modelRun($0)
            }
        }
    }

    private static func modelRun(_ row: Row) throws -> ModelRunRecord {
        let kindText: String = row["model"], unitText: String = row["time_unit"]
        guard let kind = ModelKind(rawValue: kindText) else { throw StoreError.unreadableRow(table: "model_run", reason: "unknown model '\(kindText)'") }
        guard let unit = TimeUnit(rawValue: unitText) else { throw StoreError.unreadableRow(table: "model_run", reason: "unknown time unit '\(unitText)'") }
        return ModelRunRecord(
            id: row["id"], kind: kind, createdAt: try StoredTime.date(row["created_at"], table: "model_run"),
            dataEnd: CalendarDay(daysSinceEpoch: row["data_end"]), unit: unit, customers: row["customers"],
            logLikelihood: row["log_likelihood"], converged: row["converged"], fitJSON: row["fit_json"]
        )
    }
}
