import CLVCore
import CLVNumerics

/// k-means clustering: k-means++ seeding, Lloyd's iterations, the best of several seeded restarts.
///
/// The algorithm is scikit-learn's `KMeans(init="k-means++", algorithm="lloyd")` (version 1.x), so that results
/// can be checked against it:
/// - seeding is greedy k-means++ (Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful seeding",
///   SODA, doi:10.5555/1283383.1283494): each new centre is the best of `2 + ⌊ln k⌋` candidates drawn with
///   probability proportional to the squared distance to the nearest chosen centre;
/// - Lloyd's iterations (Lloyd 1982, doi:10.1109/TIT.1982.1056489) stop when no assignment changes or when the
///   total squared shift of the centres is at most `tolerance` × the mean column variance;
/// - an empty cluster takes the row farthest from its centre;
/// - of `restarts` runs (scikit-learn's `n_init`) the one with the lowest inertia is kept.
///
/// Distances are `‖x‖² + ‖c‖² − 2·x·c` with `dgemm` on chunks of up to 256 rows (fewer for wide rows, so that a
/// chunk stays in cache), the chunks spread over ``parallelism``'s threads. OpenBLAS should run single-threaded
/// meanwhile (``BLAS/setThreadCount(_:)`` with 1, which the command-line tool sets), or the two levels of threads
/// compete for the same cores. The result depends only on the data and the seed, not on the number of threads.
public struct KMeans: Sendable, Equatable {
    /// The number of clusters, k.
    public var clusterCount: Int
    /// The number of seeded runs whose best (lowest inertia) is returned (scikit-learn's `n_init`).
    public var restarts: Int
    /// The largest number of Lloyd iterations in one run (scikit-learn's `max_iter`).
    public var maxIterations: Int
    /// The relative tolerance on the centres' total squared shift, in units of the mean column variance
    /// (scikit-learn's `tol`).
    public var tolerance: Double
    /// The threads the assignment steps use.
    public var parallelism: ParallelFor

    /// A k-means configuration; the defaults are scikit-learn's (with `n_init=10`).
    public init(clusterCount: Int, restarts: Int = 10, maxIterations: Int = 300, tolerance: Double = 1e-4, parallelism: ParallelFor = .allCores) {
        self.clusterCount = clusterCount
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.parallelism = parallelism
    }

    /// Clusters the rows of `x`.
    ///
    /// - Parameters:
    ///   - x: one row per observation; standardise the columns first (``Standardizer``) when their units differ.
    ///   - seed: the seed of the restarts' random streams; the same seed gives the same result, bit for bit.
    /// - Returns: the run with the lowest inertia.
    /// - Throws: ``InsightError/invalidParameter(_:)`` for `clusterCount < 1`, `restarts < 1`, `maxIterations < 1`
    ///   or a negative tolerance; ``InsightError/tooFewRows(needed:found:)`` when `x` has fewer rows than clusters.
    /// - Complexity: O(restarts · iterations · n · k · d).
    public func fit(_ x: FeatureMatrix, seed: UInt64 = 0) throws(InsightError) -> KMeansResult {
        guard clusterCount >= 1 else { throw .invalidParameter("k-means: the number of clusters must be at least 1, not \(clusterCount)") }
        guard restarts >= 1 else { throw .invalidParameter("k-means: restarts must be at least 1, not \(restarts)") }
        guard maxIterations >= 1 else { throw .invalidParameter("k-means: maxIterations must be at least 1, not \(maxIterations)") }
        guard tolerance >= 0, tolerance.isFinite else { throw .invalidParameter("k-means: the tolerance must be finite and ≥ 0, not \(tolerance)") }
        guard x.rows >= clusterCount else { throw .tooFewRows(needed: clusterCount, found: x.rows) }
        guard x.columns >= 1 else { throw .shapeMismatch("k-means needs at least one column") }
        let engine = KMeansEngine(x, parallelism: parallelism)
        let absoluteTolerance = engine.meanVariance * tolerance
        var streams = SplitMix64(seed: seed)
        var best: KMeansEngine.Run?
        for _ in 0..<restarts {
            var rng = SplitMix64(seed: streams.next())
            let initial = engine.plusPlusCentres(k: clusterCount, rng: &rng)
            let run = engine.lloyd(initial: initial, k: clusterCount, maxIterations: maxIterations, tolerance: absoluteTolerance)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        let run = best!
        var centroids = run.centres
        for c in 0..<clusterCount {
            for j in 0..<x.columns { centroids[c * x.columns + j] += engine.mean[j] }
        }
        return KMeansResult(
            centroids: FeatureMatrix(unchecked: clusterCount, x.columns, centroids), assignments: run.labels, inertia: run.inertia,
            iterations: run.iterations, converged: run.converged
        )
    }
}

/// A fitted k-means clustering: the centroids and, for the rows it was fitted on, their clusters.
public struct KMeansResult: Sendable, Equatable, Codable {
    /// The `k × d` centroids, in the coordinates of the input.
    public let centroids: FeatureMatrix
    /// The cluster (0..<k) of each input row.
    public let assignments: [Int]
    /// The sum of squared distances of the rows to their centroids (scikit-learn's `inertia_`).
    public let inertia: Double
    /// The Lloyd iterations of the kept run (scikit-learn's `n_iter_`).
    public let iterations: Int
    /// Whether the kept run stopped by tolerance or unchanged labels rather than by `maxIterations`.
    public let converged: Bool

    /// The number of clusters.
    public var clusterCount: Int { centroids.rows }

    /// The number of rows in each cluster.
    public var clusterSizes: [Int] {
        var sizes = [Int](repeating: 0, count: centroids.rows)
        for a in assignments { sizes[a] += 1 }
        return sizes
    }

    /// The nearest centroid of each row of `x` (ties go to the lower index).
    ///
    /// - Throws: ``InsightError/dimensionMismatch(expected:found:)`` when `x` has another number of columns.
    /// - Complexity: O(n · k · d).
    public func assign(_ x: FeatureMatrix, parallelism: ParallelFor = .allCores) throws(InsightError) -> [Int] {
        guard x.columns == centroids.columns else { throw .dimensionMismatch(expected: centroids.columns, found: x.columns) }
        guard x.rows > 0 else { return [] }
        let engine = KMeansEngine(x, parallelism: parallelism)
        var centres = centroids.elements
        let d = x.columns
        for c in 0..<centroids.rows {
            for j in 0..<d { centres[c * d + j] -= engine.mean[j] }
        }
        var labels = [Int](repeating: 0, count: x.rows)
        var distances = [Double](repeating: 0, count: x.rows)
        var sums: [Double] = []
        var counts: [Int] = []
        engine.assign(centres: centres, k: centroids.rows, labels: &labels, distances: &distances, sums: &sums, counts: &counts, accumulate: false)
        return labels
    }
}
