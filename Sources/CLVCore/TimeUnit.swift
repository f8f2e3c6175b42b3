/// The unit in which recency and T are measured.
///
/// Units are fixed numbers of days, as in lifetimes (`freq='W'` divides days by 7): a "week" is 7 days, not a
/// calendar week, and a "month" is 365.25 / 12 days.
public enum TimeUnit: String, Sendable, Codable, CaseIterable {
    case day, week, month

    /// The length of one unit in days.
    public var days: Double {
        switch self {
        case .day: 1
        case .week: 7
        case .month: 365.25 / 12
        }
    }
}
