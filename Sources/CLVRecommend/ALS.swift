import CLVCore
import CLVNumerics

/// Implicit-feedback alternating least squares: Hu, Koren & Volinsky (2008), "Collaborative filtering for implicit
/// feedback datasets", ICDM, doi:10.1109/ICDM.2008.22.
///
/// Each observed count `r` becomes a preference `p = 1` with confidence `c = 1 + alpha·r` (eq. 2–3 of the
/// paper); every unobserved cell has `p = 0, c = 1`. The loss (eq. 3) is
/// `Σ_ui c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)`. Each half-step solves, for every user,
/// `(YᵀY + λI + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_ui y_i` (eq. 4) without forming the matrix: the
/// Gram matrix `YᵀY + λI` is computed once per half-step with BLAS and a few conjugate-gradient steps start from
/// the previous factors (Takács, Pilászy & Tikk 2011, "Applications of the conjugate gradient method for implicit
/// feedback collaborative filtering", RecSys, doi:10.1145/2043932.2043987), as the `implicit` library does.
public struct ALSEstimator: Sendable {
    /// Number of latent factors.
    public var factors: Int
    /// λ, the L2 penalty on every factor vector.
    public var regularization: Float
    /// α in `c = 1 + α·r`.
    public var alpha: Float
    /// Number of alternating sweeps (a user half-step then an item half-step).
    public var iterations: Int
    /// Conjugate-gradient steps per solve (implicit's default: 3).
    public var conjugateGradientSteps: Int
    /// Threads for the half-steps (the caller keeps OpenBLAS on one thread, as `clv` does at start: the Gram
    /// matrix is one small sgemm per half-step).
    public var threads: Int
    /// Seed of the initial factors.
    public var seed: UInt64

    public init(
        factors: Int = 64, regularization: Float = 0.01, alpha: Float = 1, iterations: Int = 15, conjugateGradientSteps: Int = 3,
        threads: Int = 2, seed: UInt64 = 42
    ) {
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.conjugateGradientSteps = conjugateGradientSteps
        self.threads = threads
        self.seed = seed
    }

    /// Fits the model on a user × item count matrix.
    ///
    /// - Parameters:
    ///   - interactions: counts (not confidences: `1 + alpha·r` is applied here).
    ///   - progress: called after every sweep with the iteration (from 1) and the loss of eq. 3 divided by
    ///     the total confidence mass; computing the loss costs about one extra half-step, so it is only
    ///     computed when `progress` is given.
    /// - Returns: the fitted model.
    /// - Complexity: O(iterations · cgSteps · (nnz·f + (users + items)·f²)).
    public func fit(_ interactions: SparseMatrix, progress: ((Int, Double) -> Void)? = nil) -> ALSModel {
        precondition(factors > 0 && iterations >= 0 && conjugateGradientSteps > 0, "ALSEstimator: bad configuration")
        let confidence = interactions.mapValues { 1 + alpha * $0 }
        let transposed = confidence.transposed()
        var rng = SplitMix64(seed: seed)
        var users = (0..<(interactions.rows * factors)).map { _ in Float.random(in: 0..<1, using: &rng) * 0.01 }
        var items = (0..<(interactions.columns * factors)).map { _ in Float.random(in: 0..<1, using: &rng) * 0.01 }
        let parallel = ParallelFor(threads: threads)
        for iteration in 0..<iterations {
            ALSSolver.halfStep(
                confidence, solving: &users, fixed: items, factors: factors, regularization: regularization, steps: conjugateGradientSteps, parallel: parallel)
            ALSSolver.halfStep(
                transposed, solving: &items, fixed: users, factors: factors, regularization: regularization, steps: conjugateGradientSteps, parallel: parallel)
            if let progress {
                progress(
                    iteration + 1, ALSSolver.loss(confidence, users: users, items: items, factors: factors, regularization: regularization, parallel: parallel))
            }
        }
        return ALSModel(
            factors: factors, regularization: regularization, alpha: alpha, userFactors: users, itemFactors: items, userCount: interactions.rows,
            itemCount: interactions.columns)
    }
}

/// A fitted implicit ALS model: user and item factors, row-major.
public struct ALSModel: ExplainableRecommender, Codable, Equatable {
    public let factors: Int
    public let regularization: Float
    public let alpha: Float
    /// `userCount × factors`.
    public let userFactors: [Float]
    /// `itemCount × factors`.
    public let itemFactors: [Float]
    public let userCount: Int
    public let itemCount: Int

    public init(factors: Int, regularization: Float, alpha: Float, userFactors: [Float], itemFactors: [Float], userCount: Int, itemCount: Int) {
        precondition(userFactors.count == userCount * factors && itemFactors.count == itemCount * factors, "ALSModel: factor shapes")
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.userCount = userCount
        self.itemCount = itemCount
    }

    /// The factor vector of a fitted user.
    public func userVector(_ user: Int) -> ArraySlice<Float> { userFactors[(user * factors)..<((user + 1) * factors)] }

    /// The factor vector of an item.
    public func itemVector(_ item: Int) -> ArraySlice<Float> { itemFactors[(item * factors)..<((item + 1) * factors)] }

    /// The exact least-squares factors of a user with these counts, given the item factors: implicit's
    /// `recalculate_user`, for customers the model has never seen or whose history has grown (eq. 4, solved by
    /// Cholesky rather than a few CG steps).
    public func foldIn(_ history: SparseVector) -> [Float] { foldIn(history, itemGram: itemGram()) }

    /// `foldIn` with `YᵀY` computed once (``itemGram()``) and reused for every user: what serving does.
    func foldIn(_ history: SparseVector, itemGram: [Double]) -> [Float] {
        let l = userSystem(history, itemGram: itemGram)
        var b = [Double](repeating: 0, count: factors)
        for (item, value) in history.entries {
            let c = Double(1 + alpha * value)
            let base = item * factors
            for f in 0..<factors { b[f] += c * Double(itemFactors[base + f]) }
        }
        guard let l else { return [Float](repeating: 0, count: factors) }
        return Kernels.choleskySolve(factor: l, b, n: factors).map(Float.init)
    }

    /// `YᵀY` (lower triangle, row-major `factors × factors`), the part of every user's system that does not
    /// depend on the user.
    func itemGram() -> [Double] {
        let n = factors
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<itemCount {
            let base = i * n
            for r in 0..<n {
                let yr = Double(itemFactors[base + r])
                if yr == 0 { continue }
                for c in 0...r { a[r * n + c] += yr * Double(itemFactors[base + c]) }
            }
        }
        return a
    }

    /// The Cholesky factor of `YᵀY + λI + Σ (c − 1) y yᵀ` for this history.
    private func userSystem(_ history: SparseVector, itemGram: [Double]) -> [Double]? {
        let n = factors
        var a = itemGram
        for (item, value) in history.entries {
            let extra = Double(alpha * value)
            let base = item * n
            for r in 0..<n {
                let yr = Double(itemFactors[base + r]) * extra
                for c in 0...r { a[r * n + c] += yr * Double(itemFactors[base + c]) }
            }
        }
        for r in 0..<n {
            a[r * n + r] += Double(regularization)
            for c in 0..<r { a[c * n + r] = a[r * n + c] }
        }
        return Kernels.cholesky(a, n: n)
    }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "ALSModel.scoreItems: \(scores.count) scores for \(itemCount) items")
        let vector = user >= 0 && user < userCount ? Array(userVector(user)) : foldIn(history)
        Self.score(vector: vector, itemFactors: itemFactors, factors: factors, into: scores)
    }

    static func score(vector: [Float], itemFactors: [Float], factors: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        vector.withUnsafeBufferPointer { x in
            itemFactors.withUnsafeBufferPointer { y in
                for i in 0..<scores.count { scores[i] = Kernels.dot(x.baseAddress!, y.baseAddress! + i * factors, factors) }
            }
        }
    }

    /// The items like `item`: cosine similarity of item factors, best first (the item itself excluded).
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        FactorSimilarity.similar(to: item, count: count, factors: itemFactors, dimension: factors)
    }

    /// Which of the user's items drove `item`'s score: implicit's `explain`. With `W = (YᵀY + λI + Σ (c − 1) y yᵀ)⁻¹`
    /// the fold-in score of item j is `Σ_{i∈u} c_ui · y_jᵀ W y_i`, so history item i contributes
    /// `c_ui · y_jᵀ W y_i` (Hu, Koren & Volinsky 2008, section 5).
    public func explain(user: Int, history: SparseVector, item: Int, count: Int) -> [ItemContribution] {
        explain(history: history, item: item, count: count, itemGram: itemGram())
    }

    func explain(history: SparseVector, item: Int, count: Int, itemGram: [Double]) -> [ItemContribution] {
        guard let factor = userSystem(history, itemGram: itemGram) else { return [] }
        let target = itemVector(item).map(Double.init)
        let w = Kernels.choleskySolve(factor: factor, target, n: factors)
        var contributions: [ItemContribution] = []
        for (historyItem, value) in history.entries {
            let base = historyItem * factors
            var s = 0.0
            for f in 0..<factors { s += w[f] * Double(itemFactors[base + f]) }
            contributions.append(ItemContribution(item: historyItem, contribution: Float(Double(1 + alpha * value) * s)))
        }
        return Array(contributions.sorted { $0.contribution > $1.contribution }.prefix(count))
    }
}

/// The two pieces of one ALS half-step, shared by fitting and by tests.
enum ALSSolver {
    /// `YᵀY + λI` (row-major f × f) with one sgemm.
    static func gram(_ fixed: [Float], rows: Int, factors: Int, regularization: Float) -> [Float] {
        var out = [Float](repeating: 0, count: factors * factors)
        fixed.withUnsafeBufferPointer { y in
            out.withUnsafeMutableBufferPointer { g in
                BLAS.sgemm(
                    transposeA: true, transposeB: false, m: factors, n: factors, k: rows, a: y.baseAddress!, lda: factors, b: y.baseAddress!, ldb: factors,
                    c: g.baseAddress!, ldc: factors)
            }
        }
        for f in 0..<factors { out[f * factors + f] += regularization }
        return out
    }

    /// Updates every row of `solving` with `steps` conjugate-gradient steps on its normal equations, starting
    /// from its current value. `confidence` holds `c = 1 + alpha·r` for each observed cell.
    static func halfStep(
        _ confidence: SparseMatrix, solving x: inout [Float], fixed y: [Float], factors n: Int, regularization: Float, steps: Int, parallel: ParallelFor
    ) {
        let yty = gram(y, rows: confidence.columns, factors: n, regularization: regularization)
        let rows = confidence.rows
        let block = 32
        let blocks = (rows + block - 1) / block
        confidence.rowStart.withUnsafeBufferPointer { rowStart in
            confidence.columnIndices.withUnsafeBufferPointer { columns in
                confidence.values.withUnsafeBufferPointer { values in
                    yty.withUnsafeBufferPointer { gramBuffer in
                        y.withUnsafeBufferPointer { yBuffer in
                            x.withUnsafeMutableBufferPointer { xBuffer in
                                let xs = UncheckedPointer(xBuffer.baseAddress!)
                                let yp = yBuffer.baseAddress!
                                let gp = gramBuffer.baseAddress!
                                parallel.run(count: blocks) { b in
                                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * n)
                                    defer { scratch.deallocate() }
                                    let r = scratch
                                    let p = scratch + n
                                    let ap = scratch + 2 * n
                                    for row in (b * block)..<min(rows, (b + 1) * block) {
                                        let xu = xs.pointer + row * n
                                        let start = rowStart[row]
                                        let end = rowStart[row + 1]
                                        // r = b − A·x, with A·x = YtY·x + Σ (c − 1)(y·x) y and b = Σ c y.
                                        Kernels.matvec(gp, xu, r, n)
                                        for f in 0..<n { r[f] = -r[f] }
                                        for e in start..<end {
                                            let yi = yp + Int(columns[e]) * n
                                            let c = values[e]
                                            Kernels.axpy(c - (c - 1) * Kernels.dot(yi, xu, n), yi, r, n)
                                        }
                                        var rsOld = Kernels.dot(r, r, n)
                                        if rsOld < 1e-20 { continue }
                                        p.update(from: r, count: n)
                                        for _ in 0..<steps {
                                            Kernels.matvec(gp, p, ap, n)
                                            for e in start..<end {
                                                let yi = yp + Int(columns[e]) * n
                                                Kernels.axpy((values[e] - 1) * Kernels.dot(yi, p, n), yi, ap, n)
                                            }
                                            let step = rsOld / Kernels.dot(p, ap, n)
                                            Kernels.axpy(step, p, xu, n)
                                            Kernels.axpy(-step, ap, r, n)
                                            let rsNew = Kernels.dot(r, r, n)
                                            if rsNew < 1e-20 { break }
                                            let beta = rsNew / rsOld
                                            for f in 0..<n { p[f] = r[f] + beta * p[f] }
                                            rsOld = rsNew
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The loss of eq. 3 divided by the confidence mass `Σ c_ui` over all cells (as implicit reports it):
    /// `Σ_u [x_uᵀ(YᵀY)x_u + Σ_{i∈u} ((c − 1)s² − 2cs + c)] + λ(‖X‖² + ‖Y‖²)` with `s = x_uᵀy_i`.
    static func loss(_ confidence: SparseMatrix, users: [Float], items: [Float], factors n: Int, regularization: Float, parallel: ParallelFor) -> Double {
        let yty = gram(items, rows: confidence.columns, factors: n, regularization: 0)
        var perRow = [Double](repeating: 0, count: confidence.rows)
        var mass = [Double](repeating: 0, count: confidence.rows)
        perRow.withUnsafeMutableBufferPointer { out in
            mass.withUnsafeMutableBufferPointer { massOut in
                let o = UncheckedPointer(out.baseAddress!)
                let m = UncheckedPointer(massOut.baseAddress!)
                users.withUnsafeBufferPointer { xb in
                    items.withUnsafeBufferPointer { yb in
                        yty.withUnsafeBufferPointer { g in
                            parallel.run(count: confidence.rows) { u in
                                let xu = xb.baseAddress! + u * n
                                var total = 0.0
                                var weight = 0.0
                                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
                                defer { scratch.deallocate() }
                                Kernels.matvec(g.baseAddress!, xu, scratch, n)
                                total += Double(Kernels.dot(scratch, xu, n))
                                for e in confidence.rowStart[u]..<confidence.rowStart[u + 1] {
                                    let c = Double(confidence.values[e])
                                    let s = Double(Kernels.dot(xu, yb.baseAddress! + Int(confidence.columnIndices[e]) * n, n))
                                    total += (c - 1) * s * s - 2 * c * s + c
                                    weight += c - 1
                                }
                                total += Double(regularization) * Double(Kernels.dot(xu, xu, n))
                                o.pointer[u] = total
                                m.pointer[u] = weight
                            }
                        }
                    }
                }
            }
        }
        var itemPenalty = 0.0
        for v in items { itemPenalty += Double(v) * Double(v) }
        let cells = Double(confidence.rows) * Double(confidence.columns)
        return (perRow.reduce(0, +) + Double(regularization) * itemPenalty) / (cells + mass.reduce(0, +))
    }
}

/// A mutable pointer handed to ``ParallelFor`` bodies.
///
/// `@unchecked Sendable`: every parallel body that uses one writes only the rows its own item owns (a user's
/// factor vector, a user's loss term), so no two threads write the same element.
struct UncheckedPointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// Cosine similarity between rows of a factor matrix.
enum FactorSimilarity {
    static func similar(to item: Int, count: Int, factors: [Float], dimension n: Int) -> [ScoredItem] {
        let items = factors.count / n
        precondition(item >= 0 && item < items, "similarItems: item \(item) outside 0..<\(items)")
        return factors.withUnsafeBufferPointer { y in
            let base = y.baseAddress!
            let target = base + item * n
            let targetNorm = Kernels.dot(target, target, n).squareRoot()
            var top = TopK(k: count)
            for j in 0..<items where j != item {
                let other = base + j * n
                let norm = Kernels.dot(other, other, n).squareRoot() * targetNorm
                guard norm > 0 else { continue }
                top.offer(item: j, score: Kernels.dot(target, other, n) / norm)
            }
            return zip(top.items, top.scores).map { ScoredItem(item: $0.0, score: $0.1) }
        }
    }
}
