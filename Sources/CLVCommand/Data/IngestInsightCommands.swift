import ArgumentParser
import CLVCore
import CLVData
import Foundation

extension CLV.Ingest {
    /// `clv ingest interactions FILE`.
    struct Interactions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import what customers wrote or looked at: searches, views, reviews, chats, notes.",
            discussion: """
                CSV (a header naming customer_id, kind, text and optionally product_id, rating, timestamp, \
                interaction_id) or JSON Lines with the same keys (.json, .jsonl, .ndjson). kind is one of search, \
                view, review, chat, note; rating 1 to 5; timestamp an ISO 8601 date or date-time, or Unix seconds. \
                Every text is redacted before it is stored (e-mail addresses, phone numbers, card, ID and IBAN \
                numbers, street addresses become [EMAIL], [PHONE], ...). Re-importing a file stores nothing new; \
                bad lines go to <db>.quarantine/<file>.csv, redacted too.

                --preset amazon-reviews reads an Amazon Review Data (2018) dump; import its purchases with \
                `clv ingest orders FILE --preset amazon-reviews`.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case csv, jsonl
        }

        enum Preset: String, ExpressibleByArgument, CaseIterable {
            case amazonReviews = "amazon-reviews"
        }

        @Argument(help: "The file to import.")
        var file: String

        @OptionGroup var database: DatabaseOptions

        @Option(help: "A known file layout.")
        var preset: Preset?

        @Option(name: .customLong("input-format"), help: "csv or jsonl (default: from the file's extension).")
        var inputFormat: Format?

        @Option(name: .customLong("batch-size"), help: "Interactions per database transaction.")
        var batchSize = 2_000

        @Option(help: "Output format of the import report.")
        var format: CLV.Ingest.Orders.ReportFormat = .table

        func validate() throws {
            if preset != nil, inputFormat != nil { throw ValidationError("--preset sets the layout itself: drop --input-format or --preset.") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        }

        func run() async throws {
            let url = try existingFile(file)
            let layout: InteractionIngester.Format =
                if preset == .amazonReviews { .amazonReviews } else {
                    inputFormat.map { $0 == .csv ? .csv : .jsonLines } ?? InteractionIngester.Format.guess(for: url)
                }
            let store = try await database.openForWriting()
            let quarantine = CLV.Ingest.Orders.quarantineURL(database: database.path, source: url)
            let started = Date()
            let progressLine = ProgressLine(label: "ingest \(url.lastPathComponent)")
            let report: InteractionIngester.Report
            do {
                report = try await InteractionIngester(format: layout, batchSize: batchSize).ingest(file: url, into: store, quarantineFile: quarantine) {
                    read, total in progressLine.update(fraction: total > 0 ? Double(read) / Double(total) : 0, detail: "")
                }
            } catch let error as IngestError {
                progressLine.finish()
                throw UserError(error.description)
            }
            progressLine.finish()
            let seconds = Date().timeIntervalSince(started)
            let c = report.counts
            let redactions = Dictionary(uniqueKeysWithValues: report.redactions.map { ($0.key.rawValue, $0.value) })
            switch format {
            case .json:
                var object: [String: Any] = [
                    "source": report.source, "format": report.format, "database": database.path, "lines_read": c.read, "imported": c.imported,
                    "duplicates_skipped": c.duplicates, "quarantined": c.quarantined, "quarantine_reasons": report.quarantineReasons,
                    "redactions": redactions, "customers": report.customers.count, "seconds": seconds,
                ]
                object["quarantine_file"] = report.quarantineFile
                try Output.write(Tabular.json(object), to: nil)
            case .table:
                func n(_ value: Int) -> String { value.formatted(.number.grouping(.automatic)) }
                var out = "Imported \(url.lastPathComponent) (\(report.format)) into \(database.path) in \(String(format: "%.2f", seconds)) s\n"
                out += "  records read        \(n(c.read))\n  imported            \(n(c.imported))\n"
                out += "  duplicates skipped  \(n(c.duplicates))\(c.duplicates > 0 ? "  (already in the database)" : "")\n"
                let reasons = report.quarantineReasons.sorted { $0.key < $1.key }.map { "\($0.key): \(n($0.value))" }.joined(separator: ", ")
                out += "  quarantined         \(n(c.quarantined))\(reasons.isEmpty ? "" : "  (\(reasons))")\n"
                out += "  customers           \(n(report.customers.count))\n"
                let redacted = redactions.sorted { $0.key < $1.key }.map { "\($0.key) \(n($0.value))" }.joined(separator: ", ")
                out += "  redacted            \(redacted.isEmpty ? "nothing" : redacted)\n"
                if let file = report.quarantineFile { out += "  rejected lines: \(file)\n" }
                try Output.write(out, to: nil)
            }
        }
    }

    /// `clv ingest products FILE`.
    struct Products: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the product catalogue (id, title, description, category, price).",
            discussion: """
                A CSV with a header naming id and any of title, description, category, price. A product already \
                stored keeps the fields the file leaves empty. --preset online-retail derives the catalogue from \
                the Online Retail order file itself: per StockCode, the most frequent Description and the median \
                UnitPrice of its sales.
                """
        )

        enum Preset: String, ExpressibleByArgument, CaseIterable {
            case onlineRetail = "online-retail"
        }

        @Argument(help: "The file to import.")
        var file: String

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Derive the catalogue from a known order file.")
        var preset: Preset?

        func run() async throws {
            let url = try existingFile(file)
            let catalogue: ProductFileReader.Catalogue
            do {
                catalogue = try preset == .onlineRetail ? ProductFileReader.deriveFromOnlineRetail(url) : ProductFileReader.read(url)
            } catch { throw UserError(error.description) }
            for (line, reason) in catalogue.rejected.prefix(5) { Output.log("\(url.lastPathComponent):\(line): \(reason)") }
            if catalogue.rejected.count > 5 { Output.log("… and \(catalogue.rejected.count - 5) more rejected lines") }
            guard !catalogue.products.isEmpty else {
                throw UserError("No product could be read from \(file): it needs an id column (and a header line).")
            }
            let (inserted, updated) = try await database.openForWriting().upsertProducts(catalogue.products)
            Output.log(
                "Stored \(catalogue.products.count) products from \(url.lastPathComponent) (\(inserted) new, \(updated) updated, \(catalogue.rejected.count) lines rejected)."
            )
        }
    }
}

/// The URL of an existing regular file, or a one-line error that says so.
func existingFile(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        throw UserError("No file at \(path): check the path.")
    }
    return url
}
