import CLVTestSupport
import Foundation

/// `clv serve` as a process of its own on a free loopback port: what a user runs, with its own threads (clients
/// driving it are not slowed by the other tests of this process), stopped with a signal.
struct ServeProcess {
    let process: Process
    let port: Int
    let log: URL

    /// Starts the server on `database` (with `configuration` JSON, if any) and waits until it listens; `environment`
    /// adds to the process's (e.g. `PGPASSWORD` for a PostgreSQL URL), and `log` names the file its standard
    /// error goes to in `folder`.
    static func start(
        database: String, configuration: String? = nil, environment: [String: String] = [:], log name: String = "serve.log",
        in folder: TemporaryDirectory
    ) async throws -> ServeProcess {
        let log = folder.url.appendingPathComponent(name)
        try Data().write(to: log)
        let handle = try FileHandle(forWritingTo: log)
        var arguments = ["serve", "--db", database, "--port", "0"]
        if let configuration {
            let file = folder.url.appendingPathComponent("serve.json")
            try Data(configuration.utf8).write(to: file)
            arguments += ["--config", file.path]
        }
        let process = try CLIRunner().start(arguments, environment: environment, stderr: handle)
        for _ in 0..<1_200 {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://[^:]+:(\d+)"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last!)
            {
                return ServeProcess(process: process, port: port, log: log)
            }
            guard process.isRunning else { break }
        }
        kill(process.processIdentifier, SIGKILL)
        throw MissingTestData(path: "a listening clv serve: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// Stops it as an operator would (SIGTERM: requests in flight finish) and waits.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
