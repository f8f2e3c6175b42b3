import CLVCore
import RealModule

/// A catalogue whose popularity has a long tail (Zipf's law): product k of `count` (1-based) is bought with weight
/// 1/k^`exponent`, so a few products take most purchases and most products are bought rarely.
public struct ProductCatalogue: Sendable, Equatable {
    public let count: Int
    public let exponent: Double
    /// cumulative[k − 1] = Σ_{j ≤ k} j^−s, for drawing by bisection.
    private let cumulative: [Double]

    /// - Precondition: `count` ≥ 1 and a finite `exponent` ≥ 0 (0: every product equally popular).
    public init(count: Int, exponent: Double) {
        precondition(count >= 1 && exponent >= 0 && exponent.isFinite, "ProductCatalogue needs count ≥ 1 and a finite exponent ≥ 0")
        self.count = count
        self.exponent = exponent
        var total = 0.0
        cumulative = (1...count).map { k in
            total += Double.pow(Double(k), -exponent)
            return total
        }
    }

    /// The share of purchases that go to product `k` (1-based).
    public func share(of k: Int) -> Double { Double.pow(Double(k), -exponent) / cumulative[count - 1] }

    /// One product, 1-based.
    public func draw(using rng: inout some RandomNumberGenerator) -> Int {
        let u = Double.random(in: 0..<cumulative[count - 1], using: &rng)
        var (low, high) = (0, count - 1)
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > u { high = middle } else { low = middle + 1 }
        }
        return low + 1
    }
}

/// What each simulated purchase holds, so simulated order files look like a shop's: a value from the Gamma-Gamma
/// generative process (Fader & Hardie 2013, note 025: values ~ Gamma(p, ν) with ν ~ Gamma(q, v) drawn once per
/// customer) and lines of products from a ``ProductCatalogue``.
public struct BasketSimulator: Sendable, Equatable {
    /// One line of a purchase.
    public struct Line: Sendable, Equatable {
        /// 1-based product number, `nil` without a catalogue.
        public var product: Int?
        /// The line's share of the purchase value, in cents (at least one), `nil` without spend parameters.
        public var cents: Int?
    }

    public var spend: GammaGamma.Parameters?
    public var catalogue: ProductCatalogue?
    /// Mean lines per purchase: 1 + Poisson(`meanLines` − 1), so every purchase has at least one.
    public var meanLines: Double

    /// - Precondition: `meanLines` ≥ 1, and positive finite spend parameters if any.
    public init(spend: GammaGamma.Parameters? = nil, catalogue: ProductCatalogue? = nil, meanLines: Double = 1) {
        precondition(meanLines >= 1 && meanLines.isFinite, "BasketSimulator needs meanLines ≥ 1")
        precondition(spend.map { $0.values.allSatisfy { $0 > 0 && $0.isFinite } } ?? true, "spend parameters must be positive and finite")
        self.spend = spend
        self.catalogue = catalogue
        self.meanLines = meanLines
    }

    /// The lines of each of one customer's `purchases` purchases. A purchase's value is split over its lines at
    /// uniform random proportions (exponential spacings) and rounded to cents, so a purchase is worth its Gamma
    /// draw to the cent (give or take a cent per line).
    public func baskets(purchases: Int, using rng: inout some RandomNumberGenerator) -> [[Line]] {
        let rate = spend.map { gammaVariate(shape: $0.q, rate: $0.v, &rng) }
        return (0..<purchases).map { _ in
            let count = 1 + poissonVariate(mean: meanLines - 1, &rng)
            let products = (0..<count).map { _ in catalogue?.draw(using: &rng) }
            guard let spend, let rate else { return products.map { Line(product: $0, cents: nil) } }
            let value = gammaVariate(shape: spend.p, rate: rate, &rng)
            let weights = (0..<count).map { _ in exponentialVariate(rate: 1, &rng) }
            let total = weights.reduce(0, +)
            return zip(products, weights).map { product, weight in
                Line(product: product, cents: max(1, Int((100 * value * weight / total).rounded())))
            }
        }
    }
}

/// Poisson(mean): the arrivals of a unit-rate Poisson process before time `mean` (work grows with the mean, which
/// is small for basket sizes).
func poissonVariate(mean: Double, _ rng: inout some RandomNumberGenerator) -> Int {
    guard mean > 0 else { return 0 }
    var count = 0, elapsed = exponentialVariate(rate: 1, &rng)
    while elapsed < mean {
        count += 1
        elapsed += exponentialVariate(rate: 1, &rng)
    }
    return count
}
