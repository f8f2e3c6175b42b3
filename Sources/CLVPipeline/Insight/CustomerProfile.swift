import CLVCore
import CLVData
import CLVInsight
import CLVModels
import Foundation

/// Everything CLVKit knows about one customer: behaviour and predictions always; interests and sentiment only with
/// profiling consent.
public struct CustomerProfile: Sendable, Codable {
    public struct Behaviour: Sendable, Codable {
        public var frequency: Int
        public var recency: Double
        public var age: Double
        public var unit: TimeUnit
        public var expectedPurchases: Double
        /// Horizon of ``expectedPurchases`` in days.
        public var horizonDays: Double
        public var probabilityAlive: Double
        public var clv: Double?
        public var clvInterval: [Double]?
        public var tier: String
        public var churnRisk: ChurnRisk
        public var segment: String
        /// The day by which the model expects one more purchase (horizon / expected purchases), when it expects
        /// at least one within the horizon.
        public var expectedNextOrder: CalendarDay?
        /// Mean days between purchase days, from the first to the last (nil with one purchase day).
        public var averageDaysBetweenOrders: Double?
        /// Net revenue per purchase day.
        public var averageOrderValue: Double?
    }

    /// Sentiment of the customer's texts in one month.
    public struct SentimentPoint: Sendable, Codable, Equatable {
        public var month: String
        public var meanScore: Double
        public var texts: Int
    }

    public var customer: CustomerID
    public var asOf: CalendarDay
    public var profilingConsent: Bool
    public var behaviour: Behaviour?
    public var interactions: [String: Int]
    public var interests: [Interest]?
    public var sentiment: [SentimentPoint]?
    /// Mean score of the last three months with texts minus that of the three before (nil with fewer texts).
    public var sentimentTrend: Double?
    public var narrative: String?

    /// Behaviour from a scored customer and their days.
    public static func behaviour(of scored: ScoredCustomer, days: [CustomerDay], unit: TimeUnit, horizon: Double, asOf: CalendarDay) -> Behaviour {
        let purchaseDays = days.filter { $0.purchaseLines > 0 && $0.day <= asOf }
        let first = purchaseDays.first?.day, last = purchaseDays.last?.day
        let gaps = purchaseDays.count > 1 ? first.flatMap { f in last.map { Double(f.days(to: $0)) / Double(purchaseDays.count - 1) } } : nil
        let revenue = days.filter { $0.day <= asOf }.reduce(0) { $0 + $1.purchaseAmount + $1.returnAmount }
        let horizonDays = horizon * unit.days
        let expected = scored.score.expectedPurchases
        return Behaviour(
            frequency: scored.row.frequency, recency: scored.row.recency, age: scored.row.age, unit: unit, expectedPurchases: expected,
            horizonDays: horizonDays, probabilityAlive: scored.score.probabilityAlive, clv: scored.score.clv,
            clvInterval: scored.interval?.clv.map { [$0.lower, $0.upper] }, tier: scored.tier, churnRisk: scored.churnBand, segment: scored.segment.rawValue,
            expectedNextOrder: expected >= 1 ? asOf.adding(days: Int((horizonDays / expected).rounded())) : nil,
            averageDaysBetweenOrders: gaps, averageOrderValue: purchaseDays.isEmpty ? nil : revenue / Double(purchaseDays.count))
    }

    /// Monthly means of scored texts, oldest first, and the trend of the last three months against the three before.
    public static func sentimentTimeline(_ scored: [ScoredText]) -> ([SentimentPoint], Double?) {
        var byMonth: [String: (Double, Int)] = [:]
        for text in scored {
            let c = text.day.components
            let key = String(format: "%04d-%02d", c.year, c.month)
            let current = byMonth[key] ?? (0, 0)
            byMonth[key] = (current.0 + text.score, current.1 + 1)
        }
        let points = byMonth.keys.sorted().map { SentimentPoint(month: $0, meanScore: byMonth[$0]!.0 / Double(byMonth[$0]!.1), texts: byMonth[$0]!.1) }
        guard points.count >= 2 else { return (points, nil) }
        let recent = points.suffix(min(3, points.count / 2 + points.count % 2))
        let earlier = points.dropLast(recent.count).suffix(3)
        func mean(_ p: some Collection<SentimentPoint>) -> Double {
            let n = p.reduce(0) { $0 + $1.texts }
            return p.reduce(0) { $0 + $1.meanScore * Double($1.texts) } / Double(max(1, n))
        }
        return (points, earlier.isEmpty ? nil : mean(recent) - mean(earlier))
    }
}
