/// What can go wrong in CLVLearn: every failure is about the data or options handed in, and says what to change.
public enum LearnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The matrix, labels or feature set disagree on a size.
    case shapeMismatch(String)
    /// A feature or label is NaN or infinite.
    case nonFinite(row: Int, column: Int)
    /// A label is negative (spend and purchase counts are 0 or more).
    case negativeLabel(row: Int)
    /// Too few rows (or too few buyers) to train and validate.
    case tooFewRows(needed: Int, found: Int, what: String)
    /// An option is out of its range.
    case invalidOption(String)
    /// A saved model cannot be read.
    case unreadableModel(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(detail): "Learning data: \(detail)."
        case let .nonFinite(row, column): "Row \(row + 1), feature \(column + 1) is not a finite number; impute it before training."
        case let .negativeLabel(row): "Row \(row + 1) has a negative label; labels are future spend or purchase counts (0 or more)."
        case let .tooFewRows(needed, found, what):
            "Need at least \(needed) \(what) to train and validate, found \(found): use a longer calibration window or more customers."
        case let .invalidOption(detail): "\(detail)."
        case let .unreadableModel(detail): "Saved learned model: \(detail)."
        }
    }
}
