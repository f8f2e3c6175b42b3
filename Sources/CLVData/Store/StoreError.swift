import Foundation

/// Why a store could not do what was asked. Messages say what to fix and never include customer data.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be opened (missing folder, permissions, not a CLVKit database).
    case cannotOpen(location: String, reason: String)
    /// A stored row cannot be read back (written by a newer CLVKit, or edited by hand).
    case unreadableRow(table: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(location, reason):
            // A PostgreSQL reason already says what to do; a file's is the system's, so the advice follows it.
            StoreLocation(location).isServer
                ? "Cannot open database \(location): \(reason)."
                : "Cannot open database \(location): \(reason). Check the path and its permissions, or pass another --db."
        case let .unreadableRow(table, reason):
            "A row of table \(table) cannot be read (\(reason)): it was written by a newer CLVKit or edited by hand."
        }
    }
}

/// Where `--db` (or `CLV_DB`) points: a SQLite file, or a PostgreSQL URL. Parsed once, so that a URL never becomes
/// a file path.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// Whether the location names a database server rather than a file.
    public var isServer: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The location as it may be shown and logged: a URL's password is never included.
    public var description: String {
        switch self {
        case let .sqlite(path): return path
        case let .postgres(url):
            // postgres://user:secret@host/db -> postgres://user@host/db
            guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"),
                let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
            else { return url }
            return String(url[..<colon] + url[at...])
        }
    }
}
