import CLVInsight
import RealModule

/// Gradient-boosted regression trees: F(x) = base + Σ trees, fitted by Newton steps on a loss (Friedman 2001,
/// "Greedy function approximation", Ann. Statist. 29(5); second-order leaves and gains as in XGBoost, Chen &
/// Guestrin 2016, eq. 5–7), on histogram bins and grown leaf by leaf as LightGBM grows them.
public struct BoostedTrees: Sendable, Equatable, Codable {
    /// The loss the trees minimise; it fixes what F(x) means.
    public enum Loss: String, Sendable, Codable {
        /// Binary log-loss: F is the log-odds of the positive class.
        case logistic
        /// Squared error: F is the predicted value itself.
        case squared
    }

    public let loss: Loss
    /// The constant the trees start from (log-odds of the training share, or the training mean).
    public let base: Double
    public let trees: [RegressionTree]

    public init(loss: Loss, base: Double, trees: [RegressionTree]) {
        self.loss = loss
        self.base = base
        self.trees = trees
    }

    /// F(x): the raw score (log-odds for ``Loss/logistic``).
    public func score(_ x: [Double]) -> Double { trees.reduce(base) { $0 + $1.predict(x) } }

    /// The expected raw score over the training rows, the baseline TreeSHAP values add up from.
    public var expectedScore: Double { trees.reduce(base) { $0 + $1.expectedValue } }
}

/// Fits ``BoostedTrees`` with early stopping on validation rows.
public struct BoostedTreesTrainer: Sendable, Equatable {
    public var learningRate: Double
    public var maximumRounds: Int
    /// Rounds without a better validation loss before boosting stops (the best round count is kept).
    public var patience: Int
    public var maximumLeaves: Int
    public var maximumDepth: Int
    /// Fewest training rows in a leaf (LightGBM's `min_data_in_leaf`).
    public var minimumLeafRows: Int
    /// L2 penalty λ on leaf values.
    public var lambda: Double
    public var maximumBins: Int

    public init(
        learningRate: Double = 0.05, maximumRounds: Int = 500, patience: Int = 30, maximumLeaves: Int = 15, maximumDepth: Int = 6,
        minimumLeafRows: Int = 20, lambda: Double = 1, maximumBins: Int = 255
    ) {
        self.learningRate = learningRate
        self.maximumRounds = maximumRounds
        self.patience = patience
        self.maximumLeaves = maximumLeaves
        self.maximumDepth = maximumDepth
        self.minimumLeafRows = minimumLeafRows
        self.lambda = lambda
        self.maximumBins = maximumBins
    }

    /// Boosts on `training` rows of `x` towards `targets` (one per row of `x`), stopping on `validation` rows.
    /// - Returns: the model and the losses per round (the report's `bestEpoch` is the number of trees kept).
    public func fit(
        _ x: FeatureMatrix, targets: [Double], loss: BoostedTrees.Loss, training: [Int], validation: [Int]
    ) throws(LearnError) -> (model: BoostedTrees, report: TrainingReport) {
        guard learningRate > 0, maximumRounds > 0, patience > 0, maximumLeaves >= 2, maximumDepth >= 1, minimumLeafRows >= 1, lambda >= 0,
            (2...256).contains(maximumBins)
        else { throw .invalidOption("Boosting needs a positive learning rate, rounds and patience, 2+ leaves, depth 1+, 2 to 256 bins") }
        guard training.count >= 2 * minimumLeafRows else { throw .tooFewRows(needed: 2 * minimumLeafRows, found: training.count, what: "training rows") }
        guard !validation.isEmpty else { throw .tooFewRows(needed: 1, found: 0, what: "validation rows") }
        let bins = FeatureBins(x, rows: training, maximumBins: maximumBins)
        let y = training.map { targets[$0] }
        let mean = y.reduce(0, +) / Double(y.count)
        let base: Double
        switch loss {
        case .logistic:
            guard mean > 0, mean < 1 else { throw .tooFewRows(needed: 1, found: 0, what: "rows of each class") }
            base = logit(mean)
        case .squared: base = mean
        }
        var f = [Double](repeating: base, count: training.count)
        let validationRows = validation.map { x.row($0) }
        let validationTargets = validation.map { targets[$0] }
        var validationScore = [Double](repeating: base, count: validation.count)
        var trees: [RegressionTree] = []
        var trainingLoss: [Double] = []
        var validationLoss: [Double] = []
        var best = Double.infinity
        var bestRounds = 0
        var g = [Double](repeating: 0, count: training.count)
        var h = [Double](repeating: 0, count: training.count)
        for round in 1...maximumRounds {
            for r in 0..<training.count {
                switch loss {
                case .logistic:
                    let p = sigmoid(f[r])
                    g[r] = p - y[r]
                    h[r] = max(p * (1 - p), 1e-12)
                case .squared:
                    g[r] = f[r] - y[r]
                    h[r] = 1
                }
            }
            let (tree, leafOfRow) = grow(bins, g, h)
            for r in 0..<training.count { f[r] += tree.nodes[leafOfRow[r]].value }
            for v in 0..<validation.count { validationScore[v] += tree.predict(validationRows[v]) }
            trees.append(tree)
            trainingLoss.append(Self.meanLoss(loss, f, y))
            let current = Self.meanLoss(loss, validationScore, validationTargets)
            validationLoss.append(current)
            if current < best - 1e-12 {
                best = current
                bestRounds = round
            } else if round - bestRounds >= patience {
                break
            }
        }
        let report = TrainingReport(
            trainingRows: training.count, validationRows: validation.count, trainingLoss: trainingLoss, validationLoss: validationLoss, bestEpoch: bestRounds)
        return (BoostedTrees(loss: loss, base: base, trees: Array(trees.prefix(bestRounds))), report)
    }

    static func meanLoss(_ loss: BoostedTrees.Loss, _ f: [Double], _ y: [Double]) -> Double {
        var s = 0.0
        for (fi, yi) in zip(f, y) {
            switch loss {
            case .logistic: s += softplus(fi) - yi * fi
            case .squared: s += (fi - yi) * (fi - yi)
            }
        }
        return s / Double(max(f.count, 1))
    }

    // MARK: - Growing one tree

    private struct Split {
        var gain: Double
        var feature: Int
        var bin: Int
    }

    private struct Leaf {
        var node: Int
        var depth: Int
        var rows: [Int]
        /// Per bin of every feature: gradient sum, hessian sum, row count (three arrays, all features back to back).
        var gradients: [Double]
        var hessians: [Double]
        var counts: [Int]
        var g: Double
        var h: Double
        var split: Split?
    }

    /// One tree grown best leaf first on Newton gains; also returns the leaf node of every training row.
    private func grow(_ bins: FeatureBins, _ g: [Double], _ h: [Double]) -> (RegressionTree, [Int]) {
        var offsets = [0]
        for j in 0..<bins.columns { offsets.append(offsets[j] + bins.binCount(j)) }
        let all = Array(0..<bins.rows)
        var nodes = [RegressionTree.Node.leaf(0, cover: Double(bins.rows))]
        var leaves = [makeLeaf(node: 0, depth: 0, rows: all, bins, g, h, offsets)]
        while leaves.count < maximumLeaves {
            guard let pick = leaves.indices.filter({ leaves[$0].split != nil }).max(by: { leaves[$0].split!.gain < leaves[$1].split!.gain }) else { break }
            let parent = leaves.remove(at: pick)
            let split = parent.split!
            var leftRows: [Int] = []
            var rightRows: [Int] = []
            for r in parent.rows {
                if Int(bins.codes[r * bins.columns + split.feature]) <= split.bin { leftRows.append(r) } else { rightRows.append(r) }
            }
            let leftNode = nodes.count, rightNode = nodes.count + 1
            nodes[parent.node] = RegressionTree.Node(
                feature: split.feature, threshold: bins.thresholds[split.feature][split.bin], left: leftNode, right: rightNode, value: 0,
                cover: Double(parent.rows.count))
            nodes.append(.leaf(0, cover: Double(leftRows.count)))
            nodes.append(.leaf(0, cover: Double(rightRows.count)))
            // Histogram of the smaller child; the larger one's is the parent's minus it (LightGBM's subtraction trick).
            let leftSmaller = leftRows.count <= rightRows.count
            let small = makeLeaf(
                node: leftSmaller ? leftNode : rightNode, depth: parent.depth + 1, rows: leftSmaller ? leftRows : rightRows, bins, g, h, offsets)
            var large = Leaf(
                node: leftSmaller ? rightNode : leftNode, depth: parent.depth + 1, rows: leftSmaller ? rightRows : leftRows,
                gradients: zip(parent.gradients, small.gradients).map { $0 - $1 }, hessians: zip(parent.hessians, small.hessians).map { $0 - $1 },
                counts: zip(parent.counts, small.counts).map { $0 - $1 }, g: parent.g - small.g, h: parent.h - small.h, split: nil)
            large.split = bestSplit(large, bins, offsets)
            leaves.append(small)
            leaves.append(large)
        }
        var leafOfRow = [Int](repeating: 0, count: bins.rows)
        for leaf in leaves {
            nodes[leaf.node].value = -learningRate * leaf.g / (leaf.h + lambda)
            for r in leaf.rows { leafOfRow[r] = leaf.node }
        }
        return (RegressionTree(nodes: nodes), leafOfRow)
    }

    private func makeLeaf(node: Int, depth: Int, rows: [Int], _ bins: FeatureBins, _ g: [Double], _ h: [Double], _ offsets: [Int]) -> Leaf {
        let total = offsets.last!
        var gradients = [Double](repeating: 0, count: total)
        var hessians = [Double](repeating: 0, count: total)
        var counts = [Int](repeating: 0, count: total)
        var gs = 0.0, hs = 0.0
        bins.codes.withUnsafeBufferPointer { codes in
            for r in rows {
                gs += g[r]
                hs += h[r]
                for j in 0..<bins.columns {
                    let k = offsets[j] + Int(codes[r * bins.columns + j])
                    gradients[k] += g[r]
                    hessians[k] += h[r]
                    counts[k] += 1
                }
            }
        }
        var leaf = Leaf(node: node, depth: depth, rows: rows, gradients: gradients, hessians: hessians, counts: counts, g: gs, h: hs, split: nil)
        leaf.split = bestSplit(leaf, bins, offsets)
        return leaf
    }

    private func bestSplit(_ leaf: Leaf, _ bins: FeatureBins, _ offsets: [Int]) -> Split? {
        guard leaf.depth < maximumDepth, leaf.rows.count >= 2 * minimumLeafRows else { return nil }
        let parentScore = leaf.g * leaf.g / (leaf.h + lambda)
        var best: Split?
        for j in 0..<bins.columns {
            var gl = 0.0, hl = 0.0, cl = 0
            for b in 0..<(bins.binCount(j) - 1) {
                let k = offsets[j] + b
                gl += leaf.gradients[k]
                hl += leaf.hessians[k]
                cl += leaf.counts[k]
                let cr = leaf.rows.count - cl
                if cl < minimumLeafRows { continue }
                if cr < minimumLeafRows { break }
                let gr = leaf.g - gl, hr = leaf.h - hl
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parentScore
                if gain > 1e-12, gain > (best?.gain ?? 0) { best = Split(gain: gain, feature: j, bin: b) }
            }
        }
        return best
    }
}
