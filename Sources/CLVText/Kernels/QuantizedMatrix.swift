/// A weight matrix of a memory-mapped model file (GGUF or E5S1) used in place for products `y = W·x`, one row of
/// `W` per output.
///
/// Rows are `columns` weights long (a GGUF tensor's `dimensions[0]`), stored as ggml blocks. Q4_1, Q4_0 and Q8_0
/// rows are multiplied directly from their blocks (``QuantizedKernels``), so each product reads the quantized
/// bytes once and never a dequantized copy of the whole matrix; F32 and F16 rows are read as floats.
public struct QuantizedMatrix: Sendable {
    /// The bytes, in place in the file's mapping (which they keep alive).
    let bytes: MappedBytes
    /// The storage type of the weights.
    public let type: GGMLType
    // Stored rather than derived from a tensor's dimensions array: the kernels read them for every slice.
    /// Outputs (rows of `W`).
    public let rows: Int
    /// Inputs (weights per row).
    public let columns: Int
    /// Bytes per row.
    public let rowBytes: Int

    /// Wraps a GGUF tensor of rank 1 or 2.
    /// - Throws: ``GGUFError/shapeMismatch(name:expected:found:)`` when it has more dimensions or its rows are
    ///   not made of whole 32-weight blocks.
    public init(_ tensor: GGUFTensor) throws(GGUFError) {
        guard tensor.info.dimensions.count <= 2, tensor.rowLength % 32 == 0 else {
            throw .shapeMismatch(
                name: tensor.info.name, expected: [32 * (tensor.rowLength / 32 + 1), tensor.rowCount],
                found: tensor.info.dimensions)
        }
        let base = tensor.withUnsafeBytes { $0.baseAddress! }
        self.init(
            bytes: MappedBytes(owner: tensor.file, base: base, count: tensor.info.byteCount), type: tensor.type,
            rows: tensor.rowCount, columns: tensor.rowLength)
    }

    /// Reads the GGUF tensor `name` and checks its shape (`[columns, rows]` in ggml order).
    public init(_ file: GGUFFile, _ name: String, columns: Int, rows: Int) throws(GGUFError) {
        try self.init(file.tensor(name, shape: [columns, rows]))
    }

    /// A matrix over mapped bytes that the caller checked hold `rows` whole rows of `columns` weights of `type`.
    init(bytes: MappedBytes, type: GGMLType, rows: Int, columns: Int) {
        let rowBytes = columns / type.blockLength * type.blockBytes
        precondition(columns % 32 == 0 && bytes.count >= rows * rowBytes, "\(rows)×\(columns) \(type) needs \(rows * rowBytes) bytes")
        self.bytes = bytes
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
    }

    /// Calls `body` with the matrix's bytes, in place in the mapping (valid only inside `body`).
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withExtendedLifetime(bytes.owner) { body(UnsafeRawBufferPointer(start: bytes.base, count: bytes.count)) }
    }

    /// All weights as `Float`, row after row.
    /// - Complexity: O(rows·columns) time and a new array of that many floats.
    public func dequantized() -> [Float] {
        let count = rows * columns
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            withUnsafeBytes { GGMLDequantize.dequantize($0, type: type, count: count, into: buffer.baseAddress!) }
            initialized = count
        }
    }

    /// One row as `Float` (e.g. a token's embedding).
    /// - Precondition: `0 <= row < rows`.
    public func dequantizedRow(_ row: Int, into output: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows, "row \(row) outside 0..<\(rows)")
        withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(rebasing: all[(row * rowBytes)..<((row + 1) * rowBytes)])
            GGMLDequantize.dequantize(slice, type: type, count: columns, into: output)
        }
    }
}

/// Bytes inside a read-only file mapping, with the object that owns the mapping.
// @unchecked Sendable: the owner is an immutable, Sendable file object (GGUFFile, E5File) whose `PROT_READ`
// mapping never changes and is unmapped only in its `deinit`; holding it here keeps `base` valid.
struct MappedBytes: @unchecked Sendable {
    let owner: any AnyObject & Sendable
    let base: UnsafeRawPointer
    let count: Int
}

/// An input vector made ready for ``QuantizedKernels``: the values and each 32-value block's sum (which turns
/// Q4 blocks' offsets into one multiplication per block).
///
/// Preparing costs O(n) once per vector and is shared by every row of every matrix the vector multiplies.
struct PreparedVector {
    let count: Int
    var values: UnsafeMutablePointer<Float>
    var blockSums: UnsafeMutablePointer<Float>

    /// Allocates room for a vector of `count` values (a multiple of 32).
    init(count: Int) {
        precondition(count % 32 == 0, "prepared vectors are whole 32-value blocks")
        self.count = count
        // 64-byte aligned: the kernels read the values 16 floats at a time.
        values = UnsafeMutableRawPointer.allocate(byteCount: 4 * count, alignment: 64).bindMemory(to: Float.self, capacity: count)
        values.initialize(repeating: 0, count: count)
        blockSums = .allocate(capacity: count / 32)
        blockSums.initialize(repeating: 0, count: count / 32)
    }

    func deallocate() {
        values.deallocate()
        blockSums.deallocate()
    }

    /// Fills the block sums from `values`.
    func prepare() {
        for block in 0..<(count / 32) {
            let x = UnsafeRawPointer(values + block * 32)
            let sum = x.load(as: SIMD16<Float>.self) + x.load(fromByteOffset: 64, as: SIMD16<Float>.self)
            blockSums[block] = sum.sum()
        }
    }
}
