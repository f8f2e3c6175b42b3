/// Per-column standardisation, `z = (x − mean) / std`, fitted once and applied to any matrix with the same columns.
///
/// The standard deviation is the population one (divisor n), as scikit-learn's `StandardScaler` uses. A column
/// with zero variance carries no information for distances: it becomes 0 everywhere (its `scale` is stored as 1).
public struct Standardizer: Sendable, Equatable, Codable {
    /// The fitted mean of each column.
    public let means: [Double]
    /// The fitted standard deviation of each column (1 for a zero-variance column).
    public let scales: [Double]
    /// Whether each column had zero variance when fitted (it transforms to 0).
    public let constantColumns: [Bool]

    /// Fits the column means and standard deviations of `x`.
    ///
    /// - Throws: ``InsightError/tooFewRows(needed:found:)`` when `x` has no rows.
    /// - Complexity: O(n·d).
    public init(fitting x: FeatureMatrix) throws(InsightError) {
        guard x.rows > 0 else { throw .tooFewRows(needed: 1, found: 0) }
        let n = Double(x.rows)
        let d = x.columns
        var means = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { e in
            for i in 0..<x.rows {
                for j in 0..<d { means[j] += e[i * d + j] }
            }
            for j in 0..<d { means[j] /= n }
            for i in 0..<x.rows {
                for j in 0..<d {
                    let c = e[i * d + j] - means[j]
                    squares[j] += c * c
                }
            }
        }
        self.means = means
        // A relative floor: a constant column whose mean is not exactly representable keeps a tiny variance.
        let stds = (0..<d).map { j in (squares[j] / n).squareRoot() }
        let constant = (0..<d).map { j in !(stds[j] > 1e-12 * max(1, abs(means[j]))) }
        self.constantColumns = constant
        self.scales = (0..<d).map { j in constant[j] ? 1 : stds[j] }
    }

    /// A standardiser with given means and scales (for example read back from storage).
    ///
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when the counts differ, ``InsightError/invalidParameter(_:)``
    ///   for a scale that is not positive and finite.
    public init(means: [Double], scales: [Double]) throws(InsightError) {
        guard means.count == scales.count else { throw .shapeMismatch("\(means.count) means and \(scales.count) scales") }
        guard scales.allSatisfy({ $0 > 0 && $0.isFinite }), means.allSatisfy(\.isFinite) else {
            throw .invalidParameter("Standardizer: scales must be positive and finite, means finite")
        }
        self.means = means
        self.scales = scales
        self.constantColumns = [Bool](repeating: false, count: means.count)
    }

    /// `x` standardised column by column.
    ///
    /// - Throws: ``InsightError/dimensionMismatch(expected:found:)`` when `x` has another number of columns.
    /// - Complexity: O(n·d).
    public func transform(_ x: FeatureMatrix) throws(InsightError) -> FeatureMatrix {
        let d = means.count
        guard x.columns == d else { throw .dimensionMismatch(expected: d, found: x.columns) }
        var out = x.elements
        for i in 0..<x.rows {
            for j in 0..<d {
                // A zero-variance column is exactly 0, not round-off noise around it.
                out[i * d + j] = constantColumns[j] ? 0 : (out[i * d + j] - means[j]) / scales[j]
            }
        }
        return FeatureMatrix(unchecked: x.rows, d, out)
    }
}
