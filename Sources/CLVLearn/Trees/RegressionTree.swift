/// A binary regression tree on raw feature values: internal nodes send `x[feature] ≤ threshold` left, leaves
/// hold a value. Each node keeps its cover (the training rows that reached it), which TreeSHAP weighs by.
public struct RegressionTree: Sendable, Equatable, Codable {
    public struct Node: Sendable, Equatable, Codable {
        /// The split feature, or -1 at a leaf.
        public var feature: Int
        public var threshold: Double
        public var left: Int
        public var right: Int
        /// The leaf value (already multiplied by the learning rate); unused at internal nodes.
        public var value: Double
        /// Training rows that reached the node.
        public var cover: Double

        public var isLeaf: Bool { feature < 0 }

        public init(feature: Int, threshold: Double, left: Int, right: Int, value: Double, cover: Double) {
            self.feature = feature
            self.threshold = threshold
            self.left = left
            self.right = right
            self.value = value
            self.cover = cover
        }

        static func leaf(_ value: Double, cover: Double) -> Node { Node(feature: -1, threshold: 0, left: -1, right: -1, value: value, cover: cover) }
    }

    /// Node 0 is the root.
    public let nodes: [Node]

    /// - Precondition: children point inside `nodes` and after their parent (no cycles).
    public init(nodes: [Node]) {
        precondition(!nodes.isEmpty, "RegressionTree: no nodes")
        for (k, n) in nodes.enumerated() where !n.isLeaf {
            precondition(n.left > k && n.right > k && n.left < nodes.count && n.right < nodes.count, "RegressionTree: bad child index")
        }
        self.nodes = nodes
    }

    /// The leaf value `x` falls into.
    public func predict(_ x: [Double]) -> Double {
        var k = 0
        while !nodes[k].isLeaf { k = x[nodes[k].feature] <= nodes[k].threshold ? nodes[k].left : nodes[k].right }
        return nodes[k].value
    }

    /// The cover-weighted mean leaf value: the tree's expected output over its training rows.
    public var expectedValue: Double {
        func walk(_ k: Int) -> Double {
            let n = nodes[k]
            if n.isLeaf { return n.value }
            return (nodes[n.left].cover * walk(n.left) + nodes[n.right].cover * walk(n.right)) / n.cover
        }
        return walk(0)
    }
}
