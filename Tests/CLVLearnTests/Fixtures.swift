import CLVCore
import CLVInsight
import CLVLearn
import CLVTestSupport

/// A standard normal draw (Box–Muller) from a seeded generator.
func gaussian(_ rng: inout SplitMix64) -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
    let v = Double.random(in: 0..<1, using: &rng)
    return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * Double.pi * v)
}

/// Customers drawn from a known ZILN: logit p = 1.2 x₀ − 0.4, mu = 2 + 0.8 x₁, sigma = 0.5, with x₂ pure noise
/// and x₃ one of a few levels (a country-like code). The truth is what the models should recover.
func plantedZILN(rows: Int, seed: UInt64) throws -> LearningTable {
    var rng = SplitMix64(seed: seed)
    var elements: [Double] = []
    var labels: [Double] = []
    for _ in 0..<rows {
        let x = [gaussian(&rng), gaussian(&rng), gaussian(&rng), Double(Int.random(in: 0..<4, using: &rng))]
        let p = 1 / (1 + Double.exp(-(1.2 * x[0] - 0.4)))
        let buys = Double.random(in: 0..<1, using: &rng) < p
        labels.append(buys ? Double.exp(2 + 0.8 * x[1] + 0.5 * gaussian(&rng)) : 0)
        elements.append(contentsOf: x)
    }
    let set = try FeatureSet(
        name: "planted", version: 1,
        features: [
            Feature("x0", group: .summary), Feature("x1", group: .behaviour), Feature("noise", group: .behaviour), Feature("level", group: .text),
        ])
    return try LearningTable(
        featureSet: set, customers: (0..<rows).map { CustomerID("c\($0)") }, features: try FeatureMatrix(rows: rows, columns: 4, elements: elements),
        labels: labels)
}
