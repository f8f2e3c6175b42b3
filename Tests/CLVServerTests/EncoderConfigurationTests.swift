import CLVServer
import CLVTestSupport
import Foundation
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
}
