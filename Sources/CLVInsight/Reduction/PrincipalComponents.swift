import CLVCore
import CLVNumerics

/// Principal components of a set of vectors (e.g. interest vectors): the directions of largest variance, found by
/// power iteration with deflation on the covariance matrix, and the projection of vectors onto them.
public struct PrincipalComponents: Sendable, Equatable, Codable {
    public let mean: [Float]
    /// Unit-length components, largest variance first.
    public let components: [[Float]]
    /// Variance along each component.
    public let variances: [Double]

    /// The first `count` components of `vectors` (all of one dimension).
    /// - Throws: ``InsightError/tooFewRows(needed:found:)`` with fewer than two vectors,
    ///   ``InsightError/dimensionMismatch(expected:found:)`` for vectors of mixed length.
    public init(fitting vectors: [[Float]], count: Int, seed: UInt64 = 0) throws(InsightError) {
        guard vectors.count >= 2 else { throw .tooFewRows(needed: 2, found: vectors.count) }
        let d = vectors[0].count
        if let bad = vectors.first(where: { $0.count != d }) { throw .dimensionMismatch(expected: d, found: bad.count) }
        let n = vectors.count
        var mean = [Float](repeating: 0, count: d)
        for v in vectors { for j in 0..<d { mean[j] += v[j] } }
        for j in 0..<d { mean[j] /= Float(n) }
        // Centred rows, then the covariance with one matrix product: C = XᵀX / (n − 1).
        var centred = [Float](repeating: 0, count: n * d)
        for (i, v) in vectors.enumerated() { for j in 0..<d { centred[i * d + j] = v[j] - mean[j] } }
        var covariance = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { x in
            covariance.withUnsafeMutableBufferPointer { c in
                BLAS.sgemm(
                    transposeA: true, m: d, n: d, k: n, alpha: 1 / Float(n - 1), a: x.baseAddress!, lda: d, b: x.baseAddress!, ldb: d,
                    c: c.baseAddress!, ldc: d)
            }
        }
        var rng = SplitMix64(seed: seed)
        var components: [[Float]] = []
        var variances: [Double] = []
        for _ in 0..<min(count, d) {
            var v = (0..<d).map { _ in Float.random(in: -1...1, using: &rng) }
            var eigenvalue = 0.0
            for _ in 0..<300 {
                var w = [Float](repeating: 0, count: d)
                for i in 0..<d {
                    var sum: Float = 0
                    for j in 0..<d { sum += covariance[i * d + j] * v[j] }
                    w[i] = sum
                }
                // Deflation: remove the components already found.
                for c in components {
                    let projection = zip(w, c).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<d { w[i] -= projection * c[i] }
                }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { break }
                let next = w.map { $0 / norm }
                let change = zip(next, v).reduce(0) { $0 + abs($1.0 - $1.1) }
                v = next
                eigenvalue = Double(norm)
                if change < 1e-6 { break }
            }
            components.append(v)
            variances.append(eigenvalue)
        }
        self.mean = mean
        self.components = components
        self.variances = variances
    }

    /// The coordinates of `vector` along the components.
    public func project(_ vector: [Float]) -> [Double] {
        components.map { c in Double(zip(zip(vector, mean), c).reduce(0) { $0 + ($1.0.0 - $1.0.1) * $1.1 }) }
    }
}
