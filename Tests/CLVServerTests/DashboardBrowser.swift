import AsyncHTTPClient
import CLVTestSupport
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// A headless Chromium driven through chromedriver's W3C WebDriver protocol (HTTP + JSON) with AsyncHTTPClient.
///
/// Needs Debian's `chromium` and `chromium-driver` (`scripts/setup.sh --browser`, run by `make test`).
struct Browser: Sendable {
    struct WebDriverError: Error, CustomStringConvertible {
        var description: String
    }

    let endpoint: String
    let session: String

    static let driverPaths = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
    static let browserPaths = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]

    /// Starts chromedriver on a free port and a headless session at `width`×`height`, runs `body`, and stops both.
    static func with<T: Sendable>(width: Int = 1366, height: Int = 900, _ body: @Sendable (Browser) async throws -> T) async throws -> T {
        guard let driver = driverPaths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
            let binary = browserPaths.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw MissingTestData(path: "chromium and chromedriver (scripts/setup.sh --browser installs Debian's chromium and chromium-driver)")
        }
        let port = try freePort()
        // posix_spawn rather than Foundation's Process, whose launch blocks a cooperative thread in poll().
        let pid = try spawn(driver, ["--port=\(port)"])
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let endpoint = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            if let status = try? await call(endpoint + "/status", method: .GET, body: nil) as? [String: Any], status["ready"] as? Bool == true {
                ready = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard ready else { throw WebDriverError(description: "chromedriver did not start on port \(port)") }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": binary,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)"],
                    ],
                    "goog:loggingPrefs": ["browser": "ALL"],
                ] as [String: Any]
            ]
        ]
        guard let created = try await call(endpoint + "/session", method: .POST, body: capabilities) as? [String: Any], let id = created["sessionId"] as? String
        else {
            throw WebDriverError(description: "chromedriver did not create a session")
        }
        let browser = Browser(endpoint: endpoint, session: id)
        do {
            let result = try await body(browser)
            _ = try? await call("\(endpoint)/session/\(id)", method: .DELETE, body: nil)
            return result
        } catch {
            _ = try? await call("\(endpoint)/session/\(id)", method: .DELETE, body: nil)
            throw error
        }
    }

    /// One WebDriver command; returns the response's `value`, or throws the WebDriver error.
    @discardableResult
    static func call(_ url: String, method: HTTPMethod, body: [String: Any]?) async throws -> Any? {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        let value = object?["value"]
        if response.status.code >= 400 {
            let error = (value as? [String: Any]).map { "\($0["error"] ?? ""): \($0["message"] ?? "")" } ?? String(decoding: data, as: UTF8.self)
            throw WebDriverError(description: "WebDriver \(method) \(url): \(error.prefix(300))")
        }
        return value is NSNull ? nil : value
    }

    @discardableResult
    func command(_ path: String, _ method: HTTPMethod = .POST, _ body: [String: Any]? = [:]) async throws -> Any? {
        try await Self.call("\(endpoint)/session/\(session)\(path)", method: method, body: method == .POST ? body : nil)
    }

    func go(_ url: String) async throws { try await command("/url", .POST, ["url": url]) }

    var currentURL: String { get async throws { try await command("/url", .GET) as? String ?? "" } }

    /// Runs JavaScript in the page (WebDriver "execute script") and returns its JSON result.
    func run(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("/execute/sync", .POST, ["script": script, "args": args])
    }

    func element(_ css: String) async throws -> String {
        guard let found = try await command("/element", .POST, ["using": "css selector", "value": css]) as? [String: Any],
            let id = found.values.first as? String
        else { throw WebDriverError(description: "no element \(css)") }
        return id
    }

    func type(_ css: String, _ text: String) async throws {
        try await command("/element/\(try await element(css))/value", .POST, ["text": text])
    }

    func click(_ css: String) async throws { try await command("/element/\(try await element(css))/click", .POST, [:]) }

    /// The element's text; found again if a late navigation replaced the page between finding and reading it.
    func text(_ css: String) async throws -> String {
        for attempt in 1... {
            do {
                return try await command("/element/\(try await element(css))/text", .GET) as? String ?? ""
            } catch let error as WebDriverError where attempt < 5 && error.description.contains("stale element") {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return ""
    }

    func count(_ css: String) async throws -> Int {
        try await run("return document.querySelectorAll(arguments[0]).length", [css]) as? Int ?? -1
    }

    /// Browser console entries since the last call (`goog:loggingPrefs`).
    func consoleLog() async throws -> [(level: String, message: String)] {
        let entries = try await command("/se/log", .POST, ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.map { ($0["level"] as? String ?? "", $0["message"] as? String ?? "") }
    }

    /// Whether a JavaScript dialog (alert, confirm) is open.
    func alertIsOpen() async -> Bool { (try? await command("/alert/text", .GET)) != nil }

    func screenshot() async throws -> Data {
        guard let base64 = try await command("/screenshot", .GET) as? String, let data = Data(base64Encoded: base64) else {
            throw WebDriverError(description: "no screenshot")
        }
        return data
    }

    /// Starts `path` with `arguments`, its output discarded; returns its process id.
    static func spawn(_ path: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // The test runner blocks some signals; the child must not inherit that mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw WebDriverError(description: "could not start \(path): error \(rc)") }
        return pid
    }

    /// A port nobody listens on now (bound then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw WebDriverError(description: "bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw WebDriverError(description: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
