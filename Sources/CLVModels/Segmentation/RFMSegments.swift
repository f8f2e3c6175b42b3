/// RFM quintile scores (1–5) and the named RFM segments.
///
/// Recency is scored on the time since the last purchase (T − tₓ, shorter is better), frequency on x and monetary
/// value on the mean spend (higher is better). Scores are quintiles of the customers' mid-ranks, so tied customers
/// always share a score.
public struct RFMScore: Sendable, Equatable, Codable, Hashable {
    public var recency: Int
    public var frequency: Int
    public var monetary: Int
    /// The frequency-monetary score, round((F + M) / 2), or F when there is no monetary value.
    public var frequencyMonetary: Int

    public init(recency: Int, frequency: Int, monetary: Int, frequencyMonetary: Int) {
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
        self.frequencyMonetary = frequencyMonetary
    }
}

/// The eleven standard RFM segments.
///
/// The rule table follows the widely used segment grid (Champions … Lost) over R and the combined FM score, made
/// non-overlapping by assigning each of the 25 (R, FM) cells to exactly one segment:
///
/// | segment | R | FM |
/// | --- | --- | --- |
/// | Champions | 4–5 | 4–5 |
/// | Loyal | 3–5 | 3–5 (not Champions) |
/// | Can't Lose Them | 1 | 4–5 |
/// | At Risk | 1–2 | 3–5 (not Can't Lose Them) |
/// | New | 5 | 1 |
/// | Promising | 4 | 1 |
/// | Potential Loyalist | 4–5 | 2 |
/// | Need Attention | 3 | 2 |
/// | About to Sleep | 3 | 1 |
/// | Hibernating | 2 | 1–2 |
/// | Lost | 1 | 1–2 |
public enum RFMSegment: String, Sendable, Codable, CaseIterable {
    case champions = "Champions"
    case loyal = "Loyal"
    case potentialLoyalist = "Potential Loyalist"
    case new = "New"
    case promising = "Promising"
    case needAttention = "Need Attention"
    case aboutToSleep = "About to Sleep"
    case atRisk = "At Risk"
    case cantLoseThem = "Can't Lose Them"
    case hibernating = "Hibernating"
    case lost = "Lost"

    /// The segment of an (R, FM) pair of scores in 1…5.
    public init(recency r: Int, frequencyMonetary fm: Int) {
        switch (r, fm) {
        case (4...5, 4...5): self = .champions
        case (3...5, 3...5): self = .loyal
        case (1, 4...5): self = .cantLoseThem
        case (1...2, 3...5): self = .atRisk
        case (5, 1): self = .new
        case (4, 1): self = .promising
        case (4...5, 2): self = .potentialLoyalist
        case (3, 2): self = .needAttention
        case (3, 1): self = .aboutToSleep
        case (2, _): self = .hibernating
        default: self = .lost
        }
    }
}

/// RFM scoring of a customer base.
public enum RFM {
    /// Quintile scores of every customer.
    /// - Parameters:
    ///   - daysSinceLastPurchase: T − tₓ per customer (any time unit).
    ///   - frequency: repeat purchases x.
    ///   - monetary: mean spend per customer, or `nil`.
    public static func scores(timeSinceLastPurchase: [Double], frequency: [Double], monetary: [Double]?) -> [RFMScore] {
        let r = quintiles(timeSinceLastPurchase.map { -$0 })
        let f = quintiles(frequency)
        let m = monetary.map(quintiles)
        return r.indices.map { i in
            let mi = m?[i] ?? f[i]
            let fm = m == nil ? f[i] : Int((Double(f[i] + mi) / 2).rounded(.toNearestOrAwayFromZero))
            return RFMScore(recency: r[i], frequency: f[i], monetary: mi, frequencyMonetary: fm)
        }
    }

    /// Scores 1…5 by quintile of the mid-rank (higher values score higher).
    public static func quintiles(_ values: [Double]) -> [Int] {
        let n = values.count
        guard n > 0 else { return [] }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var scores = [Int](repeating: 1, count: n)
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && values[order[j + 1]] == values[order[i]] { j += 1 }
            let midRank = Double(i + j) / 2 + 0.5  // in (0, n)
            let score = min(5, max(1, Int((5 * midRank / Double(n)).rounded(.down)) + 1))
            for k in i...j { scores[order[k]] = score }
            i = j + 1
        }
        return scores
    }
}

/// One row of `clv segments`: a segment's size, share of customers and predicted CLV, and mean P(alive).
public struct SegmentSummary: Sendable, Equatable, Codable {
    public var segment: String
    public var customers: Int
    public var shareOfCustomers: Double
    public var shareOfCLV: Double
    public var meanProbabilityAlive: Double

    /// Summarises labelled customers; segments appear in `order` (unlisted labels after, alphabetically), empty
    /// segments are kept with zeros so reports always list every segment.
    public static func summarise(labels: [String], clv: [Double], probabilityAlive: [Double], order: [String]) -> [SegmentSummary] {
        let totalCLV = clv.reduce(0, +)
        var count: [String: Int] = [:], value: [String: Double] = [:], alive: [String: Double] = [:]
        for i in labels.indices {
            count[labels[i], default: 0] += 1
            value[labels[i], default: 0] += clv[i]
            alive[labels[i], default: 0] += probabilityAlive[i]
        }
        let extra = Set(labels).subtracting(order).sorted()
        return (order + extra).map { name in
            let c = count[name] ?? 0
            return SegmentSummary(
                segment: name, customers: c, shareOfCustomers: labels.isEmpty ? 0 : Double(c) / Double(labels.count),
                shareOfCLV: totalCLV > 0 ? (value[name] ?? 0) / totalCLV : 0,
                meanProbabilityAlive: c > 0 ? (alive[name] ?? 0) / Double(c) : 0)
        }
    }
}
