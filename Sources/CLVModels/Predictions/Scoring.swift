import CLVCore
import CLVNumerics

/// Per-customer predictions over a horizon: the columns of `clv predict`.
public struct CustomerScore: Sendable, Codable, Equatable {
    public var expectedPurchases: Double
    public var probabilityAlive: Double
    /// Expected spend per transaction (Gamma-Gamma), when a spend model and monetary values are given.
    public var expectedSpend: Double?
    /// Discounted CLV over the horizon, when ``expectedSpend`` is known.
    public var clv: Double?
}

/// Scores many customers, in parallel over all cores (each chunk writes its own range; results do not depend on
/// timing).
///
/// E[X | history] = P(alive) · E[X | alive, x, T] (see ``PurchaseModel/expectedPurchasesIfAlive(within:frequency:age:)``),
/// and the second factor is cached per distinct (x, T) within a chunk: customers summarised in whole days share few.
/// With a spend model (and a CLV of at most 15 months), E[X] and the CLV's month-end expectations are one call of
/// ``PurchaseModel/expectedPurchases(within:given:)-(SIMD16<Double>,_)`` per customer instead, which BG/NBD answers
/// with one shared series.
///
/// - Parameters:
///   - horizon: prediction horizon in the model's time unit.
///   - spend: the spend model with each customer's mean repeat-purchase value; `nil` for purchases only.
///   - cashFlow: how CLV is discounted (its horizon is independent of `horizon`).
/// - Complexity: O(n) plus one E[X | alive] per distinct (x, T) per chunk, or one vector of expectations per customer.
public func scoreCustomers<M: PurchaseModel>(
    model: M, customers: [CustomerSummary], horizon: Double,
    spend: (model: GammaGamma, meanSpend: [Double])? = nil, cashFlow: DiscountedCashFlow = DiscountedCashFlow()
) -> [CustomerScore] {
    let n = customers.count
    guard n > 0 else { return [] }
    // Few large chunks, so that each chunk's cache sees most distinct (x, T) pairs once.
    let chunkCount = n < 2048 ? 1 : min(8, max(2, n / 65536))
    let discounts = cashFlow.discountFactors
    // With a spend model, the month ends of the CLV and the horizon (lane 15) are one vector of horizons, so a model
    // that shares work between horizons (BG/NBD's ₂F₁ series) evaluates them together.
    let together = spend != nil && discounts.count < 16
    var horizons = SIMD16<Double>.zero
    for k in 0..<min(discounts.count, 15) { horizons[k] = Double(k + 1) * cashFlow.unitsPerMonth }
    horizons[15] = horizon
    return [CustomerScore](unsafeUninitializedCapacity: n) { buffer, initialized in
        let output = DisjointRangeWriter(base: buffer.baseAddress!)
        ParallelFor.allCores.run(count: chunkCount) { chunk in
            let lo = chunk * n / chunkCount, hi = (chunk + 1) * n / chunkCount
            var cache = ConditionalExpectationCache()
            for i in lo..<hi {
                let h = customers[i]
                if together, let spend {
                    let cumulative = model.expectedPurchases(within: horizons, given: h)
                    let m = spend.model.expectedAverageSpend(frequency: h.frequency, meanSpend: spend.meanSpend[i])
                    let clv = cashFlow.value(cumulative: cumulative, spendPerTransaction: m, discounts: discounts)
                    output.initialize(
                        i, to: CustomerScore(expectedPurchases: cumulative[15], probabilityAlive: model.probabilityAlive(given: h), expectedSpend: m, clv: clv))
                    continue
                }
                let conditional = cache.value(x: h.frequency, age: h.age) {
                    model.expectedPurchasesIfAlive(within: horizon, frequency: h.frequency, age: h.age)
                }
                let alive = model.probabilityAlive(given: h)
                var score = CustomerScore(expectedPurchases: alive * conditional, probabilityAlive: alive)
                if let spend {
                    let m = spend.model.expectedAverageSpend(frequency: h.frequency, meanSpend: spend.meanSpend[i])
                    score.expectedSpend = m
                    score.clv = cashFlow.value(of: model, history: h, spendPerTransaction: m, discounts: discounts)
                }
                output.initialize(i, to: score)
            }
        }
        initialized = n
    }
}

/// Writes from concurrent chunks into one output buffer.
///
/// `@unchecked Sendable` because it carries a raw pointer: this is safe only as used in ``scoreCustomers``, where
/// every parallel chunk writes a disjoint index range, each index exactly once, and the buffer outlives the
/// parallel loop (which returns only after every chunk has finished).
struct DisjointRangeWriter<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    func initialize(_ index: Int, to value: T) { (base + index).initialize(to: value) }
}

/// An open-addressing cache of E[X | alive, x, T] keyed by (x, T), cheaper than `Dictionary` for this hot loop.
struct ConditionalExpectationCache {
    private var xs: [Int] = []
    private var ages: [UInt64] = []
    private var values: [Double] = []
    private var used: [Bool] = []
    private var count = 0
    private var mask = 0

    init() { resize(1 << 12) }

    private mutating func resize(_ capacity: Int) {
        let old = (xs, ages, values, used)
        xs = [Int](repeating: 0, count: capacity)
        ages = [UInt64](repeating: 0, count: capacity)
        values = [Double](repeating: 0, count: capacity)
        used = [Bool](repeating: false, count: capacity)
        mask = capacity - 1
        count = 0
        for i in old.3.indices where old.3[i] { insert(x: old.0[i], age: old.1[i], value: old.2[i]) }
    }

    private func slot(x: Int, age: UInt64) -> Int {
        var h = age ^ (UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15)
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h ^ (h >> 32)) & mask
    }

    private mutating func insert(x: Int, age: UInt64, value: Double) {
        var i = slot(x: x, age: age)
        while used[i] { i = (i + 1) & mask }
        used[i] = true
        xs[i] = x
        ages[i] = age
        values[i] = value
        count += 1
    }

    /// The cached value for (x, T), computing and storing it on a miss.
    mutating func value(x: Int, age: Double, _ compute: () -> Double) -> Double {
        let bits = age.bitPattern
        var i = slot(x: x, age: bits)
        while used[i] {
            if xs[i] == x && ages[i] == bits { return values[i] }
            i = (i + 1) & mask
        }
        let v = compute()
        if 2 * (count + 1) > mask + 1 { resize(2 * (mask + 1)) }
        insert(x: x, age: bits, value: v)
        return v
    }
}
