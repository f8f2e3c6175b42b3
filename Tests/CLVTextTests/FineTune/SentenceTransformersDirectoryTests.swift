import CLVTestSupport
import CLVText
import Foundation
import Testing

/// A BERT encoder written as a sentence-transformers folder and read back as a ``SentenceEncoder``.
@Suite struct SentenceTransformersDirectoryTests {
    static let expectedFiles = [
        "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "modules.json", "sentence_bert_config.json",
        "1_Pooling/config.json",
    ]

    @Test func theTinyBERTFolderEmbedsAsTheEncoderItWasWrittenFrom() throws {
        let weights = try FineTuneFixture.tinyWeights()
        let folder = try TemporaryDirectory("encoder-folder")
        let out = folder.url.appendingPathComponent("tiny")
        var head = SafetensorsWriter()
        head.add("head.weight", shape: [3, 16], values: (0..<48).map { Float($0) / 48 })
        try SentenceTransformersDirectory(url: out).write(weights, base: FineTuneFixture.tinyBERT, maximumSequenceLength: 16, head: head)
        for name in Self.expectedFiles + ["head.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let loaded = try SentenceEncoder(encoderFolder: out)
        #expect(loaded.encoder.weights == weights)
        #expect(loaded.settings.maximumLength == 16)
        #expect(loaded.modelName.hasPrefix("finetuned-"))
        let tokenizer = try WordPieceTokenizer(vocabularyURL: FineTuneFixture.tinyBERT.appendingPathComponent("vocab.txt"), maximumLength: 16)
        let original = try SentenceEncoder(modelName: "tiny", tokenizer: tokenizer, encoder: BertEncoder(weights: weights), settings: .init(maximumLength: 16))
        let texts = try FineTuneFixture.batch().texts
        #expect(try loaded.embed(texts) == original.embed(texts))
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any]
        #expect(configuration?["architectures"] as? [String] == ["BertModel"])
        #expect(configuration?["hidden_size"] as? Int == 16)
    }

    @Test func theNameFollowsTheWeightsNotThePath() throws {
        var weights = try FineTuneFixture.tinyWeights()
        let folder = try TemporaryDirectory("encoder-folder")
        let names = try ["a", "b", "c"].map { name in
            if name == "c" { weights.layers[1].outputBias[3] += 0.001 }
            let url = folder.url.appendingPathComponent(name)
            try SentenceTransformersDirectory(url: url).write(weights, base: FineTuneFixture.tinyBERT, maximumSequenceLength: 16)
            return try SentenceTransformersDirectory(url: url).modelName()
        }
        #expect(names[0] == names[1])
        #expect(names[0] != names[2])
    }

    @Test func aFolderThatIsNotAnEncoderIsAOneLineError() throws {
        let folder = try TemporaryDirectory("encoder-folder")
        let cases: [(URL, String)] = [
            (folder.url.appendingPathComponent("missing"), "no such folder"),
            (folder.url, "it has no config.json"),
        ]
        for (url, reason) in cases {
            let error = #expect(throws: EncoderError.self) { try SentenceEncoder(encoderFolder: url) }
            #expect(error == .encoderFolder(path: url.path, reason: reason))
            #expect(!(error?.description.contains("\n") ?? true))
        }
        // Pooling other than mean is refused rather than computed wrongly.
        let out = folder.url.appendingPathComponent("cls")
        try SentenceTransformersDirectory(url: out).write(try FineTuneFixture.tinyWeights(), base: FineTuneFixture.tinyBERT, maximumSequenceLength: 16)
        try Data(#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#.utf8).write(to: out.appendingPathComponent("1_Pooling/config.json"))
        let error = #expect(throws: EncoderError.self) { try SentenceEncoder(encoderFolder: out) }
        guard case .encoderFolder(_, let reason) = error, reason.contains("mean pooling") else {
            Issue.record("expected a pooling error, got \(String(describing: error))")
            return
        }
    }

    @Test func aBaseWithoutAVocabularyIsRefused() throws {
        let folder = try TemporaryDirectory("encoder-folder")
        let error = #expect(throws: ModelExportError.self) {
            try SentenceTransformersDirectory(url: folder.url.appendingPathComponent("out")).write(try FineTuneFixture.tinyWeights(), base: folder.url)
        }
        #expect(error == .baseFileMissing(path: folder.url.appendingPathComponent("vocab.txt").path))
    }

    @Test func stockMiniLMWrittenAndReadBackEmbedsExactlyAsStock() throws {
        let stock = try MiniLMModels.encoder()
        let base = try MiniLMModels.directory().folder(of: .miniLM)
        let folder = try TemporaryDirectory("encoder-folder")
        let out = folder.url.appendingPathComponent("minilm")
        try SentenceTransformersDirectory(url: out).write(stock.encoder.weights, base: base)
        for name in Self.expectedFiles + ["tokenizer.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let written = try SafetensorsFile(contentsOf: out.appendingPathComponent("model.safetensors"))
        #expect(written.tensors["pooler.dense.weight"]?.shape == [384, 384])  // carried over from the base
        let loaded = try SentenceEncoder(encoderFolder: out)
        #expect(loaded.settings.maximumLength == 256)
        let texts = MiniLMReference.shared.texts.map(\.text)
        #expect(try loaded.embed(texts) == stock.embed(texts))
    }
}
