/// A dense, row-major matrix of `Double` features: one row per observation (customer, document), one column per
/// feature.
///
/// The k-means and silhouette code reads it through BLAS (`dgemm`), so the storage is one contiguous `[Double]`.
/// Element `(i, j)` is `elements[i * columns + j]`. Every element is finite: the throwing initialisers check.
public struct FeatureMatrix: Sendable, Equatable, Codable {
    /// Number of rows (observations).
    public let rows: Int
    /// Number of columns (features).
    public let columns: Int
    /// The elements, row after row; `count == rows * columns`.
    public private(set) var elements: [Double]

    /// A matrix over row-major elements.
    ///
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when `elements.count != rows * columns`,
    ///   ``InsightError/nonFinite(row:column:)`` for a NaN or an infinity.
    public init(rows: Int, columns: Int, elements: [Double]) throws(InsightError) {
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw .shapeMismatch("\(elements.count) elements for a \(rows)x\(columns) matrix")
        }
        if let bad = elements.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(row: bad / max(columns, 1), column: bad % max(columns, 1))
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose rows are `rowVectors`.
    ///
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when the rows differ in length,
    ///   ``InsightError/nonFinite(row:column:)`` for a NaN or an infinity.
    public init(rowVectors: [[Double]]) throws(InsightError) {
        let columns = rowVectors.first?.count ?? 0
        var elements: [Double] = []
        elements.reserveCapacity(rowVectors.count * columns)
        for (i, row) in rowVectors.enumerated() {
            guard row.count == columns else { throw .shapeMismatch("row \(i + 1) has \(row.count) values, row 1 has \(columns)") }
            elements.append(contentsOf: row)
        }
        try self.init(rows: rowVectors.count, columns: columns, elements: elements)
    }

    /// A matrix whose rows are embedding vectors, widened to `Double`.
    ///
    /// - Throws: as ``init(rowVectors:)``.
    public init(embeddings: [[Float]]) throws(InsightError) {
        try self.init(rowVectors: embeddings.map { $0.map(Double.init) })
    }

    private enum CodingKeys: String, CodingKey { case rows, columns, elements }

    /// Decodes a matrix, with the checks of ``init(rows:columns:elements:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let elements = try container.decode([Double].self, forKey: .elements)
        do {
            try self.init(rows: rows, columns: columns, elements: elements)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .elements, in: container, debugDescription: error.description)
        }
    }

    /// An already checked matrix (inside the module: results of computations on checked matrices).
    init(unchecked rows: Int, _ columns: Int, _ elements: [Double]) {
        precondition(elements.count == rows * columns, "FeatureMatrix: \(elements.count) elements for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The element at row `i`, column `j`.
    public subscript(i: Int, j: Int) -> Double {
        precondition(i >= 0 && i < rows && j >= 0 && j < columns, "FeatureMatrix: index (\(i), \(j)) outside \(rows)x\(columns)")
        return elements[i * columns + j]
    }

    /// One row as an array.
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < rows, "FeatureMatrix: row \(i) outside 0..<\(rows)")
        return Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> FeatureMatrix {
        var out: [Double] = []
        out.reserveCapacity(indices.count * columns)
        for i in indices { out.append(contentsOf: elements[(i * columns)..<((i + 1) * columns)]) }
        return FeatureMatrix(unchecked: indices.count, columns, out)
    }

    /// The squared Euclidean norm of every row.
    func rowSquaredNorms() -> [Double] {
        var norms = [Double](repeating: 0, count: rows)
        elements.withUnsafeBufferPointer { x in
            for i in 0..<rows {
                var s = 0.0
                for j in 0..<columns { s += x[i * columns + j] * x[i * columns + j] }
                norms[i] = s
            }
        }
        return norms
    }
}
