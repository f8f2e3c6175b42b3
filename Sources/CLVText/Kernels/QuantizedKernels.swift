import Dispatch

/// Matrix-vector products computed directly on ggml quantized blocks with SIMD, rows split over threads.
///
/// Each block of 32 weights is unpacked in 4-lane `SIMD4` vectors without integer-to-float conversion
/// instructions: a 4- or 8-bit code `u` is shifted into the top of a float's mantissa under the exponent of 1.0,
/// which gives the float `1 + u/16` (4-bit) or `1 + u/256` (8-bit) exactly. With `T = Σ (1 + u/16)·x` over a
/// block and the block sum `S = Σ x` (prepared once per input vector), the block's contribution is
/// - Q4_1 (`w = d·u + m`): `16·d·T + (m − 16·d)·S`,
/// - Q4_0 (`w = d·(u − 8)`): `16·d·T − 24·d·S`,
/// - Q8_0 (`w = d·q`, `u = q + 128`, `T = Σ (1 + u/256)·x`): `256·d·(T − 1.5·S)`.
///
/// The result differs from `Σ w·x` in float only by rounding (about 1e-6 relative). Every row is computed by one
/// thread in a fixed order, so results do not depend on how rows are split: runs are reproducible.
enum QuantizedKernels {
    /// One product to compute: `outputs[t][r] = Σ_c W[r, c]·inputs[t][c]` for every row r of `matrix` and every
    /// input t. Several inputs (a prompt's tokens) share each block's unpacking, four at a time.
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
    /// slices that the threads (the calling one included) take in turn: a thread slowed down by other work on the
    /// machine takes fewer slices instead of holding the others up.
    static func run(_ jobs: [Job], threads: Int) {
        if threads <= 1 {
            for job in jobs { multiply(job, rows: 0..<job.matrix.rows) }
            return
        }
        let shares = 4 * threads
        let work = JobBatch(jobs: jobs)
        DispatchQueue.concurrentPerform(iterations: shares) { share in
            for job in work.jobs {
                let rows = job.matrix.rows
                let start = rows * share / shares, end = rows * (share + 1) / shares
                if start < end { multiply(job, rows: start..<end) }
            }
        }
    }

    /// Computes several products in one round on a session's ``WorkerPool`` (same slicing as `run(_:threads:)`,
    /// so the same results).
    static func run(_ jobs: [Job], pool: WorkerPool) {
        if pool.threads <= 1 {
            for job in jobs { multiply(job, rows: 0..<job.matrix.rows) }
            return
        }
        let shares = 4 * pool.threads
        pool.run(slices: shares) { share in
            for job in jobs {
                let rows = job.matrix.rows
                let start = rows * share / shares, end = rows * (share + 1) / shares
                if start < end { multiply(job, rows: start..<end) }
            }
        }
    }

    /// Computes the rows `rows` of one product on the calling thread: inputs four at a time, then the rest one by
    /// one. Each output value is the same, bit for bit, whichever way it is computed.
    static func multiply(_ job: Job, rows: Range<Int>) {
        let matrix = job.matrix
        let blocks = matrix.columns / 32
        let rowBytes = matrix.rowBytes
        matrix.tensor.withUnsafeBytes { bytes in
            let base = bytes.baseAddress!
            var t = 0
            if matrix.type == .q4_1 || matrix.type == .q4_0 || matrix.type == .q8_0 {
                while t + 4 <= job.inputs.count {
                    rows4(base, rowBytes: rowBytes, rows: rows, blocks: blocks, type: matrix.type,
                          inputs: Array(job.inputs[t..<(t + 4)]), outputs: Array(job.outputs[t..<(t + 4)]))
                    t += 4
                }
            }
            while t < job.inputs.count {
                let input = job.inputs[t], output = job.outputs[t]
                let x = UnsafePointer(input.permuted), sums = UnsafePointer(input.blockSums)
                switch matrix.type {
                case .q4_1:
                    for r in rows { output[r] = dotQ4(base + r * rowBytes, blocks: blocks, x: x, sums: sums, hasMinimum: true) }
                case .q4_0:
                    for r in rows { output[r] = dotQ4(base + r * rowBytes, blocks: blocks, x: x, sums: sums, hasMinimum: false) }
                case .q8_0:
                    for r in rows { output[r] = dotQ8(base + r * rowBytes, blocks: blocks, x: x, sums: sums) }
                case .f32, .f16:
                    let values = UnsafePointer(input.values)
                    for r in rows { output[r] = dotFloat(base + r * rowBytes, type: matrix.type, count: matrix.columns, x: values) }
                }
                t += 1
            }
        }
    }

    /// Rows of a block-quantized matrix times four prepared vectors.
    @inline(never)
    static func rows4(
        _ base: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>, blocks: Int, type: GGMLType,
        inputs: [PreparedVector], outputs: [UnsafeMutablePointer<Float>]
    ) {
        let x = (UnsafePointer(inputs[0].permuted), UnsafePointer(inputs[1].permuted),
                 UnsafePointer(inputs[2].permuted), UnsafePointer(inputs[3].permuted))
        let sums = (UnsafePointer(inputs[0].blockSums), UnsafePointer(inputs[1].blockSums),
                    UnsafePointer(inputs[2].blockSums), UnsafePointer(inputs[3].blockSums))
        for r in rows {
            let dots = switch type {
            case .q4_1: dot4Q4(base + r * rowBytes, blocks: blocks, x: x, sums: sums, hasMinimum: true)
            case .q4_0: dot4Q4(base + r * rowBytes, blocks: blocks, x: x, sums: sums, hasMinimum: false)
            default: dot4Q8(base + r * rowBytes, blocks: blocks, x: x, sums: sums)
            }
            outputs[0][r] = dots[0]
            outputs[1][r] = dots[1]
            outputs[2][r] = dots[2]
            outputs[3][r] = dots[3]
        }
    }

    typealias Four<T> = (T, T, T, T)

    // MARK: - Block kernels

    /// Codes at bits 19..22 (4-bit) or 15..22 (8-bit), ORed under the exponent of 1.0: the floats `1 + u/16` or
    /// `1 + u/256`. 16 lanes: one SSE/AVX/AVX-512 register group whatever the target.
    @inline(__always)
    private static func floats(_ bits: SIMD16<UInt32>, mask: UInt32) -> SIMD16<Float> {
        unsafeBitCast((bits & SIMD16(repeating: mask)) | SIMD16(repeating: 0x3F80_0000), to: SIMD16<Float>.self)
    }

    /// Four 4-lane views of `v`, shifted by constants and concatenated: lanes 4k..4k+3 hold byte k of each of the
    /// four 32-bit lanes of `v`, at bits 19..22 (or 15..22) after masking.
    @inline(__always)
    private static func spread(_ a: SIMD4<UInt32>, _ b: SIMD4<UInt32>, _ c: SIMD4<UInt32>, _ d: SIMD4<UInt32>) -> SIMD16<UInt32> {
        SIMD16(lowHalf: SIMD8(lowHalf: a, highHalf: b), highHalf: SIMD8(lowHalf: c, highHalf: d))
    }

    @inline(__always)
    private static func load16(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
    }

    /// One row of a Q4_1 (`hasMinimum`) or Q4_0 matrix times a prepared vector.
    @inline(__always)
    static func dotQ4(
        _ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>, sums: UnsafePointer<Float>, hasMinimum: Bool
    ) -> Float {
        let mask: UInt32 = 0xF << 19
        let blockBytes = hasMinimum ? 20 : 18
        let codeOffset = hasMinimum ? 4 : 2
        var acc = SIMD16<Float>()
        var tail: Float = 0
        var p = row
        var xp = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let d = GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(as: UInt16.self))
            let v = p.loadUnaligned(fromByteOffset: codeOffset, as: SIMD4<UInt32>.self)
            // Byte k's low nibble sits at bits 8k..8k+3 of each lane, its high nibble at 8k+4..8k+7; move each to 19..22.
            let low = floats(spread(v &<< 19, v &<< 11, v &<< 3, v &>> 5), mask: mask) * load16(xp, 0)
            let high = floats(spread(v &<< 15, v &<< 7, v &>> 1, v &>> 9), mask: mask) * load16(xp, 64)
            let d16 = 16 * d
            acc += (low + high) * SIMD16(repeating: d16)
            let m = hasMinimum ? GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : -8 * d
            tail += (m - d16) * sums[b]
            p += blockBytes
            xp += 128
        }
        return acc.sum() + tail
    }

    /// One row of a Q8_0 matrix times a prepared vector.
    @inline(__always)
    static func dotQ8(
        _ row: UnsafeRawPointer, blocks: Int, x: UnsafePointer<Float>, sums: UnsafePointer<Float>
    ) -> Float {
        let mask: UInt32 = 0xFF << 15
        let flip = SIMD4<UInt32>(repeating: 0x8080_8080)
        var acc = SIMD16<Float>()
        var tail: Float = 0
        var p = row
        var xp = UnsafeRawPointer(x)
        for b in 0..<blocks {
            let d = GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(as: UInt16.self))
            // q + 128 as an unsigned byte is q with its top bit flipped.
            let v0 = p.loadUnaligned(fromByteOffset: 2, as: SIMD4<UInt32>.self) ^ flip
            let v1 = p.loadUnaligned(fromByteOffset: 18, as: SIMD4<UInt32>.self) ^ flip
            let first = floats(spread(v0 &<< 15, v0 &<< 7, v0 &>> 1, v0 &>> 9), mask: mask) * load16(xp, 0)
            let second = floats(spread(v1 &<< 15, v1 &<< 7, v1 &>> 1, v1 &>> 9), mask: mask) * load16(xp, 64)
            let d256 = 256 * d
            acc += (first + second) * SIMD16(repeating: d256)
            tail -= 1.5 * d256 * sums[b]
            p += 34
            xp += 128
        }
        return acc.sum() + tail
    }

    /// `dotQ4` for four vectors at once, each block unpacked once; every result equals `dotQ4`'s bit for bit (the
    /// same operations in the same order).
    @inline(__always)
    static func dot4Q4(
        _ row: UnsafeRawPointer, blocks: Int, x: Four<UnsafePointer<Float>>, sums: Four<UnsafePointer<Float>>, hasMinimum: Bool
    ) -> SIMD4<Float> {
        let mask: UInt32 = 0xF << 19
        let blockBytes = hasMinimum ? 20 : 18
        let codeOffset = hasMinimum ? 4 : 2
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var tail = SIMD4<Float>()
        var p = row
        let x0 = UnsafeRawPointer(x.0), x1 = UnsafeRawPointer(x.1), x2 = UnsafeRawPointer(x.2), x3 = UnsafeRawPointer(x.3)
        var offset = 0
        for b in 0..<blocks {
            let d = GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(as: UInt16.self))
            let v = p.loadUnaligned(fromByteOffset: codeOffset, as: SIMD4<UInt32>.self)
            let low = floats(spread(v &<< 19, v &<< 11, v &<< 3, v &>> 5), mask: mask)
            let high = floats(spread(v &<< 15, v &<< 7, v &>> 1, v &>> 9), mask: mask)
            let d16 = 16 * d
            let scale = SIMD16<Float>(repeating: d16)
            acc0 += (low * load16(x0, offset) + high * load16(x0, offset + 64)) * scale
            acc1 += (low * load16(x1, offset) + high * load16(x1, offset + 64)) * scale
            acc2 += (low * load16(x2, offset) + high * load16(x2, offset + 64)) * scale
            acc3 += (low * load16(x3, offset) + high * load16(x3, offset + 64)) * scale
            let m = hasMinimum ? GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : -8 * d
            tail += SIMD4(repeating: m - d16) * SIMD4(sums.0[b], sums.1[b], sums.2[b], sums.3[b])
            p += blockBytes
            offset += 128
        }
        return SIMD4(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum()) + tail
    }

    /// `dotQ8` for four vectors at once (same operations in the same order for each).
    @inline(__always)
    static func dot4Q8(
        _ row: UnsafeRawPointer, blocks: Int, x: Four<UnsafePointer<Float>>, sums: Four<UnsafePointer<Float>>
    ) -> SIMD4<Float> {
        let mask: UInt32 = 0xFF << 15
        let flip = SIMD4<UInt32>(repeating: 0x8080_8080)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var tail = SIMD4<Float>()
        var p = row
        let x0 = UnsafeRawPointer(x.0), x1 = UnsafeRawPointer(x.1), x2 = UnsafeRawPointer(x.2), x3 = UnsafeRawPointer(x.3)
        var offset = 0
        for b in 0..<blocks {
            let d = GGMLDequantize.finiteHalfToFloat(p.loadUnaligned(as: UInt16.self))
            let v0 = p.loadUnaligned(fromByteOffset: 2, as: SIMD4<UInt32>.self) ^ flip
            let v1 = p.loadUnaligned(fromByteOffset: 18, as: SIMD4<UInt32>.self) ^ flip
            let first = floats(spread(v0 &<< 15, v0 &<< 7, v0 &>> 1, v0 &>> 9), mask: mask)
            let second = floats(spread(v1 &<< 15, v1 &<< 7, v1 &>> 1, v1 &>> 9), mask: mask)
            let d256 = 256 * d
            let scale = SIMD16<Float>(repeating: d256)
            acc0 += (first * load16(x0, offset) + second * load16(x0, offset + 64)) * scale
            acc1 += (first * load16(x1, offset) + second * load16(x1, offset + 64)) * scale
            acc2 += (first * load16(x2, offset) + second * load16(x2, offset + 64)) * scale
            acc3 += (first * load16(x3, offset) + second * load16(x3, offset + 64)) * scale
            tail -= SIMD4(repeating: 1.5 * d256) * SIMD4(sums.0[b], sums.1[b], sums.2[b], sums.3[b])
            p += 34
            offset += 128
        }
        return SIMD4(acc0.sum(), acc1.sum(), acc2.sum(), acc3.sum()) + tail
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
// inputs and the mapped weights and writes a disjoint range of rows of each output, and `concurrentPerform`
// returns only after all threads are done, so no two threads touch the same memory with a write.
private struct JobBatch: @unchecked Sendable {
    let jobs: [QuantizedKernels.Job]
}
