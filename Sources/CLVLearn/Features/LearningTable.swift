import CLVCore
import CLVInsight

/// Customers' features at a cutoff, with (when known) what each did in the following period: the input of every
/// learned model. Rows are customers, columns are the feature set's features, in order.
public struct LearningTable: Sendable, Equatable {
    public let featureSet: FeatureSet
    public let customers: [CustomerID]
    public let features: FeatureMatrix
    /// The label per customer: spend (or purchase count) in the period after the cutoff; nil when not known yet.
    public let labels: [Double]?

    /// - Throws: ``LearnError/shapeMismatch(_:)`` when the counts disagree, ``LearnError/negativeLabel(row:)`` or
    ///   ``LearnError/nonFinite(row:column:)`` for a bad label.
    public init(featureSet: FeatureSet, customers: [CustomerID], features: FeatureMatrix, labels: [Double]?) throws(LearnError) {
        guard features.columns == featureSet.count else {
            throw .shapeMismatch("\(features.columns) columns for the \(featureSet.count) features of \(featureSet.identifier)")
        }
        guard customers.count == features.rows else { throw .shapeMismatch("\(customers.count) customers for \(features.rows) rows") }
        if let labels {
            guard labels.count == features.rows else { throw .shapeMismatch("\(labels.count) labels for \(features.rows) rows") }
            if let bad = labels.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(row: bad, column: featureSet.count) }
            if let bad = labels.firstIndex(where: { $0 < 0 }) { throw .negativeLabel(row: bad) }
        }
        self.featureSet = featureSet
        self.customers = customers
        self.features = features
        self.labels = labels
    }

    public var count: Int { features.rows }

    /// The table restricted to the columns of `groups` under a derived feature set (`name` gets the groups).
    public func keeping(_ groups: Set<FeatureGroup>) throws(LearnError) -> LearningTable {
        let columns = featureSet.indices(in: groups)
        let kept = columns.map { featureSet.features[$0] }
        let suffix = FeatureGroup.allCases.filter(groups.contains).map(\.rawValue).joined(separator: "+")
        let set = try FeatureSet(name: "\(featureSet.name)[\(suffix)]", version: featureSet.version, features: kept)
        var elements: [Double] = []
        elements.reserveCapacity(count * columns.count)
        for i in 0..<count { for j in columns { elements.append(features[i, j]) } }
        return try LearningTable(featureSet: set, customers: customers, features: Self.matrix(count, columns.count, elements), labels: labels)
    }

    /// The rows at `indices`, in that order.
    public func selecting(_ indices: [Int]) throws(LearnError) -> LearningTable {
        try LearningTable(
            featureSet: featureSet, customers: indices.map { customers[$0] }, features: features.selectingRows(indices),
            labels: labels.map { l in indices.map { l[$0] } })
    }

    /// A feature matrix from checked parts, with CLVInsight's errors said as CLVLearn's.
    static func matrix(_ rows: Int, _ columns: Int, _ elements: [Double]) throws(LearnError) -> FeatureMatrix {
        do {
            return try FeatureMatrix(rows: rows, columns: columns, elements: elements)
        } catch {
            if case let .nonFinite(row, column) = error { throw .nonFinite(row: row, column: column) }
            throw .shapeMismatch(error.description)
        }
    }
}
