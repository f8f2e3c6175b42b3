import AsyncHTTPClient
import CLVCore
import CLVData
import CLVSQLite
import CLVServer
import CLVTestSupport
import Foundation
import GRDB
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The real server on a free loopback port over a fresh SQLite file holding the CDNOW sample, with one key per role.
struct TestServer: Sendable {
    let port: Int
    let databasePath: String
    let keys: [String: String]

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw MissingTestData(path: "a JSON object in: \(body.prefix(200))")
            }
            return object
        }
    }

    /// Starts a server, runs `body`, and stops the server gracefully.
    /// - Parameter prepare: adds to the store (with a scratch folder) before the server opens it.
    static func with<T: Sendable>(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        prepare: (SQLiteStore, TemporaryDirectory) async throws -> Void = { _, _ in },
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let folder = try TemporaryDirectory("clv-server")
        let path = folder.path("clv.sqlite")
        let store = try SQLiteStore(path: path)
        _ = try await OrderIngester(format: .cdnowSample).ingest(
            file: try TestData.cdnow("CDNOW_sample.txt"), into: store, quarantineFile: folder.url.appendingPathComponent("q.csv")
        )
        try await prepare(store, folder)
        var keys: [String: String] = [:]
        for role in Role.allCases { keys[role.rawValue] = try await store.createKey(role: role, label: "test").secret }
        var configuration = ServerConfiguration()
        configuration.database = path
        configuration.port = 0
        configure(&configuration)
        var logger = Logger(label: "clv.test")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await CLVService.application(configuration: configuration, store: store, logger: logger) { port in
            continuation.yield(port)
        }
        let running = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw MissingTestData(path: "a listening port") }
        let server = TestServer(port: port, databasePath: path, keys: keys)
        do {
            let result = try await body(server)
            running.cancel()
            _ = await running.result
            return result
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
    }

    /// A synchronous read of the server's database file from a second connection.
    func query<T>(_ body: (Database) throws -> T) throws -> T {
        try DatabaseQueue(path: databasePath).read(body)
    }

    /// One HTTP request through AsyncHTTPClient.
    func request(
        _ method: HTTPMethod, _ path: String, key role: String? = "admin", rawKey: String? = nil, body: String? = nil, bytes: [UInt8]? = nil,
        timeout: Int64 = 60
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let secret = rawKey ?? role.flatMap({ keys[$0] }) { request.headers.add(name: "Authorization", value: "Bearer \(secret)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        } else if let bytes {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: headers, body: String(buffer: buffer))
    }
}
