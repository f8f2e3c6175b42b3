/// The models CLVKit fits, with the names the CLI, the API and stored model runs use: four purchase models, the
/// Gamma-Gamma spend model, and `learned` (a CLVLearn model, fitted and read through `clv learn`, never by the
/// probabilistic fit).
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case bgnbd, pnbd, mbgnbd, bgbb, gg, learned

    /// Whether this is a repeat-purchase model (every probabilistic kind but the `gg` spend model).
    public var isPurchaseModel: Bool { self != .gg && self != .learned }

    /// The kinds `clv fit` and `POST /v1/fit-jobs` fit: every one but `learned`.
    public static let probabilistic: [ModelKind] = allCases.filter { $0 != .learned }
}
