import CLVCore
import CLVData
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode (or an in-memory database, for tests and throwaway work),
/// through GRDB. Implements every storage protocol of CLVData.
public struct SQLiteStore: Sendable {
    /// The file, or `:memory:`.
    public let path: String
    let writer: any DatabaseWriter
    /// The key of the audit log's customer pseudonyms, read once (it never changes).
    let auditKey: [UInt8]
    /// True when the database holds lines stored before line keys began with the day (before 2026-11-29): a new
    /// import of the same files cannot recognise those lines and would store them again. Set by the migration
    /// that changed the keys, so it is read once.
    let hasLegacyLineKeys: Bool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// - Throws: ``StoreError/cannotOpen(location:reason:)`` when the file cannot be opened or is not a CLVKit database.
    public init(path: String) throws(StoreError) {
        let pool: DatabasePool
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: Self.configuration)
        } catch {
            throw .cannotOpen(location: path, reason: Self.reason(error))
        }
        try self.init(path: path, writer: pool)
    }

    /// A new, empty database in memory: the same schema and behaviour as a file, gone when the last copy of the
    /// store is released.
    public static func inMemory() throws(StoreError) -> SQLiteStore {
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(configuration: configuration) } catch { throw .cannotOpen(location: ":memory:", reason: reason(error)) }
        return try SQLiteStore(path: ":memory:", writer: queue)
    }

    private init(path: String, writer: some DatabaseWriter) throws(StoreError) {
        self.path = path
        self.writer = writer
        do {
            try Schema.migrator.migrate(writer)
            (auditKey, hasLegacyLineKeys) = try writer.read { db in
                (
                    try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'audit_key'").map(Array.init) ?? [],
                    try Bool.fetchOne(db, sql: "SELECT 1 FROM setting WHERE name = 'legacy_line_keys'") ?? false
                )
            }
        } catch {
            throw .cannotOpen(location: path, reason: Self.reason(error))
        }
    }

    /// The bound of the writing connection's page cache.
    static let writerCacheMebibytes = 256

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a crash never corrupts the file or loses a committed batch; only a power loss may
            // lose the last batches.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Readers keep a bounded 16 MiB page cache. The one writer gets up to 256 MiB: an import inserts all over
            // the aggregates (a time-sorted file) or the day ranges of the line keys (a customer-sorted one), and
            // once those B-trees outgrow the cache every insert re-reads its pages (1M customers, 6.5M lines: about
            // 450 MB of tables). The cache fills only as pages are used, and never past the bound.
            let mebibytes = db.configuration.readonly ? 16 : Self.writerCacheMebibytes
            try db.execute(sql: "PRAGMA cache_size = -\(mebibytes * 1024)")
        }
        return configuration
    }

    /// Runs a read-only query; for tests and diagnostics inside the package.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await writer.read(body)
    }

    static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "SQLite error \(db.resultCode.rawValue)" }
        return "\(error)"
    }
}

/// Timestamps as stored: ISO 8601 text in UTC, with fractional seconds where the moment needs them.
enum StoredTime {
    static func text(_ date: Date, fractionalSeconds: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        if fractionalSeconds { formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds] }
        return formatter.string(from: date)
    }

    /// Reads either form back.
    static func date(_ text: String, table: String) throws(StoreError) -> Date {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw .unreadableRow(table: table, reason: "'\(text)' is not an ISO 8601 time")
        }
        return date
    }
}

extension StoredTime {
    /// A moment as it reads back from its stored text (whole seconds).
    static func roundedToSeconds(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
}
