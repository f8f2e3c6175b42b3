import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF model file (versions 2 and 3), memory-mapped: metadata of every type, tensor descriptions, and the
/// tensors' bytes read in place.
///
/// Layout (ggml `docs/gguf.md`): the magic `GGUF`, a `uint32` version, `uint64` tensor and metadata counts, the
/// metadata key/value pairs, one description per tensor (name, dimensions, `ggml_type`, offset), then padding to
/// `general.alignment` (32 when absent) and the tensor data, each tensor's offset relative to the start of the data.
///
/// ```swift
/// let file = try GGUFFile(contentsOf: url)
/// let layers = try file.integer("llama.block_count")
/// let embeddings = try file.tensor("token_embd.weight")
/// ```
///
/// - Complexity: opening reads the header only (metadata and tensor descriptions); tensor bytes are paged in by
///   the kernel as they are touched.
// @unchecked Sendable: every stored property is a `let` set in `init`, and the mapping is `PROT_READ`, so the
// bytes behind `base` never change while the object lives; `deinit` unmaps them only when no reference is left.
public final class GGUFFile: @unchecked Sendable {
    /// The file's path, for messages.
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Every metadata key/value pair.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensor descriptions in file order.
    public let tensorInfos: [GGUFTensorInfo]
    /// The alignment of the tensor data section and of every tensor in it, in bytes.
    public let alignment: Int
    /// Where the tensor data section starts, in bytes from the start of the file.
    public let dataOffset: Int
    /// The file size in bytes.
    public let fileSize: Int

    private let base: UnsafeRawPointer
    private let tensorIndex: [String: Int]

    /// Maps and parses a GGUF file.
    /// - Parameter url: a local file URL.
    /// - Throws: ``GGUFError/cannotOpen(path:errno:)``, ``GGUFError/notGGUF(path:)``,
    ///   ``GGUFError/unsupportedVersion(path:version:)``, ``GGUFError/truncated(path:needed:size:)`` or
    ///   ``GGUFError/malformed(path:reason:)``.
    public init(contentsOf url: URL) throws(GGUFError) {
        let path = url.path
        self.path = path
        let (mapping, header) = try ReadOnlyMapping.map(
            path, minimumSize: 4,
            failure: { failure -> GGUFError in
                switch failure {
                case let .system(code): .cannotOpen(path: path, errno: code)
                case let .tooSmall(size): .truncated(path: path, needed: 24, size: size)
                }
            }, parse: { bytes throws(GGUFError) in try GGUFHeader(parsing: bytes, path: path) })
        let base = mapping.base, size = mapping.size
        self.base = base
        fileSize = size
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensorInfos = header.tensors
        alignment = header.alignment
        dataOffset = header.dataOffset
        var index: [String: Int] = [:]
        for (i, tensor) in header.tensors.enumerated() { index[tensor.name] = i }
        tensorIndex = index
    }

    deinit {
        ReadOnlyMapping(base: base, size: fileSize).unmap()
    }

    // MARK: - Tensors

    /// The names of all tensors, in file order.
    public var tensorNames: [String] { tensorInfos.map(\.name) }

    /// The description of a tensor, or nil when there is none of that name.
    public func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensorInfos[$0] }
    }

    /// A tensor the runtime can compute with.
    /// - Parameters:
    ///   - name: the tensor's name, e.g. `blk.0.attn_q.weight`.
    ///   - shape: when given, the dimensions the caller needs, in ggml order (contiguous dimension first).
    /// - Throws: ``GGUFError/tensorMissing(name:)``, ``GGUFError/unsupportedType(name:type:)`` or
    ///   ``GGUFError/shapeMismatch(name:expected:found:)``.
    public func tensor(_ name: String, shape: [Int]? = nil) throws(GGUFError) -> GGUFTensor {
        guard let info = tensorInfo(name) else { throw .tensorMissing(name: name) }
        guard let type = info.type else {
            throw .unsupportedType(name: name, type: GGMLType.name(ofRawType: info.rawType))
        }
        if let shape, shape != info.dimensions {
            throw .shapeMismatch(name: name, expected: shape, found: info.dimensions)
        }
        return GGUFTensor(file: self, info: info, type: type)
    }

    /// Calls `body` with the bytes of a tensor, in place in the mapping.
    func withBytes<R, E: Error>(
        of info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base + info.offset, count: info.byteCount))
    }

    // MARK: - Metadata

    /// The value of a metadata key.
    /// - Throws: ``GGUFError/metadataMissing(key:)``.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let value = metadata[key] else { throw .metadataMissing(key: key) }
        return value
    }

    /// An integer metadata value of any width.
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func integer(_ key: String) throws(GGUFError) -> Int {
        let value = try value(key)
        guard let int = value.integerValue else { throw .metadataType(key: key, expected: "integer", found: "\(value.type)") }
        return int
    }

    /// A floating-point (or integer) metadata value.
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func double(_ key: String) throws(GGUFError) -> Double {
        let value = try value(key)
        guard let double = value.doubleValue else { throw .metadataType(key: key, expected: "number", found: "\(value.type)") }
        return double
    }

    /// A string metadata value.
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func string(_ key: String) throws(GGUFError) -> String {
        let value = try value(key)
        guard let string = value.stringValue else { throw .metadataType(key: key, expected: "string", found: "\(value.type)") }
        return string
    }

    /// A Boolean metadata value.
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func bool(_ key: String) throws(GGUFError) -> Bool {
        let value = try value(key)
        guard let bool = value.boolValue else { throw .metadataType(key: key, expected: "bool", found: "\(value.type)") }
        return bool
    }

    /// An array-of-strings metadata value (e.g. `tokenizer.ggml.tokens`).
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func stringArray(_ key: String) throws(GGUFError) -> [String] {
        let value = try value(key)
        guard case let .array(elementType, elements) = value, elementType == .string else {
            throw .metadataType(key: key, expected: "array of string", found: Self.describe(value))
        }
        return elements.map { $0.stringValue ?? "" }
    }

    /// An array-of-integers metadata value (e.g. `tokenizer.ggml.token_type`).
    /// - Throws: ``GGUFError/metadataMissing(key:)`` or ``GGUFError/metadataType(key:expected:found:)``.
    public func integerArray(_ key: String) throws(GGUFError) -> [Int] {
        let value = try value(key)
        guard case let .array(_, elements) = value else {
            throw .metadataType(key: key, expected: "array of integer", found: Self.describe(value))
        }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let int = element.integerValue else {
                throw .metadataType(key: key, expected: "array of integer", found: Self.describe(value))
            }
            result.append(int)
        }
        return result
    }

    private static func describe(_ value: GGUFValue) -> String {
        if case let .array(elementType, _) = value { return "array of \(elementType)" }
        return "\(value.type)"
    }
}

/// The description of one tensor in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// The dimensions in ggml order: `dimensions[0]` is the contiguous one (the length of a row).
    public let dimensions: [Int]
    /// The `ggml_type` id as stored.
    public let rawType: UInt32
    /// Where the bytes start, from the start of the file.
    public let offset: Int
    /// How many bytes the tensor occupies (0 for a type this reader cannot size).
    public let byteCount: Int

    /// The storage type, when it is one the runtime computes with.
    public var type: GGMLType? { GGMLType(rawValue: rawType) }
    /// The number of weights.
    public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A tensor of a mapped GGUF file whose type the runtime computes with.
public struct GGUFTensor: Sendable {
    /// The file the bytes live in (kept alive by this reference).
    public let file: GGUFFile
    public let info: GGUFTensorInfo
    public let type: GGMLType

    /// The length of one row (`dimensions[0]`).
    public var rowLength: Int { info.dimensions.first ?? 1 }
    /// The number of rows (the product of the other dimensions).
    public var rowCount: Int { info.dimensions.dropFirst().reduce(1, *) }

    /// Calls `body` with the tensor's bytes, in place in the mapping (valid only inside `body`).
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try file.withBytes(of: info, body)
    }

    /// All weights as `Float`, row after row.
    /// - Complexity: O(n) time and a new n-float array.
    public func dequantized() -> [Float] {
        let count = info.elementCount
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            withUnsafeBytes { bytes in
                GGMLDequantize.dequantize(bytes, type: type, count: count, into: buffer.baseAddress!)
            }
            initialized = count
        }
    }

    /// One row as `Float` (e.g. a token's embedding).
    /// - Precondition: `0 <= row < rowCount`.
    public func dequantizedRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rowCount, "row \(row) outside 0..<\(rowCount)")
        let rowBytes = rowLength / type.blockLength * type.blockBytes
        withUnsafeBytes { bytes in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[(row * rowBytes)..<((row + 1) * rowBytes)])
            GGMLDequantize.dequantize(slice, type: type, count: rowLength, into: output)
        }
    }
}

// MARK: - Parsing

/// The parsed header of a GGUF file.
struct GGUFHeader {
    static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian uint32
    static let defaultAlignment = 32

    var version: UInt32
    var metadata: [String: GGUFValue]
    var metadataKeys: [String]
    var tensors: [GGUFTensorInfo]
    var alignment: Int
    var dataOffset: Int

    init(parsing bytes: UnsafeRawBufferPointer, path: String) throws(GGUFError) {
        var reader = GGUFByteReader(bytes: bytes, path: path)
        guard try reader.read(UInt32.self) == Self.magic else { throw .notGGUF(path: path) }
        version = try reader.read(UInt32.self)
        guard version == 2 || version == 3 else { throw .unsupportedVersion(path: path, version: version) }
        let tensorCount = try reader.readCount("tensor count")
        let metadataCount = try reader.readCount("metadata count")
        metadata = [:]
        metadataKeys = []
        for _ in 0..<metadataCount {
            let key = try reader.readString()
            let rawType = try reader.read(UInt32.self)
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw .malformed(path: path, reason: "metadata key '\(key)' has unknown value type \(rawType)")
            }
            metadata[key] = try reader.readValue(type)
            metadataKeys.append(key)
        }
        alignment = Self.defaultAlignment
        if let value = metadata["general.alignment"] {
            guard let a = value.integerValue, a > 0, a & (a - 1) == 0 else {
                throw .malformed(path: path, reason: "general.alignment must be a power of two")
            }
            alignment = a
        }
        var described: [(name: String, dims: [Int], type: UInt32, offset: Int)] = []
        for _ in 0..<tensorCount {
            let name = try reader.readString()
            let rank = try reader.read(UInt32.self)
            guard rank <= 8 else { throw .malformed(path: path, reason: "tensor '\(name)' has \(rank) dimensions") }
            var dims: [Int] = []
            for _ in 0..<rank { dims.append(try reader.readCount("dimension of \(name)")) }
            let type = try reader.read(UInt32.self)
            let offset = try reader.readCount("offset of \(name)")
            described.append((name, dims, type, offset))
        }
        dataOffset = (reader.position + alignment - 1) / alignment * alignment
        tensors = []
        for t in described {
            let count = t.dims.reduce(1, *)
            var byteCount = 0
            if let type = GGMLType(rawValue: t.type) {
                guard count % type.blockLength == 0, (t.dims.first ?? 1) % type.blockLength == 0 else {
                    throw .malformed(path: path, reason: "tensor '\(t.name)' rows are not whole \(type) blocks")
                }
                byteCount = count / type.blockLength * type.blockBytes
            }
            guard t.offset % alignment == 0 else {
                throw .malformed(path: path, reason: "tensor '\(t.name)' is not aligned to \(alignment) bytes")
            }
            let start = dataOffset + t.offset
            guard start + byteCount <= bytes.count else {
                throw .truncated(path: path, needed: start + byteCount, size: bytes.count)
            }
            tensors.append(GGUFTensorInfo(name: t.name, dimensions: t.dims, rawType: t.type, offset: start, byteCount: byteCount))
        }
    }
}

/// A bounds-checked little-endian cursor over the header bytes.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func need(_ count: Int) throws(GGUFError) {
        guard count >= 0, position + count <= bytes.count else {
            throw .truncated(path: path, needed: position + max(count, 0), size: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size)
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return value
    }

    /// A `uint64` count or offset, checked to fit comfortably in memory.
    mutating func readCount(_ what: String) throws(GGUFError) -> Int {
        let raw = try read(UInt64.self)
        guard raw < UInt64(1) << 48 else { throw .malformed(path: path, reason: "\(what) is \(raw)") }
        return Int(raw)
    }

    mutating func readString() throws(GGUFError) -> String {
        let length = try readCount("string length")
        try need(length)
        let string = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]), as: UTF8.self)
        position += length
        return string
    }

    mutating func readValue(_ type: GGUFValueType) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self))
        case .int8: return .int8(try read(Int8.self))
        case .uint16: return .uint16(try read(UInt16.self))
        case .int16: return .int16(try read(Int16.self))
        case .uint32: return .uint32(try read(UInt32.self))
        case .int32: return .int32(try read(Int32.self))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self)))
        case .bool:
            let byte = try read(UInt8.self)
            guard byte <= 1 else { throw .malformed(path: path, reason: "a bool value is \(byte)") }
            return .bool(byte == 1)
        case .string: return .string(try readString())
        case .uint64: return .uint64(try read(UInt64.self))
        case .int64: return .int64(try read(Int64.self))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self)))
        case .array:
            let rawElement = try read(UInt32.self)
            guard let elementType = GGUFValueType(rawValue: rawElement) else {
                throw .malformed(path: path, reason: "an array has unknown element type \(rawElement)")
            }
            let count = try readCount("array length")
            // Each element takes at least one byte: a count beyond the file cannot be real.
            try need(count)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try readValue(elementType)) }
            return .array(elementType: elementType, elements)
        }
    }
}
