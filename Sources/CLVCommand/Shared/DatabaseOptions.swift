import ArgumentParser
import CLVData
import Foundation

/// `--db PATH`, shared by every command that reads or writes the store.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp("SQLite database file.", discussion: "Defaults to $CLV_DB, else ./clv.sqlite.", valueName: "path")
    )
    var explicitPath: String?

    /// The database path after applying the environment and the default.
    var path: String {
        if let explicitPath { return explicitPath }
        if let env = ProcessInfo.processInfo.environment["CLV_DB"], !env.isEmpty { return env }
        return "clv.sqlite"
    }

    /// Opens the store, creating it if needed (for commands that write).
    func openForWriting() throws -> SQLiteStore {
        try SQLiteStore(path: path)
    }

    /// Opens an existing store (for commands that only read): a missing file is a user error, not a new empty database.
    func openExisting() throws -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("No database at \(path): import orders first with `clv ingest orders FILE --db \(path)`, or pass --db.")
        }
        return try SQLiteStore(path: path)
    }
}
