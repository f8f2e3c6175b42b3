import CLVTestSupport
import Foundation
import GRDB
import Testing

/// `clv learn fit`, `clv learn evaluate` and `clv explain` on the CDNOW sample, and the probabilistic commands'
/// refusal of the `learned` kind.
@Suite struct LearnCommandTests {
    @Test func probabilisticCommandsRefuseTheLearnedKind() throws {
        let result = try CLIRunner().run(["fit", "--model", "learned", "--summary", "x.csv"])
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix(
                "Error: The value 'learned' is invalid for '--model <model>'. Please provide one of 'bgnbd', 'pnbd', 'mbgnbd', 'bgbb' or 'gg'."),
            "\(result.stderr)")
    }

    @Test func fitSavesALearnedRunThatExplainReads() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        #expect(try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db]).status == 0)
        let window = ["--db", db, "--end", "1997-09-30", "--holdout-end", "1998-06-30"]
        let fit = try clv.run(["learn", "fit", "--model", "ziln-linear", "--format", "json"] + window)
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        #expect(report["feature_set"] as? String == "clv-learn[summary+model-outputs+behaviour]@1")
        #expect(report["customers"] as? Int == 2357)
        let runs = try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: "SELECT model FROM model_run") }
        #expect(runs == ["learned"])

        let explain = try clv.run(["explain", "1", "--db", db, "--format", "json"])
        #expect(explain.status == 0, "\(explain.stderr)")
        let e = try #require(try JSONSerialization.jsonObject(with: Data(explain.stdout.utf8)) as? [String: Any])
        let attributions = try #require((e["explanation"] as? [String: Any])?["attributions"] as? [[String: Any]])
        // Exact Shapley values of the linear outputs: value = baseline + Σ contributions.
        for a in attributions where a["method"] as? String == "exact-shapley-linear" {
            let sum = (a["contributions"] as! [Double]).reduce(0, +)
            #expect(((a["value"] as! Double) - (a["baseline"] as! Double)).isApproximatelyEqual(to: sum, absoluteTolerance: 1e-9))
        }
        let missing = try clv.run(["explain", "no-such-customer", "--db", db])
        #expect(missing.status == 1)
        #expect(missing.stderr == "clv: error: Customer no-such-customer had no purchase by the learned model's cutoff: explain a customer who had.\n")

        // Scored later with the saved model: every customer who bought by the new day, a probability and an interval.
        let predict = try clv.run(["learn", "predict", "--db", db, "--as-of", "1998-06-30", "--format", "csv"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let scores = predict.stdout.split(separator: "\n")
        #expect(scores.first == "customer_id,p_buys_again,expected_value,lower_90,upper_90")
        #expect(scores.count == 2358)
        for line in scores.dropFirst().prefix(50) {
            let v = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst().map { Double($0)! }
            #expect(v[0] >= 0 && v[0] <= 1 && v[2] <= v[3])
        }
        // `clv predict --model learned` is the same scoring, through the command every model shares.
        let shared = try clv.run(["predict", "--model", "learned", "--db", db, "--end", "1998-06-30"])
        #expect(shared.status == 0, "\(shared.stderr)")
        #expect(shared.stdout == predict.stdout)
        let horizon = try clv.run(["predict", "--model", "learned", "--horizon", "39", "--db", db, "--end", "1998-06-30"])
        #expect(horizon.status == 2 && horizon.stderr.contains("omit --horizon"), "\(horizon.stderr)")

        let evaluate = try clv.run(["learn", "evaluate", "--model", "gbt", "--format", "csv"] + window)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let lines = evaluate.stdout.split(separator: "\n")
        #expect(lines.first == "model,features,gini,spearman,decile_mape,mae,rmse,auc")
        #expect(lines.dropFirst().map { $0.split(separator: ",")[0] } == ["first-purchase-value", "bgnbd+gg", "pnbd+gg", "gbt"])
    }
}
