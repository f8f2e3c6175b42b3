import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, `pg_ctl start` on a free loopback
/// port, stopped and removed when the test process exits. One per test process, started by the first test that
/// asks; each test takes a database of its own with ``createDatabase()``.
///
/// PostgreSQL refuses to run as root, so under root (containers, CI) the server runs as the `postgres` account
/// that Debian's package creates, through `runuser`. TCP connections need the password (SCRAM), local ones do
/// not: the tests see real password authentication.
public final class PostgresCluster: Sendable {
    public let port: Int
    public let user = "clv"
    public let password: String
    /// Where the server binaries are (`scripts/setup.sh --postgres` installs them).
    public let binaries: URL
    let folder: URL
    let runAs: String?
    private let databases = Atomic<Int>(0)

    /// The cluster of this test process, started on first use.
    public static func shared() throws -> PostgresCluster {
        try sharedCluster.withLock { cluster in
            if let cluster { return cluster }
            let started = try PostgresCluster()
            cluster = started
            atexit { PostgresCluster.stopShared() }
            return started
        }
    }

    /// A new, empty database owned by ``user``; returns its `postgres://` URL (no password: pass ``environment``).
    public func createDatabase() throws -> String {
        let name = "clv_test_\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)"
        try run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", user, name], asServer: false)
        return url(database: name)
    }

    /// The URL of a database of this cluster.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// What a client needs in its environment to log in.
    public var environment: [String: String] { ["PGPASSWORD": password] }

    /// Runs `psql -c sql` on `database` and returns what it printed (unaligned, tuples only).
    public func psql(_ sql: String, database: String) throws -> String {
        try run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], asServer: false)
    }

    private init() throws {
        binaries = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CLV_PG_BIN"] ?? "/usr/lib/postgresql/15/bin")
        guard FileManager.default.isExecutableFile(atPath: binaries.appendingPathComponent("initdb").path) else {
            throw PostgresClusterError("no PostgreSQL server binaries in \(binaries.path): run `scripts/setup.sh --postgres` (or set CLV_PG_BIN)")
        }
        runAs = getuid() == 0 ? "postgres" : nil
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clv-postgres-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        password = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
        let passwordFile = folder.appendingPathComponent("password")
        try Data(password.utf8).write(to: passwordFile)
        if let runAs {
            guard let account = getpwnam(runAs) else {
                throw PostgresClusterError("tests run as root and PostgreSQL refuses root, but there is no '\(runAs)' account to run it as: run `scripts/setup.sh --postgres`")
            }
            guard chown(folder.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0, chown(passwordFile.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0
            else { throw PostgresClusterError("cannot hand \(folder.path) to the '\(runAs)' account") }
        }
        let data = folder.appendingPathComponent("data").path
        try Self.run(
            "initdb",
            ["-D", data, "-U", user, "--pwfile", passwordFile.path, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
            as: runAs, binaries: binaries, in: folder, password: password)
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try Self.freePort()
            do {
                try Self.run(
                    "pg_ctl",
                    [
                        "-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o",
                        "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
                        "start",
                    ], as: runAs, binaries: binaries, in: folder, password: password)
                self.port = port
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? PostgresClusterError("pg_ctl could not start the cluster")
    }

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)

    private static func stopShared() {
        sharedCluster.withLock { cluster in
            cluster?.stop()
            cluster = nil
        }
    }

    /// Stops the server at once (the data is thrown away) and removes its folder.
    func stop() {
        _ = try? run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"], asServer: true)
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs one of the server's programs, as the server's account when `asServer`; returns its standard output.
    @discardableResult
    func run(_ program: String, _ arguments: [String], asServer: Bool) throws -> String {
        try Self.run(program, arguments, as: asServer ? runAs : nil, binaries: binaries, in: folder, password: password)
    }

    @discardableResult
    private static func run(_ program: String, _ arguments: [String], as runAs: String?, binaries: URL, in folder: URL, password: String) throws -> String {
        let process = Process()
        let executable = binaries.appendingPathComponent(program).path
        if let runAs {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", runAs, "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        process.environment = environment
        process.currentDirectoryURL = folder
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PostgresClusterError("\(program) failed (\(process.terminationStatus)): \(message)")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A loopback port nothing listens on now (the kernel's pick for a socket bound to port 0).
    public static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw PostgresClusterError("cannot open a socket to find a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw PostgresClusterError("cannot bind a loopback socket to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
