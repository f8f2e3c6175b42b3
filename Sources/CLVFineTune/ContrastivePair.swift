import CLVCore

/// Two training examples and whether they share a label: the unit of SetFit's contrastive stage (Tunstall et al.
/// 2022, "Efficient few-shot learning without prompts", arXiv:2209.11055), which pulls same-label texts together
/// and pushes different-label texts apart before a head is trained, so that few labelled texts yield many pairs.
public struct ContrastivePair: Sendable, Equatable {
    /// Indices into the examples.
    public var first: Int, second: Int
    /// Whether the two texts have the same label (target cosine 1) or not (target 0).
    public var similar: Bool

    public init(first: Int, second: Int, similar: Bool) {
        self.first = first
        self.second = second
        self.similar = similar
    }

    /// SetFit's pair generation: `iterations` rounds in which every example is paired once with a random other
    /// example of its own label (when its label has another) and once with a random example of another label
    /// (when there is one); the pairs come out in a seeded random order.
    public static func sampled(labels: [Double], iterations: Int, seed: UInt64) -> [ContrastivePair] {
        var byLabel: [Double: [Int]] = [:]
        var rank = [Int](repeating: 0, count: labels.count)  // each example's place in its label's list
        for (index, label) in labels.enumerated() {
            rank[index] = byLabel[label, default: []].count
            byLabel[label, default: []].append(index)
        }
        var random = SplitMix64(seed: seed ^ 0x5041_4952_53)  // "PAIRS"
        func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
        var pairs: [ContrastivePair] = []
        pairs.reserveCapacity(2 * max(0, iterations) * labels.count)
        for _ in 0..<max(0, iterations) {
            for (index, label) in labels.enumerated() {
                let same = byLabel[label]!
                if same.count > 1 {
                    // Uniform among the label's other examples: draws at or past the example's own place shift by one.
                    let drawn = pick(same.count - 1)
                    pairs.append(ContrastivePair(first: index, second: same[drawn < rank[index] ? drawn : drawn + 1], similar: true))
                }
                if same.count < labels.count {
                    // Uniform among the examples of other labels, by rejection (few tries unless one label dominates).
                    var partner = pick(labels.count)
                    while labels[partner] == label { partner = pick(labels.count) }
                    pairs.append(ContrastivePair(first: index, second: partner, similar: false))
                }
            }
        }
        return Batches.shuffled(pairs.count, random: &random).map { pairs[$0] }
    }
}
