/// A customer's repeat-purchase history in the (x, tₓ, T) form that buy-till-you-die models take.
///
/// - `frequency` (x): the number of repeat purchase periods (days, in the lifetimes convention) after the first.
/// - `recency` (tₓ): time from the first purchase to the last, in the chosen time unit.
/// - `age` (T): time from the first purchase to the end of the observation window, in the same unit.
///
/// The throwing initialiser guarantees 0 ≤ tₓ ≤ T, finite values, x ≥ 0 and tₓ = 0 when x = 0, so models never
/// see an impossible row.
public struct CustomerSummary: Hashable, Sendable, Codable {
    public let frequency: Int
    public let recency: Double
    public let age: Double

    /// Creates a validated summary.
    /// - Throws: ``SummaryError`` when a value is negative, not finite, or tₓ > T.
    public init(frequency: Int, recency: Double, age: Double) throws(SummaryError) {
        guard frequency >= 0 else { throw .negativeFrequency(frequency) }
        guard recency.isFinite, age.isFinite else { throw .notFinite }
        guard recency >= 0, age >= 0 else { throw .negativeTime }
        // Allow rounding noise from published 2-decimal data (tₓ = 38.86 vs T = 38.857...).
        guard recency <= age + 1e-6 * Swift.max(1, age) else { throw .recencyAfterAge(recency: recency, age: age) }
        guard frequency > 0 || recency == 0 else { throw .recencyWithoutRepeat(recency) }
        self.frequency = frequency
        self.recency = Swift.min(recency, age)
        self.age = age
    }

    private enum CodingKeys: String, CodingKey {
        case frequency, recency
        case age = "T"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            frequency: c.decode(Int.self, forKey: .frequency),
            recency: c.decode(Double.self, forKey: .recency),
            age: c.decode(Double.self, forKey: .age)
        )
    }
}

/// Why a ``CustomerSummary`` could not be built.
public enum SummaryError: Error, Sendable, Equatable, CustomStringConvertible {
    case negativeFrequency(Int)
    case notFinite
    case negativeTime
    case recencyAfterAge(recency: Double, age: Double)
    case recencyWithoutRepeat(Double)

    public var description: String {
        switch self {
        case let .negativeFrequency(x): "frequency must be 0 or more, got \(x)"
        case .notFinite: "recency and T must be finite numbers"
        case .negativeTime: "recency and T must be 0 or more"
        case let .recencyAfterAge(r, t): "recency (\(r)) must not exceed T (\(t))"
        case let .recencyWithoutRepeat(r): "recency must be 0 when frequency is 0, got \(r)"
        }
    }
}
