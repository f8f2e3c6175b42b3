import CLVCore

/// A fitted model of any kind, purchase or spend, with the data it was fitted on: the one value the CLI, the
/// server and storage pass around and save.
///
/// Codable as versioned JSON (`schemaVersion` 2):
/// `{"schemaVersion": 2, "model": "bgnbd", "parameters": {...}, "diagnostics": {...}, "unit": "week", "calibrationEnd": "1997-09-30"}`.
/// Model runs saved before version 2 hold only the model's own JSON (``AnyPurchaseModel``'s `schemaVersion` 1, or
/// ``GammaGamma``'s parameters and diagnostics), with the unit and window beside it: the workflow layer's model-run
/// reader accepts both.
public struct FittedModel: Sendable, Equatable {
    /// The estimated model.
    public enum Model: Sendable, Equatable {
        case purchase(AnyPurchaseModel)
        case spend(GammaGamma)
    }

    public var model: Model
    /// The time unit of recency, T and horizons the model was fitted in.
    public var unit: TimeUnit
    /// The last day of the calibration data; nil when fitted from a summary file.
    public var calibrationEnd: CalendarDay?

    public init(_ model: Model, unit: TimeUnit, calibrationEnd: CalendarDay?) {
        self.model = model
        self.unit = unit
        self.calibrationEnd = calibrationEnd
    }

    public var kind: ModelKind {
        switch model {
        case let .purchase(m): m.kind
        case .spend: .gg
        }
    }

    /// The purchase model, or nil for a spend model.
    public var purchase: AnyPurchaseModel? {
        if case let .purchase(m) = model { return m }
        return nil
    }

    /// The spend model, or nil for a purchase model.
    public var spend: GammaGamma? {
        if case let .spend(m) = model { return m }
        return nil
    }

    /// Parameter names and values in contract order (e.g. `r, alpha, a, b`).
    public var namedParameters: [(name: String, value: Double)] {
        switch model {
        case let .purchase(m): m.namedParameters
        case let .spend(m): Array(zip(ModelKind.gg.parameterNames, m.parameters.values))
        }
    }

    public var diagnostics: FitDiagnostics {
        switch model {
        case let .purchase(m): m.diagnostics
        case let .spend(m): m.diagnostics
        }
    }

    /// Fits a model of `kind`: the one place a model is estimated from customers.
    /// - Parameters:
    ///   - monetary: each customer's mean repeat-purchase value; required for `gg`, ignored otherwise.
    ///   - weights: optional counts of identical customers.
    /// - Throws: ``FitError``; `.missingMonetaryValues` when `kind` is `gg` without monetary values.
    public static func fit(
        _ kind: ModelKind, customers: [CustomerSummary], monetary: [Double]?, weights: [Double]? = nil,
        options: EstimatorOptions = EstimatorOptions(), unit: TimeUnit, calibrationEnd: CalendarDay?
    ) throws(FitError) -> FittedModel {
        let model: Model
        switch kind {
        case .gg:
            guard let monetary else { throw .missingMonetaryValues }
            model = .spend(
                try GammaGamma.Estimator(options: options).fit(
                    frequency: customers.map(\.frequency), meanSpend: monetary, weights: weights))
        case .bgnbd: model = .purchase(.bgnbd(try BGNBD.Estimator(options: options).fit(customers, weights: weights)))
        case .pnbd: model = .purchase(.pnbd(try ParetoNBD.Estimator(options: options).fit(customers, weights: weights)))
        case .mbgnbd: model = .purchase(.mbgnbd(try MBGNBD.Estimator(options: options).fit(customers, weights: weights)))
        case .bgbb: model = .purchase(.bgbb(try BGBB.Estimator(options: options).fit(customers, weights: weights)))
        case .learned: throw .notProbabilistic(kind)
        }
        return FittedModel(model, unit: unit, calibrationEnd: calibrationEnd)
    }
}

extension FittedModel: Codable {
    private enum CodingKeys: String, CodingKey { case schemaVersion, model, parameters, diagnostics, unit, calibrationEnd }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(2, forKey: .schemaVersion)
        try c.encodeModel(kind, namedParameters, diagnostics, kindKey: .model, parametersKey: .parameters, diagnosticsKey: .diagnostics)
        try c.encode(unit, forKey: .unit)
        try c.encodeIfPresent(calibrationEnd?.description, forKey: .calibrationEnd)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .schemaVersion)
        guard version == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .schemaVersion, in: c, debugDescription: "unsupported fitted-model schema version \(version)")
        }
        let (kind, values, diagnostics) = try c.decodeModel(kindKey: .model, parametersKey: .parameters, diagnosticsKey: .diagnostics)
        model =
            AnyPurchaseModel.make(kind, parameters: values, diagnostics: diagnostics).map(Model.purchase)
            ?? .spend(GammaGamma(parameters: .init(values: values), diagnostics: diagnostics))
        unit = try c.decode(TimeUnit.self, forKey: .unit)
        let end = try c.decodeIfPresent(String.self, forKey: .calibrationEnd)
        calibrationEnd = try end.map { text in
            guard let day = CalendarDay(iso: text) else {
                throw DecodingError.dataCorruptedError(forKey: .calibrationEnd, in: c, debugDescription: "not a date YYYY-MM-DD: \(text)")
            }
            return day
        }
    }
}
