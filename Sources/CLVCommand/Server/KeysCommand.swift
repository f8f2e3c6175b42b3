import ArgumentParser
import CLVData
import Foundation

extension CLV {
    /// `clv keys …`: API keys for the HTTP service.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke API keys.",
            subcommands: [Create.self, List.self, Revoke.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an API key; the key is printed once and only its hash is stored.",
                discussion:
                    "Roles: admin (everything), analyst (read, segments, audiences, fits), agent (one customer at a time, language models), ingest (post events)."
            )
            @OptionGroup var database: DatabaseOptions
            @Option(help: "What the key may do.") var role: Role
            @Option(help: "A note to recognise the key by, e.g. the system that uses it.") var label: String?
            @Option(help: "Output format.") var format: OutputFormat = .table

            func run() async throws {
                let store = try await database.openForWriting()
                let (key, secret) = try await store.createKey(role: role, label: label)
                switch format {
                case .json:
                    try Output.write(Tabular.json(["id": key.id, "role": key.role.rawValue, "key": secret, "label": key.label as Any? ?? NSNull()]), to: nil)
                case .csv:
                    try Output.write("id,role,key\n\(key.id),\(key.role.rawValue),\(secret)\n", to: nil)
                case .table:
                    try Output.write(secret + "\n", to: nil)
                    Output.log("Created \(key.role.rawValue) key \(key.id) (\(key.prefix)…). Store it now: it cannot be shown again.")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List API keys (never the secrets).")
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Output format.") var format: OutputFormat = .table

            func run() async throws {
                let keys = try await database.openExisting().keys()
                let table = Tabular(
                    columns: ["id", "prefix", "role", "label", "created_at", "revoked_at"],
                    rows: keys.map {
                        [
                            .integer(Int($0.id)), .text($0.prefix), .text($0.role.rawValue), $0.label.map(Tabular.Value.text) ?? .missing,
                            .text(Self.text($0.createdAt)), $0.revokedAt.map { .text(Self.text($0)) } ?? .missing,
                        ]
                    })
                try Output.write(table.render(format), to: nil)
            }

            static func text(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke an API key by id (it stops working within seconds).")
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The key's id, from `clv keys list`.") var id: Int64

            func run() async throws {
                guard try await database.openExisting().revokeKey(id: id) else {
                    throw UserError("No live key with id \(id): see `clv keys list`.")
                }
                Output.log("Revoked key \(id).")
            }
        }
    }
}

extension Role: ExpressibleByArgument {}
