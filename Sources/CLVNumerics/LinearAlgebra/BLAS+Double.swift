import CBLAS

extension BLAS {
    /// `C ← α·op(A)·op(B) + β·C` in double precision, row-major (`cblas_dgemm`).
    ///
    /// The double-precision twin of ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``, for
    /// statistics that must not lose digits (k-means distances, silhouette): `op(A)` is `m × k`, `op(B)` is
    /// `k × n`, `C` is `m × n`; leading dimensions are the row strides of the stored (untransposed) matrices.
    ///
    /// - Precondition: the leading dimensions cover the rows they stride over (programmer error otherwise).
    /// - Complexity: O(m·n·k).
    @inlinable
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "dgemm: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transposeA ? m : k), "dgemm: lda \(lda) too small")
        precondition(ldb >= max(1, transposeB ? k : n), "dgemm: ldb \(ldb) too small")
        precondition(ldc >= max(1, n), "dgemm: ldc \(ldc) too small")
        guard m > 0, n > 0 else { return }
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc)
        )
    }
}
