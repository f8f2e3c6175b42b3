import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The safetensors reader on tiny files written here, byte by byte, and on the real all-MiniLM-L6-v2 weights.
@Suite struct SafetensorsFileTests {
    /// A safetensors file: 8-byte little-endian header length, JSON header, data.
    static func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    static func write(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clv-safetensors-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    /// Three tensors of 4 values each, in F32, F16 and BF16, plus an I64 tensor.
    static func mixedFile() throws -> URL {
        let values: [Float] = [1.5, -2.25, 0x1p-24, 384]
        let f32 = littleEndianBytes(values.map(\.bitPattern))
        let f16 = littleEndianBytes(values.map { Float16($0).bitPattern })
        let bf16 = littleEndianBytes(values.map { UInt16($0.bitPattern >> 16) })
        let i64 = littleEndianBytes([Int64(7), -1])
        let header = """
            {"__metadata__":{"format":"pt"},\
            "a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},\
            "b":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},\
            "c":{"dtype":"BF16","shape":[1,4],"data_offsets":[24,32]},\
            "ids":{"dtype":"I64","shape":[2],"data_offsets":[32,48]},\
            "empty":{"dtype":"F32","shape":[0,3],"data_offsets":[48,48]}}
            """
        return try write(file(header: header, data: f32 + f16 + bf16 + i64))
    }

    @Test func readsF32F16AndBF16AsFloat() throws {
        let url = try Self.mixedFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.count == 5)
        #expect(try file.floats("empty", shape: [0, 3]).isEmpty)
        #expect(try file.info("a").shape == [2, 2])
        // All four values are exact in F16 and BF16 (at most 8 significant bits; 2⁻²⁴ is F16's smallest subnormal).
        #expect(try file.floats("a", shape: [2, 2]) == [1.5, -2.25, 0x1p-24, 384])
        #expect(try file.floats("b") == [1.5, -2.25, 0x1p-24, 384])
        #expect(try file.floats("c", shape: [1, 4]) == [1.5, -2.25, 0x1p-24, 384])
    }

    @Test func everyF16BitPatternConvertsLikeTheStandardLibrary() throws {
        let patterns = (0...UInt16.max).map { $0 }
        let header = #"{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#
        let url = try Self.write(Self.file(header: header, data: Self.littleEndianBytes(patterns)))
        defer { try? FileManager.default.removeItem(at: url) }
        let floats = try SafetensorsFile(contentsOf: url).floats("h")
        let mismatches = zip(patterns, floats).filter { bits, value in
            let expected = Float(Float16(bitPattern: bits))
            return expected.isNaN ? !value.isNaN : expected.bitPattern != value.bitPattern
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) patterns differ, first \(String(describing: mismatches.first))")
    }

    @Test func typedErrorsForMissingTensorsShapesAndTypes() throws {
        let url = try Self.mixedFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(contentsOf: url)
        #expect(throws: WeightsError.tensorMissing(name: "nope")) { try file.floats("nope") }
        #expect(throws: WeightsError.shapeMismatch(name: "a", expected: [4], found: [2, 2])) { try file.floats("a", shape: [4]) }
        #expect(throws: WeightsError.unsupportedDType("I64")) { try file.floats("ids") }
    }

    @Test func truncatedFilesAreReported() throws {
        let full = Self.file(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16))
        for cut in [3, 20, full.count - 1] {
            let url = try Self.write(Array(full.prefix(cut)))
            defer { try? FileManager.default.removeItem(at: url) }
            let error = #expect(throws: WeightsError.self) { try SafetensorsFile(contentsOf: url) }
            guard case .truncated = error else {
                Issue.record("cut at \(cut): \(String(describing: error))")
                continue
            }
            #expect(error?.description.contains("re-run `make setup`") == true)
        }
    }

    @Test(arguments: [
        Array("GGUF\u{3}\0\0\0\0\0\0\0\0\0\0\0".utf8),  // a GGUF file
        SafetensorsFileTests.file(header: "not json at all", data: []),  // bad header
        SafetensorsFileTests.file(header: #"{"a":{"dtype":"F32","shape":[4]}}"#, data: []),  // no offsets
        SafetensorsFileTests.file(
            header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#,
            data: [UInt8](repeating: 0, count: 16)),  // size ≠ shape
        SafetensorsFileTests.file(header: #"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}"#, data: [0]),
    ])
    func foreignFilesAreRejected(bytes: [UInt8]) throws {
        let url = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: WeightsError.self) { try SafetensorsFile(contentsOf: url) }
        switch error {
        case .invalidFormat, .truncated: break
        default: Issue.record("expected a format error, got \(String(describing: error))")
        }
    }

    @Test func unreadablePathIsReported() {
        let error = #expect(throws: WeightsError.self) {
            try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
        guard case .unreadable = error else {
            Issue.record("expected .unreadable, got \(String(describing: error))")
            return
        }
    }

    @Test func readsTheMiniLMWeights() throws {
        let file = try SafetensorsFile(contentsOf: TestData.model("all-MiniLM-L6-v2", "model.safetensors"))
        #expect(file.metadata["format"] == "pt")
        #expect(file.tensors.count == 104)  // 6 embedding tensors (incl. I64 position ids) + 6 layers × 16 + 2 pooler
        let word = try file.floats("embeddings.word_embeddings.weight", shape: [30522, 384])
        #expect(word.count == 30522 * 384)
        #expect(word.allSatisfy { $0.isFinite })
        #expect(throws: WeightsError.unsupportedDType("I64")) { try file.floats("embeddings.position_ids") }
        #expect(throws: WeightsError.shapeMismatch(name: "encoder.layer.0.intermediate.dense.weight", expected: [384, 1536], found: [1536, 384])) {
            try file.floats("encoder.layer.0.intermediate.dense.weight", shape: [384, 1536])
        }
    }
}
