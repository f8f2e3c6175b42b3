import CLVCore
import CLVData
import Foundation
import GRDB

// MARK: - Scores

extension SQLiteStore: ScoreStore {
    public func saveScores(_ scores: [StoredScore]) async throws {
        guard !scores.isEmpty else { return }
        try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO customer_score (customer_id, model_run_id, horizon, expected_purchases, p_alive, expected_spend, clv)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (customer_id, model_run_id) DO UPDATE SET
                        horizon = excluded.horizon, expected_purchases = excluded.expected_purchases, p_alive = excluded.p_alive,
                        expected_spend = excluded.expected_spend, clv = excluded.clv
                    """)
            for score in scores {
                try statement.execute(arguments: [
                    score.customer.rawValue, score.run, score.horizon, score.expectedPurchases, score.probabilityAlive, score.expectedSpend, score.clv,
                ])
            }
        }
    }

    public func scores(run: Int64) async throws -> [StoredScore] {
        try await writer.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT customer_id, horizon, expected_purchases, p_alive, expected_spend, clv FROM customer_score
                    WHERE model_run_id = ? ORDER BY customer_id
                    """, arguments: [run])
            var scores: [StoredScore] = []
            while let row = try rows.next() {
                scores.append(
                    StoredScore(
                        customer: CustomerID(row[0] as String), run: run, horizon: row[1], expectedPurchases: row[2], probabilityAlive: row[3],
                        expectedSpend: row[4], clv: row[5]))
            }
            return scores
        }
    }
}
