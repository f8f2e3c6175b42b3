import CLVTestSupport
import Foundation
import GRDB
import Testing

/// The `clv` executable as a user runs it: exit codes, one-line errors, output formats, and a real kill.
@Suite struct IngestCommandTests {
    @Test func ingestThenSummaryCSVHasTheDocumentedHeader() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        let ingest = try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db, "--format", "json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
        #expect(report["lines_read"] as? Int == 6_919)
        #expect(report["imported"] as? Int == 6_919)
        #expect(report["quarantined"] as? Int == 0)

        let summary = try clv.run(
            ["summary", "--end", "1997-09-30", "--holdout-end", "1998-06-30", "--unit", "week", "--format", "csv"], environment: ["CLV_DB": db])
        #expect(summary.status == 0, "\(summary.stderr)")
        let lines = summary.stdout.split(separator: "\n")
        #expect(lines.first == "customer_id,frequency,recency,T,monetary_value,frequency_holdout,monetary_value_holdout,duration_holdout")
        #expect(lines.count == 2_358)
        #expect(lines[1] == "1,2,30.428571428571427,38.857142857142854,22.345,1,26.48,39")

        let json = try clv.run(["summary", "--db", db, "--end", "1997-09-30", "--unit", "week", "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2_357)
        #expect(rows.first?["customer_id"] as? String == "1")
        #expect(rows.first?["T"] as? Double == 272.0 / 7)

        let again = try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db])
        #expect(again.status == 0)
        #expect(again.stdout.contains("duplicates skipped  6,919"))
    }

    @Test func userErrorsAreOneLineWithExitCodeOne() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let missingDB = try clv.run(["summary", "--db", folder.path("none.sqlite")])
        #expect(missingDB.status == 1)
        #expect(
            missingDB.stderr
                == "clv: error: No database at \(folder.path("none.sqlite")): import orders first with `clv ingest orders FILE --db \(folder.path("none.sqlite"))`, or pass --db.\n"
        )
        #expect(!FileManager.default.fileExists(atPath: folder.path("none.sqlite")))

        let missingFile = try clv.run(["ingest", "orders", folder.path("nope.csv"), "--preset", "online-retail", "--db", folder.path("a.sqlite")])
        #expect(missingFile.status == 1)
        #expect(missingFile.stderr == "clv: error: No file at \(folder.path("nope.csv")): check the path.\n")

        let garbage = try folder.write("garbage.csv", "a,b\n1,2\n")
        let wrongPreset = try clv.run(["ingest", "orders", garbage.path, "--preset", "online-retail", "--db", folder.path("a.sqlite")])
        #expect(wrongPreset.status == 1)
        #expect(wrongPreset.stderr.hasPrefix("clv: error: \(garbage.path) has no column 'CustomerID'; it has a, b."))
        #expect(wrongPreset.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func misuseExitsWithTwo() throws {
        let clv = try CLIRunner()
        let noColumns = try clv.run(["ingest", "orders", "x.csv"])
        #expect(noColumns.status == 2)
        #expect(
            noColumns.stderr.hasPrefix(
                "Error: Name the columns with --customer-col and --date-col (and --amount-col), or pick --preset cdnow-sample|cdnow|online-retail|amazon-reviews."
            ))
        let badDate = try clv.run(["summary", "--end", "30/09/1997"])
        #expect(badDate.status == 2)
        #expect(badDate.stderr.contains("The value '30/09/1997' is invalid for '--end <YYYY-MM-DD>'"))
        let badOrder = try clv.run(["summary", "--end", "1997-09-30", "--holdout-end", "1997-01-01"])
        #expect(badOrder.status == 2)
        #expect(badOrder.stderr.hasPrefix("Error: --holdout-end (1997-01-01) must be after --end (1997-09-30)."))
    }

    @Test(arguments: ["help", "help-ingest-orders", "help-summary"])
    func helpMatchesGolden(name: String) throws {
        let clv = try CLIRunner()
        let arguments: [String] =
            switch name {
            case "help": ["--help"]
            case "help-ingest-orders": ["help", "ingest", "orders"]
            default: ["help", "summary"]
            }
        let result = try clv.run(arguments)
        #expect(result.status == 0)
        let golden = try #require(Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Golden"))
        #expect(
            result.stdout == (try String(contentsOf: golden, encoding: .utf8)),
            "regenerate with: clv \(arguments.joined(separator: " ")) > Tests/CLVCommandTests/Golden/\(name).txt (COLUMNS=100)")
    }

    /// SIGKILL in the middle of an import leaves a valid database holding only whole batches; importing again finishes
    /// the job without duplicating anything.
    @Test func killMidImportLeavesWholeBatchesAndResumes() async throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        // Large enough, in small enough batches, that the import is still running when a poller starved by the rest
        // of the suite first sees a commit (1,000,000 lines in batches of 5,000 once finished before that).
        let lines = 2_000_000, batch = 2_000
        var text = "order,customer,date,amount\n"
        text.reserveCapacity(lines * 32)
        for i in 0..<lines { text += "o\(i),c\(i % 9_973),2024-\(1 + i % 12 < 10 ? "0" : "")\(1 + i % 12)-\(10 + i % 19),\(i % 97).5\n" }
        let file = try folder.write("big.csv", text)
        let db = folder.path("kill.sqlite")
        let arguments = [
            "ingest", "orders", file.path, "--db", db, "--customer-col", "customer", "--date-col", "date",
            "--amount-col", "amount", "--order-col", "order", "--batch-size", String(batch),
        ]
        let process = try clv.start(arguments)

        // Kill as soon as the first batch is committed, long before the end (1,000 batches).
        var committed = 0
        let deadline = Date().addingTimeInterval(60)
        while committed < batch, process.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(2))
            committed = (try? Self.query(db) { try Int.fetchOne($0, sql: "SELECT imported FROM ingest_run") ?? 0 }) ?? 0
        }
        try #require(process.isRunning, "the import finished before it could be killed; make the file larger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let (integrity, stored, lineTotal, dayTotal) = try Self.query(db) { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM order_line") ?? -1,
                try Double.fetchOne(db, sql: "SELECT total(amount) FROM order_line") ?? -1,
                try Double.fetchOne(db, sql: "SELECT total(purchase_amount) FROM customer_day") ?? -1
            )
        }
        #expect(integrity == "ok")
        #expect(stored > 0 && stored < lines)
        #expect(stored % batch == 0, "a partial batch was stored: \(stored) lines")
        #expect(lineTotal.isApproximatelyEqual(to: dayTotal, relativeTolerance: 1e-12), "aggregates disagree with lines")

        let resumed = try clv.run(arguments + ["--format", "json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(report["duplicates_skipped"] as? Int == stored)
        #expect(report["imported"] as? Int == lines - stored)
        let final = try Self.query(db) { try Int.fetchOne($0, sql: "SELECT count(*) FROM order_line") }
        #expect(final == lines)
    }

    /// A synchronous read of the database file, opened afresh as another process would.
    static func query<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        try DatabaseQueue(path: path).read(body)
    }
}
