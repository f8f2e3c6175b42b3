import CLVCore
import CLVNumerics

#if canImport(Glibc)
import Glibc
#endif

/// Bayesian personalised ranking by stochastic gradient ascent: Rendle, Freudenthaler, Gantner & Schmidt-Thieme
/// (2009), "BPR: Bayesian personalized ranking from implicit feedback", UAI, arXiv:0907.1208.
///
/// Each step draws an observed (user u, item i) cell uniformly and an item j the user does not have, and moves
/// the factors up the gradient of `ln σ(x̂_ui − x̂_uj) − λ‖Θ‖²` (algorithm LearnBPR, section 4.3), with
/// `x̂_ui = x_uᵀy_i + b_i` (an item bias, as implicit keeps in an extra factor column). One iteration is as many
/// steps as there are observed cells.
///
/// Seeded: with one thread, the same seed gives the same model. With several threads each thread draws its own
/// samples (its own generator, derived from the seed) and updates the shared factors without locks (Hogwild!,
/// Niu et al. 2011, arXiv:1106.5730, as implicit's BPR does), so results then vary slightly between runs.
public struct BPREstimator: Sendable {
    public var factors: Int
    public var learningRate: Float
    public var regularization: Float
    public var iterations: Int
    public var threads: Int
    public var seed: UInt64

    public init(factors: Int = 100, learningRate: Float = 0.01, regularization: Float = 0.01, iterations: Int = 100, threads: Int = 1, seed: UInt64 = 42) {
        self.factors = factors
        self.learningRate = learningRate
        self.regularization = regularization
        self.iterations = iterations
        self.threads = threads
        self.seed = seed
    }

    /// Fits on a user × item matrix (only which cells are stored matters).
    ///
    /// - Parameter progress: called after every iteration with its number (from 1) and the fraction of that
    ///   iteration's sampled pairs the model already ranked correctly before the update.
    public func fit(_ interactions: SparseMatrix, progress: ((Int, Double) -> Void)? = nil) -> BPRModel {
        precondition(factors > 0 && iterations >= 0, "BPREstimator: bad configuration")
        let n = factors
        var rng = SplitMix64(seed: seed)
        let scale = 1 / Float(n)
        var users = (0..<(interactions.rows * n)).map { _ in (Float.random(in: 0..<1, using: &rng) - 0.5) * scale }
        var items = (0..<(interactions.columns * n)).map { _ in (Float.random(in: 0..<1, using: &rng) - 0.5) * scale }
        var bias = [Float](repeating: 0, count: interactions.columns)
        // Each stored cell's row, so that a uniform draw over cells gives (u, i).
        var rowOf = [Int32](repeating: 0, count: interactions.nonZeroCount)
        for r in 0..<interactions.rows {
            for p in interactions.rowStart[r]..<interactions.rowStart[r + 1] { rowOf[p] = Int32(r) }
        }
        let workers = max(1, threads)
        let samples = interactions.nonZeroCount
        let itemCount = interactions.columns
        let lr = learningRate
        let reg = regularization
        var correct = [Int](repeating: 0, count: workers)
        for iteration in 0..<iterations {
            users.withUnsafeMutableBufferPointer { ub in
                items.withUnsafeMutableBufferPointer { ib in
                    bias.withUnsafeMutableBufferPointer { bb in
                        correct.withUnsafeMutableBufferPointer { cb in
                            let up = UncheckedPointer(ub.baseAddress!)
                            let ip = UncheckedPointer(ib.baseAddress!)
                            let bp = UncheckedPointer(bb.baseAddress!)
                            let cp = UncheckedPointer(cb.baseAddress!)
                            ParallelFor(threads: workers).run(count: workers) { worker in
                                var local = SplitMix64(seed: seed &+ UInt64(iteration) &* 0x9E37_79B9 &+ UInt64(worker) &* 0x5851_F42D)
                                let share = samples / workers + (worker < samples % workers ? 1 : 0)
                                var right = 0
                                for _ in 0..<share {
                                    let cell = Int(local.next() % UInt64(samples))
                                    let u = Int(rowOf[cell])
                                    let liked = Int(interactions.columnIndices[cell])
                                    // Draw a negative the user does not have (verified, as implicit does by default).
                                    var disliked = Int(local.next() % UInt64(itemCount))
                                    var tries = 0
                                    while interactions.value(row: u, column: disliked) > 0 && tries < 32 {
                                        disliked = Int(local.next() % UInt64(itemCount))
                                        tries += 1
                                    }
                                    if tries == 32 { continue }
                                    let xu = up.pointer + u * n
                                    let yi = ip.pointer + liked * n
                                    let yj = ip.pointer + disliked * n
                                    let difference = Kernels.dot(xu, yi, n) + bp.pointer[liked] - Kernels.dot(xu, yj, n) - bp.pointer[disliked]
                                    if difference > 0 { right += 1 }
                                    // d/dΘ ln σ(x̂_uij) = σ(−x̂_uij) · ∂x̂_uij/∂Θ.
                                    let z = 1 / (1 + expf(difference))
                                    for f in 0..<n {
                                        let userF = xu[f]
                                        let likedF = yi[f]
                                        let dislikedF = yj[f]
                                        xu[f] += lr * (z * (likedF - dislikedF) - reg * userF)
                                        yi[f] += lr * (z * userF - reg * likedF)
                                        yj[f] += lr * (-z * userF - reg * dislikedF)
                                    }
                                    bp.pointer[liked] += lr * (z - reg * bp.pointer[liked])
                                    bp.pointer[disliked] += lr * (-z - reg * bp.pointer[disliked])
                                }
                                cp.pointer[worker] = right
                            }
                        }
                    }
                }
            }
            progress?(iteration + 1, Double(correct.reduce(0, +)) / Double(max(1, samples)))
        }
        return BPRModel(
            factors: n, learningRate: learningRate, regularization: regularization, userFactors: users, itemFactors: items, itemBias: bias,
            userCount: interactions.rows, itemCount: interactions.columns)
    }
}

/// A fitted BPR model: `score(u, i) = x_uᵀy_i + b_i`.
public struct BPRModel: Recommender, Codable, Equatable {
    public let factors: Int
    public let learningRate: Float
    public let regularization: Float
    public let userFactors: [Float]
    public let itemFactors: [Float]
    public let itemBias: [Float]
    public let userCount: Int
    public let itemCount: Int

    public init(
        factors: Int, learningRate: Float, regularization: Float, userFactors: [Float], itemFactors: [Float], itemBias: [Float], userCount: Int,
        itemCount: Int
    ) {
        precondition(userFactors.count == userCount * factors && itemFactors.count == itemCount * factors && itemBias.count == itemCount, "BPRModel: shapes")
        self.factors = factors
        self.learningRate = learningRate
        self.regularization = regularization
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemBias = itemBias
        self.userCount = userCount
        self.itemCount = itemCount
    }

    public func userVector(_ user: Int) -> ArraySlice<Float> { userFactors[(user * factors)..<((user + 1) * factors)] }

    /// A user vector for a history the model was not fitted on: SGD on the user's factors alone, item factors
    /// fixed (the BPR counterpart of ALS fold-in; implicit has none for BPR). Seeded, so repeatable.
    public func foldIn(_ history: SparseVector, epochs: Int = 200, seed: UInt64 = 42) -> [Float] {
        let n = factors
        var x = [Float](repeating: 0, count: n)
        guard history.count > 0 else { return x }
        let owned = Set(history.indices.map(Int.init))
        var rng = SplitMix64(seed: seed)
        let liked = history.indices.map(Int.init)
        for _ in 0..<(epochs * liked.count) {
            let i = liked[Int(rng.next() % UInt64(liked.count))]
            var j = Int(rng.next() % UInt64(itemCount))
            var tries = 0
            while owned.contains(j) && tries < 32 {
                j = Int(rng.next() % UInt64(itemCount))
                tries += 1
            }
            if owned.contains(j) { continue }
            var difference = itemBias[i] - itemBias[j]
            for f in 0..<n { difference += x[f] * (itemFactors[i * n + f] - itemFactors[j * n + f]) }
            let z = 1 / (1 + expf(difference))
            for f in 0..<n { x[f] += learningRate * (z * (itemFactors[i * n + f] - itemFactors[j * n + f]) - regularization * x[f]) }
        }
        return x
    }

    public func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "BPRModel.scoreItems: \(scores.count) scores for \(itemCount) items")
        let vector = user >= 0 && user < userCount ? Array(userVector(user)) : foldIn(history)
        ALSModel.score(vector: vector, itemFactors: itemFactors, factors: factors, into: scores)
        for i in 0..<itemCount { scores[i] += itemBias[i] }
    }

    /// The items like `item`: cosine similarity of item factors, best first.
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        FactorSimilarity.similar(to: item, count: count, factors: itemFactors, dimension: factors)
    }
}
