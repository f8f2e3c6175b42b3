import CLVNumerics
import CLVTestSupport
import Foundation
import RealModule
import Testing

@testable import CLVText

/// The GGUF reader on small files the tests write themselves (every metadata type, every tensor type, broken
/// files), checked against the format's definition.
@Suite struct GGUFFileTests {
    static let everyType: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("t.uint8", .uint8(200)), ("t.int8", .int8(-100)), ("t.uint16", .uint16(60000)), ("t.int16", .int16(-30000)),
        ("t.uint32", .uint32(4_000_000_000)), ("t.int32", .int32(-2_000_000_000)), ("t.float32", .float32(1e-5)),
        ("t.bool", .bool(true)), ("t.string", .string("héllo wörld 🙂")), ("t.uint64", .uint64(1 << 40)),
        ("t.int64", .int64(-(1 << 40))), ("t.float64", .float64(100000.5)),
        ("t.strings", .array(elementType: .string, [.string("<|im_start|>"), .string("Ġt"), .string("")])),
        ("t.ints", .array(elementType: .int32, [.int32(1), .int32(3), .int32(-7)])),
        ("t.nested", .array(elementType: .array, [.array(elementType: .uint8, [.uint8(1), .uint8(2)])])),
        ("t.empty", .array(elementType: .float32, [])),
    ]

    @Test func readsMetadataOfEveryType() throws {
        var writer = GGUFTestWriter()
        writer.metadata = Self.everyType
        let file = try GGUFFile(contentsOf: writer.write())
        #expect(file.version == 3)
        #expect(file.metadataKeys == Self.everyType.map(\.0))
        for (key, value) in Self.everyType { #expect(file.metadata[key] == value, "\(key)") }
        #expect(try file.integer("t.uint32") == 4_000_000_000)
        #expect(try file.integer("t.int64") == -(1 << 40))
        #expect(try file.double("t.float64") == 100000.5)
        #expect(try file.bool("t.bool"))
        #expect(try file.stringArray("t.strings") == ["<|im_start|>", "Ġt", ""])
        #expect(try file.integerArray("t.ints") == [1, 3, -7])
        #expect(file.alignment == 32)
        #expect(throws: GGUFError.metadataMissing(key: "t.absent")) { try file.string("t.absent") }
        #expect(throws: GGUFError.metadataType(key: "t.bool", expected: "string", found: "bool")) { try file.string("t.bool") }
        #expect(throws: GGUFError.metadataType(key: "t.ints", expected: "array of string", found: "array of int32")) {
            try file.stringArray("t.ints")
        }
    }

    @Test func dequantizesEveryTensorType() throws {
        var rng = SplitMix64(seed: 11)
        let floats = (0..<64).map { _ in Float(Double.random(in: -2...2, using: &rng)) }
        let q8codes = (0..<64).map { _ in Int8.random(in: -127...127, using: &rng) }
        let q4codes = (0..<64).map { _ in UInt8.random(in: 0...15, using: &rng) }
        let (d0, d1, m0, m1): (Float, Float, Float, Float) = (0.0123, 0.5, -0.25, 3.0)
        var writer = GGUFTestWriter()
        writer.alignment = 64
        writer.metadata = [("general.alignment", .uint32(64))]
        writer.tensors = [
            .init(name: "f32", dimensions: [32, 2], rawType: 0, bytes: floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian, Array.init) }),
            .init(name: "f16", dimensions: [64], rawType: 1, bytes: floats.flatMap(GGUFTestWriter.half)),
            .init(
                name: "q8_0", dimensions: [64], rawType: 8,
                bytes: GGUFTestWriter.q8_0(d: d0, codes: Array(q8codes[0..<32])) + GGUFTestWriter.q8_0(d: d1, codes: Array(q8codes[32...]))),
            .init(
                name: "q4_0", dimensions: [32, 2], rawType: 2,
                bytes: GGUFTestWriter.q4_0(d: d0, codes: Array(q4codes[0..<32])) + GGUFTestWriter.q4_0(d: d1, codes: Array(q4codes[32...]))),
            .init(
                name: "q4_1", dimensions: [64, 1], rawType: 3,
                bytes: GGUFTestWriter.q4_1(d: d0, m: m0, codes: Array(q4codes[0..<32])) + GGUFTestWriter.q4_1(d: d1, m: m1, codes: Array(q4codes[32...]))),
        ]
        let file = try GGUFFile(contentsOf: writer.write())
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensorNames == ["f32", "f16", "q8_0", "q4_0", "q4_1"])
        let h = { (x: Float) in Float(Float16(x)) }  // the format stores scales as IEEE half floats
        let scale = { (i: Int) in i < 32 ? h(d0) : h(d1) }
        #expect(try file.tensor("f32").dequantized() == floats)
        #expect(try file.tensor("f16").dequantized() == floats.map(h))
        #expect(try file.tensor("q8_0").dequantized() == (0..<64).map { scale($0) * Float(q8codes[$0]) })
        #expect(try file.tensor("q4_0").dequantized() == (0..<64).map { scale($0) * Float(Int(q4codes[$0]) - 8) })
        #expect(try file.tensor("q4_1").dequantized() == (0..<64).map { scale($0) * Float(q4codes[$0]) + ($0 < 32 ? h(m0) : h(m1)) })
        let q4 = try file.tensor("q4_0")
        #expect(q4.rowCount == 2 && q4.rowLength == 32)
        var row = [Float](repeating: 0, count: 32)
        row.withUnsafeMutableBufferPointer { q4.dequantizedRow(1, into: $0.baseAddress!) }
        #expect(row == (32..<64).map { h(d1) * Float(Int(q4codes[$0]) - 8) })
        #expect(throws: GGUFError.shapeMismatch(name: "q4_0", expected: [64], found: [32, 2])) { try file.tensor("q4_0", shape: [64]) }
        #expect(throws: GGUFError.tensorMissing(name: "absent")) { try file.tensor("absent") }
    }

    @Test func halfConversionIsExactForEveryPattern() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let converted = GGMLDequantize.halfToFloatFast(bits)
            if expected.isNaN {
                #expect(converted.isNaN)
            } else if converted.bitPattern != expected.bitPattern {
                Issue.record("half \(bits): \(converted) != \(expected)")
                return
            }
            if expected.isFinite && GGMLDequantize.finiteHalfToFloat(bits).bitPattern != expected.bitPattern {
                Issue.record("finite half \(bits): \(GGMLDequantize.finiteHalfToFloat(bits)) != \(expected)")
                return
            }
        }
    }

    @Test(arguments: [GGMLType.q4_1, .q4_0, .q8_0, .f16, .f32])
    func quantizedProductsEqualTheDequantizedProduct(type: GGMLType) throws {
        var rng = SplitMix64(seed: UInt64(type.rawValue) + 100)
        let rows = 37, columns = 96
        var bytes: [UInt8] = []
        for _ in 0..<(rows * columns / 32) {
            let d = Float(Double.random(in: 0.001...0.05, using: &rng))
            switch type {
            case .q4_1:
                bytes += GGUFTestWriter.q4_1(
                    d: d, m: Float(Double.random(in: -0.4...0, using: &rng)),
                    codes: (0..<32).map { _ in UInt8.random(in: 0...15, using: &rng) })
            case .q4_0:
                bytes += GGUFTestWriter.q4_0(d: d, codes: (0..<32).map { _ in UInt8.random(in: 0...15, using: &rng) })
            case .q8_0:
                bytes += GGUFTestWriter.q8_0(d: d, codes: (0..<32).map { _ in Int8.random(in: -127...127, using: &rng) })
            case .f16:
                bytes += (0..<32).flatMap { _ in GGUFTestWriter.half(Float(Double.random(in: -1...1, using: &rng))) }
            case .f32:
                bytes += (0..<32).flatMap { _ in withUnsafeBytes(of: Float(Double.random(in: -1...1, using: &rng)).bitPattern.littleEndian, Array.init) }
            }
        }
        var writer = GGUFTestWriter()
        writer.tensors = [.init(name: "w", dimensions: [columns, rows], rawType: type.rawValue, bytes: bytes)]
        let file = try GGUFFile(contentsOf: writer.write())
        let matrix = try QuantizedMatrix(file, "w", columns: columns, rows: rows)
        let weights = matrix.dequantized()
        let x = (0..<columns).map { _ in Float(Double.random(in: -3...3, using: &rng)) }

        let input = PreparedVector(count: columns)
        defer { input.deallocate() }
        for i in 0..<columns { input.values[i] = x[i] }
        input.prepare()
        var single = [Float](repeating: .nan, count: rows)
        single.withUnsafeMutableBufferPointer { out in
            QuantizedKernels.run([.init(matrix: matrix, input: input, output: out.baseAddress!)], threads: 1)
        }

        // A batch of six inputs (four together, two alone), the fourth being x: the same values bit for bit.
        let batch = (0..<6).map { _ in PreparedVector(count: columns) }
        defer { for vector in batch { vector.deallocate() } }
        for (k, vector) in batch.enumerated() {
            for i in 0..<columns { vector.values[i] = k == 3 ? x[i] : Float(Double.random(in: -3...3, using: &rng)) }
            vector.prepare()
        }
        let outputs = (0..<6).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows) }
        defer { for output in outputs { output.deallocate() } }
        QuantizedKernels.run([.init(matrix: matrix, inputs: batch, outputs: outputs)], threads: 2)
        #expect(Array(UnsafeBufferPointer(start: outputs[3], count: rows)) == single)
        for k in [0, 5] {
            var alone = [Float](repeating: .nan, count: rows)
            alone.withUnsafeMutableBufferPointer { out in
                QuantizedKernels.run([.init(matrix: matrix, input: batch[k], output: out.baseAddress!)], threads: 1)
            }
            #expect(Array(UnsafeBufferPointer(start: outputs[k], count: rows)) == alone)
        }

        for threads in [2, 3] {
            let pool = WorkerPool(threads: threads)
            defer { pool.shutdown() }
            for _ in 0..<3 {
                var y = [Float](repeating: .nan, count: rows)
                y.withUnsafeMutableBufferPointer { out in
                    QuantizedKernels.run([.init(matrix: matrix, input: input, output: out.baseAddress!)], pool: pool)
                }
                #expect(y == single, "worker pool of \(threads) threads")
            }
        }

        for threads in [1, 2, 3] {
            var y = [Float](repeating: .nan, count: rows)
            y.withUnsafeMutableBufferPointer { out in
                QuantizedKernels.run([.init(matrix: matrix, input: input, output: out.baseAddress!)], threads: threads)
            }
            #expect(y == single)
            for r in 0..<rows {
                var exact = 0.0, magnitude = 0.0
                for c in 0..<columns {
                    exact += Double(weights[r * columns + c]) * Double(x[c])
                    magnitude += abs(Double(weights[r * columns + c]) * Double(x[c]))
                }
                // Float rounding of a 96-term sum: a few ulps of the sum of magnitudes.
                #expect(
                    Double(y[r]).isApproximatelyEqual(to: exact, absoluteTolerance: 1e-6 * magnitude + 1e-12),
                    "\(type) row \(r), \(threads) threads: \(y[r]) vs \(exact)")
            }
        }
    }

    @Test func rejectsBrokenFiles() throws {
        var writer = GGUFTestWriter()
        writer.metadata = [("general.architecture", .string("llama"))]
        writer.tensors = [.init(name: "w", dimensions: [32], rawType: 0, bytes: [UInt8](repeating: 0, count: 128))]
        let good = writer.bytes()

        let truncated = try GGUFTestWriter.write(Array(good.dropLast(60)), named: "cut.gguf")
        #expect {
            try GGUFFile(contentsOf: truncated)
        } throws: { error in
            guard case .truncated? = error as? GGUFError else { return false }
            return "\(error)".contains("truncated")
        }
        let headerCut = try GGUFTestWriter.write(Array(good.prefix(30)), named: "header.gguf")
        #expect {
            try GGUFFile(contentsOf: headerCut)
        } throws: { error in
            if case .truncated? = error as? GGUFError { return true }
            return false
        }
        let foreign = try GGUFTestWriter.write(Array("PK\u{3}\u{4} this is a zip, not a model".utf8), named: "model.zip")
        #expect(throws: GGUFError.notGGUF(path: foreign.path)) { try GGUFFile(contentsOf: foreign) }
        let empty = try GGUFTestWriter.write([], named: "empty.gguf")
        #expect(throws: GGUFError.truncated(path: empty.path, needed: 24, size: 0)) { try GGUFFile(contentsOf: empty) }
        var old = writer
        old.version = 1
        let v1 = try old.write()
        #expect(throws: GGUFError.unsupportedVersion(path: v1.path, version: 1)) { try GGUFFile(contentsOf: v1) }
        let missing = URL(fileURLWithPath: "/nonexistent/model.gguf")
        #expect(throws: GGUFError.cannotOpen(path: missing.path, errno: ENOENT)) { try GGUFFile(contentsOf: missing) }
    }

    @Test func reportsUnsupportedTensorTypes() throws {
        var writer = GGUFTestWriter()
        // A Q4_K tensor (ggml type 12): listed, but not computable here.
        writer.tensors = [.init(name: "k", dimensions: [256], rawType: 12, bytes: [UInt8](repeating: 0, count: 144))]
        let file = try GGUFFile(contentsOf: writer.write())
        #expect(file.tensorInfo("k")?.dimensions == [256])
        #expect(throws: GGUFError.unsupportedType(name: "k", type: "Q4_K")) { try file.tensor("k") }
    }
}

/// The real SmolLM2 file: its metadata against the model card's configuration (HuggingFaceTB/SmolLM2-135M-Instruct
/// `config.json`), and its tensors against gguf-py's dequantization (the fixture written by
/// `tools/text/reference_smollm2.py`).
@Suite struct SmolLM2FileTests {
    @Test func metadataMatchesTheModelCard() throws {
        let file = try GGUFFile(contentsOf: SmolLM2Fixtures.modelURL())
        let config = try LlamaConfiguration(gguf: file)
        #expect(
            config
                == LlamaConfiguration(
                    layerCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9, keyValueHeadCount: 3,
                    ropeBase: 100_000, rmsEpsilon: 1e-5, contextLength: 8192, vocabularySize: 49152))
        #expect(file.tensorInfos.count == 272)
        #expect(file.tensorInfo("token_embd.weight")?.type == .q8_0)
        #expect(file.tensorInfo("blk.0.ffn_down.weight")?.type == .q4_1)
        #expect(file.tensorInfo("blk.0.ffn_down.weight")?.dimensions == [1536, 576])
        #expect(file.tensorInfo("output_norm.weight")?.type == .f32)
        #expect(file.tensorInfo("output.weight") == nil)  // tied embeddings
        #expect(try file.string("tokenizer.ggml.pre") == "smollm")
        #expect(try file.stringArray("tokenizer.ggml.merges").count == 48900)
    }

    @Test func dequantizedRowsMatchGGUFPy() throws {
        let reference = try SmolLM2Fixtures.reference()
        let file = try GGUFFile(contentsOf: SmolLM2Fixtures.modelURL())
        #expect(!reference.dequantized.isEmpty)
        for entry in reference.dequantized {
            let tensor = try file.tensor(entry.tensor)
            #expect(tensor.type.description == entry.type)
            var row = [Float](repeating: 0, count: tensor.rowLength)
            row.withUnsafeMutableBufferPointer { tensor.dequantizedRow(entry.row, into: $0.baseAddress!) }
            // gguf-py computes in float32 with the same formula: the values are equal.
            #expect(row == entry.values.map(Float.init), "\(entry.tensor) row \(entry.row)")
        }
    }
}
