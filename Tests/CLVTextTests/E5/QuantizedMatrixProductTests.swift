import CLVNumerics
import CLVTestSupport
import Foundation
import Testing

@testable import CLVText

/// The quantized kernels' matrix path (`X·Wᵀ + b` for many inputs) against a float64 triple loop over the
/// dequantized weights, for every block type, row counts that are not multiples of four, odd input counts and
/// several thread counts.
@Suite struct QuantizedMatrixProductTests {
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f32])
    func matchesANaiveProductAndDoesNotDependOnTheBatch(type: GGMLType) throws {
        var rng = SplitMix64(seed: 11)
        let rows = 13, columns = 96, inputs = QuantizedKernels.inputBlock(columns: columns) + 3
        var bytes: [UInt8] = []
        for _ in 0..<(rows * columns / 32) {
            let d = Float(Double.random(in: 0.01...0.1, using: &rng))
            switch type {
            case .q4_0: bytes += GGUFTestWriter.q4_0(d: d, codes: (0..<32).map { _ in UInt8.random(in: 0...15, using: &rng) })
            case .q4_1: bytes += GGUFTestWriter.q4_1(d: d, m: -d * 7, codes: (0..<32).map { _ in UInt8.random(in: 0...15, using: &rng) })
            case .q8_0: bytes += GGUFTestWriter.q8_0(d: d, codes: (0..<32).map { _ in Int8.random(in: -127...127, using: &rng) })
            default:
                bytes += (0..<32).flatMap { _ in withUnsafeBytes(of: Float(Double.random(in: -1...1, using: &rng)).bitPattern.littleEndian, Array.init) }
            }
        }
        var writer = GGUFTestWriter()
        writer.tensors = [.init(name: "w", dimensions: [columns, rows], rawType: type.rawValue, bytes: bytes)]
        let matrix = try QuantizedMatrix(GGUFFile(contentsOf: writer.write()), "w", columns: columns, rows: rows)
        let weights = matrix.dequantized()
        // The kernel's own widening gives the reference dequantization's values bit for bit.
        var widened = [Float](repeating: .nan, count: rows * columns)
        widened.withUnsafeMutableBufferPointer { out in
            matrix.withUnsafeBytes { QuantizedKernels.dequantize($0, type: type, count: rows * columns, into: out.baseAddress!) }
        }
        #expect(widened == weights)
        let x = (0..<(inputs * columns)).map { _ in Float(Double.random(in: -3...3, using: &rng)) }
        let bias = (0..<rows).map { _ in Float(Double.random(in: -1...1, using: &rng)) }

        func product(_ count: Int, threads: Int, from first: Int = 0) -> [Float] {
            var y = [Float](repeating: .nan, count: count * rows)
            let pool = WorkerPool(threads: threads)
            defer { pool.shutdown() }
            x.withUnsafeBufferPointer { input in
                y.withUnsafeMutableBufferPointer { out in
                    QuantizedKernels.run(
                        [
                            .init(
                                matrix: matrix, input: input.baseAddress! + first * columns, count: count,
                                bias: bias, output: out.baseAddress!)
                        ], pool: pool)
                }
            }
            return y
        }

        let all = product(inputs, threads: 1)
        for t in 0..<inputs {
            for r in 0..<rows {
                var exact = Double(bias[r]), magnitude = abs(Double(bias[r]))
                for c in 0..<columns {
                    exact += Double(weights[r * columns + c]) * Double(x[t * columns + c])
                    magnitude += abs(Double(weights[r * columns + c]) * Double(x[t * columns + c]))
                }
                // Float accumulation of 96 products: a few ulps of the sum of magnitudes.
                #expect(
                    Double(all[t * rows + r]).isApproximatelyEqual(to: exact, absoluteTolerance: 1e-6 * magnitude),
                    "input \(t), row \(r)")
            }
        }
        // Bit for bit the same on any number of threads, and for an input alone or at another place in a batch.
        for threads in [2, 3] { #expect(product(inputs, threads: threads) == all) }
        #expect(product(1, threads: 2, from: 5) == Array(all[(5 * rows)..<(6 * rows)]))
        #expect(product(3, threads: 1, from: inputs - 3) == Array(all[((inputs - 3) * rows)...]))
    }
}
