import CLVNumerics

/// Matrix-vector products computed directly on ggml quantized blocks with SIMD, rows split over threads.
///
/// Rows are taken four at a time, so the four rows' blocks share the loads of the input. A block's codes are
/// widened to 16-lane float vectors, in their natural order, and multiplied by the input's 32 values; the block's
/// scale is applied once to that product. With `U = Σ u·x` over a block (codes `u`) and the block's input sum
/// `S = Σ x` (prepared once per input vector), the block's part is
/// - Q4_1 (`w = d·u + m`): `d·U + m·S`,
/// - Q4_0 (`w = d·(u − 8)`): `d·U − 8·d·S`,
/// - Q8_0 (`w = d·q`): `d·Σ q·x`.
///
/// The result differs from `Σ w·x` in float only by rounding (about 1e-6 relative). A row's value depends only on
/// its own blocks and the input, in a fixed order (never on which rows share its group of four or which thread
/// computes it), so runs are reproducible and a prompt evaluated at once equals it evaluated token by token.
///
/// Speed depends on the target CPU CLVText is compiled for (`CLVKIT_TARGET_CPU`, see Package.swift): `CLVTEXT_FMA`
/// and `CLVTEXT_F16C` select fused multiply-adds and hardware half-to-float conversion when it has them.
enum QuantizedKernels {
    /// One product to compute: `outputs[t][r] = Σ_c W[r, c]·inputs[t][c]` for every row r of `matrix` and every
    /// input t.
    struct Job {
        let matrix: QuantizedMatrix
        let inputs: [PreparedVector]
        let outputs: [UnsafeMutablePointer<Float>]

        init(matrix: QuantizedMatrix, input: PreparedVector, output: UnsafeMutablePointer<Float>) {
            self.init(matrix: matrix, inputs: [input], outputs: [output])
        }

        init(matrix: QuantizedMatrix, inputs: [PreparedVector], outputs: [UnsafeMutablePointer<Float>]) {
            precondition(inputs.count == outputs.count, "one output per input")
            for input in inputs {
                precondition(input.count == matrix.columns, "input has \(input.count) values, matrix \(matrix.columns) columns")
            }
            self.matrix = matrix
            self.inputs = inputs
            self.outputs = outputs
        }
    }

    /// Computes several products in one round of dispatch, each one's rows cut into `4·threads` contiguous
    /// slices (``slice(_:of:rows:)``) that the threads (the calling one included) take in turn: a thread slowed
    /// down by other work on the machine takes fewer slices instead of holding the others up.
    static func run(_ jobs: [Job], threads: Int) {
        if threads <= 1 {
            for job in jobs { multiply(job, rows: 0..<job.matrix.rows) }
            return
        }
        let shares = 4 * threads
        let work = JobBatch(jobs: jobs)
        ParallelFor(threads: threads).run(count: shares) { share in
            for job in work.jobs {
                let rows = slice(share, of: shares, rows: job.matrix.rows)
                if !rows.isEmpty { multiply(job, rows: rows) }
            }
        }
    }

    /// Computes several products in one round on a session's ``WorkerPool`` (same slicing as `run(_:threads:)`,
    /// so the same results).
    /// - Parameter then: called once per slice, on the thread that computed it, with the rows of the slice once
    ///   every job's part of them is done (the first job's rows; for jobs with as many rows as it): elementwise
    ///   work on the products runs in the same round instead of on the calling thread alone.
    static func run(_ jobs: [Job], pool: WorkerPool, then: ((Range<Int>) -> Void)? = nil) {
        if pool.threads <= 1 {
            for job in jobs { multiply(job, rows: 0..<job.matrix.rows) }
            if let then, let first = jobs.first { then(0..<first.matrix.rows) }
            return
        }
        let shares = 4 * pool.threads
        pool.run(slices: shares) { share in
            for job in jobs {
                let rows = slice(share, of: shares, rows: job.matrix.rows)
                if !rows.isEmpty { multiply(job, rows: rows) }
            }
            if let then, let first = jobs.first {
                let rows = slice(share, of: shares, rows: first.matrix.rows)
                if !rows.isEmpty { then(rows) }
            }
        }
    }

    /// The rows of slice `share` of `shares`: whole groups of four rows, as even as that allows.
    static func slice(_ share: Int, of shares: Int, rows: Int) -> Range<Int> {
        let groups = (rows + 3) / 4
        return min(rows, 4 * (groups * share / shares))..<min(rows, 4 * (groups * (share + 1) / shares))
    }

    /// Computes the rows `rows` of one product on the calling thread. Each group of four rows is multiplied by
    /// every input while its bytes are in the first-level cache.
    static func multiply(_ job: Job, rows: Range<Int>) {
        let matrix = job.matrix
        let blocks = matrix.columns / 32
        let rowBytes = matrix.rowBytes
        let type = matrix.type
        matrix.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!
            guard type == .q4_1 || type == .q4_0 || type == .q8_0 else {
                for (input, output) in zip(job.inputs, job.outputs) {
                    for r in rows { output[r] = dotFloat(base + r * rowBytes, type: type, count: matrix.columns, x: input.values) }
                }
                return
            }
            let last = rows.upperBound - 1, matrixRows = matrix.rows
            // Zero (no row has 2⁴⁸ blocks) but not provably so to the optimizer, which would otherwise delete the
            // reads of `touch` as unused.
            let opaqueZero = UInt32(truncatingIfNeeded: blocks >> 48)
            let inputs = job.inputs, outputs = job.outputs
            var r = rows.lowerBound
            while r <= last {
                // A group running past the range repeats its last row; the repeats are computed and dropped.
                let group = (
                    base + r * rowBytes, base + min(r + 1, last) * rowBytes,
                    base + min(r + 2, last) * rowBytes, base + min(r + 3, last) * rowBytes
                )
                let count = min(4, last - r + 1)
                let touched =
                    r + 8 <= matrixRows
                    ? touch(base + (r + 4) * rowBytes, count: 4 * rowBytes) & opaqueZero : 0
                // Indices rather than `zip`, whose iterator retained and released the arrays for every group.
                for t in inputs.indices {
                    let x = UnsafePointer(inputs[t].values), sums = UnsafePointer(inputs[t].blockSums), output = outputs[t]
                    let dots =
                        switch type {
                        case .q4_1: dotQ4(group, blocks: blocks, x: x, sums: sums, hasMinimum: true)
                        case .q4_0: dotQ4(group, blocks: blocks, x: x, sums: sums, hasMinimum: false)
                        default: dotQ8(group, blocks: blocks, x: x)
                        }
                    for k in 0..<count { output[r + k] = Float(bitPattern: dots[k].bitPattern | touched) }
                }
                r += 4
            }
        }
    }

    /// Reads one byte of every 64-byte cache line of `count` bytes at `p` (the next group of rows), so that the
    /// loads from memory start together while the current group is computed. Left to the hardware prefetcher,
    /// the kernel waits on them longer: this made decoding 10–15% faster on one thread and ~25% on two (on a
    /// 2-core AMD EPYC VM).
    @inline(__always)
    static func touch(_ p: UnsafeRawPointer, count: Int) -> UInt32 {
        var sum: UInt32 = 0
        var offset = 0
        while offset < count {
            sum &+= UInt32(p.load(fromByteOffset: offset, as: UInt8.self))
            offset += 64
        }
        return sum
    }

    typealias Four<T> = (T, T, T, T)

    // MARK: - Block kernels

    /// The half-precision block scale at `p + offset`: one instruction with F16C (`CLVTEXT_F16C`), else the
    /// branch-free conversion (the two agree on every finite half).
    @inline(__always)
    static func scale(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let bits = p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        #if CLVTEXT_F16C
        return Float(Float16(bitPattern: bits))
        #else
        return GGMLDequantize.finiteHalfToFloat(bits)
        #endif
    }

    // Written lane by lane because Swift's SIMD conversions (`init(truncatingIfNeeded:)`, `init(_:)` between
    // element types) are out-of-line generic calls; LLVM turns this pattern into one widening and one conversion
    // instruction (vpmovzxbd/vpmovsxbd, vcvtdq2ps).
    @inline(__always)
    static func floats(_ b: SIMD16<UInt8>) -> SIMD16<Float> {
        SIMD16(
            Float(b[0]), Float(b[1]), Float(b[2]), Float(b[3]), Float(b[4]), Float(b[5]), Float(b[6]), Float(b[7]),
            Float(b[8]), Float(b[9]), Float(b[10]), Float(b[11]), Float(b[12]), Float(b[13]), Float(b[14]), Float(b[15]))
    }

    @inline(__always)
    private static func floats(_ b: SIMD16<Int8>) -> SIMD16<Float> {
        SIMD16(
            Float(b[0]), Float(b[1]), Float(b[2]), Float(b[3]), Float(b[4]), Float(b[5]), Float(b[6]), Float(b[7]),
            Float(b[8]), Float(b[9]), Float(b[10]), Float(b[11]), Float(b[12]), Float(b[13]), Float(b[14]), Float(b[15]))
    }

    @inline(__always)
    private static func load16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
    }

    /// `Σ u·x` over one Q4 block: the low nibbles are weights 0..<16, the high nibbles 16..<32.
    @inline(__always)
    private static func codeDotQ4(_ codes: UnsafeRawPointer, _ x0: SIMD16<Float>, _ x1: SIMD16<Float>) -> SIMD16<Float> {
        let bytes = codes.loadUnaligned(as: SIMD16<UInt8>.self)
        return VectorMath.fma(floats(bytes & 0xF) * x0, floats(bytes &>> 4), x1)
    }

    /// `Σ q·x` over one Q8_0 block (32 signed bytes).
    @inline(__always)
    private static func codeDotQ8(_ codes: UnsafeRawPointer, _ x0: SIMD16<Float>, _ x1: SIMD16<Float>) -> SIMD16<Float> {
        let first = floats(codes.loadUnaligned(as: SIMD16<Int8>.self))
        let second = floats(codes.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self))
        return VectorMath.fma(first * x0, second, x1)
    }

    /// The sum of the 16 lanes, in a fixed order.
    @inline(__always)
    private static func total(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        return (four[0] + four[1]) + (four[2] + four[3])
    }

    /// Four rows of a Q4_1 (`hasMinimum`) or Q4_0 matrix times a prepared vector.
    @inline(__always)
    static func dotQ4(
        _ rows: Four<UnsafeRawPointer>, blocks: Int, x: UnsafePointer<Float>, sums: UnsafePointer<Float>, hasMinimum: Bool
    ) -> SIMD4<Float> {
        let blockBytes = hasMinimum ? 20 : 18
        let codeOffset = hasMinimum ? 4 : 2
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var tail0: Float = 0, tail1: Float = 0, tail2: Float = 0, tail3: Float = 0
        var xp = UnsafeRawPointer(x)
        var offset = 0
        for b in 0..<blocks {
            let x0 = load16(xp, 0), x1 = load16(xp, 64)
            let s = sums[b]
            let c = offset + codeOffset
            let d0 = scale(rows.0, offset), d1 = scale(rows.1, offset), d2 = scale(rows.2, offset), d3 = scale(rows.3, offset)
            acc0 = VectorMath.fma(acc0, codeDotQ4(rows.0 + c, x0, x1), SIMD16(repeating: d0))
            acc1 = VectorMath.fma(acc1, codeDotQ4(rows.1 + c, x0, x1), SIMD16(repeating: d1))
            acc2 = VectorMath.fma(acc2, codeDotQ4(rows.2 + c, x0, x1), SIMD16(repeating: d2))
            acc3 = VectorMath.fma(acc3, codeDotQ4(rows.3 + c, x0, x1), SIMD16(repeating: d3))
            if hasMinimum {
                tail0 = VectorMath.fma(tail0, scale(rows.0, offset + 2), s)
                tail1 = VectorMath.fma(tail1, scale(rows.1, offset + 2), s)
                tail2 = VectorMath.fma(tail2, scale(rows.2, offset + 2), s)
                tail3 = VectorMath.fma(tail3, scale(rows.3, offset + 2), s)
            } else {
                tail0 = VectorMath.fma(tail0, -8 * d0, s)
                tail1 = VectorMath.fma(tail1, -8 * d1, s)
                tail2 = VectorMath.fma(tail2, -8 * d2, s)
                tail3 = VectorMath.fma(tail3, -8 * d3, s)
            }
            offset += blockBytes
            xp += 128
        }
        return SIMD4(total(acc0) + tail0, total(acc1) + tail1, total(acc2) + tail2, total(acc3) + tail3)
    }

    /// Four rows of a Q8_0 matrix times a prepared vector.
    @inline(__always)
    static func dotQ8(_ rows: Four<UnsafeRawPointer>, blocks: Int, x: UnsafePointer<Float>) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var xp = UnsafeRawPointer(x)
        var offset = 0
        for _ in 0..<blocks {
            let x0 = load16(xp, 0), x1 = load16(xp, 64)
            let c = offset + 2
            acc0 = VectorMath.fma(acc0, codeDotQ8(rows.0 + c, x0, x1), SIMD16(repeating: scale(rows.0, offset)))
            acc1 = VectorMath.fma(acc1, codeDotQ8(rows.1 + c, x0, x1), SIMD16(repeating: scale(rows.1, offset)))
            acc2 = VectorMath.fma(acc2, codeDotQ8(rows.2 + c, x0, x1), SIMD16(repeating: scale(rows.2, offset)))
            acc3 = VectorMath.fma(acc3, codeDotQ8(rows.3 + c, x0, x1), SIMD16(repeating: scale(rows.3, offset)))
            offset += 34
            xp += 128
        }
        return SIMD4(total(acc0), total(acc1), total(acc2), total(acc3))
    }

    /// One row of an F32 or F16 matrix times the plain vector.
    static func dotFloat(_ row: UnsafeRawPointer, type: GGMLType, count: Int, x: UnsafePointer<Float>) -> Float {
        var sum: Float = 0
        switch type {
        case .f32:
            for i in 0..<count { sum += row.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) * x[i] }
        default:
            for i in 0..<count { sum += GGMLDequantize.halfToFloatFast(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i] }
        }
        return sum
    }
}

/// The jobs of one dispatch round, handed to the worker threads.
// @unchecked Sendable: the jobs hold pointers to the caller's buffers; during `run` every thread only reads the
// inputs and the mapped weights and writes a disjoint range of rows of each output, and the parallel loop returns
// only after all threads are done, so no two threads touch the same memory with a write.
private struct JobBatch: @unchecked Sendable {
    let jobs: [QuantizedKernels.Job]
}
