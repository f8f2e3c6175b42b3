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
        Self.removeAbandonedClusters(runAs: runAs, binaries: binaries)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(Self.folderPrefix)\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(String(getpid()).utf8).write(to: folder.appendingPathComponent("owner"))
        var generator = SystemRandomNumberGenerator()
        password = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
        let passwordFile = folder.appendingPathComponent("password")
        try Data(password.utf8).write(to: passwordFile)
        if let runAs {
            guard let account = getpwnam(runAs) else {
                throw PostgresClusterError(
                    "tests run as root and PostgreSQL refuses root, but there is no '\(runAs)' account to run it as: run `scripts/setup.sh --postgres`")
            }
            guard chown(folder.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0,
                chown(passwordFile.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0
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
    private static let folderPrefix = "clv-postgres-"

    /// Stops and removes the clusters of test processes that died without stopping theirs (a crash skips `atexit`).
    private static func removeAbandonedClusters(runAs: String?, binaries: URL) {
        let temporary = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.hasPrefix(folderPrefix) {
            let folder = temporary.appendingPathComponent(name)
            guard let text = try? String(contentsOf: folder.appendingPathComponent("owner"), encoding: .utf8), let owner = pid_t(text),
                kill(owner, 0) != 0 && errno == ESRCH
            else { continue }
            _ = try? run(
                "pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"], as: runAs, binaries: binaries, in: folder,
                password: "")
            try? FileManager.default.removeItem(at: folder)
        }
    }

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

    /// Spawns the program and waits for it with `waitpid` (Foundation's `Process.waitUntilExit` was seen to hang
    /// here after `pg_ctl start`, whose server outlives it); its output goes through files, not pipes, since the
    /// server it starts must not hold them open.
    @discardableResult
    private static func run(_ program: String, _ arguments: [String], as runAs: String?, binaries: URL, in folder: URL, password: String) throws -> String {
        let executable = binaries.appendingPathComponent(program).path
        let argv = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]
        let outFile = folder.appendingPathComponent("\(program)-\(UUID().uuidString).out").path
        let errFile = outFile.replacingOccurrences(of: ".out", with: ".err")
        defer {
            unlink(outFile)
            unlink(errFile)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        let cArguments = (argv + arguments).map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw PostgresClusterError("cannot start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let message = ((try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw PostgresClusterError("\(program) failed (status \(status)): \(message)")
        }
        return output
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
