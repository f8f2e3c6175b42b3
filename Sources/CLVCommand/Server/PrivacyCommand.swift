import ArgumentParser
import CLVCore
import CLVData
import Foundation

extension CLV {
    /// `clv privacy …`: erasure and retention.
    struct Privacy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a customer, set consent, or purge data older than a retention period.",
            subcommands: [Erase.self, Consent.self, Retention.self]
        )

        struct Consent: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record what customers agreed to: marketing, and profiling from their behaviour and words.",
                discussion: """
                    Both default to no for every customer. Without profiling consent a customer gets behavioural \
                    scores only: none of their texts is embedded and no text-derived profile is built.
                    Example: clv privacy consent --profiling yes 12347 12348   (or --all for every customer)
                    """
            )
            enum Answer: String, ExpressibleByArgument, CaseIterable {
                case yes, no
            }
            @OptionGroup var database: DatabaseOptions
            @Option(help: "Consent to profiling.") var profiling: Answer?
            @Option(help: "Consent to marketing.") var marketing: Answer?
            @Flag(help: "Every customer in the database.") var all = false
            @Argument(help: "Customer ids.") var ids: [String] = []

            func validate() throws {
                if profiling == nil && marketing == nil { throw ValidationError("Give --profiling yes|no, --marketing yes|no, or both.") }
                if all == !ids.isEmpty { throw ValidationError("Give customer ids or --all (not both).") }
            }

            func run() async throws {
                let store = try await database.openExisting()
                let current = try await store.consents()
                let targets = all ? current.keys.sorted { $0.rawValue < $1.rawValue } : ids.map { CustomerID($0) }
                var missing: [String] = []
                for id in targets {
                    guard var consent = current[id] else {
                        missing.append(id.rawValue)
                        continue
                    }
                    if let profiling { consent.profiling = profiling == .yes }
                    if let marketing { consent.marketing = marketing == .yes }
                    _ = try await store.setConsent(consent, for: id, actor: "cli")
                }
                Output.log("Consent recorded for \(targets.count - missing.count) customers.")
                if !missing.isEmpty {
                    throw UserError(
                        "No customer with id \(missing.prefix(3).joined(separator: ", "))\(missing.count > 3 ? " and \(missing.count - 3) more" : "") in \(database.path)."
                    )
                }
            }
        }

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
