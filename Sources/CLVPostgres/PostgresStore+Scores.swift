import CLVCore
import CLVData
import Foundation
import PostgresNIO

// MARK: - Scores

extension PostgresStore: ScoreStore {
    /// In statements of arrays (``chunkRows`` customers each) in one transaction, in customer order so that
    /// concurrent writers of overlapping customers take row locks in the same order.
    public func saveScores(_ scores: [StoredScore]) async throws {
        guard !scores.isEmpty else { return }
        let sorted = scores.sorted { ($0.customer.rawValue, $0.run) < ($1.customer.rawValue, $1.run) }
        try await transaction { connection in
            for start in stride(from: 0, to: sorted.count, by: Self.chunkRows) {
                let chunk = sorted[start..<min(sorted.count, start + Self.chunkRows)]
                // Arrays cannot hold NULL through PostgresNIO's encoders: a flag says which spends and CLVs exist.
                try await connection.query(
                    """
                    INSERT INTO customer_score (customer_id, model_run_id, horizon, expected_purchases, p_alive, expected_spend, clv)
                    SELECT c, r, h, e, p, CASE WHEN hs THEN s END, CASE WHEN hv THEN v END
                    FROM unnest(\(chunk.map(\.customer.rawValue))::text[], \(chunk.map(\.run))::bigint[], \(chunk.map(\.horizon))::float8[],
                        \(chunk.map(\.expectedPurchases))::float8[], \(chunk.map(\.probabilityAlive))::float8[],
                        \(chunk.map { $0.expectedSpend != nil })::bool[], \(chunk.map { $0.expectedSpend ?? 0 })::float8[],
                        \(chunk.map { $0.clv != nil })::bool[], \(chunk.map { $0.clv ?? 0 })::float8[]) AS t(c, r, h, e, p, hs, s, hv, v)
                    ON CONFLICT (customer_id, model_run_id) DO UPDATE SET
                        horizon = excluded.horizon, expected_purchases = excluded.expected_purchases, p_alive = excluded.p_alive,
                        expected_spend = excluded.expected_spend, clv = excluded.clv
                    """, logger: logger)
            }
        }
    }

    public func scores(run: Int64) async throws -> [StoredScore] {
        let rows = try await query(
            """
            SELECT customer_id, horizon, expected_purchases, p_alive, expected_spend, clv FROM customer_score
            WHERE model_run_id = \(run) ORDER BY customer_id
            """)
        var scores: [StoredScore] = []
        for try await (id, horizon, purchases, alive, spend, clv) in rows.decode((String, Double, Double, Double, Double?, Double?).self) {
            scores.append(
                StoredScore(
                    customer: CustomerID(id), run: run, horizon: horizon, expectedPurchases: purchases, probabilityAlive: alive, expectedSpend: spend,
                    clv: clv))
        }
        return scores
    }

    private static let chunkRows = 20_000
}
