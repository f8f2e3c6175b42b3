/// A weight matrix of a GGUF file used in place for matrix-vector products `y = W·x`, one row of `W` per
/// output.
///
/// Rows are `columns` weights long (the tensor's `dimensions[0]`), stored as ggml blocks. Q4_1, Q4_0 and Q8_0
/// rows are multiplied directly from their blocks (``QuantizedKernels``), so each product reads the quantized
/// bytes once and never a dequantized copy; F32 and F16 rows are read as floats.
public struct QuantizedMatrix: Sendable {
    /// The tensor, which keeps its file mapped.
    public let tensor: GGUFTensor
    public var type: GGMLType { tensor.type }
    // Stored rather than derived from the tensor's dimensions array: the kernels read them for every slice.
    /// Outputs (rows of `W`).
    public let rows: Int
    /// Inputs (weights per row).
    public let columns: Int
    /// Bytes per row.
    public let rowBytes: Int

    /// Wraps a tensor of rank 1 or 2.
    /// - Throws: ``GGUFError/shapeMismatch(name:expected:found:)`` when it has more dimensions or its rows are
    ///   not made of whole 32-weight blocks.
    public init(_ tensor: GGUFTensor) throws(GGUFError) {
        guard tensor.info.dimensions.count <= 2, tensor.rowLength % 32 == 0 else {
            throw .shapeMismatch(
                name: tensor.info.name, expected: [32 * (tensor.rowLength / 32 + 1), tensor.rowCount],
                found: tensor.info.dimensions)
        }
        self.tensor = tensor
        rows = tensor.rowCount
        columns = tensor.rowLength
        rowBytes = tensor.rowLength / tensor.type.blockLength * tensor.type.blockBytes
    }

    /// Reads the tensor `name` and checks its shape (`[columns, rows]` in ggml order).
    public init(_ file: GGUFFile, _ name: String, columns: Int, rows: Int) throws(GGUFError) {
        try self.init(file.tensor(name, shape: [columns, rows]))
    }
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
