/// What can go wrong in CLVInsight: every failure is about the data handed in, and says what to change.
public enum InsightError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A matrix's rows differ in length, or its element count does not match its shape.
    case shapeMismatch(String)
    /// A value is NaN or infinite, at the given row and column.
    case nonFinite(row: Int, column: Int)
    /// Too few rows for the request (for example fewer points than clusters).
    case tooFewRows(needed: Int, found: Int)
    /// An option is out of its range.
    case invalidParameter(String)
    /// An embedding's dimension differs from the model's.
    case dimensionMismatch(expected: Int, found: Int)
    /// A saved model cannot be read (unknown format or version, or inconsistent weights).
    case unreadableModel(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(detail): "Matrix shape: \(detail)."
        case let .nonFinite(row, column): "Row \(row + 1), column \(column + 1) is not a finite number; drop or impute it first."
        case let .tooFewRows(needed, found): "Need at least \(needed) rows, found \(found)."
        case let .invalidParameter(detail): "\(detail)."
        case let .dimensionMismatch(expected, found):
            "The embedding has \(found) dimensions, the model expects \(expected): embed with the model the classifier was trained on."
        case let .unreadableModel(detail): "Saved model: \(detail)."
        }
    }
}
