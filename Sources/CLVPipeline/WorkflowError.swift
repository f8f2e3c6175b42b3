import CLVCore

/// Why a workflow step could not run. Messages say what to do, in one line, and never include customer data.
public enum WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store holds no orders at all.
    case noOrders
    /// Nobody bought on or before the calibration end.
    case noCustomers(before: CalendarDay)
    /// A saved model run cannot be read back.
    case unreadableModelRun(id: Int64, kind: ModelKind, reason: String)
    /// An evaluation was asked for without holdout purchases.
    case missingHoldout
    /// A purchase model was asked for with a spend model's kind, or the other way round.
    case wrongKind(ModelKind, expected: String)
    /// Too few texts to find topics in.
    case notEnoughTexts(found: Int, source: String)

    public var description: String {
        switch self {
        case .noOrders:
            "The database holds no orders: import some with `clv ingest orders FILE` or POST /v1/events."
        case let .noCustomers(end):
            "No customer bought on or before \(end): pick a later end date."
        case let .unreadableModelRun(id, kind, reason):
            "Model run \(id) cannot be read (\(reason)); fit again with `clv fit --model \(kind.rawValue)`."
        case .missingHoldout:
            "No holdout purchases to compare with: give a holdout window (--holdout-end), or a holdout_frequency column with --holdout-length."
        case let .wrongKind(kind, expected):
            "\(kind.rawValue) is not \(expected)."
        case let .notEnoughTexts(found, source):
            source == "products"
                ? "Only \(found) product texts: import a catalogue with `clv ingest products FILE` (or --preset online-retail)."
                : "Only \(found) texts of customers who consented to profiling: import interactions with `clv ingest interactions FILE` and record consent with `clv privacy consent`."
        }
    }
}
