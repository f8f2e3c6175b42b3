import CLVCore

/// Customers compressed to distinct (x, tₓ, T) rows with weights (counts), in structure-of-arrays layout.
///
/// Likelihoods are sums over customers, so identical customers need one evaluation times their count. On data
/// summarised in whole days this cuts a million customers to tens of thousands of rows; large data sets whose
/// rows barely repeat (continuous times) are kept one row per customer (``compressionPays(_:)``).
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
        inputCount = customers.count
        if !Self.compressionPays(customers) {
            // Each customer its own row: compressing a million rows that barely repeat costs more (a random memory
            // access per row) than evaluating the few duplicates.
            frequency.reserveCapacity(customers.count)
            recency.reserveCapacity(customers.count)
            age.reserveCapacity(customers.count)
            weight.reserveCapacity(customers.count)
            for (i, c) in customers.enumerated() {
                let w = try Self.weight(weights, i)
                if w == 0 { continue }
                frequency.append(Double(c.frequency))
                recency.append(c.recency)
                age.append(c.age)
                weight.append(w)
            }
            return
        }
        // An open-addressing table of row indices keyed by the exact bits of (x, tₓ, T), cheaper per row than a
        // Dictionary's SipHash and buckets.
        var table = RowTable()
        for (i, c) in customers.enumerated() {
            let w = try Self.weight(weights, i)
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

    /// Customer `i`'s weight (1 without weights), checked.
    private static func weight(_ weights: [Double]?, _ i: Int) throws(FitError) -> Double {
        let w = weights?[i] ?? 1
        guard w.isFinite, w >= 0 else { throw .invalidCustomer(row: i + 1, reason: "weight must be a finite number ≥ 0, got \(w)") }
        return w
    }

    /// Whether merging identical rows is worth its cost: always for fewer than 65,536 customers; for more, when
    /// 4,096 evenly spaced customers include at least 5% repeats of one another.
    ///
    /// A row shared by k of N customers appears about 4096 k / N times in the sample, so the sample shows exactly
    /// the rows with many copies, which are the ones that make compression pay (whole-day or whole-week data); on
    /// continuous times it finds none.
    static func compressionPays(_ customers: [CustomerSummary]) -> Bool {
        let n = customers.count, sample = 4096
        guard n >= 65_536 else { return true }
        var seen = Set<CustomerSummary>(minimumCapacity: sample)
        var repeats = 0
        for j in 0..<sample where !seen.insert(customers[j * n / sample]).inserted { repeats += 1 }
        return repeats * 20 >= sample
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

extension CustomerRows {
    /// The distinct x, each row's index into them, and the total weight of each, in order of first appearance.
    ///
    /// x is a whole number (a ``CustomerSummary`` frequency), so a table indexed by x replaces a hash lookup per row.
    func frequencyIndex() -> (distinct: [Double], index: [Int32], weight: [Double]) {
        var slotOfX: [Int32] = []
        var distinct: [Double] = [], total: [Double] = []
        var index: [Int32] = []
        index.reserveCapacity(count)
        for (x, w) in zip(frequency, weight) {
            precondition(x >= 0 && x == x.rounded() && x < 1e9, "frequency \(x) is not a whole number")
            let key = Int(x)
            if key >= slotOfX.count { slotOfX += [Int32](repeating: -1, count: key + 1 - slotOfX.count) }
            if slotOfX[key] < 0 {
                slotOfX[key] = Int32(distinct.count)
                distinct.append(x)
                total.append(0)
            }
            let k = slotOfX[key]
            total[Int(k)] += w
            index.append(k)
        }
        return (distinct, index, total)
    }
}
