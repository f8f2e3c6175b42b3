import CLVNumerics

/// Matrix products `Y = X·Wᵀ + b` for many input rows at once (an encoder's tokens), on the same quantized
/// matrices, slicing and worker pool as the matrix-vector products.
///
/// A matrix-vector product converts each weight's code to a float once per input; with tens to thousands of
/// inputs that conversion would dominate. Here each thread dequantizes a group of four weight rows once
/// (``GGMLDequantize``, exact) into a small buffer that stays in the first-level cache, and multiplies it by a
/// block of inputs that stays in the second-level cache, two inputs at a time: eight accumulators, each weight
/// load shared by two inputs and each input load by four rows. Weights are converted once per block of inputs:
/// one conversion per 84 multiply-adds for 384-wide inputs, per 20 for 1536-wide ones.
///
/// Arithmetic is float throughout (no quantized activations): the result differs from `Σ w·x` in float only by
/// rounding, and a row's value depends only on its own weights and its input (never on which inputs share a
/// block or which thread computes it), so a text's embedding does not depend on the batch it is in.
extension QuantizedKernels {
    /// One product to compute: `output[t][r] = bias[r] + Σ_c W[r, c]·input[t][c]` for `count` inputs, each
    /// `matrix.columns` floats (row stride `matrix.columns`); outputs have row stride `matrix.rows`.
    struct MatrixJob {
        let matrix: QuantizedMatrix
        let input: UnsafePointer<Float>
        let count: Int
        /// One value per row of the matrix, or empty for none.
        let bias: [Float]
        let output: UnsafeMutablePointer<Float>
    }

    /// Computes several products in one round on `pool`, each one's rows cut into `4·threads` slices of whole
    /// groups of four rows (``slice(_:of:rows:)``).
    static func run(_ jobs: [MatrixJob], pool: WorkerPool) {
        let shares = pool.threads <= 1 ? 1 : 4 * pool.threads
        pool.run(slices: shares) { share in
            for job in jobs {
                let rows = slice(share, of: shares, rows: job.matrix.rows)
                if !rows.isEmpty { multiply(job, rows: rows) }
            }
        }
    }

    /// Inputs per block: as many 2-input pairs as fit in about 128 KiB (second-level cache), at least 8.
    static func inputBlock(columns: Int) -> Int {
        max(8, (32_768 / max(columns, 1)) & ~1)
    }

    /// Computes the rows `rows` (whole groups of four, but for the matrix's last) of one product on the calling
    /// thread.
    static func multiply(_ job: MatrixJob, rows: Range<Int>) {
        let matrix = job.matrix
        precondition(job.bias.isEmpty || job.bias.count == matrix.rows, "one bias per row")
        let n = matrix.columns, outputs = matrix.rows
        // 64-byte aligned, four rows of `n` floats: the dequantized group of rows.
        let panel = UnsafeMutableRawPointer.allocate(byteCount: 16 * n, alignment: 64).bindMemory(to: Float.self, capacity: 4 * n)
        defer { panel.deallocate() }
        let block = inputBlock(columns: n)
        matrix.withUnsafeBytes { bytes in
            var first = 0
            while first < job.count {
                let inputs = first..<min(job.count, first + block)
                var r = rows.lowerBound
                while r < rows.upperBound {
                    let group = min(4, rows.upperBound - r)
                    let start = r * matrix.rowBytes
                    dequantize(
                        UnsafeRawBufferPointer(rebasing: bytes[start..<(start + group * matrix.rowBytes)]),
                        type: matrix.type, count: group * n, into: panel)
                    // A short last group repeats its last row; the repeats are computed and dropped.
                    for k in group..<4 { (panel + k * n).update(from: panel + (group - 1) * n, count: n) }
                    var t = inputs.lowerBound
                    while t < inputs.upperBound {
                        let second = min(t + 1, inputs.upperBound - 1)
                        let (a, b) = dot4x2(panel, n: n, job.input + t * n, job.input + second * n)
                        for k in 0..<group {
                            let bias = job.bias.isEmpty ? 0 : job.bias[r + k]
                            job.output[t * outputs + r + k] = a[k] + bias
                            if second != t { job.output[second * outputs + r + k] = b[k] + bias }
                        }
                        t += 2
                    }
                    r += 4
                }
                first = inputs.upperBound
            }
        }
    }

    /// ``GGMLDequantize/dequantize(_:type:count:into:)`` with Q4_0 blocks widened 16 codes at a time (the same
    /// values bit for bit: `(u − 8)·d`, one rounding): with few inputs, converting the weights is a large part
    /// of a product.
    @inline(__always)
    static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType, count: Int, into output: UnsafeMutablePointer<Float>) {
        guard type == .q4_0 else {
            GGMLDequantize.dequantize(bytes, type: type, count: count, into: output)
            return
        }
        precondition(count % 32 == 0 && bytes.count >= count / 32 * 18, "too few bytes for \(count) Q4_0 weights")
        let base = bytes.baseAddress!, out = UnsafeMutableRawPointer(output)
        for block in 0..<(count / 32) {
            let p = base + 18 * block
            let d = SIMD16<Float>(repeating: scale(p, 0))
            let codes = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
            out.storeBytes(of: (floats(codes & 0xF) - 8) * d, toByteOffset: 128 * block, as: SIMD16<Float>.self)
            out.storeBytes(of: (floats(codes &>> 4) - 8) * d, toByteOffset: 128 * block + 64, as: SIMD16<Float>.self)
        }
    }

    /// Four float rows (`panel`, row stride `n`) times two inputs: each row's dot product with `x` and with `y`.
    /// Eight-lane accumulators: with eight of them, two inputs and one weight vector in flight the kernel fits
    /// AVX2's sixteen vector registers.
    @inline(__always)
    static func dot4x2(
        _ panel: UnsafePointer<Float>, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>
    )
        -> (SIMD4<Float>, SIMD4<Float>)
    {
        typealias V = SIMD8<Float>
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), b0 = V(), b1 = V(), b2 = V(), b3 = V()
        let w = UnsafeRawPointer(panel), xr = UnsafeRawPointer(x), yr = UnsafeRawPointer(y)
        let stride = 4 * n
        var offset = 0
        while offset < stride {
            let xv = xr.loadUnaligned(fromByteOffset: offset, as: V.self)
            let yv = yr.loadUnaligned(fromByteOffset: offset, as: V.self)
            let w0 = w.load(fromByteOffset: offset, as: V.self)
            a0 = VectorMath.fma(a0, w0, xv)
            b0 = VectorMath.fma(b0, w0, yv)
            let w1 = w.load(fromByteOffset: stride + offset, as: V.self)
            a1 = VectorMath.fma(a1, w1, xv)
            b1 = VectorMath.fma(b1, w1, yv)
            let w2 = w.load(fromByteOffset: 2 * stride + offset, as: V.self)
            a2 = VectorMath.fma(a2, w2, xv)
            b2 = VectorMath.fma(b2, w2, yv)
            let w3 = w.load(fromByteOffset: 3 * stride + offset, as: V.self)
            a3 = VectorMath.fma(a3, w3, xv)
            b3 = VectorMath.fma(b3, w3, yv)
            offset += 32
        }
        return (SIMD4(total(a0), total(a1), total(a2), total(a3)), SIMD4(total(b0), total(b1), total(b2), total(b3)))
    }

    /// The sum of 8 lanes, in a fixed order.
    @inline(__always)
    private static func total(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        return (four[0] + four[1]) + (four[2] + four[3])
    }
}
