import CLVCore

/// One training or evaluation example: a token sequence (`[CLS] … [SEP]`) and its label (see ``FineTuneHead``).
public struct FineTuneExample: Sendable, Equatable {
    public var tokens: [Int]
    public var label: Double

    public init(tokens: [Int], label: Double) {
        self.tokens = tokens
        self.label = label
    }
}

/// The order an epoch visits the training examples in, and how they are cut into batches.
enum Batches {
    /// A seeded Fisher–Yates shuffle of `0..<count` (its own loop, so that a seed gives the same order whatever
    /// the standard library's `shuffle` does).
    static func shuffled(_ count: Int, random: inout SplitMix64) -> [Int] {
        var order = Array(0..<count)
        guard count > 1 else { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(random.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }

    /// Length-bucketed batches: the shuffled examples are taken in pools of 50 batches, each pool sorted by token
    /// count and cut into batches, and the batches shuffled again. Batches hold texts of similar length (so the
    /// shards of a batch are balanced and attention's per-sequence cost is even) while every epoch still mixes
    /// the data.
    static func bucketed(lengths: [Int], batchSize: Int, random: inout SplitMix64) -> [[Int]] {
        let order = shuffled(lengths.count, random: &random)
        let pool = 50 * batchSize
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            let members = order[start..<min(order.count, start + pool)].sorted { (lengths[$0], $0) < (lengths[$1], $1) }
            var b = 0
            while b < members.count {
                batches.append(Array(members[b..<min(members.count, b + batchSize)]))
                b += batchSize
            }
            start += pool
        }
        return shuffled(batches.count, random: &random).map { batches[$0] }
    }

    /// Cuts a batch into at most `count` contiguous shards of about equal token count (each shard runs on its own
    /// thread); never an empty shard.
    static func shards(_ batch: [Int], lengths: [Int], count: Int) -> [[Int]] {
        let count = max(1, min(count, batch.count))
        guard count > 1 else { return [batch] }
        let total = batch.reduce(0) { $0 + lengths[$1] }
        var shards: [[Int]] = []
        var current: [Int] = []
        var accumulated = 0
        for (position, index) in batch.enumerated() {
            current.append(index)
            accumulated += lengths[index]
            let remainingItems = batch.count - position - 1
            let remainingShards = count - shards.count - 1
            if remainingShards > 0,
                accumulated * count >= total * (shards.count + 1) || remainingItems == remainingShards
            {
                shards.append(current)
                current = []
            }
        }
        if !current.isEmpty { shards.append(current) }
        return shards
    }
}
