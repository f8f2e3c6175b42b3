import CLVCore
import CLVModels

/// Plain-language reasons for a probabilistic model's prediction, each computed from the model itself: what
/// P(alive) would be had the customer bought at the cutoff, how long they have been silent against their own
/// usual gap, how their purchase rate compares with a new customer's, and how Gamma-Gamma weighed their spend.
public struct ProbabilisticDriver: Sendable, Equatable, Codable {
    /// A short key (`recency`, `frequency`, `spend`), stable for programs.
    public let factor: String
    /// One sentence for people.
    public let text: String

    public init(factor: String, text: String) {
        self.factor = factor
        self.text = text
    }

    /// The drivers of one customer's prediction over `horizon` (in the model's unit).
    /// - Parameters:
    ///   - meanSpend: the customer's mean repeat-purchase value, when a spend model is given.
    public static func drivers(
        for customer: CustomerSummary, model: AnyPurchaseModel, unit: TimeUnit, horizon: Double, spend: GammaGamma? = nil, meanSpend: Double? = nil
    ) -> [ProbabilisticDriver] {
        let m = model.model
        let alive = m.probabilityAlive(given: customer)
        let silentDays = (customer.age - customer.recency) * unit.days
        var out: [ProbabilisticDriver] = []
        // The counterfactual of a purchase on the last day: what the silence itself cost.
        let boughtAtCutoff = try? CustomerSummary(frequency: customer.frequency + 1, recency: customer.age, age: customer.age)
        let aliveIfJustBought = boughtAtCutoff.map { m.probabilityAlive(given: $0) }
        if customer.frequency > 0 {
            let gapDays = customer.recency / Double(customer.frequency) * unit.days
            let ratio = gapDays > 0 ? silentDays / gapDays : 0
            var text = "no purchase for \(Int(silentDays.rounded())) days, \(format(ratio, 1))x this customer's usual gap of \(Int(gapDays.rounded())) days"
            text += ratio >= 1 ? ", so P(alive) fell to \(format(alive, 2))" : ", so P(alive) stays at \(format(alive, 2))"
            if let aliveIfJustBought { text += " (\(format(aliveIfJustBought, 2)) had they bought on the last day)" }
            out.append(ProbabilisticDriver(factor: "recency", text: text))
        } else {
            out.append(
                ProbabilisticDriver(
                    factor: "recency",
                    text: "one purchase only, \(Int(silentDays.rounded())) days before the cutoff, and none since: P(alive) is \(format(alive, 2))"))
        }
        let expected = m.expectedPurchases(within: horizon, given: customer)
        let newCustomer = m.expectedPurchases(within: horizon)
        let rate = customer.age > 0 ? Double(customer.frequency) / customer.age : 0
        out.append(
            ProbabilisticDriver(
                factor: "frequency",
                text:
                    "\(customer.frequency) repeat purchases in \(format(customer.age, 1)) \(unit.rawValue)s (\(format(rate * horizon, 2)) per \(format(horizon, 0)) \(unit.rawValue)s at that rate), so \(format(expected, 2)) are expected in the next \(format(horizon, 0)) against \(format(newCustomer, 2)) for a new customer"
            ))
        if let spend, let meanSpend {
            let p = spend.parameters
            let population = p.p * p.v / (p.q - 1)
            let expectedSpend = spend.expectedAverageSpend(frequency: customer.frequency, meanSpend: meanSpend)
            let text =
                customer.frequency > 0
                ? "average repeat order \(format(meanSpend, 2)) over \(customer.frequency) orders, pulled towards the population's \(format(population, 2)) by Gamma-Gamma: \(format(expectedSpend, 2)) expected per order"
                : "no repeat order yet, so the expected order value is the population's \(format(population, 2))"
            out.append(ProbabilisticDriver(factor: "spend", text: text))
        }
        return out
    }
}

/// `x` with `digits` decimals (no locale, no Foundation).
func format(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (abs(x) * scale).rounded()
    let whole = Int(r / scale)
    let fraction = Int(r - Double(whole) * scale)
    let sign = x < 0 && r > 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(whole)" }
    let f = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}
