import CLVCore
import CLVData
import CLVModels

/// What an overview shows about a population: how many are active, what they are worth, how value is concentrated,
/// who matters most and who is slipping away. Computed once per population snapshot.
public struct PopulationInsights: Sendable {
    public var customers: Int
    /// P(alive) ≥ 0.5.
    public var activeCustomers: Int
    public var predictedPurchases: Double
    public var predictedValue: Double
    /// Lorenz curve: (share of customers, share of predicted value), customers sorted by value, best first; 101 points.
    public var lorenz: [(x: Double, y: Double)]
    /// Share of predicted value held by the top 20% of customers.
    public var top20Share: Double
    public var churnCounts: [ChurnRisk: Int]
    /// Indices into the population's customers: the ten most valuable.
    public var mostValuable: [Int]
    /// Indices of the ten customers who spent most on repeat purchases but are probably gone (P(alive) < 0.5).
    public var slippingAway: [Int]

    public init(_ population: Population) {
        let c = population.customers
        customers = c.count
        activeCustomers = c.filter { $0.score.probabilityAlive >= 0.5 }.count
        predictedPurchases = c.reduce(0) { $0 + $1.score.expectedPurchases }
        predictedValue = c.reduce(0) { $0 + ($1.score.clv ?? 0) }
        let values = c.map(\.value)
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && c[$0].row.customer < c[$1].row.customer) }
        let total = max(values.reduce(0, +), 1e-12)
        var cumulative = [0.0]
        cumulative.reserveCapacity(order.count + 1)
        for i in order { cumulative.append(cumulative[cumulative.count - 1] + values[i]) }
        lorenz = (0...100).map { p in
            let k = Int((Double(p) / 100 * Double(order.count)).rounded())
            return (Double(p) / 100, cumulative[k] / total)
        }
        top20Share = cumulative[Int((0.2 * Double(order.count)).rounded())] / total
        churnCounts = Dictionary(grouping: c, by: \.churnBand).mapValues(\.count)
        mostValuable = Array(order.prefix(10))
        let past = c.map { Double($0.row.frequency) * $0.row.monetaryValue }
        slippingAway = Array(
            c.indices.filter { c[$0].score.probabilityAlive < 0.5 && c[$0].row.frequency > 0 }
                .sorted { past[$0] > past[$1] || (past[$0] == past[$1] && c[$0].row.customer < c[$1].row.customer) }.prefix(10))
    }
}

/// P(alive) at the end of each week since a customer's first purchase, from the purchases made by then.
/// - Parameters:
///   - days: the customer's days, ordered by day (return-only days are skipped).
public func aliveHistory(days: [CustomerDay], model: AnyPurchaseModel, unit: TimeUnit, asOf: CalendarDay) -> [(week: Double, alive: Double)] {
    let purchases = days.filter { $0.purchaseLines > 0 && $0.day <= asOf }.map(\.day)
    guard let first = purchases.first else { return [] }
    let m = model.model
    var out: [(Double, Double)] = []
    var seen = 0
    var day = 0
    let end = first.days(to: asOf)
    while true {
        while seen < purchases.count, first.days(to: purchases[seen]) <= day { seen += 1 }
        let recency = Double(first.days(to: purchases[seen - 1])) / unit.days
        if let s = try? CustomerSummary(frequency: seen - 1, recency: recency, age: Double(day) / unit.days) {
            out.append((Double(day) / 7, m.probabilityAlive(given: s)))
        }
        if day >= end { break }
        day = min(day + 7, end)
    }
    return out
}
