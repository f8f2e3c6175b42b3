import CLVTestSupport
import Foundation
import Testing

/// `clv embed --embedding-model`: the choice of model, its errors, and the warning for Chinese text on MiniLM.
@Suite struct EmbedCommandTests {
    @Test func anUnknownModelIsMisuse() throws {
        let result = try CLIRunner().run(["embed", "--embedding-model", "bert", "hello"])
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix(
                "Error: The value 'bert' is invalid for '--embedding-model <embedding-model>'. Please provide one of 'minilm' and 'e5-small'."))
    }

    @Test func e5SmallEmbedsChineseAndMiniLMWarnsAboutIt() throws {
        _ = try TestData.model("multilingual-e5-small", "e5-small-q4.bin")
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        let clv = try CLIRunner()
        let e5 = try clv.run(["embed", "--embedding-model", "e5-small", "--role", "passage", "质量很好", "great quality"])
        #expect(e5.status == 0, "\(e5.stderr)")
        #expect(e5.stderr.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(e5.stdout.utf8)) as? [String: Any])
        #expect(report["model"] as? String == "multilingual-e5-small")
        #expect((report["embeddings"] as? [[Double]])?.map(\.count) == [384, 384])

        let minilm = try clv.run(["embed", "great quality", "质量很好"])
        #expect(minilm.status == 0)
        #expect(
            minilm.stderr
                == "clv: text 2 contains Chinese characters, which all-MiniLM-L6-v2 cannot read (they become [UNK]); use --embedding-model e5-small.\n")
    }

    @Test func theInstallationDefaultIsASettingAndAFlagOverridesIt() throws {
        _ = try TestData.model("multilingual-e5-small", "e5-small-q4.bin")
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        let clv = try CLIRunner()
        let e5 = try clv.run(["embed", "质量很好"], environment: ["CLV_EMBEDDING_MODEL": "e5-small"])
        #expect(e5.status == 0, "\(e5.stderr)")
        #expect(e5.stderr.isEmpty, "no warning: e5-small reads Chinese")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(e5.stdout.utf8)) as? [String: Any])
        #expect(report["model"] as? String == "multilingual-e5-small")

        let overridden = try clv.run(["embed", "--embedding-model", "minilm", "great"], environment: ["CLV_EMBEDDING_MODEL": "e5-small"])
        let minilm = try #require(try JSONSerialization.jsonObject(with: Data(overridden.stdout.utf8)) as? [String: Any])
        #expect(minilm["model"] as? String == "all-MiniLM-L6-v2")

        let wrong = try clv.run(["embed", "great"], environment: ["CLV_EMBEDDING_MODEL": "bert"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("CLV_EMBEDDING_MODEL=bert is not an embedding model: use minilm or e5-small, or unset it."), "\(wrong.stderr)")
    }
}
