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
    // Few large chunks, so that each chunk's cache of E[X | alive, x, T] sees most distinct (x, T) pairs once.
    let chunkCount = n < 2048 ? 1 : min(8, max(2, n / 65536))
    let parts = Mutex([[CustomerScore]](repeating: [], count: chunkCount))
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
        let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
        var out: [CustomerScore] = []
        out.reserveCapacity(hi - lo)
        // E[X | alive] depends on (x, T) only: customers summarised in whole days share few distinct pairs.
        var ifAlive: [ScoreCacheKey: Double] = [:]
        for i in lo..<hi {
            let h = customers[i]
            let key = ScoreCacheKey(x: h.frequency, age: h.age.bitPattern)
            let conditional: Double
            if let cached = ifAlive[key] {
                conditional = cached
            } else {
                conditional = model.expectedPurchasesIfAlive(within: horizon, frequency: h.frequency, age: h.age)
                ifAlive[key] = conditional
            }
            let alive = model.probabilityAlive(given: h)
            var score = CustomerScore(expectedPurchases: alive * conditional, probabilityAlive: alive)
            if let spend {
                let m = spend.model.expectedAverageSpend(frequency: h.frequency, meanSpend: spend.meanSpend[i])
                score.expectedSpend = m
                score.clv = cashFlow.value(of: model, history: h, spendPerTransaction: m)
            }
            out.append(score)
        }
        parts.withLock { $0[chunk] = out }
    }
    var result: [CustomerScore] = []
    result.reserveCapacity(n)
    parts.withLock { chunks in
        for chunk in chunks { result.append(contentsOf: chunk) }
    }
    return result
}

/// (x, T) for the per-chunk cache of E[X | alive, x, T] in ``scoreCustomers(model:customers:horizon:spend:cashFlow:)``.
struct ScoreCacheKey: Hashable {
    var x: Int
    var age: UInt64
}
