/// The small dense kernels the models' inner loops run: dot products, `y += a·x`, a Cholesky solve and top-k
/// selection. Vectors are raw pointers into the models' factor arrays so that no loop copies or bounds-checks.
enum Kernels {
    /// `Σ a[i]·b[i]` over `n` elements, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>()
        var acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= n {
            acc0 += load8(a + i) * load8(b + i)
            acc1 += load8(a + i + 8) * load8(b + i + 8)
            i += 16
        }
        if i + 8 <= n {
            acc0 += load8(a + i) * load8(b + i)
            i += 8
        }
        var sum = (acc0 + acc1).sum()
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `y ← y + alpha·x` over `n` elements.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= n {
            store8(load8(y + i) + a * load8(x + i), y + i)
            i += 8
        }
        while i < n {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// `out ← M·v` for a row-major `n × n` matrix `M`.
    @inline(__always)
    static func matvec(_ m: UnsafePointer<Float>, _ v: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for r in 0..<n { out[r] = dot(m + r * n, v, n) }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Solves `A·x = b` for a symmetric positive-definite `n × n` matrix by Cholesky factorisation, in double
    /// precision (used for exact fold-in and explanations, where n is the number of factors).
    ///
    /// - Returns: nil when `A` is not positive definite.
    static func choleskySolve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        guard let l = cholesky(a, n: n) else { return nil }
        return choleskySolve(factor: l, b, n: n)
    }

    /// The lower-triangular `L` with `L·Lᵀ = A` (row-major), or nil when `A` is not positive definite.
    static func cholesky(_ a: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        return l
    }

    /// Solves `L·Lᵀ·x = b` given the Cholesky factor `L`.
    static func choleskySolve(factor l: [Double], _ b: [Double], n: Int) -> [Double] {
        var y = b
        for i in 0..<n {
            var sum = y[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        return y
    }
}

/// Keeps the `k` largest (score, item) pairs seen, in descending order of score (ties: lower item first).
struct TopK {
    let k: Int
    private(set) var items: [Int] = []
    private(set) var scores: [Float] = []

    init(k: Int) {
        self.k = k
        items.reserveCapacity(k + 1)
        scores.reserveCapacity(k + 1)
    }

    /// The smallest score that would still enter.
    @inline(__always)
    var threshold: Float { items.count < k ? -.infinity : scores[k - 1] }

    @inline(__always)
    mutating func offer(item: Int, score: Float) {
        guard k > 0 else { return }
        if items.count == k && !(score > scores[k - 1]) { return }
        var position = items.count
        while position > 0, scores[position - 1] < score { position -= 1 }
        items.insert(item, at: position)
        scores.insert(score, at: position)
        if items.count > k {
            items.removeLast()
            scores.removeLast()
        }
    }
}
