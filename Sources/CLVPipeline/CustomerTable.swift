import CLVCore
import CLVData

/// Customers as the models take them: summaries plus optional ids, spend, weights and holdout counts, in columns.
///
/// Filled from a store's summaries (``init(rows:)``) or from a summary file; every fit, score and evaluation of the
/// workflow reads one.
public struct CustomerTable: Sendable, Equatable {
    public var ids: [CustomerID]
    public var summaries: [CustomerSummary]
    /// Mean value of each customer's repeat purchases, when known.
    public var monetary: [Double]?
    /// Counts of identical customers, when rows were compressed.
    public var weights: [Double]?
    /// Purchases in the holdout period and its length per customer (model time units), for evaluation.
    public var holdoutPurchases: [Int]?
    public var holdoutLength: [Double]?

    public init(
        ids: [CustomerID], summaries: [CustomerSummary], monetary: [Double]? = nil, weights: [Double]? = nil,
        holdoutPurchases: [Int]? = nil, holdoutLength: [Double]? = nil
    ) {
        self.ids = ids
        self.summaries = summaries
        self.monetary = monetary
        self.weights = weights
        self.holdoutPurchases = holdoutPurchases
        self.holdoutLength = holdoutLength
    }

    /// The table of a store's summary rows; holdout columns when the rows have a holdout.
    /// - Throws: ``SummaryError`` for a row the models cannot take (e.g. recency after T).
    public init(rows: [CustomerSummaryRow]) throws(SummaryError) {
        var summaries: [CustomerSummary] = []
        summaries.reserveCapacity(rows.count)
        for row in rows { summaries.append(try row.summary()) }
        self.init(ids: rows.map(\.customer), summaries: summaries, monetary: rows.map(\.monetaryValue))
        if rows.first?.holdout != nil {
            holdoutPurchases = rows.map { $0.holdout?.frequency ?? 0 }
            holdoutLength = rows.map { $0.holdout?.duration ?? 0 }
        }
    }

    public var count: Int { summaries.count }

    /// The customers of one shard (by id; a table without ids has none in any shard), every column kept in order.
    public func customers(in shard: CustomerShard) -> CustomerTable {
        let kept = ids.indices.filter { shard.contains(ids[$0]) }
        func pick<T>(_ column: [T]?) -> [T]? { column.map { values in kept.map { values[$0] } } }
        return CustomerTable(
            ids: kept.map { ids[$0] }, summaries: kept.map { summaries[$0] }, monetary: pick(monetary), weights: pick(weights),
            holdoutPurchases: pick(holdoutPurchases), holdoutLength: pick(holdoutLength))
    }

    /// Each customer's summary row (monetary value 0 where unknown), for scoring a population.
    public var rows: [CustomerSummaryRow] {
        summaries.indices.map { i in
            CustomerSummaryRow(
                customer: ids[i], frequency: summaries[i].frequency, recency: summaries[i].recency, age: summaries[i].age,
                monetaryValue: monetary?[i] ?? 0
            )
        }
    }
}
