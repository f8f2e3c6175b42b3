import CLVTestSupport
import Foundation
import Testing

/// The assistant's commands as a user runs them: the shipped knowledge base ingested twice (nothing new the
/// second time), a Chinese search that finds the Chinese refund article by both retrievers, intent training and
/// evaluation with a label the model never saw, and the misuse errors.
@Suite struct AssistCommandTests {
    @Test func knowledgeBaseIngestIsIdempotentAndSearchFindsTheArticle() throws {
        _ = try TestData.model("multilingual-e5-small", "e5-small-q4.bin")
        let folder = try TemporaryDirectory()
        let db = folder.path("kb.sqlite")
        let clv = try CLIRunner()
        let kb = TestData.projectRoot.appendingPathComponent("knowledge-base").path
        let first = try clv.run(["kb", "ingest", kb, "--db", db, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try clv.run(["kb", "ingest", kb, "--db", db, "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(report["written"] as? Int == 0 && report["embedded"] as? Int == 0 && (report["unchanged"] as? Int ?? 0) > 50, "\(report)")
        let search = try clv.run(["kb", "search", "退款多久能到账", "--k", "3", "--format", "json", "--db", db])
        #expect(search.status == 0, "\(search.stderr)")
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]])
        #expect(hits.count == 3)
        #expect(hits.first?["article"] as? String == "zh-refunds")
        #expect(hits.first?["found_by"] as? [String] == ["bm25", "dense"])
    }

    @Test func intentTrainAndEvaluateCountUnseenLabelsAsOutOfScope() throws {
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        let folder = try TemporaryDirectory()
        let clv = try CLIRunner()
        let train = TestData.projectRoot.appendingPathComponent("models/intent/ecommerce-intents.csv").path
        let model = folder.path("intent.json")
        let trained = try clv.run(["intent", "train", "--data", train, "--out", model, "--classifier", "mlp", "--hidden-units", "64"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let test = try folder.write(
            "test.csv",
            """
            text,label
            has my parcel left the warehouse yet,order_tracking
            I would like my money back for the jumper,refunds
            what is the weather in Paris tomorrow,weather
            """)
        let result = try clv.run(["intent", "evaluate", "--model", model, "--data", test.path, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(metrics["n"] as? Int == 3)
        #expect(metrics["oos_recall"] is Double)
        #expect(Set(metrics.keys).isSuperset(of: ["accuracy", "macro_f1", "n", "oos_recall"]))
    }

    @Test(arguments: [
        (["assist", "--session", "s1", "hello"], "--session needs --customer"),
        (["assist", "--llm-url", "http://localhost:1/v1", "hello"], "--llm-url needs --llm-model"),
        (["assist", "--llm-url", "ftp://x", "--llm-model", "m", "hello"], "http:// or https://"),
        (["kb", "search", "refund", "--k", "0"], "--k must be at least 1"),
        (["intent", "train", "--data", "x.csv", "--out", "m.json", "--per-label", "1"], "--per-label must be at least 2"),
    ])
    func misuseIsAnErrorThatSaysWhatToFix(arguments: [String], message: String) throws {
        let result = try CLIRunner().run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
