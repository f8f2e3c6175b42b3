import CLVServer
import CLVTestSupport
import CLVText
import Foundation
import NIOHTTP1
import Testing

/// The `encoder` configuration key: a fine-tuned encoder folder, checked when the configuration is read.
@Suite struct EncoderConfigurationTests {
    @Test func anEncoderFolderIsReadAndABadOneIsRefusedWithItsReason() throws {
        let folder = try TemporaryDirectory("server-encoder")
        let encoder = folder.url.appendingPathComponent("encoder")
        try FileManager.default.createDirectory(at: encoder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors", "vocab.txt"] { try Data().write(to: encoder.appendingPathComponent(name)) }
        let good = try folder.write("good.json", #"{"encoder": "\#(encoder.path)"}"#)
        #expect(try ServerConfiguration.load(file: good.path, environment: [:]).encoder?.path == encoder.path)
        #expect(try ServerConfiguration.load(file: nil, environment: [:]).encoder == nil)

        let missing = try folder.write("missing.json", #"{"encoder": "/nonexistent/encoder"}"#)
        let error = #expect(throws: ServerConfigurationError.self) { try ServerConfiguration.load(file: missing.path, environment: [:]) }
        #expect(
            error?.description.contains("encoder /nonexistent/encoder is not a fine-tuned encoder folder (no such folder)") == true,
            "\(String(describing: error))")
        let e5 = try folder.write("e5.json", #"{"encoder": "\#(encoder.path)", "embedding_model": "e5-small"}"#)
        let conflict = #expect(throws: ServerConfigurationError.self) { try ServerConfiguration.load(file: e5.path, environment: [:]) }
        #expect(conflict?.description.contains("set embedding_model to minilm") == true, "\(String(describing: conflict))")
    }

    /// A server configured with a fine-tuned encoder folder embeds with it: stock MiniLM written as a folder gives
    /// the stock vectors under the folder's own name, so vectors of different weights are never mixed.
    @Test func theServerEmbedsWithTheConfiguredEncoder() async throws {
        let folder = try TemporaryDirectory("server-encoder")
        let base = TestData.modelsDirectory.appendingPathComponent(KnownModel.miniLM.rawValue)
        for file in KnownModel.miniLM.requiredFiles { _ = try TestData.model(KnownModel.miniLM.rawValue, file) }
        let stock = try SentenceEncoder(directory: ModelDirectory(root: TestData.modelsDirectory))
        let encoder = folder.url.appendingPathComponent("encoder")
        try SentenceTransformersDirectory(url: encoder).write(stock.encoder.weights, base: base)
        let texts = ["where is my parcel", "I want a refund for the blue dress"]
        let expected = try stock.embed(texts)
        try await TestServer.with(configure: { $0.encoder = encoder }) { server in
            let reply = try await server.request(
                .POST, "/v1/embeddings", key: "agent", body: #"{"input": ["where is my parcel", "I want a refund for the blue dress"]}"#)
            #expect(reply.status == 200, "\(reply.body)")
            let json = try reply.json()
            #expect((json["model"] as? String)?.hasPrefix("finetuned-") == true, "\(json["model"] ?? "")")
            let data = try #require(json["data"] as? [[String: Any]])
            let vectors = data.compactMap { $0["embedding"] as? [Double] }
            #expect(vectors.count == 2)
            for (vector, stockVector) in zip(vectors, expected) {
                #expect(zip(vector, stockVector).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
            }
        }
    }
}
