import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The element type of a safetensors tensor, as spelled in the header.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"
    case uint16 = "U16", uint32 = "U32", uint64 = "U64"
    case float8E4M3 = "F8_E4M3", float8E5M2 = "F8_E5M2"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64, .uint64: 8
        case .float32, .int32, .uint32: 4
        case .float16, .bfloat16, .int16, .uint16: 2
        case .int8, .uint8, .bool, .float8E4M3, .float8E5M2: 1
        }
    }
}

/// Where one tensor lives in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
    public let name: String
    /// Element type.
    public let dtype: SafetensorsDType
    /// Shape, outermost dimension first (row-major).
    public let shape: [Int]
    /// Byte range relative to the start of the data section.
    public let byteRange: Range<Int>

    /// Number of elements (the product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file: the header parsed at `init`, tensors converted to `Float` on request.
///
/// Format (Hugging Face, <https://github.com/huggingface/safetensors>): an 8-byte little-endian header length
/// `N`, `N` bytes of JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets
/// relative to the data section that follows the header) plus an optional `"__metadata__"` string map, then the
/// raw little-endian tensor data.
///
/// The file is mapped read-only with `mmap`, so opening a 90 MB model costs a few page-table entries; only the
/// tensors that are read are paged in.
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: url)
/// let weight = try file.floats("encoder.layer.0.attention.self.query.weight", shape: [384, 384])
/// ```
public final class SafetensorsFile: @unchecked Sendable {
    // `@unchecked Sendable`: every stored property is a `let` set once in `init`; the mapping is read-only
    // (PROT_READ, MAP_PRIVATE) and only unmapped in `deinit`, when no other reference can exist. Concurrent
    // reads of immutable memory are safe, so sharing one file between tasks is sound.

    /// The file's location.
    public let path: String
    /// The tensors, by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// The optional `__metadata__` string map (e.g. `["format": "pt"]`).
    public let metadata: [String: String]

    private let base: UnsafeRawPointer
    private let mappedLength: Int
    private let dataOffset: Int

    /// Maps and parses the file at `url`.
    ///
    /// - Throws: ``WeightsError/unreadable(path:reason:)`` if it cannot be opened or mapped,
    ///   ``WeightsError/truncated(path:expectedBytes:foundBytes:)`` if it ends early, and
    ///   ``WeightsError/invalidFormat(path:reason:)`` if the header is not safetensors JSON.
    public init(contentsOf url: URL) throws(WeightsError) {
        let path = url.path
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        let length = Int(info.st_size)
        guard length >= 8 else { throw .truncated(path: path, expectedBytes: 8, foundBytes: length) }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .unreadable(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        let raw = UnsafeRawPointer(mapped)
        do {
            let parsed = try Self.parseHeader(raw, length: length, path: path)
            self.tensors = parsed.tensors
            self.metadata = parsed.metadata
            self.dataOffset = parsed.dataOffset
        } catch {
            munmap(mapped, length)
            throw error
        }
        self.base = raw
        self.mappedLength = length
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }

    /// The header entry of a tensor.
    /// - Throws: ``WeightsError/tensorMissing(name:)``.
    public func info(_ name: String) throws(WeightsError) -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw .tensorMissing(name: name) }
        return info
    }

    /// The tensor's elements converted to `Float`, row-major.
    ///
    /// - Parameters:
    ///   - name: the tensor's name.
    ///   - shape: the shape the caller expects; `nil` accepts any shape.
    /// - Throws: ``WeightsError/tensorMissing(name:)``, ``WeightsError/shapeMismatch(name:expected:found:)``, or
    ///   ``WeightsError/unsupportedDType(_:)`` for a type other than F32, F16 or BF16.
    /// - Complexity: O(number of elements).
    public func floats(_ name: String, shape: [Int]? = nil) throws(WeightsError) -> [Float] {
        let info = try info(name)
        if let shape, shape != info.shape { throw .shapeMismatch(name: name, expected: shape, found: info.shape) }
        let count = info.elementCount
        let source = base + dataOffset + info.byteRange.lowerBound
        if count == 0, [.float32, .float16, .bfloat16].contains(info.dtype) { return [] }
        switch info.dtype {
        case .float32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // memcpy handles any alignment of the source and reads little-endian floats as stored.
                memcpy(buffer.baseAddress!, source, count * 4)
                initialized = count
            }
        case .float16:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    buffer[i] = Self.float(half: bits)
                }
                initialized = count
            }
        case .bfloat16:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    buffer[i] = Float(bitPattern: UInt32(bits) << 16)
                }
                initialized = count
            }
        default:
            throw .unsupportedDType(info.dtype.rawValue)
        }
    }

    /// IEEE 754 binary16 → binary32, exactly (done by hand: `Float16` is unavailable on some platforms).
    static func float(half bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:  // zero or subnormal: mantissa · 2⁻²⁴
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:  // infinity or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:  // rebias 15 → 127
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    // MARK: - Header

    private struct Header {
        var tensors: [String: SafetensorsTensorInfo]
        var metadata: [String: String]
        var dataOffset: Int
    }

    /// Largest header accepted (the reference implementation's limit is 100 MB).
    private static let maximumHeaderLength = 100_000_000

    private static func parseHeader(_ raw: UnsafeRawPointer, length: Int, path: String) throws(WeightsError) -> Header {
        let headerLength = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw .invalidFormat(path: path, reason: "header length \(headerLength) is implausible")
        }
        let dataOffset = 8 + Int(headerLength)
        guard dataOffset <= length else { throw .truncated(path: path, expectedBytes: dataOffset, foundBytes: length) }
        let bytes = Data(bytes: raw + 8, count: Int(headerLength))
        guard bytes.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: bytes),
            let json = object as? [String: Any]
        else { throw .invalidFormat(path: path, reason: "the header is not a JSON object") }

        let dataLength = length - dataOffset
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        var required = 0
        for (name, value) in json {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw .invalidFormat(path: path, reason: "__metadata__ is not an object")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw .invalidFormat(path: path, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any],
                let dtypeName = entry["dtype"] as? String,
                let shapeValues = entry["shape"] as? [Any],
                let offsetValues = entry["data_offsets"] as? [Any], offsetValues.count == 2
            else { throw .invalidFormat(path: path, reason: "tensor '\(name)' lacks dtype, shape or data_offsets") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw .invalidFormat(path: path, reason: "tensor '\(name)' has unknown dtype \(dtypeName)")
            }
            let shape = try shapeValues.map { (item: Any) throws(WeightsError) -> Int in
                guard let n = integer(item), n >= 0 else {
                    throw .invalidFormat(path: path, reason: "tensor '\(name)' has an invalid shape")
                }
                return n
            }
            guard let begin = integer(offsetValues[0]), let end = integer(offsetValues[1]), begin >= 0, end >= begin else {
                throw .invalidFormat(path: path, reason: "tensor '\(name)' has invalid data_offsets")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, n in
                let (product, o) = acc.0.multipliedReportingOverflow(by: n)
                return (product, acc.1 || o)
            }
            let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
            guard !overflow, !byteOverflow, end - begin == byteCount else {
                throw .invalidFormat(path: path, reason: "tensor '\(name)' spans \(end - begin) bytes, its shape \(shape) needs another size")
            }
            required = max(required, end)
            tensors[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
        }
        guard required <= dataLength else {
            throw .truncated(path: path, expectedBytes: dataOffset + required, foundBytes: length)
        }
        return Header(tensors: tensors, metadata: metadata, dataOffset: dataOffset)
    }

    private static func integer(_ value: Any) -> Int? {
        if let n = value as? Int { return n }
        if let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 9e15 { return n.intValue }
        return nil
    }
}
