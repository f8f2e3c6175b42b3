/// CLV tiers by rank: by default the top 10% of customers by predicted CLV are "platinum", the next 20% "gold",
/// the next 30% "silver" and the rest "bronze".
public struct ValueTiers: Sendable, Equatable, Codable {
    /// One tier and the share of customers it takes, from the most valuable down.
    public struct Tier: Sendable, Equatable, Codable {
        public var name: String
        public var share: Double
        public init(name: String, share: Double) {
            self.name = name
            self.share = share
        }
    }

    /// Tiers from the top; the last one takes whatever share remains.
    public var tiers: [Tier]

    public static let standard = ValueTiers(tiers: [
        Tier(name: "platinum", share: 0.1), Tier(name: "gold", share: 0.2),
        Tier(name: "silver", share: 0.3), Tier(name: "bronze", share: 0.4),
    ])

    public init(tiers: [Tier]) { self.tiers = tiers }

    /// The tier name of each customer. Customers are ranked by `values` descending (ties keep input order); the
    /// first ⌈share · n⌉ (cumulatively, rounded) go to the first tier, and so on.
    /// - Complexity: O(n log n).
    public func assign(_ values: [Double]) -> [String] {
        guard let last = tiers.last else { return values.map { _ in "" } }
        let n = values.count
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var out = [String](repeating: last.name, count: n)
        var cumulative = 0.0
        var start = 0
        for tier in tiers.dropLast() {
            cumulative += tier.share
            let end = min(n, Int((cumulative * Double(n)).rounded()))
            for k in start..<max(start, end) { out[order[k]] = tier.name }
            start = max(start, end)
        }
        return out
    }
}

/// Churn risk = 1 − P(alive), banded.
public enum ChurnRisk: String, Sendable, Codable, CaseIterable {
    case low, medium, high

    /// Band of a churn risk given the upper bounds of "low" and "medium" (defaults 0.3 and 0.7).
    public static func band(probabilityAlive: Double, lowBelow: Double = 0.3, mediumBelow: Double = 0.7) -> ChurnRisk {
        let risk = 1 - probabilityAlive
        if risk < lowBelow { return .low }
        if risk < mediumBelow { return .medium }
        return .high
    }
}
