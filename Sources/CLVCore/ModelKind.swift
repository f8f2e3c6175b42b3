/// The models CLVKit fits, with the names the CLI, the API and stored model runs use: four purchase models, the
/// Gamma-Gamma spend model, and `learned` (a CLVLearn model, fitted and read through `clv learn`, never by the
/// probabilistic fit).
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case bgnbd, pnbd, mbgnbd, bgbb, gg, learned

    /// Whether this is a repeat-purchase model (every probabilistic kind but the `gg` spend model).
    public var isPurchaseModel: Bool { self != .gg && self != .learned }
}
