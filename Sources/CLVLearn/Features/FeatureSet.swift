/// The family a feature belongs to, so explanations can be summed by group and text features switched on or off.
public enum FeatureGroup: String, Sendable, Codable, CaseIterable {
    /// The calibration summary: frequency, recency, T, monetary value.
    case summary
    /// Outputs of the fitted probabilistic models: expected purchases, P(alive), expected spend.
    case modelOutputs = "model-outputs"
    /// Behaviour from order lines: order rate, basket size, returns, country, first purchase.
    case behaviour
    /// What customers wrote: reduced interest vector, sentiment, interaction counts.
    case text
}

/// One named column of a feature matrix.
public struct Feature: Sendable, Hashable, Codable {
    public let name: String
    public let group: FeatureGroup

    public init(_ name: String, group: FeatureGroup) {
        self.name = name
        self.group = group
    }
}

/// A named, versioned list of features: the column contract between the code that builds a matrix and a model
/// trained on it. A model saves the set it was trained on and refuses a matrix built for another.
public struct FeatureSet: Sendable, Hashable, Codable {
    /// A stable name, e.g. `clv-summary-models-behaviour-text`.
    public let name: String
    /// Bumped whenever a feature's definition changes, so an old model is not fed new meanings.
    public let version: Int
    public let features: [Feature]

    /// - Throws: ``LearnError/invalidOption(_:)`` for an empty set or a repeated feature name.
    public init(name: String, version: Int, features: [Feature]) throws(LearnError) {
        guard !features.isEmpty else { throw .invalidOption("A feature set needs at least one feature") }
        guard Set(features.map(\.name)).count == features.count else { throw .invalidOption("Feature names in '\(name)' repeat") }
        self.name = name
        self.version = version
        self.features = features
    }

    public var count: Int { features.count }
    public var names: [String] { features.map(\.name) }
    /// The groups present, in ``FeatureGroup`` order.
    public var groups: [FeatureGroup] { FeatureGroup.allCases.filter { g in features.contains { $0.group == g } } }
    /// `name@version`, as saved with a model run.
    public var identifier: String { "\(name)@\(version)" }

    /// The columns of `groups`, in order.
    public func indices(in groups: Set<FeatureGroup>) -> [Int] { features.indices.filter { groups.contains(features[$0].group) } }
}
