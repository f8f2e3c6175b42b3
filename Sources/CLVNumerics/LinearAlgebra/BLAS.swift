import CBLAS

/// Thin, checked wrappers over the CBLAS routines CLVKit uses (OpenBLAS through the `CBLAS` system library).
///
/// All matrices are row-major. The pointer-level entry point ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// is for kernels that work on views into larger buffers (for example one attention head inside a packed batch);
/// ``Matrix/multiplied(by:transposingLeft:transposingRight:)`` is the value-level API.
///
/// Reference: Dongarra, Du Croz, Hammarling & Duff (1990), "A set of level 3 basic linear algebra subprograms",
/// ACM TOMS 16(1), doi:10.1145/77626.79170.
public enum BLAS {
    /// `C ← α·op(A)·op(B) + β·C` in single precision, row-major (`cblas_sgemm`).
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. Leading dimensions are the row strides of the
    /// stored (untransposed) matrices.
    ///
    /// - Precondition: the leading dimensions cover the rows they stride over (programmer error otherwise).
    /// - Complexity: O(m·n·k).
    @inlinable
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension m=\(m) n=\(n) k=\(k)")
        precondition(lda >= max(1, transposeA ? m : k), "sgemm: lda \(lda) too small")
        precondition(ldb >= max(1, transposeB ? k : n), "sgemm: ldb \(ldb) too small")
        precondition(ldc >= max(1, n), "sgemm: ldc \(ldc) too small")
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc)
        )
    }

    /// The number of threads OpenBLAS uses inside one call.
    ///
    /// This is a process-wide OpenBLAS setting. Code that parallelises over independent work itself
    /// (see ``ParallelFor``) sets it to 1 so that the two levels of threading do not oversubscribe the cores.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses inside one call (process-wide; see ``threadCount``).
    ///
    /// - Precondition: `count >= 1`.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS.setThreadCount: \(count) < 1")
        openblas_set_num_threads(Int32(count))
    }

    /// The kernel family OpenBLAS uses on this CPU (e.g. `Haswell`, `SkylakeX`, `Cooperlake`): its own choice
    /// at load time, or the one `OPENBLAS_CORETYPE` forces.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The OpenBLAS build configuration (kernel family, threading model), for benchmark reports.
    public static var configuration: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config)
    }
}

extension Matrix {
    /// The product `op(self) · op(other)` computed with `cblas_sgemm`.
    ///
    /// - Parameters:
    ///   - other: the right factor.
    ///   - transposingLeft: use `selfᵀ` instead of `self`.
    ///   - transposingRight: use `otherᵀ` instead of `other` (e.g. `x · Wᵀ` for a weight stored `[out, in]`).
    /// - Returns: the `m × n` product.
    /// - Precondition: the inner dimensions agree.
    /// - Complexity: O(m·n·k).
    public func multiplied(by other: Matrix, transposingLeft: Bool = false, transposingRight: Bool = false) -> Matrix {
        let m = transposingLeft ? columns : rows
        let k = transposingLeft ? rows : columns
        let k2 = transposingRight ? other.columns : other.rows
        let n = transposingRight ? other.rows : other.columns
        precondition(k == k2, "Matrix.multiplied: inner dimensions \(k) and \(k2) differ")
        var out = Matrix(rows: m, columns: n)
        guard m > 0, n > 0 else { return out }
        if k == 0 { return out }
        out.withUnsafeMutableBufferPointer { c in
            withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    BLAS.sgemm(
                        transposeA: transposingLeft, transposeB: transposingRight, m: m, n: n, k: k,
                        a: a.baseAddress!, lda: max(1, columns), b: b.baseAddress!, ldb: max(1, other.columns),
                        c: c.baseAddress!, ldc: n
                    )
                }
            }
        }
        return out
    }
}
