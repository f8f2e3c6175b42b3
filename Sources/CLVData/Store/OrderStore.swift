import CLVCore

/// Durable storage of orders and the per-customer daily aggregates that summaries read.
///
/// Implementations keep each batch atomic (all of its lines or none) and idempotent (a line whose key is already
/// stored is skipped and counted as a duplicate), and answer the aggregate questions (summaries for a window, the
/// purchase timeline) themselves, so that an SQL server can compute them where the data lives.
public protocol OrderStore: Sendable {
    /// Records the start of an import and returns its id.
    func beginImport(source: String, format: String) async throws -> Int64

    /// Stores one batch in one transaction, updating customers, products and daily aggregates, and the import's
    /// running counts, with the `audit` events of the write in the same transaction (a crash keeps both or neither).
    /// Returns how many lines were new and how many were already stored.
    func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts, audit: [AuditEvent]) async throws -> (inserted: Int, duplicates: Int)

    /// Marks the import finished with its final counts.
    func finishImport(_ importID: Int64, counts: IngestCounts) async throws

    /// Every customer's calibration summary (and holdout, when the window has one), ordered by customer id, with the
    /// semantics of ``CustomerSummarizer``. Customers whose first purchase falls after the calibration end are left
    /// out; guest lines and return-only days never count.
    func summaries(for window: SummaryWindow) async throws -> [CustomerSummaryRow]

    /// Purchase days through `end`, counted by calendar day, of the customers whose first purchase is on or before
    /// `cohortEnd`: the data of a tracking plot (cumulative repeat purchases against the model's expectation).
    func purchaseTimeline(through end: CalendarDay, cohortEnd: CalendarDay) async throws -> [PurchaseTimelineDay]

    /// Every customer's days (purchases and return-only days), by customer and day: what cohort tables read.
    func allCustomerDays() async throws -> [CustomerDay]

    /// Totals over everything stored.
    func statistics() async throws -> StoreStatistics

    /// The day of the latest stored line (``StoreStatistics/lastDay``) without the totals, which scan every line:
    /// what the server reads at start-up.
    func lastOrderDay() async throws -> CalendarDay?

    /// A warning to show before importing into this store (e.g. lines it holds cannot be recognised on re-import),
    /// or nil.
    func importWarning() async throws -> String?
}

/// One calendar day of ``OrderStore/purchaseTimeline(through:cohortEnd:)``.
public struct PurchaseTimelineDay: Sendable, Equatable, Codable {
    public var day: CalendarDay
    /// Customers whose first purchase day this is.
    public var firstPurchases: Int
    /// Customers who bought again this day (a purchase day after their first).
    public var repeatPurchases: Int

    public init(day: CalendarDay, firstPurchases: Int, repeatPurchases: Int) {
        self.day = day
        self.firstPurchases = firstPurchases
        self.repeatPurchases = repeatPurchases
    }
}

/// What an import has seen so far.
public struct IngestCounts: Sendable, Equatable, Codable {
    /// Data lines read (header and blank lines excluded).
    public var read = 0
    /// Lines newly stored.
    public var imported = 0
    /// Valid lines already stored by an earlier import.
    public var duplicates = 0
    /// Lines rejected into the quarantine file.
    public var quarantined = 0
    /// Valid cancellation and return lines (netted against revenue, never purchases).
    public var returns = 0
    /// Valid lines without a customer id (stored, kept out of customer summaries).
    public var guestLines = 0

    public init() {}
}

/// Totals over a store's contents.
public struct StoreStatistics: Sendable, Equatable, Codable {
    public var orderLines: Int
    public var customers: Int
    public var products: Int
    public var firstDay: CalendarDay?
    public var lastDay: CalendarDay?
    public var netRevenue: Double

    public init(orderLines: Int, customers: Int, products: Int, firstDay: CalendarDay?, lastDay: CalendarDay?, netRevenue: Double) {
        self.orderLines = orderLines
        self.customers = customers
        self.products = products
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.netRevenue = netRevenue
    }
}

extension OrderStore {
    /// A batch whose write needs no audit record of its own (file imports are recorded as ingest runs).
    public func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts) async throws -> (inserted: Int, duplicates: Int) {
        try await write(batch, importID: importID, counts: counts, audit: [])
    }
}
