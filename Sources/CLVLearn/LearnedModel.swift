import CLVInsight

/// The learned CLV models, with the names the CLI and saved runs use.
public enum LearnedModelKind: String, Sendable, Codable, CaseIterable {
    case zilnLinear = "ziln-linear"
    case zilnMLP = "ziln-mlp"
    case gbt
}

/// A trained learned-CLV model of any kind, with its feature set: what a model run saves.
///
/// Codable as versioned JSON: `{"schemaVersion": 1, "kind": "ziln-mlp", "ziln": {...}}` (or `"trees"`).
public enum LearnedModel: Sendable, Equatable {
    case ziln(ZILNModel)
    case trees(TwoStageBoostedModel)

    public static let schemaVersion = 1

    /// Trains a model of `kind` on a labelled table, with `seed` for the split and the weights.
    public static func fit(_ kind: LearnedModelKind, _ table: LearningTable, seed: UInt64 = 0) throws(LearnError) -> LearnedModel {
        switch kind {
        case .zilnLinear:
            var trainer = ZILNTrainer.linear
            trainer.seed = seed
            return .ziln(try trainer.fit(table))
        case .zilnMLP:
            var trainer = ZILNTrainer.mlp
            trainer.seed = seed
            return .ziln(try trainer.fit(table))
        case .gbt:
            return .trees(try TwoStageBoostingTrainer(seed: seed).fit(table))
        }
    }

    public var kind: LearnedModelKind {
        switch self {
        case let .ziln(m): m.isLinear ? .zilnLinear : .zilnMLP
        case .trees: .gbt
        }
    }

    public var featureSet: FeatureSet {
        switch self {
        case let .ziln(m): m.featureSet
        case let .trees(m): m.featureSet
        }
    }

    /// The predicted distribution of every row's label.
    public func predict(_ table: LearningTable) throws(LearnError) -> [ZILNDistribution] {
        switch self {
        case let .ziln(m): try m.predict(table)
        case let .trees(m): try m.predict(table)
        }
    }

    /// Why the model predicts what it does for row `i` of `table`.
    public func explain(_ table: LearningTable, row i: Int) throws(LearnError) -> LearnedExplanation {
        switch self {
        case let .ziln(m): try m.explain(table, row: i)
        case let .trees(m): try m.explain(table, row: i)
        }
    }
}

extension LearnedModel: Codable {
    private enum CodingKeys: String, CodingKey { case schemaVersion, kind, ziln, trees }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .schemaVersion)
        guard version == Self.schemaVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: c, debugDescription: "schema version \(version) is not one this CLVKit reads (\(Self.schemaVersion))")
        }
        switch try c.decode(LearnedModelKind.self, forKey: .kind) {
        case .zilnLinear, .zilnMLP: self = .ziln(try c.decode(ZILNModel.self, forKey: .ziln))
        case .gbt: self = .trees(try c.decode(TwoStageBoostedModel.self, forKey: .trees))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(kind, forKey: .kind)
        switch self {
        case let .ziln(m): try c.encode(m, forKey: .ziln)
        case let .trees(m): try c.encode(m, forKey: .trees)
        }
    }
}
