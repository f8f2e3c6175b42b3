import RealModule

/// Second-derivative helpers for standard errors of maximum-likelihood estimates.
public enum Hessian {
    /// The Hessian of f at `x` by central differences of its exact gradient, symmetrised.
    ///
    /// Column j is (∇f(x + hⱼeⱼ) − ∇f(x − hⱼeⱼ)) / 2hⱼ with hⱼ = 1e-5 · max(1, |xⱼ|): error O(h²) and no
    /// cancellation from differencing values twice.
    public static func byCentralDifferences(at x: [Double], gradient: ([Double]) -> [Double]) -> [[Double]] {
        let n = x.count
        var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n {
            let step = 1e-5 * max(1, abs(x[j]))
            var up = x, down = x
            up[j] += step
            down[j] -= step
            let gu = gradient(up), gd = gradient(down)
            for i in 0..<n { h[i][j] = (gu[i] - gd[i]) / (2 * step) }
        }
        for i in 0..<n {
            for j in 0..<i {
                let m = 0.5 * (h[i][j] + h[j][i])
                h[i][j] = m
                h[j][i] = m
            }
        }
        return h
    }

    /// The inverse of a symmetric positive-definite matrix by Cholesky factorisation, or `nil` when the matrix is
    /// not positive definite (for a Hessian of −log L: the optimum is not a strict maximum of the likelihood).
    public static func inverseOfPositiveDefinite(_ a: [[Double]]) -> [[Double]]? {
        guard let l = choleskyFactor(a) else { return nil }
        let n = a.count
        // inv(A) = inv(L)ᵀ inv(L)
        var li = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            li[i][i] = 1 / l[i][i]
            for j in 0..<i {
                var s = 0.0
                for k in j..<i { s -= l[i][k] * li[k][j] }
                li[i][j] = s / l[i][i]
            }
        }
        var inv = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in max(i, j)..<n { s += li[k][i] * li[k][j] }
                inv[i][j] = s
            }
        }
        return inv
    }
}

extension Hessian {
    /// The lower Cholesky factor L (A = L Lᵀ) of a symmetric positive-definite matrix, or `nil` when A is not
    /// positive definite. Used to sample parameters from their asymptotic normal distribution.
    public static func choleskyFactor(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i][i] = s.squareRoot()
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        return l
    }
}
