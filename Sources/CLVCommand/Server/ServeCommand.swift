import ArgumentParser
import CLVData
import CLVServer
import Foundation
import Hummingbird
import Logging

extension CLV {
    /// `clv serve`: the HTTP API.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the HTTP API (JSON under /v1, /openapi.json, /metrics, /healthz, /readyz).",
            discussion: """
                Every route but the health checks needs an API key: create one with `clv keys create --role analyst`. \\
                Settings come from defaults, then --config FILE (JSON; or $CLV_CONFIG), then CLV_HOST, CLV_PORT, CLV_DB, \\
                CLV_RATE_LIMIT, CLV_MAX_BODY_BYTES, then these flags. SIGTERM or Ctrl-C stops it gracefully: requests in \\
                flight finish and the audit log is flushed.
                """
        )

        @Option(name: .customLong("db"), help: ArgumentHelp("SQLite database file.", valueName: "path"))
        var database: String?

        @Option(help: "Address to listen on.")
        var host: String?

        @Option(help: "Port to listen on (0 picks a free one and prints it).")
        var port: Int?

        @Option(help: ArgumentHelp("JSON configuration file.", valueName: "file"))
        var config: String?

        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel: String = "info"

        func validate() throws {
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535.") }
            if Logger.Level(rawValue: logLevel) == nil {
                throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
            }
        }

        func run() async throws {
            var configuration: ServerConfiguration
            do { configuration = try ServerConfiguration.load(file: config) } catch { throw UserError(error.description) }
            if let database { configuration.database = database }
            if let host { configuration.host = host }
            if let port { configuration.port = port }
            var logger = Logger(label: "clv.serve")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let location = StoreLocation(configuration.database)
            let store = try await StoreFactory.open(location, create: false)
            let (host, path) = (configuration.host, location.description)
            let app = try await CLVService.application(configuration: configuration, store: store, logger: logger) { port in
                Output.log("clv serve: listening on http://\(host):\(port) (database \(path))")
            }
            try await app.runService()
        }
    }
}
