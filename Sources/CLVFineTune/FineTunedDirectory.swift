import CLVText
import Foundation

/// What `clv finetune` writes besides the encoder: the head, its labels, and how it was trained.
public struct FineTunedHeadFile: Sendable, Equatable, Codable {
    public static let currentSchemaVersion = 1
    public var schemaVersion: Int
    /// `intent`, `sentiment` or `regression`.
    public var task: String
    public var head: FineTuneHead
    /// Class names by index (classification), empty otherwise.
    public var labels: [String]
    /// The base model the encoder was fine-tuned from (a known model name or a directory).
    public var base: String
    public var settings: FineTuneSettings
    public var epochs: [FineTuneEpoch]
    /// `[outputs, d]` row-major and `[outputs]`.
    public var weight: [Float]
    public var bias: [Float]

    public init(
        task: String, head: FineTuneHead, labels: [String], base: String, settings: FineTuneSettings, epochs: [FineTuneEpoch],
        weight: [Float], bias: [Float]
    ) {
        schemaVersion = Self.currentSchemaVersion
        self.task = task
        self.head = head
        self.labels = labels
        self.base = base
        self.settings = settings
        self.epochs = epochs
        self.weight = weight
        self.bias = bias
    }
}

/// Writing a fine-tuned encoder as a model directory: `model.safetensors` with `BertModel`'s tensor names
/// (F32), the base model's `config.json` and tokenizer files copied unchanged, and `head.json`.
public enum FineTunedDirectory {
    /// The tokenizer and configuration files copied from the base directory when present.
    static let copiedFiles = ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// Writes `model` into `directory` (created if needed; files of the same names are replaced).
    /// - Throws: the file system's error when a file cannot be written.
    public static func write(_ model: FineTunedModel, head: FineTunedHeadFile, base baseDirectory: URL, to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in copiedFiles {
            let source = baseDirectory.appendingPathComponent(name)
            guard manager.fileExists(atPath: source.path) else { continue }
            let target = directory.appendingPathComponent(name)
            if manager.fileExists(atPath: target.path) { try manager.removeItem(at: target) }
            try manager.copyItem(at: source, to: target)
        }
        let encoderTensors = model.namedTensors.filter { !$0.name.hasPrefix("head.") }
        try safetensors(encoderTensors).write(to: directory.appendingPathComponent("model.safetensors"), options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(head).write(to: directory.appendingPathComponent("head.json"), options: .atomic)
    }

    /// The bytes of a safetensors file of F32 tensors: an 8-byte little-endian header length, the JSON header
    /// (padded with spaces to a multiple of 8), then the tensors' little-endian data back to back.
    static func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> Data {
        var entries: [String] = []
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * 4
            entries.append(
                #""\#(tensor.name)":{"dtype":"F32","shape":[\#(tensor.shape.map(String.init).joined(separator: ","))],"data_offsets":[\#(offset),\#(offset + bytes)]}"#
            )
            offset += bytes
        }
        var header = Array(("{\"__metadata__\":{\"format\":\"pt\"}," + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for tensor in tensors {
            #if _endian(little)
            tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
            for v in tensor.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        return data
    }
}
