import CLVCore
import CLVNumerics
import CLVTestSupport
import Foundation
import Testing

@testable import CLVInsight

/// Gaussian blobs around given centres, from a seeded generator (Box–Muller).
func blobs(centres: [[Double]], perCluster: Int, spread: Double, seed: UInt64) -> (FeatureMatrix, [Int]) {
    var rng = SplitMix64(seed: seed)
    var rows: [[Double]] = []
    var truth: [Int] = []
    for (c, centre) in centres.enumerated() {
        for _ in 0..<perCluster {
            rows.append(centre.map { $0 + spread * gaussian(&rng) })
            truth.append(c)
        }
    }
    return (try! FeatureMatrix(rowVectors: rows), truth)
}

func gaussian(_ rng: inout SplitMix64) -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
    let v = Double.random(in: 0..<1, using: &rng)
    return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * Double.pi * v)
}

/// Whether two labelings are the same partition up to renaming.
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [Int: Int] = [:]
    var backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if let m = forward[x], m != y { return false }
        if let m = backward[y], m != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return true
}

/// A naive k-means inertia for given centres and labels.
func naiveInertia(_ x: FeatureMatrix, _ centroids: FeatureMatrix, _ labels: [Int]) -> Double {
    var s = 0.0
    for i in 0..<x.rows {
        for j in 0..<x.columns {
            let d = x[i, j] - centroids[labels[i], j]
            s += d * d
        }
    }
    return s
}

@Suite struct KMeansTests {
    static let centres: [[Double]] = [[0, 0, 0], [10, 0, 5], [0, 10, -5], [-8, -8, 8]]

    @Test func recoversWellSeparatedBlobs() throws {
        let (x, truth) = blobs(centres: Self.centres, perCluster: 150, spread: 0.8, seed: 7)
        let result = try KMeans(clusterCount: 4).fit(x, seed: 1)
        #expect(samePartition(result.assignments, truth))
        #expect(result.converged)
        #expect(result.clusterSizes.sorted() == [150, 150, 150, 150])
        // Every true centre has a centroid within 0.3 (the mean of 150 points of spread 0.8 is within ~0.2).
        for centre in Self.centres {
            let nearest = (0..<4).map { c in zip(result.centroids.row(c), centre).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.min()!
            #expect(nearest.squareRoot() < 0.3)
        }
        #expect(result.inertia.isApproximatelyEqual(to: naiveInertia(x, result.centroids, result.assignments), relativeTolerance: 1e-12))
    }

    @Test func sameSeedSameResultAcrossThreadCounts() throws {
        let (x, _) = blobs(centres: Self.centres, perCluster: 3000, spread: 3, seed: 11)
        let one = try KMeans(clusterCount: 5, restarts: 3, parallelism: ParallelFor(threads: 1)).fit(x, seed: 42)
        let two = try KMeans(clusterCount: 5, restarts: 3, parallelism: ParallelFor(threads: 2)).fit(x, seed: 42)
        let again = try KMeans(clusterCount: 5, restarts: 3, parallelism: ParallelFor(threads: 2)).fit(x, seed: 42)
        #expect(one == two)
        #expect(two == again)
        let other = try KMeans(clusterCount: 5, restarts: 3).fit(x, seed: 43)
        #expect(other.centroids != one.centroids)
    }

    @Test func moreRestartsNeverWorse() throws {
        let (x, _) = blobs(centres: Self.centres, perCluster: 200, spread: 4, seed: 3)
        let single = try KMeans(clusterCount: 6, restarts: 1).fit(x, seed: 5)
        let many = try KMeans(clusterCount: 6, restarts: 8).fit(x, seed: 5)
        // The first restart's stream is the same, so the best of 8 includes it.
        #expect(many.inertia <= single.inertia)
    }

    @Test func assignMatchesFittedLabels() throws {
        let (x, _) = blobs(centres: Self.centres, perCluster: 100, spread: 1, seed: 9)
        let result = try KMeans(clusterCount: 4).fit(x, seed: 0)
        #expect(try result.assign(x) == result.assignments)
    }

    @Test func dgemmAssignmentMatchesNaiveNearestCentroid() throws {
        // 1,000 rows of 384 dimensions (several blocks and 256-row chunks), 12 random centroids: the expansion
        // ‖x‖² + ‖c‖² − 2·x·c with dgemm picks the same nearest centroid as the direct differences.
        var rng = SplitMix64(seed: 17)
        let x = try FeatureMatrix(rows: 1000, columns: 384, elements: (0..<(1000 * 384)).map { _ in gaussian(&rng) })
        let c = try FeatureMatrix(rows: 12, columns: 384, elements: (0..<(12 * 384)).map { _ in gaussian(&rng) })
        let result = KMeansResult(centroids: c, assignments: [], inertia: 0, iterations: 0, converged: true)
        let fast = try result.assign(x)
        let naive = (0..<x.rows).map { i in
            (0..<c.rows).min { a, b in
                let da = (0..<384).map { (x[i, $0] - c[a, $0]) * (x[i, $0] - c[a, $0]) }.reduce(0, +)
                let db = (0..<384).map { (x[i, $0] - c[b, $0]) * (x[i, $0] - c[b, $0]) }.reduce(0, +)
                return da < db
            }!
        }
        #expect(fast == naive)
    }

    @Test func duplicateRowsLeaveNoClusterEmpty() throws {
        // Three distinct points, repeated, and k = 3: every cluster gets one point value.
        var rows: [[Double]] = []
        for _ in 0..<20 { rows += [[0, 0], [1, 1], [5, 5]] }
        let result = try KMeans(clusterCount: 3, restarts: 2).fit(try FeatureMatrix(rowVectors: rows), seed: 0)
        #expect(result.inertia.isApproximatelyEqual(to: 0, absoluteTolerance: 1e-9))
        #expect(result.clusterSizes.sorted() == [20, 20, 20])
    }

    @Test func rejectsBadInput() {
        #expect(throws: InsightError.tooFewRows(needed: 3, found: 2)) { try KMeans(clusterCount: 3).fit(try FeatureMatrix(rowVectors: [[0], [1]])) }
        #expect(throws: InsightError.nonFinite(row: 1, column: 0)) { try FeatureMatrix(rowVectors: [[0], [.nan]]) }
        #expect(throws: InsightError.self) { try FeatureMatrix(rowVectors: [[0, 1], [1]]) }
    }

    @Test func resultRoundTripsThroughJSONAndBadShapesAreRejected() throws {
        let (x, _) = blobs(centres: Self.centres, perCluster: 20, spread: 1, seed: 2)
        let result = try KMeans(clusterCount: 4, restarts: 2).fit(x)
        let data = try JSONEncoder().encode(result)
        #expect(try JSONDecoder().decode(KMeansResult.self, from: data) == result)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(FeatureMatrix.self, from: Data(#"{"rows":2,"columns":2,"elements":[1,2,3]}"#.utf8))
        }
    }

    @Test func plusPlusSearchIsNumpyLeftSearchsorted() {
        let cumulative: [Double] = [0, 1, 1, 3, 6]
        #expect(KMeansEngine.firstIndex(in: cumulative, notBelow: 0) == 0)
        #expect(KMeansEngine.firstIndex(in: cumulative, notBelow: 0.5) == 1)
        #expect(KMeansEngine.firstIndex(in: cumulative, notBelow: 1) == 1)
        #expect(KMeansEngine.firstIndex(in: cumulative, notBelow: 2) == 3)
        #expect(KMeansEngine.firstIndex(in: cumulative, notBelow: 7) == 5)
    }
}

@Suite struct StandardizerTests {
    @Test func zeroMeanUnitVarianceAndConstantColumnsAtZero() throws {
        let x = try FeatureMatrix(rowVectors: [[1, 10, 3], [2, 20, 3], [3, 30, 3], [4, 40, 3]])
        let s = try Standardizer(fitting: x)
        let z = try s.transform(x)
        // Column 1: mean 2.5, population std √1.25.
        #expect(s.means[0].isApproximatelyEqual(to: 2.5, absoluteTolerance: 1e-15))
        #expect(s.scales[0].isApproximatelyEqual(to: 1.25.squareRoot(), relativeTolerance: 1e-15))
        #expect(z[0, 0].isApproximatelyEqual(to: -1.5 / 1.25.squareRoot(), relativeTolerance: 1e-15))
        #expect((0..<4).allSatisfy { z[$0, 2] == 0 })
        #expect(s.constantColumns == [false, false, true])
        for j in 0..<2 {
            let column = (0..<4).map { z[$0, j] }
            #expect(column.reduce(0, +).isApproximatelyEqual(to: 0, absoluteTolerance: 1e-12))
            #expect((column.map { $0 * $0 }.reduce(0, +) / 4).isApproximatelyEqual(to: 1, relativeTolerance: 1e-12))
        }
    }
}

@Suite struct SilhouetteTests {
    @Test func handComputedFourPoints() throws {
        // 1-D points 0, 1 | 5, 7. Row 0: a = 1, b = (5 + 7)/2 = 6 → 5/6. Row 1: a = 1, b = 5 → 4/5.
        // Row 2: a = 2, b = (5 + 4)/2 = 4.5 → 2.5/4.5. Row 3: a = 2, b = (7 + 6)/2 = 6.5 → 4.5/6.5.
        let x = try FeatureMatrix(rowVectors: [[0], [1], [5], [7]])
        let s = try Silhouette().samples(x, assignments: [0, 0, 1, 1])
        let expected = [5.0 / 6, 4.0 / 5, 2.5 / 4.5, 4.5 / 6.5]
        for (a, b) in zip(s, expected) { #expect(a.isApproximatelyEqual(to: b, relativeTolerance: 1e-12)) }
        let mean = try Silhouette().score(x, assignments: [0, 0, 1, 1])
        #expect(mean.isApproximatelyEqual(to: expected.reduce(0, +) / 4, relativeTolerance: 1e-12))
    }

    @Test func singletonClusterScoresZero() throws {
        let x = try FeatureMatrix(rowVectors: [[0], [1], [9]])
        let s = try Silhouette().samples(x, assignments: [0, 0, 1])
        #expect(s[2] == 0)
    }

    @Test func sampledScoreIsCloseToExact() throws {
        let (x, truth) = blobs(centres: KMeansTests.centres, perCluster: 500, spread: 2, seed: 4)
        let exact = try Silhouette(maximumExactRows: 5000).score(x, assignments: truth)
        let sampled = try Silhouette(maximumExactRows: 600).score(x, assignments: truth, seed: 1)
        #expect(abs(exact - sampled) < 0.03)
    }

    @Test func chooseKFindsTheBlobCount() throws {
        let (x, _) = blobs(centres: KMeansTests.centres, perCluster: 80, spread: 0.7, seed: 21)
        let selection = try KMeans(clusterCount: 2, restarts: 4).chooseK(in: 2...8, for: x, seed: 3)
        #expect(selection.k == 4)
        #expect(selection.candidates.map(\.k) == Array(2...8))
    }
}
