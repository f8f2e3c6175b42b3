import Foundation

@testable import CLVText

/// Writes small GGUF v3 files for tests, following the format description (ggml `docs/gguf.md`) independently
/// of the reader under test.
struct GGUFTestWriter {
    struct Tensor {
        var name: String
        var dimensions: [Int]
        var rawType: UInt32
        var bytes: [UInt8]
    }

    var metadata: [(String, GGUFValue)] = []
    var tensors: [Tensor] = []
    var alignment = 32
    var version: UInt32 = 3

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func putString(_ s: String) {
            put(UInt64(s.utf8.count))
            out.append(contentsOf: s.utf8)
        }
        func putValue(_ value: GGUFValue) {
            switch value {
            case let .uint8(v): put(v)
            case let .int8(v): put(v)
            case let .uint16(v): put(v)
            case let .int16(v): put(v)
            case let .uint32(v): put(v)
            case let .int32(v): put(v)
            case let .float32(v): put(v.bitPattern)
            case let .bool(v): put(UInt8(v ? 1 : 0))
            case let .string(s): putString(s)
            case let .array(elementType, elements):
                put(elementType.rawValue)
                put(UInt64(elements.count))
                for e in elements { putValue(e) }
            case let .uint64(v): put(v)
            case let .int64(v): put(v)
            case let .float64(v): put(v.bitPattern)
            }
        }
        out.append(contentsOf: Array("GGUF".utf8))
        put(version)
        put(UInt64(tensors.count))
        put(UInt64(metadata.count))
        for (key, value) in metadata {
            putString(key)
            put(value.type.rawValue)
            putValue(value)
        }
        var offsets: [Int] = []
        var next = 0
        for t in tensors {
            offsets.append(next)
            next += (t.bytes.count + alignment - 1) / alignment * alignment
        }
        for (t, offset) in zip(tensors, offsets) {
            putString(t.name)
            put(UInt32(t.dimensions.count))
            for d in t.dimensions { put(UInt64(d)) }
            put(t.rawType)
            put(UInt64(offset))
        }
        while out.count % alignment != 0 { out.append(0) }
        for t in tensors {
            out.append(contentsOf: t.bytes)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    /// Writes the file into a fresh temporary directory and returns its URL.
    func write(named name: String = "test.gguf") throws -> URL {
        try Self.write(bytes(), named: name)
    }

    static func write(_ bytes: [UInt8], named name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvkit-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    // MARK: - Block encoders (by the format's definition, not by the reader's code)

    static func half(_ value: Float) -> [UInt8] {
        let bits = Float16(value).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// A Q8_0 block of 32 codes with scale d; the weights are d·q.
    static func q8_0(d: Float, codes: [Int8]) -> [UInt8] {
        precondition(codes.count == 32)
        return half(d) + codes.map { UInt8(bitPattern: $0) }
    }

    /// A Q4_0 block: weights d·(u − 8), u in 0...15; weight j < 16 in the low nibble of byte j, j ≥ 16 in the high
    /// nibble of byte j − 16.
    static func q4_0(d: Float, codes: [UInt8]) -> [UInt8] {
        precondition(codes.count == 32)
        return half(d) + (0..<16).map { codes[$0] | codes[$0 + 16] << 4 }
    }

    /// A Q4_1 block: weights d·u + m.
    static func q4_1(d: Float, m: Float, codes: [UInt8]) -> [UInt8] {
        precondition(codes.count == 32)
        return half(d) + half(m) + (0..<16).map { codes[$0] | codes[$0 + 16] << 4 }
    }
}
