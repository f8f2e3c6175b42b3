import CLVCore

/// Customers compressed to distinct (x, tₓ, T) rows with weights (counts), in structure-of-arrays layout.
///
/// Likelihoods are sums over customers, so identical customers need one evaluation times their count. On data
/// summarised in whole days this cuts a million customers to tens of thousands of rows.
public struct CustomerRows: Sendable, Equatable {
    public private(set) var frequency: [Double] = []
    public private(set) var recency: [Double] = []
    public private(set) var age: [Double] = []
    public private(set) var weight: [Double] = []
    /// Number of input rows before compression (lifetimes' Pareto/NBD penalizer divides by their mean weight).
    public private(set) var inputCount: Int = 0

    public var count: Int { frequency.count }
    /// Σ weights: the number of customers represented.
    public var totalWeight: Double { weight.reduce(0, +) }

    /// Compresses customers (optionally weighted) into distinct rows, in order of first appearance.
    /// - Throws: ``FitError/invalidCustomer(row:reason:)`` for a negative or non-finite weight, or a weights
    ///   array of the wrong length.
    public init(_ customers: [CustomerSummary], weights: [Double]? = nil) throws(FitError) {
        if let weights, weights.count != customers.count {
            throw .invalidCustomer(row: min(weights.count, customers.count), reason: "\(weights.count) weights for \(customers.count) customers")
        }
        struct Key: Hashable {
            var x: Int
            var tx: UInt64
            var t: UInt64
        }
        var index: [Key: Int] = [:]
        index.reserveCapacity(min(customers.count, 1 << 16))
        inputCount = customers.count
        for (i, c) in customers.enumerated() {
            let w = weights?[i] ?? 1
            guard w.isFinite, w >= 0 else { throw .invalidCustomer(row: i + 1, reason: "weight must be a finite number ≥ 0, got \(w)") }
            if w == 0 { continue }
            let key = Key(x: c.frequency, tx: c.recency.bitPattern, t: c.age.bitPattern)
            if let j = index[key] {
                weight[j] += w
            } else {
                index[key] = frequency.count
                frequency.append(Double(c.frequency))
                recency.append(c.recency)
                age.append(c.age)
                weight.append(w)
            }
        }
    }

    /// Raw rows (already distinct or not), for spend data where "recency" carries the mean spend.
    init(frequency: [Double], recency: [Double], age: [Double], weight: [Double]) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.weight = weight
        self.inputCount = weight.count
    }

    /// The same rows with times multiplied by `factor` (lifetimes rescales time so that max T = 1).
    func scalingTime(by factor: Double) -> CustomerRows {
        var rows = CustomerRows(frequency: frequency, recency: recency.map { $0 * factor }, age: age.map { $0 * factor }, weight: weight)
        rows.inputCount = inputCount
        return rows
    }
}
