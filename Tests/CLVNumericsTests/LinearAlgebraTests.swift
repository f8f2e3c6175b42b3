import CLVNumerics
import CLVTestSupport
import Synchronization
import Testing

/// `cblas_sgemm` through ``BLAS`` and ``Matrix`` against a naive triple loop in Double.
@Suite struct LinearAlgebraTests {
    private static func random(_ rows: Int, _ columns: Int, _ rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    /// Σₖ a[i,k]·b[k,j] in Double, the reference for the float products.
    private static func naiveProduct(_ a: Matrix, _ b: Matrix) -> [Double] {
        var out = [Double](repeating: 0, count: a.rows * b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var sum = 0.0
                for k in 0..<a.columns { sum += Double(a[i, k]) * Double(b[k, j]) }
                out[i * b.columns + j] = sum
            }
        }
        return out
    }

    // Float products of k terms in [-1, 1]: the error bound is about k·ε·max|term sums| (Higham 2002, §3.1);
    // k·ε ≈ 1.2e-7·k, so 1e-4 absolute is generous for k ≤ 300 and still catches any indexing mistake.
    private static let tolerance = 1e-4

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 48, 300)])
    func productMatchesNaiveLoop(shape: (Int, Int, Int)) {
        var rng = SplitMix64(seed: UInt64(shape.0 * 10_000 + shape.1 * 100 + shape.2))
        let a = Self.random(shape.0, shape.2, &rng)
        let b = Self.random(shape.2, shape.1, &rng)
        let expected = Self.naiveProduct(a, b)
        let product = a.multiplied(by: b)
        #expect(product.rows == shape.0 && product.columns == shape.1)
        #expect(zip(product.elements, expected).allSatisfy { abs(Double($0) - $1) < Self.tolerance })
    }

    @Test func transposedOperandsMatchExplicitTransposes() {
        var rng = SplitMix64(seed: 42)
        let a = Self.random(9, 13, &rng)  // used as aᵀ: 13 × 9
        let b = Self.random(11, 9, &rng)  // used as bᵀ: 9 × 11
        let expected = Self.naiveProduct(a.transposed, b.transposed)
        let product = a.multiplied(by: b, transposingLeft: true, transposingRight: true)
        #expect(product.rows == 13 && product.columns == 11)
        #expect(zip(product.elements, expected).allSatisfy { abs(Double($0) - $1) < Self.tolerance })
    }

    @Test func pointerSgemmAccumulatesIntoStridedViews() {
        // C ← 2·A·B + 1·C on a 4 × 3 block inside a wider 4 × 8 buffer (ldc = 8), leaving other columns alone.
        var rng = SplitMix64(seed: 7)
        let a = Self.random(4, 5, &rng), b = Self.random(5, 3, &rng)
        var c = [Float](repeating: 1, count: 32)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(
                        m: 4, n: 3, k: 5, alpha: 2, a: pa.baseAddress!, lda: 5, b: pb.baseAddress!, ldb: 3,
                        beta: 1, c: pc.baseAddress! + 2, ldc: 8)
                }
            }
        }
        let expected = Self.naiveProduct(a, b)
        for i in 0..<4 {
            for j in 0..<8 {
                let want = (2..<5).contains(j) ? 1 + 2 * expected[i * 3 + j - 2] : 1
                #expect(abs(Double(c[i * 8 + j]) - want) < Self.tolerance)
            }
        }
    }

    @Test func emptyInnerDimensionGivesZeros() {
        let product = Matrix(rows: 3, columns: 0).multiplied(by: Matrix(rows: 0, columns: 2))
        #expect(product == Matrix(rows: 3, columns: 2))
    }

    @Test(arguments: [1, 2, 4])
    func parallelForVisitsEveryItemOnce(threads: Int) {
        let count = 1000
        let total = Atomic<Int>(0)
        var visits = [Int](repeating: 0, count: count)
        visits.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            ParallelFor(threads: threads).run(count: count) { i in
                p[i] += 1  // item i owns slot i
                total.wrappingAdd(1, ordering: .relaxed)
            }
        }
        #expect(visits.allSatisfy { $0 == 1 })
        #expect(total.load(ordering: .relaxed) == count)
    }

    @Test func parallelForResultsDoNotDependOnThreads() {
        func squares(threads: Int) -> [Double] {
            var out = [Double](repeating: 0, count: 257)
            out.withUnsafeMutableBufferPointer { buffer in
                let p = buffer.baseAddress!
                ParallelFor(threads: threads).run(count: 257) { i in p[i] = (0...i).reduce(0.0) { $0 + Double($1).squareRoot() } }
            }
            return out
        }
        #expect(squares(threads: 1) == squares(threads: 2))
    }
}
