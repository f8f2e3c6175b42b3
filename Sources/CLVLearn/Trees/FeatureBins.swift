import CLVInsight

/// Each feature's values cut into at most `maximumBins` bins at quantiles of the training data, as LightGBM
/// builds its histograms (Ke et al. 2017, "LightGBM", NeurIPS, section 2.2): a split is then chosen among bin
/// boundaries from per-bin sums of gradients, in O(bins) instead of O(rows) per feature.
///
/// Bin `b` of feature `j` holds the values in (`thresholds[j][b − 1]`, `thresholds[j][b]`]; a split "bin ≤ b"
/// is the split "x ≤ thresholds[j][b]" on raw values, which is how the trees store and apply it.
struct FeatureBins: Sendable {
    /// Upper bounds of every bin but the last, increasing, per feature.
    let thresholds: [[Double]]
    /// The bin of every training value, row-major like the matrix.
    let codes: [UInt8]
    let rows: Int
    let columns: Int

    init(_ x: FeatureMatrix, rows selected: [Int], maximumBins: Int) {
        precondition(maximumBins >= 2 && maximumBins <= 256, "FeatureBins: 2 to 256 bins")
        rows = selected.count
        columns = x.columns
        var thresholds: [[Double]] = []
        for j in 0..<x.columns {
            let values = selected.map { x[$0, j] }.sorted()
            var distinct: [Double] = []
            for v in values where distinct.last != v { distinct.append(v) }
            var cuts: [Double] = []
            if distinct.count <= maximumBins {
                // Midpoints between neighbours: every distinct value gets its own bin.
                for k in 0..<(distinct.count - 1) { cuts.append((distinct[k] + distinct[k + 1]) / 2) }
            } else {
                for b in 1..<maximumBins {
                    let v = values[(b * values.count) / maximumBins]
                    // The cut sits just below the quantile value's next distinct neighbour, so equal values stay together.
                    if let next = distinct.first(where: { $0 > v }) {
                        let cut = (v + next) / 2
                        if cuts.last.map({ cut > $0 }) ?? true { cuts.append(cut) }
                    }
                }
            }
            thresholds.append(cuts)
        }
        self.thresholds = thresholds
        var codes = [UInt8](repeating: 0, count: selected.count * x.columns)
        for (r, i) in selected.enumerated() {
            for j in 0..<x.columns { codes[r * x.columns + j] = UInt8(Self.bin(x[i, j], thresholds[j])) }
        }
        self.codes = codes
    }

    func binCount(_ j: Int) -> Int { thresholds[j].count + 1 }

    /// The number of thresholds below `value` (binary search).
    static func bin(_ value: Double, _ cuts: [Double]) -> Int {
        var low = 0, high = cuts.count
        while low < high {
            let mid = (low + high) / 2
            if value > cuts[mid] { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
