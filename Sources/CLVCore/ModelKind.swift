/// The models CLVKit fits, with the names the CLI, the API and stored model runs use: four purchase models and the
/// Gamma-Gamma spend model.
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    case bgnbd, pnbd, mbgnbd, bgbb, gg

    /// Whether this is a repeat-purchase model (every kind but the `gg` spend model).
    public var isPurchaseModel: Bool { self != .gg }
}
