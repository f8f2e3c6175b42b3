import CLVTestSupport
import CLVText
import Foundation
import Testing

/// `--encoder DIR` on the commands that embed customers' words: stock MiniLM written as a fine-tuned encoder folder
/// must give the same vectors (and so the same classifiers) under its own name, and a bad folder is one line.
@Suite struct EncoderOptionTests {
    /// Stock all-MiniLM-L6-v2 written by ``SentenceTransformersDirectory`` into `folder/encoder`.
    static func stockEncoderFolder(in folder: TemporaryDirectory) throws -> String {
        let base = TestData.modelsDirectory.appendingPathComponent(KnownModel.miniLM.rawValue)
        for file in KnownModel.miniLM.requiredFiles { _ = try TestData.model(KnownModel.miniLM.rawValue, file) }
        let stock = try SentenceEncoder(directory: ModelDirectory(root: TestData.modelsDirectory))
        let out = folder.url.appendingPathComponent("encoder")
        try SentenceTransformersDirectory(url: out).write(stock.encoder.weights, base: base)
        return out.path
    }

    @Test func embedWithTheFolderGivesTheStockVectorsUnderTheFoldersName() throws {
        let folder = try TemporaryDirectory()
        let encoder = try Self.stockEncoderFolder(in: folder)
        let clv = try CLIRunner()
        let texts = ["where is my parcel", "I want a refund for the blue dress"]
        let stock = try clv.run(["embed"] + texts)
        let tuned = try clv.run(["embed", "--encoder", encoder] + texts)
        #expect(stock.status == 0 && tuned.status == 0, "\(stock.stderr)\(tuned.stderr)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(stock.stdout.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(tuned.stdout.utf8)) as? [String: Any])
        #expect(a["model"] as? String == "all-MiniLM-L6-v2")
        #expect((b["model"] as? String)?.hasPrefix("finetuned-") == true)
        #expect(a["embeddings"] as? [[Double]] == b["embeddings"] as? [[Double]])
    }

    @Test func intentTrainAndEvaluateWithTheFolderMatchStock() throws {
        let folder = try TemporaryDirectory()
        let encoder = try Self.stockEncoderFolder(in: folder)
        let clv = try CLIRunner()
        let data = TestData.projectRoot.appendingPathComponent("models/intent/ecommerce-intents.csv").path
        let test = try folder.write(
            "test.csv",
            """
            text,label
            has my parcel left the warehouse yet,order_tracking
            I would like my money back for the jumper,refunds
            can I pay with a gift card,payment
            """)
        var metrics: [String] = []
        for (name, extra) in [("stock", [String]()), ("tuned", ["--encoder", encoder])] {
            let model = folder.path("\(name).json")
            let trained = try clv.run(["intent", "train", "--data", data, "--out", model] + extra)
            #expect(trained.status == 0, "\(trained.stderr)")
            let evaluated = try clv.run(["intent", "evaluate", "--model", model, "--data", test.path, "--format", "json"] + extra)
            #expect(evaluated.status == 0, "\(evaluated.stderr)")
            metrics.append(evaluated.stdout)
        }
        // The same vectors, seed and recipe: the same classifier, so the same metrics.
        #expect(metrics[0] == metrics[1])
        let withoutEncoder = try clv.run(["intent", "evaluate", "--model", folder.path("tuned.json"), "--data", test.path])
        #expect(withoutEncoder.status == 1)
        #expect(withoutEncoder.stderr.hasSuffix("pass its folder with --encoder DIR.\n"), "\(withoutEncoder.stderr)")
        #expect(withoutEncoder.stderr.split(separator: "\n").count == 1)
    }

    @Test func sentimentTrainAndScoreWithTheFolder() throws {
        let folder = try TemporaryDirectory()
        let encoder = try Self.stockEncoderFolder(in: folder)
        let clv = try CLIRunner()
        let data = try folder.write(
            "reviews.csv",
            """
            text,label
            I love this dress it fits perfectly,positive
            beautiful fabric and great colour,positive
            wonderful quality I will buy again,positive
            the best jumper I have ever owned,positive
            it fell apart after one wash,negative
            terrible fit and cheap material,negative
            arrived torn and the seller ignored me,negative
            very disappointed waste of money,negative
            """)
        let model = folder.path("sentiment.json")
        let trained = try clv.run(["sentiment", "train", "--data", data.path, "--out", model, "--encoder", encoder])
        #expect(trained.status == 0, "\(trained.stderr)")
        let scored = try clv.run(["sentiment", "--encoder", encoder, "--model", model, "I love it, perfect fit", "awful, it broke at once"])
        #expect(scored.status == 0, "\(scored.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(scored.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["positive", "negative"])
        // The stock installed classifier reads other vectors: refused, saying what to pass.
        let mismatched = try clv.run(["sentiment", "--model", model, "I love it"])
        #expect(mismatched.status == 1)
        #expect(mismatched.stderr.contains("use the --embedding-model or --encoder it was trained with"), "\(mismatched.stderr)")
    }

    @Test(arguments: [
        ["intent", "train", "--data", "x.csv", "--out", "m.json"],
        ["sentiment", "train", "--data", "x.csv", "--out", "m.json"],
        ["embed", "hello"],
    ])
    func aMissingFolderIsAOneLineError(command: [String]) throws {
        let result = try CLIRunner().run(command + ["--encoder", "/nonexistent/encoder"])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("/nonexistent/encoder is not a fine-tuned encoder folder (no such folder)"), "\(result.stderr)")
    }

    @Test func encoderAndEmbeddingModelTogetherIsMisuse() throws {
        let result = try CLIRunner().run(["embed", "--encoder", "/tmp", "--embedding-model", "e5-small", "hello"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Give --embedding-model or --encoder, not both"), "\(result.stderr)")
    }
}
