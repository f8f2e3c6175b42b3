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
        // An open-addressing table of row indices keyed by the exact bits of (x, tₓ, T): on data that does not
        // compress this runs once per customer, where a Dictionary's SipHash and boxed buckets cost several times more.
        var table = RowTable()
        inputCount = customers.count
        for (i, c) in customers.enumerated() {
            let w = weights?[i] ?? 1
            guard w.isFinite, w >= 0 else { throw .invalidCustomer(row: i + 1, reason: "weight must be a finite number ≥ 0, got \(w)") }
            if w == 0 { continue }
            let x = Double(c.frequency), tx = c.recency.bitPattern, t = c.age.bitPattern
            var slot = table.slot(for: RowTable.hash(x.bitPattern, tx, t))
            while true {
                let j = table.rows[slot]
                if j < 0 {
                    table.rows[slot] = Int32(frequency.count)
                    frequency.append(x)
                    recency.append(c.recency)
                    age.append(c.age)
                    weight.append(w)
                    if table.needsGrowing(count: frequency.count) {
                        table.grow { RowTable.hash(frequency[$0].bitPattern, recency[$0].bitPattern, age[$0].bitPattern) }
                    }
                    break
                }
                let k = Int(j)
                if frequency[k] == x, recency[k].bitPattern == tx, age[k].bitPattern == t {
                    weight[k] += w
                    break
                }
                slot = table.next(slot)
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

/// Slots of row indices (−1 for empty) with linear probing, at most half full, for ``CustomerRows``' compression.
private struct RowTable {
    var rows = [Int32](repeating: -1, count: 1024)
    var mask = 1023

    /// A 64-bit mix of the three bit patterns (multiply–xorshift, as in SplitMix64's finaliser).
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var h = (a &* 0x9E37_79B9_7F4A_7C15) ^ b
        h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9 ^ c
        h = (h ^ (h >> 32)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    @inline(__always) func slot(for hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & mask }
    @inline(__always) func next(_ slot: Int) -> Int { (slot + 1) & mask }
    func needsGrowing(count: Int) -> Bool { 2 * count > rows.count }

    /// Doubles the slots and re-inserts every row, whose hash `hashOf(row)` gives.
    mutating func grow(_ hashOf: (Int) -> UInt64) {
        let count = rows.lazy.filter { $0 >= 0 }.count
        rows = [Int32](repeating: -1, count: rows.count * 2)
        mask = rows.count - 1
        for row in 0..<count {
            var s = slot(for: hashOf(row))
            while rows[s] >= 0 { s = next(s) }
            rows[s] = Int32(row)
        }
    }
}
