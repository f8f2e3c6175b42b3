import CLVTestSupport
import Foundation
import Testing

/// `--orders FILE`: summaries and fits straight from an order file, without a database.
@Suite struct OrderFileCommandTests {
    @Test func summaryAndFitOfAnOrderFileEqualThoseOfTheImportedDatabase() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        let sample = try TestData.cdnow("CDNOW_sample.txt").path
        let ingest = try clv.run(["ingest", "orders", sample, "--preset", "cdnow-sample", "--db", db])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let window = ["--end", "1997-09-30", "--holdout-end", "1998-06-30", "--unit", "week", "--format", "csv"]
        let stored = try clv.run(["summary", "--db", db] + window)
        let inMemory = try clv.run(["summary", "--orders", sample, "--preset", "cdnow-sample"] + window)
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(inMemory.status == 0, "\(inMemory.stderr)")
        #expect(inMemory.stderr == "")
        #expect(inMemory.stdout.split(separator: "\n").count == 2_358)
        #expect(inMemory.stdout == stored.stdout)

        // The published BG/NBD fit of the CDNOW sample (Fader, Hardie & Lee 2005: r 0.243, α 4.414, a 0.793, b 2.426).
        let fit = try clv.run(
            ["fit", "--model", "bgnbd", "--orders", sample, "--preset", "cdnow-sample", "--end", "1997-09-30", "--unit", "week", "--format", "json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        let params = try #require(report["params"] as? [String: Double])
        let published = ["r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426]
        for (name, value) in published {
            let fitted = try #require(params[name], "no \(name) in \(params)")
            #expect(fitted.isApproximatelyEqual(to: value, absoluteTolerance: 1.5e-3), "\(name)")  // published to 3 decimals
        }
        #expect(report["n_customers"] as? Int == 2_357)
    }

    @Test func orderFileMistakesAreOneLineErrors() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()

        let presetAlone = try clv.run(["summary", "--preset", "cdnow-sample", "--end", "1997-09-30"])
        #expect(presetAlone.status == 2)
        #expect(presetAlone.stderr.hasPrefix("Error: --preset and the column options describe an order file: give --orders FILE too."))

        let both = try clv.run(["fit", "--model", "bgnbd", "--orders", "x.csv", "--preset", "cdnow", "--db", "a.sqlite"])
        #expect(both.status == 2)
        #expect(both.stderr.hasPrefix("Error: Give either --db PATH or --orders FILE, not both."))

        let noLayout = try clv.run(["summary", "--orders", "x.csv"])
        #expect(noLayout.status == 2)
        #expect(noLayout.stderr.hasPrefix("Error: Name the columns with --customer-col and --date-col (and --amount-col), or pick --preset"))

        let missing = try clv.run(["summary", "--orders", folder.path("nope.csv"), "--preset", "online-retail"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "clv: error: No file at \(folder.path("nope.csv")): check the path.\n")

        let shop = try folder.write("shop.csv", "customer,day,total\na,2024-01-01,10\na,someday,3\na,2024-01-08,7\n")
        let columns = ["--customer-col", "customer", "--date-col", "day", "--amount-col", "total"]
        let skipped = try clv.run(["summary", "--orders", shop.path, "--end", "2024-01-10", "--format", "csv"] + columns)
        #expect(skipped.status == 0)
        #expect(skipped.stdout == "customer_id,frequency,recency,T,monetary_value\na,1,7,9,7\n")
        #expect(
            skipped.stderr
                == "Skipped 1 of 3 lines (unparseable date: 1); the first: \(shop.path):3: unparseable date; expected ISO 8601 (YYYY-MM-DD[ HH:MM:SS])\n")

        let wrongColumn = try clv.run(["summary", "--orders", shop.path, "--customer-col", "email", "--date-col", "day", "--amount-col", "total"])
        #expect(wrongColumn.status == 1)
        #expect(wrongColumn.stderr.hasPrefix("clv: error: \(shop.path) has no column 'email'; it has customer, day, total."))
        #expect(wrongColumn.stderr.filter { $0 == "\n" }.count == 1)
    }
}
