import CLVCore
import Dispatch
import Synchronization

/// Per-customer predictions over a horizon: the columns of `clv predict`.
public struct CustomerScore: Sendable, Codable, Equatable {
    public var expectedPurchases: Double
    public var probabilityAlive: Double
    /// Expected spend per transaction (Gamma-Gamma), when a spend model and monetary values are given.
    public var expectedSpend: Double?
    /// Discounted CLV over the horizon, when ``expectedSpend`` is known.
    public var clv: Double?
}

/// Scores many customers, in parallel over all cores (chunks in a fixed order; results do not depend on timing).
///
/// - Parameters:
///   - horizon: prediction horizon in the model's time unit.
///   - spend: the spend model with each customer's mean repeat-purchase value; `nil` for purchases only.
///   - cashFlow: how CLV is discounted (its horizon is independent of `horizon`).
public func scoreCustomers<M: PurchaseModel>(
    model: M, customers: [CustomerSummary], horizon: Double,
    spend: (model: GammaGamma, meanSpend: [Double])? = nil, cashFlow: DiscountedCashFlow = DiscountedCashFlow()
) -> [CustomerScore] {
    let n = customers.count
    let chunkCount = n < 2048 ? 1 : min(256, max(2, n / 4096))
    let parts = Mutex([[CustomerScore]](repeating: [], count: chunkCount))
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
        let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
        var out: [CustomerScore] = []
        out.reserveCapacity(hi - lo)
        for i in lo..<hi {
            let h = customers[i]
            var score = CustomerScore(
                expectedPurchases: model.expectedPurchases(within: horizon, given: h),
                probabilityAlive: model.probabilityAlive(given: h))
            if let spend {
                let m = spend.model.expectedAverageSpend(frequency: h.frequency, meanSpend: spend.meanSpend[i])
                score.expectedSpend = m
                score.clv = cashFlow.value(of: model, history: h, spendPerTransaction: m)
            }
            out.append(score)
        }
        parts.withLock { $0[chunk] = out }
    }
    return parts.withLock { $0 }.flatMap { $0 }
}
