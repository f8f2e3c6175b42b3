import CLVCore
import CLVData
import CLVModels
import CLVRecommend
import Foundation

/// What each customer is worth, for recommendations: their CLV tier and P(alive) from BG/NBD + Gamma-Gamma fitted
/// on the orders through one day (weeks, a 52-week horizon, 12 months of CLV at 1% a month: the service's
/// defaults). Fitted here, not read from a saved run, so that an evaluation's tiers know nothing of its test
/// period.
public struct CustomerValues: Sendable {
    /// The tier names, best first.
    public let tierNames: [String]
    public let tiers: [CustomerID: String]
    public let probabilityAlive: [CustomerID: Double]

    /// Fits the models on the orders through `asOf` and scores every customer who bought by then.
    /// - Throws: ``FitError`` when the models cannot be fitted (e.g. no repeat buyer), ``WorkflowError``.
    public static func fitted(_ store: any ServiceStore, asOf: CalendarDay) async throws -> CustomerValues {
        let window = SummaryWindow(calibrationEnd: asOf, unit: .week)
        let table = try await Workflow(store: store).customers(window)
        let purchase = try Workflow.fit(.bgnbd, table, unit: .week, calibrationEnd: asOf).purchase!
        let spend = try? Workflow.fit(.gg, table, unit: .week, calibrationEnd: asOf).spend
        let policy = ScoringPolicy.service(horizonWeeks: 52, clvMonths: 12, monthlyDiscountRate: 0.01, unit: .week)
        let population = Population(table: table, purchase: purchase, spend: spend, policy: policy, asOf: asOf, unit: .week)
        return CustomerValues(
            tierNames: population.tierNames,
            tiers: Dictionary(population.customers.map { ($0.row.customer, $0.tier) }, uniquingKeysWith: { first, _ in first }),
            probabilityAlive: Dictionary(population.customers.map { ($0.row.customer, $0.score.probabilityAlive) }, uniquingKeysWith: { first, _ in first }))
    }
}

/// How a list is re-weighted by what customers are worth (`--rerank`). Each starts from the model's scores scaled
/// so the customer's best product scores 1.
public enum CLVReranking: String, Sendable, CaseIterable, Codable {
    /// Score × the square root of the product's price over the catalogue's median price: toward products that
    /// earn more per sale (price stands in for margin, which the catalogue does not hold; the root keeps a
    /// product ten times dearer from needing only a tenth of the relevance).
    case margin
    /// Score × the mean P(alive) of the product's buyers: toward what active customers buy, away from what
    /// customers who have since left bought.
    case alive
    /// For a customer at risk, score blended with popularity by their P(death), `(1 − p)·s + p·pop`: the products
    /// most customers like, rather than the model's bolder guesses, for someone who may not come back.
    case retention

    /// The per-product weights and per-customer inputs a reranking reads.
    struct Inputs: Sendable {
        var mode: CLVReranking
        /// Per product: price factor (margin) or buyers' mean P(alive) (alive).
        var itemWeights: [Float]
        /// Popularity scaled to its best product (retention).
        var popularity: [Float]
    }

    /// The inputs over a model's products: `prices` and `buyers` (who has each product) are by column.
    func inputs(prices: [Double?], buyers: SparseMatrix, probabilityAlive: [Double?], popularity: [Float]) -> Inputs {
        var weights = [Float](repeating: 1, count: prices.count)
        switch self {
        case .margin:
            let known = prices.compactMap { $0 }.filter { $0 > 0 }.sorted()
            if !known.isEmpty {
                let median = known[known.count / 2]
                for (i, price) in prices.enumerated() { if let price, price > 0 { weights[i] = Float((price / median).squareRoot()) } }
            }
        case .alive:
            var sum = [Double](repeating: 0, count: prices.count)
            var count = [Double](repeating: 0, count: prices.count)
            for user in 0..<buyers.rows {
                guard let p = user < probabilityAlive.count ? probabilityAlive[user] : nil else { continue }
                for item in buyers.columns(ofRow: user) {
                    sum[Int(item)] += p
                    count[Int(item)] += 1
                }
            }
            for i in weights.indices where count[i] > 0 { weights[i] = Float(sum[i] / count[i]) }
        case .retention: break
        }
        let top = popularity.max() ?? 0
        return Inputs(mode: self, itemWeights: weights, popularity: top > 0 ? popularity.map { $0 / top } : popularity)
    }
}

extension CLVReranking.Inputs {
    /// Re-weights `scores` in place for a customer with this P(alive) (nil: unknown, treated as alive).
    func apply(to scores: UnsafeMutableBufferPointer<Float>, probabilityAlive: Double?) {
        let top = scores.max() ?? 0
        guard top > 0 else { return }
        switch mode {
        case .margin, .alive:
            for i in 0..<scores.count { scores[i] = scores[i] / top * itemWeights[i] }
        case .retention:
            let p = Float(1 - (probabilityAlive ?? 1))
            for i in 0..<scores.count { scores[i] = (1 - p) * scores[i] / top + p * popularity[i] }
        }
    }
}

/// A recommender whose scores are re-weighted by CLV: what evaluation scores and serving ranks with `--rerank`.
struct ReweightedRecommender: Recommender {
    let base: any Recommender
    let inputs: CLVReranking.Inputs
    /// P(alive) of each user index.
    let probabilityAlive: [Double?]

    var itemCount: Int { base.itemCount }

    func scoreItems(user: Int, history: SparseVector, into scores: UnsafeMutableBufferPointer<Float>) {
        base.scoreItems(user: user, history: history, into: scores)
        inputs.apply(to: scores, probabilityAlive: user >= 0 && user < probabilityAlive.count ? probabilityAlive[user] : nil)
    }
}
