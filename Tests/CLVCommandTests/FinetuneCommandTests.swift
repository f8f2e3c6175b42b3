import CLVTestSupport
import Foundation
import Testing

/// `clv finetune` end to end on the tiny BERT of the PyTorch fixtures: a run writes a folder the encoder reader
/// accepts, and bad input is one line.
@Suite struct FinetuneCommandTests {
    static let tinyBERT = TestData.projectRoot.appendingPathComponent("Tests/CLVTextTests/Resources/finetune/tiny-bert").path

    /// Card problems against transfer problems, in the tiny vocabulary's words.
    static func data(in folder: TemporaryDirectory) throws -> String {
        let card = ["my card is not working", "my card was declined", "lost card", "my new card is still not here", "card pin"]
        let transfer = ["my transfer failed", "transfer pending", "why was my transfer declined", "money transfer", "transfer fee"]
        var rows = ["text,category"]
        for _ in 0..<4 {
            rows += card.map { "\($0),card" }
            rows += transfer.map { "\($0),transfer" }
        }
        return try folder.write("train.csv", rows.joined(separator: "\n") + "\n").path
    }

    /// `clv finetune` of the tiny BERT on `data` (an intent task, batches of 8) with the `options` of the test.
    static func finetuneTinyBERT(data: String, out: String, _ options: [String]) throws -> CLIRunner.Result {
        try CLIRunner().run(
            ["finetune", "--task", "intent", "--data", data, "--label-column", "category", "--base", tinyBERT, "--batch-size", "8", "--out", out]
                + options)
    }

    /// The `head.json` a run wrote into its `--out` folder.
    static func headFile(in out: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/head.json"))) as? [String: Any])
    }

    @Test func trainsAndWritesAnEncoderFolder() throws {
        let folder = try TemporaryDirectory()
        let data = try Self.data(in: folder)
        let out = folder.url.appendingPathComponent("tuned").path
        let result = try Self.finetuneTinyBERT(
            data: data, out: out,
            ["--epochs", "3", "--learning-rate", "1e-3", "--validation-fraction", "0.2", "--test", data, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(!rows.isEmpty && rows.count <= 3)
        #expect((rows.last?["test_accuracy"] as? Double).map { (0...1).contains($0) } == true)
        // stderr is a pipe here: one line per epoch run, and the classifier head trained at its own default rate.
        #expect(result.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("finetune: epoch ") }.count == rows.count, "\(result.stderr)")
        let head = try Self.headFile(in: out)
        #expect((head["settings"] as? [String: Any])?["headLearningRate"] as? Double == 1e-2)  // the documented default
        for file in ["model.safetensors", "config.json", "vocab.txt", "modules.json", "head.safetensors", "head.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        let embedded = try CLIRunner().run(["embed", "--encoder", out, "card pin"])
        #expect(embedded.status == 0, "\(embedded.stderr)")
    }

    @Test func averagedRunsAreReportedAndRecorded() throws {
        let folder = try TemporaryDirectory()
        let data = try Self.data(in: folder)
        let out = folder.url.appendingPathComponent("soup").path
        let result = try Self.finetuneTinyBERT(
            data: data, out: out, ["--epochs", "2", "--validation-fraction", "0", "--average-runs", "2", "--seed", "7", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["run"] as? Int } == [1, 1, 2, 2] && rows.compactMap { $0["epoch"] as? Int } == [1, 2, 1, 2])
        #expect(result.stderr.contains("run 2 of 2"), "\(result.stderr)")
        let runs = try #require(try Self.headFile(in: out)["averagedRuns"] as? [[String: Any]])
        let seeds = runs.compactMap { ($0["seed"] as? NSNumber)?.uint64Value }
        #expect(seeds.count == 2 && seeds[0] == 7 && seeds[1] != 7)
        #expect(runs.allSatisfy { ($0["epochs"] as? [[String: Any]])?.count == 2 })

        let single = folder.url.appendingPathComponent("single").path
        #expect(try Self.finetuneTinyBERT(data: data, out: single, ["--epochs", "1", "--validation-fraction", "0"]).status == 0)
        #expect(try Self.headFile(in: single)["averagedRuns"] == nil)
        let refused = try Self.finetuneTinyBERT(data: data, out: single, ["--average-runs", "0"])
        #expect(refused.status == 2 && refused.stderr.contains("--average-runs must be at least 1"), "\(refused.stderr)")
    }

    @Test func aContrastiveStageRunsFirstAndIsRecorded() throws {
        let folder = try TemporaryDirectory()
        let data = try Self.data(in: folder)
        let out = folder.url.appendingPathComponent("setfit").path
        let result = try Self.finetuneTinyBERT(
            data: data, out: out,
            ["--epochs", "1", "--validation-fraction", "0", "--contrastive-iterations", "2", "--contrastive-learning-rate", "1e-3"])
        #expect(result.status == 0, "\(result.stderr)")
        // 40 texts of two labels, two rounds: 80 same-label and 80 other-label pairs, 4 pairs (8 texts) a step.
        #expect(result.stderr.contains("contrastive stage, 160 pairs of the 40 training texts, 40 steps"), "\(result.stderr)")
        #expect(result.stderr.contains("contrastive: epoch 1/1 done"), "\(result.stderr)")
        let head = try Self.headFile(in: out)
        let stage = try #require(head["contrastive"] as? [String: Any])
        #expect(stage["iterations"] as? Int == 2 && stage["pairs"] as? Int == 160 && stage["learningRate"] as? Double == 1e-3)
        #expect((stage["epochs"] as? [[String: Any]])?.count == 1)

        let regression = try CLIRunner().run([
            "finetune", "--task", "regression", "--data", data, "--label-column", "category", "--contrastive-iterations", "2", "--out", out,
        ])
        #expect(regression.status == 2 && regression.stderr.contains("use it with --task intent or sentiment"), "\(regression.stderr)")
    }

    @Test func aCosineHeadWithLabelSmoothingIsRecorded() throws {
        let folder = try TemporaryDirectory()
        let data = try Self.data(in: folder)
        let out = folder.url.appendingPathComponent("cosine").path
        let result = try Self.finetuneTinyBERT(
            data: data, out: out, ["--epochs", "1", "--validation-fraction", "0", "--normalize-embedding", "--label-smoothing", "0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        let head = try Self.headFile(in: out)
        #expect(head["normalizesEmbedding"] as? Bool == true)
        #expect((head["settings"] as? [String: Any])?["labelSmoothing"] as? Double == 0.1)

        let tooMuch = try CLIRunner().run(["finetune", "--task", "intent", "--data", data, "--label-smoothing", "1", "--out", out])
        #expect(tooMuch.status == 2 && tooMuch.stderr.contains("--label-smoothing must be in [0, 1)"), "\(tooMuch.stderr)")
    }

    @Test func badInputIsOneLine() throws {
        let folder = try TemporaryDirectory()
        let data = try Self.data(in: folder)
        let clv = try CLIRunner()
        let unknownTask = try clv.run(["finetune", "--task", "topics", "--data", data, "--out", folder.path("x")])
        #expect(unknownTask.status == 2)
        let missingBase = try clv.run([
            "finetune", "--task", "intent", "--data", data, "--label-column", "category", "--base", "/nonexistent", "--out", folder.path("x"),
        ])
        #expect(missingBase.status == 1)
        #expect(missingBase.stderr.contains("--base /nonexistent is neither"))
        let wrongColumn = try clv.run(["finetune", "--task", "intent", "--data", data, "--base", Self.tinyBERT, "--out", folder.path("x")])
        #expect(wrongColumn.status == 1 && wrongColumn.stderr.split(separator: "\n").count == 1, "\(wrongColumn.stderr)")
        // The fix names this command's own column options, not another command's.
        #expect(wrongColumn.stderr.contains("--text-column and --label-column") && !wrongColumn.stderr.contains("--customer-col"))
        let regression = try clv.run([
            "finetune", "--task", "regression", "--data", data, "--label-column", "category", "--base", Self.tinyBERT, "--out", folder.path("x"),
        ])
        #expect(regression.status == 1 && regression.stderr.contains("is not a number"), "\(regression.stderr)")
    }
}
