import CLVData
import Foundation

/// Where a PostgreSQL database is and how to reach it, parsed from a `postgres://user@host:port/db?sslmode=…` URL.
///
/// The password never comes from the URL (a command line is visible to every user of the machine and lands in
/// shell histories): it is read from `PGPASSWORD`, else from the `.pgpass` file (`PGPASSFILE`, else `~/.pgpass`),
/// as libpq does.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var tls: TLSMode
    /// Read from the environment or `.pgpass`; nil when neither has one (trust or peer authentication).
    public var password: String?

    /// libpq's `sslmode` values that CLVKit honours.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP only.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate (as libpq's `require`).
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    /// Parses `url` and looks up its password.
    /// - Throws: ``StoreError/cannotOpen(location:reason:)`` with what is wrong in the URL.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        let shown = StoreLocation.postgres(url: url).description
        func invalid(_ reason: String) -> StoreError { .cannotOpen(location: shown, reason: reason) }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme)
        else { throw invalid("not a postgres://user@host:port/database URL") }
        if components.password != nil {
            throw invalid("the URL holds a password; remove it and set PGPASSWORD or a ~/.pgpass line instead (a command line is visible to others)")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("sslmode '\(item.value ?? "")' is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            default:
                throw invalid("unknown URL parameter '\(item.name)' (only sslmode is understood)")
            }
        }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"] ?? "localhost"
        port = components.port ?? environment["PGPORT"].flatMap(Int.init) ?? 5432
        user = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? (environment["PGDATABASE"] ?? user) : path
        guard !database.contains("/") else { throw invalid("the database name '\(database)' holds a '/'") }
        self.tls = tls
        password = Self.password(host: host, port: port, database: database, user: user, environment: environment)
    }

    /// The URL without any secret, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `PGPASSWORD`, else the first matching line of the password file (`host:port:database:user:password`, `*`
    /// matching anything, `\:` and `\\` escaped).
    static func password(host: String, port: Int, database: String, user: String, environment: [String: String]) -> String? {
        if let password = environment["PGPASSWORD"] { return password }
        let file = environment["PGPASSFILE"] ?? (environment["HOME"].map { $0 + "/.pgpass" } ?? NSHomeDirectory() + "/.pgpass")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = passFileFields(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func passFileFields(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
