import ArgumentParser
import CLVCore
import CLVData
import Foundation

extension CLV {
    /// `clv ingest …`: bring data into the store.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import data files into the database.",
            subcommands: [Orders.self, Interactions.self, Products.self]
        )
    }
}

extension CLV.Ingest {
    /// `clv ingest orders FILE`.
    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import order lines from a CSV/TSV file or a CDNOW text file.",
            discussion: """
                Re-importing a file changes nothing: each line has a stable key. Identical lines within one order \
                are kept as separate purchases. Bad lines go to <db>.quarantine/<file>.csv with their line number \
                and reason. Cancellations and returns (negative quantities or amounts; Online Retail's C invoices) \
                are stored and netted against revenue but never counted as purchases.

                Presets: cdnow-sample, cdnow, online-retail, amazon-reviews (an Amazon Review Data JSON Lines file: \
                each verified review is one unit of its product that day, with no amount; repeated rows are stored \
                once). Without a preset, name the columns, e.g.
                  clv ingest orders shop.csv --customer-col email_hash --date-col created_at --amount-col total
                """
        )

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
            case table, json
        }

        @Argument(help: "The file to import.")
        var file: String

        @OptionGroup var database: DatabaseOptions

        @OptionGroup var layout: OrderFileOptions

        @Option(name: .customLong("batch-size"), help: "Lines per database transaction.")
        var batchSize = 50_000

        @Option(help: "Output format of the import report.")
        var format: ReportFormat = .table

        func validate() throws {
            try layout.validateLayout()
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        }

        func run() async throws {
            let url = URL(fileURLWithPath: file)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw UserError("No file at \(file): check the path.")
            }
            let store = try await database.openForWriting()
            if let warning = try await store.importWarning() { progress("Warning: \(warning)") }
            let quarantine = Self.quarantineURL(database: database.path, source: url)
            let started = Date()
            let progressLine = ProgressLine(label: "ingest \(url.lastPathComponent)")
            let report: OrderIngester.Report
            do {
                if layout.preset == .amazonReviews {
                    report = try await AmazonReviewOrderIngester(batchSize: batchSize).ingest(file: url, into: store, quarantineFile: quarantine)
                } else {
                    report = try await OrderIngester(format: layout.format(for: file)!, batchSize: batchSize).ingest(
                        file: url, into: store, quarantineFile: quarantine
                    ) { p in
                        progressLine.update(fraction: p.totalBytes > 0 ? Double(p.bytesRead) / Double(p.totalBytes) : 0, detail: "\(p.counts.read) lines")
                    }
                }
            } catch let error as IngestError {
                progressLine.finish()
                throw UserError(error.description)
            }
            progressLine.finish()
            let seconds = Date().timeIntervalSince(started)
            switch format {
            case .json:
                var object: [String: Any] = [
                    "source": report.source, "format": report.format, "database": database.path,
                    "lines_read": report.counts.read, "imported": report.counts.imported,
                    "duplicates_skipped": report.counts.duplicates, "quarantined": report.counts.quarantined,
                    "cancellations": report.counts.returns, "guest_lines": report.counts.guestLines,
                    "quarantine_reasons": report.quarantineReasons, "seconds": seconds,
                ]
                object["quarantine_file"] = report.quarantineFile
                try Output.write(Tabular.json(object), to: nil)
            case .table:
                try Output.write(Self.describe(report, database: database.path, seconds: seconds), to: nil)
            }
        }

        /// `<db folder>/<db name>.quarantine/<source file name>.csv`; for a PostgreSQL database (no folder of its
        /// own), `./<database name>.quarantine/<source file name>.csv`.
        static func quarantineURL(database: String, source: URL) -> URL {
            if case let .postgres(url) = StoreLocation(database) {
                let name = URLComponents(string: url)?.path.split(separator: "/").last.map(String.init) ?? "postgres"
                return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                    .appendingPathComponent(name + ".quarantine")
                    .appendingPathComponent(source.deletingPathExtension().lastPathComponent + ".csv")
            }
            let db = URL(fileURLWithPath: database)
            return db.deletingLastPathComponent()
                .appendingPathComponent(db.deletingPathExtension().lastPathComponent + ".quarantine")
                .appendingPathComponent(source.deletingPathExtension().lastPathComponent + ".csv")
        }

        static func describe(_ report: OrderIngester.Report, database: String, seconds: Double) -> String {
            let c = report.counts
            func n(_ value: Int) -> String { value.formatted(.number.grouping(.automatic)) }
            var rows: [(String, String, String)] = [
                ("lines read", n(c.read), ""),
                ("imported", n(c.imported), ""),
                ("duplicates skipped", n(c.duplicates), c.duplicates > 0 ? "already in the database" : ""),
                (
                    "quarantined", n(c.quarantined),
                    report.quarantineReasons.sorted { $0.key < $1.key }.map { "\($0.key): \(n($0.value))" }.joined(separator: ", ")
                ),
                ("cancellations", n(c.returns), "stored, netted against revenue, not purchases"),
            ]
            if c.guestLines > 0 { rows.append(("guest lines", n(c.guestLines), "no customer id: stored, left out of customer summaries")) }
            let width = rows.map(\.1.count).max() ?? 0
            var out =
                "Imported \(URL(fileURLWithPath: report.source).lastPathComponent) (\(report.format)) into \(database) in \(String(format: "%.2f", seconds)) s\n"
            for (label, value, note) in rows {
                let padded = label.padding(toLength: 20, withPad: " ", startingAt: 0) + String(repeating: " ", count: width - value.count) + value
                out += "  " + (note.isEmpty ? padded : padded + "  (\(note))") + "\n"
            }
            if let file = report.quarantineFile { out += "  rejected lines: \(file)\n" }
            return out
        }
    }
}
