import CLVCore
import CLVData
import Foundation
import Logging
import PostgresNIO

/// The server store: every storage protocol of CLVData on a PostgreSQL database, through a PostgresNIO connection
/// pool. Behaves as the SQLite store does (the conformance suite checks both); the aggregates are computed by
/// the server with GROUP BY, and imports go through `COPY`.
public struct PostgresStore: Sendable {
    /// Where the database is (no password).
    public let location: PostgresLocation
    let client: PostgresClient
    /// Keeps the pool's background work running; cancelled by ``close()``.
    private let runner: Task<Void, Never>
    /// The key of the audit log's customer pseudonyms, read once (it never changes).
    let auditKey: [UInt8]
    let logger: Logger

    /// Connects to the database at `url`, brings its schema up to date and starts the connection pool.
    /// - Throws: ``StoreError/cannotOpen(location:reason:)`` with one line that says what went wrong (no server at
    ///   that address, no such database, wrong credentials, a bad URL) and how to fix it.
    /// - Parameter environment: where `PGPASSWORD`, `PGPASSFILE` and the other libpq defaults are read.
    public static func open(
        url: String, maximumConnections: Int = 8, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(StoreError) -> PostgresStore {
        let location = try PostgresLocation(url: url, environment: environment)
        var logger = Logger(label: "clv.postgres")
        // PostgresNIO logs every server notice and reconnect; the store reports what matters as errors.
        logger.logLevel = .critical
        let auditKey: [UInt8]
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(), id: 1, logger: logger)
            do {
                auditKey = try await PostgresMigrator.migrate(connection, logger: logger)
                _ = try await CitusDistribution.apply(connection, logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw .cannotOpen(location: location.description, reason: PostgresFailure.reason(error, location: location))
        }
        let client: PostgresClient
        do { client = PostgresClient(configuration: try location.clientConfiguration(maximumConnections: maximumConnections), backgroundLogger: logger) } catch
        {
            throw .cannotOpen(location: location.description, reason: PostgresFailure.reason(error, location: location))
        }
        let runner = Task { await client.run() }
        return PostgresStore(location: location, client: client, runner: runner, auditKey: auditKey, logger: logger)
    }

    /// Closes the pool's connections. The store cannot be used afterwards; a process that ends closes them anyway.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: - Running statements

    /// Runs `body` in one transaction on one pooled connection, retrying the whole transaction when the server
    /// aborted it for a deadlock or a serialization failure, or, when `retryingUniqueViolations`, for a key that
    /// another transaction stored first (two imports writing the same lines at once: the retry sees them).
    func transaction<T: Sendable>(retryingUniqueViolations: Bool = false, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError
                where attempt < (retryingUniqueViolations ? 10 : 5)
                && (PostgresFailure.isRetryable(error) || (retryingUniqueViolations && PostgresFailure.isUniqueViolation(error)))
            {
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
    }

    /// Runs one statement outside any explicit transaction and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }
}

extension PostgresLocation {
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try connectionTLS())
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    func clientConfiguration(maximumConnections: Int) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: clientTLS())
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// libpq's `prefer` and `require` encrypt without checking the certificate; `verify-full` checks it.
    private var tlsConfiguration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if self.tls != .verifyFull { tls.certificateVerification = .none }
        return tls
    }

    private func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyFull: return .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
    }

    private func clientTLS() -> PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration)
        case .require, .verifyFull: .require(tlsConfiguration)
        }
    }
}

/// Turns PostgresNIO's errors into the one line a user can act on.
enum PostgresFailure {
    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    static func isUniqueViolation(_ error: PSQLError) -> Bool { error.serverInfo?[.sqlState] == "23505" }

    static func reason(_ error: any Error, location: PostgresLocation) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        let server = "\(location.host):\(location.port)"
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "server error \(state)"
            switch state {
            case "3D000":
                return
                    "there is no database \(location.database) on \(server); create it with `createdb -h \(location.host) -p \(location.port) -U \(location.user) \(location.database)`"
            case "28P01", "28000":
                return "the server refused user \(location.user) (\(message)); set PGPASSWORD or add a line to ~/.pgpass (host:port:database:user:password)"
            case "42501":
                return "user \(location.user) may not do this here (\(message)); grant it CREATE on the database or use its owner"
            default:
                return message
            }
        }
        switch error.code {
        case .connectionError:
            return "no PostgreSQL server answers at \(server); start it, or fix the host and port in the URL"
        case .authMechanismRequiresPassword:
            return "the server wants a password for user \(location.user); set PGPASSWORD or add a line to ~/.pgpass (host:port:database:user:password)"
        case .sslUnsupported:
            return "the server at \(server) does not offer TLS, which sslmode=\(location.tls.rawValue) requires"
        default:
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }
}

/// Applies the named migrations not yet recorded in `schema_migration`, under an advisory lock, in one
/// transaction (PostgreSQL's DDL is transactional: a failed migration leaves the database as it was).
enum PostgresMigrator {
    /// - Returns: the audit key (created with the schema).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [UInt8] {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migration (
                    position bigint GENERATED ALWAYS AS IDENTITY,
                    name text COLLATE "C" PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM schema_migration", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                for statement in statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migration (name) VALUES (\(migration.name))", logger: logger)
            }
            var generator = SystemRandomNumberGenerator()
            let fresh = ByteBuffer(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try await connection.query(
                "INSERT INTO setting (name, value) VALUES ('audit_key', \(fresh)) ON CONFLICT (name) DO NOTHING", logger: logger)
            var key: [UInt8] = []
            for try await value in try await connection.query("SELECT value FROM setting WHERE name = 'audit_key'", logger: logger).decode(ByteBuffer.self) {
                key = Array(buffer: value)
            }
            try await connection.query("COMMIT", logger: logger)
            return key
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// The statements of a migration: its text split at the semicolons that end a line (migrations hold no
    /// semicolon at the end of a line inside a statement).
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
    }

    /// The migrations applied to a database, in the order they were applied; for tests.
    static func applied(_ store: PostgresStore) async throws -> [String] {
        var names: [String] = []
        for try await name in try await store.query("SELECT name FROM schema_migration ORDER BY position").decode(String.self) { names.append(name) }
        return names
    }
}
