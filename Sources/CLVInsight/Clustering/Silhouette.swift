import CLVCore
import CLVNumerics

/// The silhouette coefficient of a clustering (Rousseeuw 1987, "Silhouettes: a graphical aid to the interpretation
/// and validation of cluster analysis", J. Comput. Appl. Math. 20, doi:10.1016/0377-0427(87)90125-7).
///
/// For row i with mean Euclidean distance `a` to the other rows of its cluster and `b` to the rows of the nearest
/// other cluster, `s(i) = (b − a) / max(a, b)`, and 0 for a row alone in its cluster; the score is the mean of s(i),
/// in [−1, 1], higher for compact, well-separated clusters. As scikit-learn's `silhouette_score`, it is exact on at
/// most ``maximumExactRows`` rows and computed on a seeded random sample of that many rows otherwise
/// (`sample_size`): the exact score costs O(n²·d).
public struct Silhouette: Sendable, Equatable {
    /// Above this many rows the score is computed on a sample of this many rows.
    public var maximumExactRows: Int
    /// The threads the distance blocks use.
    public var parallelism: ParallelFor

    /// A silhouette computation, exact up to `maximumExactRows` rows.
    public init(maximumExactRows: Int = 3000, parallelism: ParallelFor = .allCores) {
        self.maximumExactRows = maximumExactRows
        self.parallelism = parallelism
    }

    /// The mean silhouette of `assignments` on the rows of `x`.
    ///
    /// - Parameters:
    ///   - x: the rows that were clustered.
    ///   - assignments: each row's cluster, any non-negative integers.
    ///   - seed: the seed of the sample, when `x` has more than ``maximumExactRows`` rows.
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when the counts differ; ``InsightError/invalidParameter(_:)``
    ///   unless the (sampled) rows fall in 2…n−1 clusters, as scikit-learn requires.
    /// - Complexity: O(m²·d) for m = min(n, maximumExactRows).
    public func score(_ x: FeatureMatrix, assignments: [Int], seed: UInt64 = 0) throws(InsightError) -> Double {
        guard assignments.count == x.rows else { throw .shapeMismatch("\(assignments.count) assignments for \(x.rows) rows") }
        guard maximumExactRows >= 2 else { throw .invalidParameter("silhouette: maximumExactRows must be at least 2") }
        guard assignments.allSatisfy({ $0 >= 0 }) else { throw .invalidParameter("silhouette: cluster labels must be non-negative") }
        if x.rows > maximumExactRows {
            var rng = SplitMix64(seed: seed)
            var order = Array(0..<x.rows)
            for i in 0..<maximumExactRows {
                let j = Int.random(in: i..<x.rows, using: &rng)
                order.swapAt(i, j)
            }
            let sample = Array(order[0..<maximumExactRows])
            return try Self.exact(x.selectingRows(sample), sample.map { assignments[$0] }, parallelism)
        }
        return try Self.exact(x, assignments, parallelism)
    }

    /// The per-row silhouettes s(i) of all rows (exact, O(n²·d)).
    ///
    /// - Throws: as ``score(_:assignments:seed:)``.
    public func samples(_ x: FeatureMatrix, assignments: [Int]) throws(InsightError) -> [Double] {
        guard assignments.count == x.rows else { throw .shapeMismatch("\(assignments.count) assignments for \(x.rows) rows") }
        guard assignments.allSatisfy({ $0 >= 0 }) else { throw .invalidParameter("silhouette: cluster labels must be non-negative") }
        return try Self.perRow(x, assignments, parallelism)
    }

    private static func exact(_ x: FeatureMatrix, _ labels: [Int], _ parallelism: ParallelFor) throws(InsightError) -> Double {
        let s = try perRow(x, labels, parallelism)
        return s.reduce(0, +) / Double(s.count)
    }

    private static func perRow(_ x: FeatureMatrix, _ labels: [Int], _ parallelism: ParallelFor) throws(InsightError) -> [Double] {
        // Relabel to 0..<k in order of appearance.
        var index: [Int: Int] = [:]
        let compact = labels.map { label in
            if let i = index[label] { return i }
            index[label] = index.count
            return index.count - 1
        }
        let k = index.count
        let n = x.rows
        guard k >= 2, k <= n - 1 else {
            throw .invalidParameter("silhouette: needs 2 to n−1 clusters among the rows scored, found \(k) among \(n)")
        }
        var sizes = [Int](repeating: 0, count: k)
        for c in compact { sizes[c] += 1 }
        let d = x.columns
        let norms = x.rowSquaredNorms()
        let chunk = 128
        let blocks = (n + chunk - 1) / chunk
        var result = [Double](repeating: 0, count: n)
        x.elements.withUnsafeBufferPointer { xs in
            result.withUnsafeMutableBufferPointer { out in
                parallelism.run(count: blocks) { b in
                    let start = b * chunk
                    let rows = min(chunk, n - start)
                    var dots = [Double](repeating: 0, count: rows * n)
                    var totals = [Double](repeating: 0, count: k)
                    dots.withUnsafeMutableBufferPointer { dp in
                        BLAS.dgemm(
                            transposeB: true, m: rows, n: n, k: d, a: xs.baseAddress! + start * d, lda: max(d, 1), b: xs.baseAddress!, ldb: max(d, 1),
                            c: dp.baseAddress!, ldc: n
                        )
                        for r in 0..<rows {
                            let i = start + r
                            for c in 0..<k { totals[c] = 0 }
                            for j in 0..<n where j != i {
                                let squared = norms[i] + norms[j] - 2 * dp[r * n + j]
                                totals[compact[j]] += squared > 0 ? squared.squareRoot() : 0
                            }
                            let own = compact[i]
                            guard sizes[own] > 1 else {
                                out[i] = 0
                                continue
                            }
                            let a = totals[own] / Double(sizes[own] - 1)
                            var b = Double.infinity
                            for c in 0..<k where c != own { b = min(b, totals[c] / Double(sizes[c])) }
                            let m = max(a, b)
                            out[i] = m > 0 ? (b - a) / m : 0
                        }
                    }
                }
            }
        }
        return result
    }
}

/// The choice of k by silhouette: every candidate's fit and score, and the best.
public struct KSelection: Sendable, Equatable {
    /// One candidate k.
    public struct Candidate: Sendable, Equatable, Codable {
        /// The number of clusters.
        public let k: Int
        /// The fit's inertia.
        public let inertia: Double
        /// The fit's mean silhouette (on a sample for large inputs).
        public let silhouette: Double
    }

    /// Every k tried, in increasing order.
    public let candidates: [Candidate]
    /// The fit with the highest silhouette (the smaller k on a tie).
    public let best: KMeansResult

    /// The chosen number of clusters.
    public var k: Int { best.clusterCount }
}

extension KMeans {
    /// Fits k-means for every k in `range` and keeps the one with the highest silhouette.
    ///
    /// The other settings (restarts, iterations, tolerance, threads) are this configuration's; its `clusterCount` is
    /// ignored. Silhouette is a common, not infallible, guide: it favours few, well-separated clusters.
    ///
    /// - Parameters:
    ///   - range: the candidate k (each at least 2).
    ///   - x: the rows to cluster.
    ///   - silhouette: how silhouettes are computed (the sample size for large inputs).
    ///   - seed: the seed of the fits and the silhouette samples.
    /// - Throws: ``InsightError/invalidParameter(_:)`` when the range starts below 2, and the errors of
    ///   ``fit(_:seed:)`` and ``Silhouette/score(_:assignments:seed:)``.
    public func chooseK(
        in range: ClosedRange<Int>, for x: FeatureMatrix, silhouette: Silhouette = Silhouette(), seed: UInt64 = 0
    ) throws(InsightError)
        -> KSelection
    {
        guard range.lowerBound >= 2 else { throw .invalidParameter("chooseK: k must be at least 2, the range starts at \(range.lowerBound)") }
        guard x.rows > range.lowerBound else { throw .tooFewRows(needed: range.lowerBound + 1, found: x.rows) }
        var candidates: [KSelection.Candidate] = []
        var best: (score: Double, result: KMeansResult)?
        for k in range where k < x.rows {
            var configuration = self
            configuration.clusterCount = k
            let result = try configuration.fit(x, seed: seed)
            // A fit may leave fewer distinct clusters than k (duplicate rows); it scores as the clusters it has.
            let distinct = Set(result.assignments).count
            let score = distinct >= 2 ? try silhouette.score(x, assignments: result.assignments, seed: seed) : -1
            candidates.append(KSelection.Candidate(k: k, inertia: result.inertia, silhouette: score))
            if best == nil || score > best!.score { best = (score, result) }
        }
        return KSelection(candidates: candidates, best: best!.result)
    }
}
