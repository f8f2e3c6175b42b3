/// Exact path-dependent TreeSHAP: the Shapley values of a tree's output for one input, where the value of a
/// coalition S is E[f(x) | x_S] with the features outside S integrated out by the training covers.
///
/// Lundberg, Erion & Lee (2018), "Consistent Individualized Feature Attribution for Tree Ensembles",
/// arXiv:1802.03888, Algorithm 2: one walk of the tree that carries, for every feature on the path, the fraction of
/// covers that flows through (`zero`) and whether x itself flows through (`one`), and the permutation weights of
/// every subset size; O(leaves · depth²).
///
/// The values add up exactly: Σ φ = f(x) − ``RegressionTree/expectedValue``.
extension RegressionTree {
    public func shapValues(_ x: [Double], features: Int) -> [Double] {
        var phi = [Double](repeating: 0, count: features)
        recurse(0, path: [], zero: 1, one: 1, feature: -1, x, &phi)
        return phi
    }

    private struct PathElement {
        var feature: Int
        var zero: Double
        var one: Double
        var weight: Double
    }

    private func recurse(_ k: Int, path parentPath: [PathElement], zero: Double, one: Double, feature: Int, _ x: [Double], _ phi: inout [Double]) {
        var path = Self.extend(parentPath, zero: zero, one: one, feature: feature)
        let node = nodes[k]
        if node.isLeaf {
            for i in 1..<path.count {
                let w = Self.unwoundSum(path, i)
                phi[path[i].feature] += w * (path[i].one - path[i].zero) * node.value
            }
            return
        }
        let (hot, cold) = x[node.feature] <= node.threshold ? (node.left, node.right) : (node.right, node.left)
        var incomingZero = 1.0, incomingOne = 1.0
        // A feature met again on the path: undo its earlier extension and carry its fractions on.
        if let i = path.indices.dropFirst().first(where: { path[$0].feature == node.feature }) {
            incomingZero = path[i].zero
            incomingOne = path[i].one
            path = Self.unwind(path, i)
        }
        recurse(hot, path: path, zero: incomingZero * nodes[hot].cover / node.cover, one: incomingOne, feature: node.feature, x, &phi)
        recurse(cold, path: path, zero: incomingZero * nodes[cold].cover / node.cover, one: 0, feature: node.feature, x, &phi)
    }

    /// Adds a feature to the path, updating the weights of every subset size.
    private static func extend(_ old: [PathElement], zero: Double, one: Double, feature: Int) -> [PathElement] {
        var path = old
        let l = path.count
        path.append(PathElement(feature: feature, zero: zero, one: one, weight: l == 0 ? 1 : 0))
        for i in stride(from: l - 1, through: 0, by: -1) {
            path[i + 1].weight += one * path[i].weight * Double(i + 1) / Double(l + 1)
            path[i].weight = zero * path[i].weight * Double(l - i) / Double(l + 1)
        }
        return path
    }

    /// The path without element `index`: the inverse of ``extend``.
    private static func unwind(_ old: [PathElement], _ index: Int) -> [PathElement] {
        var path = old
        let last = path.count - 1
        let one = path[index].one, zero = path[index].zero
        var next = path[last].weight
        for i in stride(from: last - 1, through: 0, by: -1) {
            if one != 0 {
                let w = path[i].weight
                path[i].weight = next * Double(last + 1) / (Double(i + 1) * one)
                next = w - path[i].weight * zero * Double(last - i) / Double(last + 1)
            } else {
                path[i].weight = path[i].weight * Double(last + 1) / (zero * Double(last - i))
            }
        }
        for i in index..<last {
            path[i].feature = path[i + 1].feature
            path[i].zero = path[i + 1].zero
            path[i].one = path[i + 1].one
        }
        path.removeLast()
        return path
    }

    /// The total weight of the path with element `index` unwound, without building it.
    private static func unwoundSum(_ path: [PathElement], _ index: Int) -> Double {
        let last = path.count - 1
        let one = path[index].one, zero = path[index].zero
        var next = path[last].weight
        var total = 0.0
        for i in stride(from: last - 1, through: 0, by: -1) {
            if one != 0 {
                let w = next * Double(last + 1) / (Double(i + 1) * one)
                total += w
                next = path[i].weight - w * zero * Double(last - i) / Double(last + 1)
            } else {
                total += path[i].weight / zero / (Double(last - i) / Double(last + 1))
            }
        }
        return total
    }

    /// E[f(x) | x_S]: the tree's output with the features outside `known` integrated out by cover (the value
    /// function TreeSHAP takes the Shapley values of; for brute-force checks).
    public func conditionalExpectation(_ x: [Double], known: Set<Int>) -> Double {
        func walk(_ k: Int) -> Double {
            let n = nodes[k]
            if n.isLeaf { return n.value }
            if known.contains(n.feature) { return walk(x[n.feature] <= n.threshold ? n.left : n.right) }
            return (nodes[n.left].cover * walk(n.left) + nodes[n.right].cover * walk(n.right)) / n.cover
        }
        return walk(0)
    }
}
