import CLVCore

/// Durable storage of orders and the per-customer daily aggregates that summaries read.
///
/// Implementations keep each batch atomic (all of its lines or none) and idempotent (a line whose key is already
/// stored is skipped and counted as a duplicate), and push aggregation into the database, so that an SQL server can
/// run it where the data lives.
public protocol OrderStore: Sendable {
    /// Records the start of an import and returns its id.
    func beginImport(source: String, format: String) async throws -> Int64

    /// Stores one batch in one transaction, updating customers, products and daily aggregates, and the import's
    /// running counts. Returns how many lines were new and how many were already stored.
    func write(_ batch: OrderBatch, importID: Int64, counts: IngestCounts) async throws -> (inserted: Int, duplicates: Int)

    /// Marks the import finished with its final counts.
    func finishImport(_ importID: Int64, counts: IngestCounts) async throws

    /// Every customer-day with at least one purchase on or before `lastDay`, ordered by customer id then day.
    /// (A day with returns only is not a purchase day.)
    func purchaseDays(through lastDay: CalendarDay) async throws -> [CustomerDay]

    /// Totals over everything stored.
    func statistics() async throws -> StoreStatistics
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
