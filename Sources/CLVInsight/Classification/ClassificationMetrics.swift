/// Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix of predicted against true labels.
///
/// Definitions are scikit-learn's `classification_report` with `zero_division=0`: precision = TP / (TP + FP),
/// recall = TP / (TP + FN), F1 their harmonic mean; a ratio with a zero denominator is 0. Macro-F1 is the
/// unweighted mean of the per-class F1 over ``labels``.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// Scores of one class.
    public struct ClassScores: Sendable, Equatable, Codable {
        /// The class.
        public let label: String
        /// TP / (TP + FP).
        public let precision: Double
        /// TP / (TP + FN).
        public let recall: Double
        /// 2·P·R / (P + R).
        public let f1: Double
        /// The number of rows whose true label is this class.
        public let support: Int
    }

    /// The classes, in the order of ``confusion``'s rows and columns.
    public let labels: [String]
    /// `confusion[i][j]`: rows whose true label is `labels[i]` and predicted label `labels[j]`.
    public let confusion: [[Int]]
    /// Share of rows predicted correctly.
    public let accuracy: Double
    /// Unweighted mean of the per-class F1.
    public let macroF1: Double
    /// Per-class scores, in the order of ``labels``.
    public let perClass: [ClassScores]

    /// The metrics of `predicted` against `truth`.
    ///
    /// - Parameters:
    ///   - truth: the true labels.
    ///   - predicted: the predicted labels, one per true label.
    ///   - labels: the classes to report, in order; by default every label seen in either list, sorted.
    /// - Throws: ``InsightError/shapeMismatch(_:)`` when the lists differ in length,
    ///   ``InsightError/tooFewRows(needed:found:)`` when they are empty, ``InsightError/invalidParameter(_:)``
    ///   when a label is missing from `labels`.
    public init(truth: [String], predicted: [String], labels: [String]? = nil) throws(InsightError) {
        guard truth.count == predicted.count else { throw .shapeMismatch("\(truth.count) true labels and \(predicted.count) predictions") }
        guard !truth.isEmpty else { throw .tooFewRows(needed: 1, found: 0) }
        let classes = labels ?? Array(Set(truth).union(predicted)).sorted()
        let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        for (t, p) in zip(truth, predicted) {
            guard let i = index[t], let j = index[p] else { throw .invalidParameter("metrics: a label is not among the \(classes.count) classes given") }
            confusion[i][j] += 1
        }
        self.init(labels: classes, checkedConfusion: confusion)
    }

    /// The metrics of a confusion matrix (`confusion[true][predicted]`).
    ///
    /// - Throws: ``InsightError/shapeMismatch(_:)`` unless it is `labels.count` square with non-negative counts and
    ///   a positive total.
    public init(labels: [String], confusion: [[Int]]) throws(InsightError) {
        guard confusion.count == labels.count, confusion.allSatisfy({ $0.count == labels.count && $0.allSatisfy { $0 >= 0 } }),
            confusion.joined().reduce(0, +) > 0
        else { throw .shapeMismatch("the confusion matrix must be \(labels.count)x\(labels.count) non-negative counts with a positive total") }
        self.init(labels: labels, checkedConfusion: confusion)
    }

    private init(labels: [String], checkedConfusion confusion: [[Int]]) {
        let k = labels.count
        let total = confusion.joined().reduce(0, +)
        let diagonal = (0..<k).map { confusion[$0][$0] }.reduce(0, +)
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        let scores = (0..<k).map { c in
            let tp = confusion[c][c]
            let predictedC = (0..<k).map { confusion[$0][c] }.reduce(0, +)
            let support = confusion[c].reduce(0, +)
            let p = ratio(tp, predictedC)
            let r = ratio(tp, support)
            let f1 = p + r == 0 ? 0 : 2 * p * r / (p + r)
            return ClassScores(label: labels[c], precision: p, recall: r, f1: f1, support: support)
        }
        self.labels = labels
        self.confusion = confusion
        self.accuracy = Double(diagonal) / Double(total)
        self.perClass = scores
        self.macroF1 = k == 0 ? 0 : scores.map(\.f1).reduce(0, +) / Double(k)
    }
}
