import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The safetensors writer against the reader and against Hugging Face's own writer.
@Suite struct SafetensorsWriterTests {
    @Test func tensorsRoundTripThroughTheReader() throws {
        var rng = SplitMix64(seed: 18)
        var writer = SafetensorsWriter(metadata: ["format": "pt", "note": "quotes \" and \\ and ünïcode"])
        let shapes: [String: [Int]] = ["a.weight": [3, 5], "b": [7], "scalar": [], "empty": [0, 4], "名前 \"quoted\"": [2, 2, 2]]
        for (name, shape) in shapes {
            writer.add(name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -4...4, using: &rng) })
        }
        let folder = try TemporaryDirectory("safetensors-writer")
        let url = folder.url.appendingPathComponent("t.safetensors")
        try writer.write(to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == writer.metadata)
        #expect(Set(file.tensors.keys) == Set(shapes.keys))
        for (name, tensor) in writer.tensors {
            #expect(file.tensors[name]?.shape == tensor.shape)
            #expect(file.tensors[name]?.dtype == .float32)
            #expect(try file.floats(name) == tensor.values, "\(name)")
        }
        // The data section starts 8-byte aligned, as the format asks.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect((8 + headerLength) % 8 == 0)
    }

    @Test func writesTheSameBytesAsHuggingFaceSafetensors() throws {
        // Resources/finetune/tiny-bert/model.safetensors was written by Python's safetensors.torch.save_file.
        var writer = SafetensorsWriter()
        writer.add(try FineTuneFixture.tinyWeights())
        let reference = try Data(contentsOf: FineTuneFixture.tinyBERT.appendingPathComponent("model.safetensors"))
        #expect(writer.data() == reference)
    }

    @Test func bertWeightsRoundTrip() throws {
        let weights = try FineTuneFixture.tinyWeights()
        var writer = SafetensorsWriter()
        writer.add(weights, prefix: "bert.")
        let folder = try TemporaryDirectory("safetensors-writer")
        let url = folder.url.appendingPathComponent("bert.safetensors")
        try writer.write(to: url)
        // The reader accepts the `bert.` prefix of BertFor… checkpoints.
        #expect(try BertWeights(file: SafetensorsFile(contentsOf: url), configuration: weights.configuration) == weights)
    }

    @Test func anUnwritablePathSaysSo() throws {
        let writer = SafetensorsWriter()
        let error = #expect(throws: WeightsError.self) { try writer.write(to: URL(fileURLWithPath: "/nonexistent/folder/t.safetensors")) }
        guard case .unwritable = error else {
            Issue.record("expected .unwritable, got \(String(describing: error))")
            return
        }
    }
}
