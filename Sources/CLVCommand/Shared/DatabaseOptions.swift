import ArgumentParser
import CLVData
import CLVPostgres
import CLVSQLite
import Foundation

/// `--db PATH|URL`, shared by every command that reads or writes the store.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "SQLite database file, or postgres://user@host:port/database.",
            discussion: "Defaults to $CLV_DB, else ./clv.sqlite. A PostgreSQL password comes from PGPASSWORD or ~/.pgpass, never the URL.",
            valueName: "path")
    )
    var explicitPath: String?

    /// The database path after applying the environment and the default.
    var path: String {
        if let explicitPath { return explicitPath }
        if let env = ProcessInfo.processInfo.environment["CLV_DB"], !env.isEmpty { return env }
        return "clv.sqlite"
    }

    /// Opens the store, creating it if needed (for commands that write).
    func openForWriting() async throws -> any ServiceStore {
        try await StoreFactory.open(StoreLocation(path), create: true)
    }

    /// Opens an existing store (for commands that only read): a missing file is a user error, not a new empty database.
    func openExisting() async throws -> any ServiceStore {
        try await StoreFactory.open(StoreLocation(path), create: false)
    }
}

/// The one place a store is chosen from `--db` (or `CLV_DB`, or the server's configuration).
enum StoreFactory {
    /// - Parameter create: make a new, empty database when there is none (commands that write); otherwise a
    ///   missing database is an error that says how to make one.
    /// - Throws: ``UserError`` for a missing database; ``StoreError`` when it cannot be opened or is of a kind
    ///   this build does not have (a `postgres://` URL is never taken for a file name).
    static func open(_ location: StoreLocation, create: Bool) async throws -> any ServiceStore {
        switch location {
        case let .sqlite(path):
            guard create || FileManager.default.fileExists(atPath: path) else {
                throw UserError("No database at \(path): import orders first with `clv ingest orders FILE --db \(path)`, or pass --db.")
            }
            return try SQLiteStore(path: path)
        case let .postgres(url):
            // The database must exist (`createdb` makes one; its owner decides who may use it); its tables are
            // created on first use, whether the command writes or reads.
            return try await PostgresStore.open(url: url)
        }
    }
}
