import CLVCore

/// Customers' scores written back by `clv predict --save`: one row per customer and purchase-model run, so that
/// several processes scoring disjoint shards of the customers can write at once.
public protocol ScoreStore: Sendable {
    /// Stores the scores (replacing those of the same customers and run) in one transaction.
    func saveScores(_ scores: [StoredScore]) async throws
    /// Every stored score of a purchase-model run, by customer id in byte order.
    func scores(run: Int64) async throws -> [StoredScore]
}

/// One customer's scores under a saved purchase-model run: what `clv predict` prints, for a horizon.
///
/// Personal data (it is keyed by customer): erasure deletes a customer's scores, and retention those of customers
/// it removes.
public struct StoredScore: Sendable, Equatable, Codable {
    public var customer: CustomerID
    /// The purchase-model run that scored it.
    public var run: Int64
    /// The horizon in the run's time unit.
    public var horizon: Double
    public var expectedPurchases: Double
    public var probabilityAlive: Double
    public var expectedSpend: Double?
    public var clv: Double?

    public init(
        customer: CustomerID, run: Int64, horizon: Double, expectedPurchases: Double, probabilityAlive: Double, expectedSpend: Double?, clv: Double?
    ) {
        self.customer = customer
        self.run = run
        self.horizon = horizon
        self.expectedPurchases = expectedPurchases
        self.probabilityAlive = probabilityAlive
        self.expectedSpend = expectedSpend
        self.clv = clv
    }
}
