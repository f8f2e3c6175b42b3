import ArgumentParser
import CLVCore
import CLVData
import Foundation

extension CLV {
    /// `clv privacy …`: erasure and retention.
    struct Privacy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a customer, or purge data older than a retention period.",
            subcommands: [Erase.self, Retention.self]
        )

        struct Erase: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Erase every row about a customer; the audit log keeps only a keyed hash of the id."
            )
            @OptionGroup var database: DatabaseOptions
            @Argument(help: "The customer id.") var id: String

            func run() async throws {
                let deleted = try await database.openExisting().erase(CustomerID(id), actor: "cli")
                guard !deleted.isEmpty else { throw UserError("No customer with that id in \(database.path).") }
                Output.log("Erased \(deleted.description).")
            }
        }

        struct Retention: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Delete order lines older than a period, and customers left without any.",
                discussion: "Example: clv privacy retention --older-than 365d   (units: d days, w weeks, y years of 365 days)"
            )
            @OptionGroup var database: DatabaseOptions
            @Option(name: .customLong("older-than"), help: ArgumentHelp("The retention period, e.g. 365d, 52w, 2y.", valueName: "period"))
            var olderThan: String
            @Option(name: .customLong("as-of"), help: ArgumentHelp("Count the period back from this day instead of today.", valueName: "YYYY-MM-DD"))
            var asOf: CalendarDay?

            var days: Int? {
                guard let unit = olderThan.last, let n = Int(olderThan.dropLast()), n > 0 else { return nil }
                switch unit {
                case "d": return n
                case "w": return n * 7
                case "y": return n * 365
                default: return nil
                }
            }

            func validate() throws {
                guard days != nil else { throw ValidationError("--older-than must be a positive number followed by d, w or y, e.g. 365d.") }
            }

            func run() async throws {
                let today = asOf ?? CalendarDay(daysSinceEpoch: Int((Date().timeIntervalSince1970 / 86_400).rounded(.down)))
                let cutoff = today.adding(days: -days!)
                let deleted = try await database.openExisting().purge(before: cutoff, actor: "cli")
                Output.log("Purged data before \(cutoff): \(deleted.description).")
            }
        }
    }
}
