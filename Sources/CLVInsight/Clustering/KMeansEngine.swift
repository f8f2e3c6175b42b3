import CLVCore
import CLVNumerics

/// The arithmetic of one k-means fit on one matrix: the data, centred on its column means (as scikit-learn does,
/// so that `‖x‖² + ‖c‖² − 2·x·c` loses fewer digits), its row norms, and the block partition the parallel steps
/// share.
///
/// Rows are split into at most ``maximumTasks`` blocks whose size depends only on `n`, each block reduces its own
/// partial sums, and partial sums are added in block order: the results are bit-identical whatever the number of
/// threads and however the blocks are scheduled.
struct KMeansEngine {
    /// The most rows per `dgemm` call inside a block (scikit-learn's chunk size).
    static let maximumChunkRows = 256
    /// The largest number of blocks (and so of partial-sum buffers).
    static let maximumTasks = 64

    let n: Int
    let d: Int
    /// Column means of the input; centres inside the engine are in the centred coordinates.
    let mean: [Double]
    /// The centred data, row-major.
    let x: [Double]
    /// `‖xᵢ‖²` of the centred rows.
    let norms: [Double]
    let parallelism: ParallelFor
    let taskRows: Int
    let taskCount: Int
    /// Rows per `dgemm` call: at most 256, and few enough that a chunk (`rows × d` doubles, 128 KiB) stays in the
    /// core's L2 cache between the product and the centre sums that read it again.
    let chunkRows: Int

    init(_ matrix: FeatureMatrix, parallelism: ParallelFor) {
        n = matrix.rows
        d = matrix.columns
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { mean[j] += matrix.elements[i * d + j] }
        }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var centred = matrix.elements
        for i in 0..<n {
            for j in 0..<d { centred[i * d + j] -= mean[j] }
        }
        self.mean = mean
        self.x = centred
        self.norms = FeatureMatrix(unchecked: n, d, centred).rowSquaredNorms()
        self.parallelism = parallelism
        chunkRows = min(Self.maximumChunkRows, max(16, 16_384 / max(d, 1)))
        let rows = max(Self.maximumChunkRows, (n + Self.maximumTasks - 1) / Self.maximumTasks)
        taskRows = rows
        taskCount = (n + rows - 1) / rows
    }

    func rows(ofTask t: Int) -> Range<Int> { (t * taskRows)..<min(n, (t + 1) * taskRows) }

    /// The mean of the per-column variances: scikit-learn's scale for the relative tolerance.
    var meanVariance: Double {
        guard n > 0, d > 0 else { return 0 }
        var total = 0.0
        for j in 0..<d {
            var s = 0.0
            for i in 0..<n { s += x[i * d + j] * x[i * d + j] }
            total += s / Double(n)
        }
        return total / Double(d)
    }

    // MARK: - Distances to a few rows or centres

    /// For every row `i` and every `c` of the `m` points in `points` (row-major `m × d`), `body(i, c, ‖xᵢ − p_c‖²)`
    /// is called with the row's block index, block by block in parallel: `body` must write only to storage of row `i`
    /// or of its block.
    private func forEachSquaredDistance(
        to points: UnsafeBufferPointer<Double>, count m: Int, _ body: (_ task: Int, _ row: Int, _ dots: UnsafeBufferPointer<Double>) -> Void
    ) {
        var pointNorms = [Double](repeating: 0, count: m)
        for c in 0..<m {
            var s = 0.0
            for j in 0..<d { s += points[c * d + j] * points[c * d + j] }
            pointNorms[c] = s
        }
        x.withUnsafeBufferPointer { xs in
            norms.withUnsafeBufferPointer { xn in
                pointNorms.withUnsafeBufferPointer { pn in
                    parallelism.run(count: taskCount) { t in
                        let range = rows(ofTask: t)
                        var scratch = [Double](repeating: 0, count: chunkRows * m)
                        scratch.withUnsafeMutableBufferPointer { dots in
                            var start = range.lowerBound
                            while start < range.upperBound {
                                let rows = min(chunkRows, range.upperBound - start)
                                BLAS.dgemm(
                                    transposeB: true, m: rows, n: m, k: d, a: xs.baseAddress! + start * d, lda: max(d, 1),
                                    b: points.baseAddress!, ldb: max(d, 1), c: dots.baseAddress!, ldc: m
                                )
                                // dots[r·m + c] ← ‖x‖² + ‖p‖² − 2·x·p, clamped at 0 (round-off can make it slightly negative).
                                for r in 0..<rows {
                                    for c in 0..<m {
                                        dots[r * m + c] = max(0, xn[start + r] + pn[c] - 2 * dots[r * m + c])
                                    }
                                }
                                for r in 0..<rows {
                                    body(t, start + r, UnsafeBufferPointer(rebasing: dots[(r * m)..<((r + 1) * m)]))
                                }
                                start += rows
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - k-means++

    /// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's `2 + ⌊ln k⌋` local trials per
    /// centre, keeping the trial that lowers the potential most). Returns `k × d` centres (centred coordinates).
    func plusPlusCentres(k: Int, rng: inout SplitMix64) -> [Double] {
        let trials = 2 + Self.floorLog(k)
        var centres = [Double](repeating: 0, count: k * d)
        let first = Int.random(in: 0..<n, using: &rng)
        for j in 0..<d { centres[j] = x[first * d + j] }
        var closest = [Double](repeating: 0, count: n)
        var partial = [Double](repeating: 0, count: taskCount)
        let firstRow = Array(x[(first * d)..<((first + 1) * d)])
        firstRow.withUnsafeBufferPointer { p in
            closest.withUnsafeMutableBufferPointer { cl in
                partial.withUnsafeMutableBufferPointer { pot in
                    forEachSquaredDistance(to: p, count: 1) { t, i, dist in
                        cl[i] = dist[0]
                        pot[t] += dist[0]
                    }
                }
            }
        }
        var potential = partial.reduce(0, +)
        var cumulative = [Double](repeating: 0, count: n)
        var candidateRows = [Double](repeating: 0, count: trials * d)
        var trialClosest = [Double](repeating: 0, count: n * trials)
        var trialPartial = [Double](repeating: 0, count: taskCount * trials)
        for c in 1..<max(k, 1) {
            var running = 0.0
            for i in 0..<n {
                running += closest[i]
                cumulative[i] = running
            }
            var candidates = [Int](repeating: 0, count: trials)
            for t in 0..<trials {
                let target = Double.random(in: 0..<1, using: &rng) * potential
                candidates[t] = min(Self.firstIndex(in: cumulative, notBelow: target), n - 1)
                for j in 0..<d { candidateRows[t * d + j] = x[candidates[t] * d + j] }
            }
            for i in trialPartial.indices { trialPartial[i] = 0 }
            candidateRows.withUnsafeBufferPointer { p in
                closest.withUnsafeBufferPointer { cl in
                    trialClosest.withUnsafeMutableBufferPointer { tc in
                        trialPartial.withUnsafeMutableBufferPointer { pot in
                            forEachSquaredDistance(to: p, count: trials) { task, i, dist in
                                for t in 0..<trials {
                                    let v = min(cl[i], dist[t])
                                    tc[i * trials + t] = v
                                    pot[task * trials + t] += v
                                }
                            }
                        }
                    }
                }
            }
            var best = 0
            var bestPotential = Double.infinity
            for t in 0..<trials {
                var s = 0.0
                for task in 0..<taskCount { s += trialPartial[task * trials + t] }
                if s < bestPotential {
                    bestPotential = s
                    best = t
                }
            }
            potential = bestPotential
            for i in 0..<n { closest[i] = trialClosest[i * trials + best] }
            for j in 0..<d { centres[c * d + j] = x[candidates[best] * d + j] }
        }
        return centres
    }

    /// ⌊ln k⌋ for k ≥ 1 (the largest m with eᵐ ≤ k).
    static func floorLog(_ k: Int) -> Int {
        var m = 0
        var power = 2.718281828459045
        while power <= Double(k) {
            m += 1
            power *= 2.718281828459045
        }
        return m
    }

    /// The first index whose cumulative value is ≥ `target` (numpy's `searchsorted(side="left")`), or `count`.
    static func firstIndex(in cumulative: [Double], notBelow target: Double) -> Int {
        var low = 0
        var high = cumulative.count
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: - Lloyd

    /// One assignment pass: every row's nearest centre and squared distance to it; with `sums`, also the per-centre
    /// sums of rows and counts (block partials, added in block order).
    func assign(
        centres: [Double], k: Int, labels: inout [Int], distances: inout [Double], sums: inout [Double], counts: inout [Int], accumulate: Bool
    ) {
        var partialSums = [Double](repeating: 0, count: accumulate ? taskCount * k * d : 0)
        var partialCounts = [Int](repeating: 0, count: accumulate ? taskCount * k : 0)
        centres.withUnsafeBufferPointer { cs in
            x.withUnsafeBufferPointer { xs in
                labels.withUnsafeMutableBufferPointer { lab in
                    distances.withUnsafeMutableBufferPointer { dist in
                        partialSums.withUnsafeMutableBufferPointer { ps in
                            partialCounts.withUnsafeMutableBufferPointer { pc in
                                forEachSquaredDistance(to: cs, count: k) { t, i, dd in
                                    var best = 0
                                    var bestValue = dd[0]
                                    for c in 1..<k where dd[c] < bestValue {
                                        bestValue = dd[c]
                                        best = c
                                    }
                                    lab[i] = best
                                    dist[i] = bestValue
                                    if accumulate {
                                        let base = (t * k + best) * d
                                        for j in 0..<d { ps[base + j] += xs[i * d + j] }
                                        pc[t * k + best] += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard accumulate else { return }
        for i in sums.indices { sums[i] = 0 }
        for i in counts.indices { counts[i] = 0 }
        for t in 0..<taskCount {
            for i in 0..<(k * d) { sums[i] += partialSums[t * k * d + i] }
            for c in 0..<k { counts[c] += partialCounts[t * k + c] }
        }
    }

    /// Σᵢ ‖xᵢ − c_{labelᵢ}‖², computed from the differences (not the `dgemm` expansion), block partials in order.
    func inertia(centres: [Double], labels: [Int]) -> Double {
        var partial = [Double](repeating: 0, count: taskCount)
        partial.withUnsafeMutableBufferPointer { pot in
            x.withUnsafeBufferPointer { xs in
                centres.withUnsafeBufferPointer { cs in
                    labels.withUnsafeBufferPointer { lab in
                        parallelism.run(count: taskCount) { t in
                            var s = 0.0
                            for i in rows(ofTask: t) {
                                let c = lab[i] * d
                                for j in 0..<d {
                                    let diff = xs[i * d + j] - cs[c + j]
                                    s += diff * diff
                                }
                            }
                            pot[t] = s
                        }
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }

    struct Run {
        var centres: [Double]
        var labels: [Int]
        var inertia: Double
        var iterations: Int
        var converged: Bool
    }

    /// Lloyd's iterations from `initial` centres, as scikit-learn's `_kmeans_single_lloyd`: each pass assigns the
    /// rows to the current centres and moves the centres to the means; it stops when no label changes ("strict"
    /// convergence) or when the total squared centre shift is at most `tolerance`. After a tolerance stop the rows are
    /// assigned once more to the final centres, so that labels and centres agree.
    func lloyd(initial: [Double], k: Int, maxIterations: Int, tolerance: Double) -> Run {
        var centres = initial
        var labels = [Int](repeating: -1, count: n)
        var previous = labels
        var distances = [Double](repeating: 0, count: n)
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        var iterations = 0
        var strict = false
        var converged = false
        for iteration in 0..<maxIterations {
            assign(centres: centres, k: k, labels: &labels, distances: &distances, sums: &sums, counts: &counts, accumulate: true)
            relocateEmptyClusters(k: k, labels: labels, distances: distances, sums: &sums, counts: &counts)
            var shift = 0.0
            for c in 0..<k where counts[c] > 0 {
                let scale = 1 / Double(counts[c])
                for j in 0..<d {
                    let updated = sums[c * d + j] * scale
                    let delta = updated - centres[c * d + j]
                    shift += delta * delta
                    centres[c * d + j] = updated
                }
            }
            iterations = iteration + 1
            if labels == previous {
                strict = true
                converged = true
                break
            }
            if shift <= tolerance {
                converged = true
                break
            }
            previous = labels
        }
        if !strict {
            assign(centres: centres, k: k, labels: &labels, distances: &distances, sums: &sums, counts: &counts, accumulate: false)
        }
        return Run(centres: centres, labels: labels, inertia: inertia(centres: centres, labels: labels), iterations: iterations, converged: converged)
    }

    /// scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the rows farthest from their
    /// (old) centres, farthest first; the row's sum moves from its cluster to the empty one.
    private func relocateEmptyClusters(k: Int, labels: [Int], distances: [Double], sums: inout [Double], counts: inout [Int]) {
        let empty = (0..<k).filter { counts[$0] == 0 }
        guard !empty.isEmpty else { return }
        // Farthest first; ties by row index, so the choice is reproducible.
        let far = distances.indices.sorted { distances[$0] != distances[$1] ? distances[$0] > distances[$1] : $0 < $1 }
        for (slot, cluster) in empty.enumerated() where slot < far.count {
            let row = far[slot]
            let old = labels[row]
            for j in 0..<d {
                sums[old * d + j] -= x[row * d + j]
                sums[cluster * d + j] = x[row * d + j]
            }
            counts[cluster] = 1
            counts[old] -= 1
        }
    }
}
