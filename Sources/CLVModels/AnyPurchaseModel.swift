import CLVCore

/// A fitted purchase model of any kind, for code that picks the model at run time (CLI, server, storage).
///
/// Codable as versioned JSON: `{"schemaVersion": 1, "model": "bgnbd", "parameters": {...}, "diagnostics": {...}}`.
public enum AnyPurchaseModel: Sendable, Equatable {
    case bgnbd(BGNBD)
    case pnbd(ParetoNBD)
    case mbgnbd(MBGNBD)
    case bgbb(BGBB)

    /// Builds a model from parameter values in the order of the kind's names (e.g. for simulation or saved runs).
    public static func make(_ kind: ModelKind, parameters values: [Double], diagnostics: FitDiagnostics) -> AnyPurchaseModel? {
        switch kind {
        case .bgnbd: .bgnbd(BGNBD(parameters: .init(values: values), diagnostics: diagnostics))
        case .pnbd: .pnbd(ParetoNBD(parameters: .init(values: values), diagnostics: diagnostics))
        case .mbgnbd: .mbgnbd(MBGNBD(parameters: .init(values: values), diagnostics: diagnostics))
        case .bgbb: .bgbb(BGBB(parameters: .init(values: values), diagnostics: diagnostics))
        case .gg, .learned: nil
        }
    }

    /// The model as an existential, for predictions.
    public var model: any PurchaseModel {
        switch self {
        case let .bgnbd(m): m
        case let .pnbd(m): m
        case let .mbgnbd(m): m
        case let .bgbb(m): m
        }
    }

    public var kind: ModelKind {
        switch self {
        case .bgnbd: .bgnbd
        case .pnbd: .pnbd
        case .mbgnbd: .mbgnbd
        case .bgbb: .bgbb
        }
    }

    /// Parameter names and values in contract order.
    public var namedParameters: [(name: String, value: Double)] {
        let values =
            switch self {
            case let .bgnbd(m): m.parameters.values
            case let .pnbd(m): m.parameters.values
            case let .mbgnbd(m): m.parameters.values
            case let .bgbb(m): m.parameters.values
            }
        return Array(zip(kind.parameterNames, values))
    }

    public var diagnostics: FitDiagnostics { model.diagnostics }

    /// Scores customers (see ``scoreCustomers(model:customers:horizon:spend:cashFlow:)``).
    public func score(
        _ customers: [CustomerSummary], horizon: Double, spend: (model: GammaGamma, meanSpend: [Double])? = nil,
        cashFlow: DiscountedCashFlow = DiscountedCashFlow()
    ) -> [CustomerScore] {
        switch self {
        case let .bgnbd(m): scoreCustomers(model: m, customers: customers, horizon: horizon, spend: spend, cashFlow: cashFlow)
        case let .pnbd(m): scoreCustomers(model: m, customers: customers, horizon: horizon, spend: spend, cashFlow: cashFlow)
        case let .mbgnbd(m): scoreCustomers(model: m, customers: customers, horizon: horizon, spend: spend, cashFlow: cashFlow)
        case let .bgbb(m): scoreCustomers(model: m, customers: customers, horizon: horizon, spend: spend, cashFlow: cashFlow)
        }
    }

    /// Models under parameter draws (see ``ParameterSampling``).
    public func sampleModels(_ sampling: ParameterSampling, using rng: inout some RandomNumberGenerator) -> [AnyPurchaseModel] {
        switch self {
        case let .bgnbd(m): sampling.sampleModels(m, using: &rng).map { .bgnbd($0) }
        case let .pnbd(m): sampling.sampleModels(m, using: &rng).map { .pnbd($0) }
        case let .mbgnbd(m): sampling.sampleModels(m, using: &rng).map { .mbgnbd($0) }
        case let .bgbb(m): sampling.sampleModels(m, using: &rng).map { .bgbb($0) }
        }
    }

    /// A holdout comparison under this model.
    public func holdoutComparison(calibration: [CustomerSummary], holdoutPurchases: [Int], holdoutLength: [Double]) -> HoldoutComparison {
        HoldoutComparison(model: model, calibration: calibration, holdoutPurchases: holdoutPurchases, holdoutLength: holdoutLength)
    }
}

extension ModelKind {
    /// The parameter names of this kind of model, in contract order (e.g. `r, alpha, a, b`).
    public var parameterNames: [String] {
        switch self {
        case .bgnbd: BGNBD.Parameters.names
        case .pnbd: ParetoNBD.Parameters.names
        case .mbgnbd: MBGNBD.Parameters.names
        case .bgbb: BGBB.Parameters.names
        case .gg: GammaGamma.Parameters.names
        case .learned: []
        }
    }
}

extension AnyPurchaseModel: Codable {
    private enum CodingKeys: String, CodingKey { case schemaVersion, model, parameters, diagnostics }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(1, forKey: .schemaVersion)
        try c.encodeModel(kind, namedParameters, diagnostics, kindKey: .model, parametersKey: .parameters, diagnosticsKey: .diagnostics)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .schemaVersion)
        guard version == 1 else {
            throw DecodingError.dataCorruptedError(forKey: .schemaVersion, in: c, debugDescription: "unsupported model schema version \(version)")
        }
        let (kind, values, diagnostics) = try c.decodeModel(kindKey: .model, parametersKey: .parameters, diagnosticsKey: .diagnostics)
        guard let model = AnyPurchaseModel.make(kind, parameters: values, diagnostics: diagnostics) else {
            throw DecodingError.dataCorruptedError(forKey: .model, in: c, debugDescription: "gg is not a purchase model")
        }
        self = model
    }
}

// The fields every saved model has, in schema 1 (a purchase model alone) and 2 (``FittedModel``): its kind, its
// parameters keyed by name, and its diagnostics.
extension KeyedEncodingContainer {
    mutating func encodeModel(
        _ kind: ModelKind, _ parameters: [(name: String, value: Double)], _ diagnostics: FitDiagnostics, kindKey: Key, parametersKey: Key, diagnosticsKey: Key
    ) throws {
        try encode(kind, forKey: kindKey)
        try encode(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) }), forKey: parametersKey)
        try encode(diagnostics, forKey: diagnosticsKey)
    }
}

extension KeyedDecodingContainer {
    /// The kind, the parameter values in the kind's contract order, and the diagnostics.
    func decodeModel(kindKey: Key, parametersKey: Key, diagnosticsKey: Key) throws -> (ModelKind, [Double], FitDiagnostics) {
        let kind = try decode(ModelKind.self, forKey: kindKey)
        let parameters = try decode([String: Double].self, forKey: parametersKey)
        let values = try kind.parameterNames.map { name in
            guard let v = parameters[name] else {
                throw DecodingError.dataCorruptedError(forKey: parametersKey, in: self, debugDescription: "missing parameter \(name)")
            }
            return v
        }
        return (kind, values, try decode(FitDiagnostics.self, forKey: diagnosticsKey))
    }
}
