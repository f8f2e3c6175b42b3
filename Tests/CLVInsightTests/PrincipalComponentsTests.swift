import CLVCore
import Testing

@testable import CLVInsight

@Suite struct PrincipalComponentsTests {
    /// Points spread along (1, 2, 0) with a little noise across it: the first component is that direction (up to
    /// sign), its variance the spread's, and the second carries only the noise.
    @Test func findsTheDirectionOfLargestVariance() throws {
        var rng = SplitMix64(seed: 7)
        let vectors: [[Float]] = (0..<500).map { _ in
            let t = Float.random(in: -3...3, using: &rng)
            return [t + Float.random(in: -0.05...0.05, using: &rng), 2 * t, Float.random(in: -0.1...0.1, using: &rng) + 4]
        }
        let pca = try PrincipalComponents(fitting: vectors, count: 2)
        let first = pca.components[0]
        let root5 = Float(5).squareRoot()
        let expected: [Float] = [1 / root5, 2 / root5, 0]
        let cosine = abs(zip(first, expected).reduce(0) { $0 + $1.0 * $1.1 })
        #expect(cosine > 0.9999)
        // Var(t) = 3² / 3 = 3 for t uniform on [-3, 3]; along (1, 2)/√5 the variance is 5 · Var(t) = 15.
        #expect(abs(pca.variances[0] - 15) < 1.5)
        #expect(pca.variances[1] < 0.01)
        #expect(abs(pca.project(pca.mean)[0]) < 1e-6)
    }
}
