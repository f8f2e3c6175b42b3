import CLVNumerics
import CLVText
import Foundation

/// The floating-point types the training code runs in: `Float` for training, `Double` for the gradient check
/// against finite differences (where Float's 7 digits would drown the check in rounding).
///
/// The training kernels are generic over this protocol and specialised by the compiler for each type; the
/// requirements are the operations whose fast form differs by type (a matrix product on OpenBLAS, `exp`, `erf`).
protocol TrainingScalar: BinaryFloatingPoint, Sendable {
    /// `C ← α·op(A)·op(B) + β·C`, row-major (`cblas_sgemm` / `cblas_dgemm`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
        c: UnsafeMutablePointer<Self>, ldc: Int
    )
    static func exponential(_ x: Self) -> Self
    static func errorFunction(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
}

extension Float: TrainingScalar {
    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLAS.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        )
    }
    // The encoder's own branch-free kernels, so that training computes what inference computes.
    @inline(__always) static func exponential(_ x: Float) -> Float { EncoderKernels.fastExp(x) }
    @inline(__always) static func errorFunction(_ x: Float) -> Float { EncoderKernels.fastErf(x) }
    @inline(__always) static func logarithm(_ x: Float) -> Float { Foundation.log(x) }
}

extension Double: TrainingScalar {
    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLAS.dgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        )
    }
    @inline(__always) static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func errorFunction(_ x: Double) -> Double { Foundation.erf(x) }
    @inline(__always) static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
}
