import CLVTestSupport
import Foundation
import GRDB
import Testing

/// The model commands on the database path: ingest CDNOW, fit, save the run, predict from the saved run.
@Suite struct ModelCommandTests {
    @Test func fitFromTheDatabaseMatchesThePaperAndPredictReusesTheSavedRun() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        #expect(try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db]).status == 0)

        let fit = try clv.run(["fit", "--model", "bgnbd", "--db", db, "--end", "1997-09-30", "--unit", "week", "--format", "json"])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        let params = try #require(report["params"] as? [String: Double])
        // Fader, Hardie & Lee (2005), Table 1: r = 0.243, α = 4.414, a = 0.793, b = 2.426; LL = −9582.4.
        #expect(params["r"]!.matchesPublished(0.243, decimals: 3))
        #expect(params["alpha"]!.matchesPublished(4.414, decimals: 3))
        #expect(params["a"]!.matchesPublished(0.793, decimals: 3))
        #expect(params["b"]!.matchesPublished(2.426, decimals: 3))
        #expect((report["log_likelihood"] as! Double).matchesPublished(-9582.4, decimals: 1))
        let runs = try DatabaseQueue(path: db).read {
            try Row.fetchAll($0, sql: "SELECT model, time_unit, customers FROM model_run").map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int)" }
        }
        #expect(runs == ["bgnbd week 2357"])

        let predict = try clv.run(["predict", "--model", "bgnbd", "--horizon", "39", "--db", db, "--end", "1997-09-30", "--format", "csv"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.count == 2_358)
        // Customer 1 (x = 2, tₓ = 30.43, T = 38.86) expects 1.226 purchases in the next 39 weeks (FHL 2005, §5).
        let first = lines[1].split(separator: ",")
        #expect(first[0] == "1")
        #expect(Double(first[4])!.matchesPublished(1.226, decimals: 3))
    }
}
