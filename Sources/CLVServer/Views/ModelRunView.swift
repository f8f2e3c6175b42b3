import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

/// One saved fit as the API returns it and the dashboard's model page shows it: the run's facts, and the fitted
/// parameters with standard errors and 95% intervals.
struct ModelRunView: Encodable, Sendable {
    /// One parameter, in the model's contract order.
    struct Parameter: Sendable {
        var name: String
        var value: Double
        var standardError: Double?
        var interval: (lower: Double, upper: Double)?
    }

    var id: Int64
    var model: ModelKind
    var created_at: String
    var data_end: String
    var unit: TimeUnit
    var n_customers: Int
    var converged: Bool
    var log_likelihood: Double?
    var params: [String: Double]?
    /// Null where the information matrix gives no finite value (JSON has no infinity).
    var standard_errors: [String: Double?]?
    var confidence_intervals_95: [String: [Double?]]?
    var aic: Double?
    var bic: Double?
    var iterations: Int?
    /// Why the fitted model could not be read back, when it could not (the run's facts are still listed).
    var error: String?
    /// The parameters in order (for tables; the JSON has them keyed by name).
    let parameters: [Parameter]

    private enum CodingKeys: String, CodingKey {
        case id, model, created_at, data_end, unit, n_customers, converged, log_likelihood, params, standard_errors
        case confidence_intervals_95, aic, bic, iterations, error
    }

    init(_ saved: SavedModel) {
        self.init(record: saved.record, fitted: saved.fitted, error: nil)
    }

    /// A run read back from the store; a run whose model cannot be read shows its facts and the reason.
    init(record: ModelRunRecord) {
        do {
            self.init(try SavedModel(record))
        } catch {
            self.init(record: record, fitted: nil, error: error.description)
        }
    }

    private init(record: ModelRunRecord, fitted: FittedModel?, error: String?) {
        id = record.id
        model = record.kind
        created_at = ISO8601DateFormatter().string(from: record.createdAt)
        data_end = record.dataEnd.description
        unit = record.unit
        n_customers = record.customers
        converged = record.converged
        log_likelihood = record.logLikelihood.flatMap(\.finiteValue)
        self.error = error
        guard let fitted else {
            parameters = []
            return
        }
        let d = fitted.diagnostics
        let named = fitted.namedParameters
        let intervals = d.confidenceIntervals(for: named.map(\.value))
        parameters = named.enumerated().map { i, p in
            Parameter(name: p.name, value: p.value, standardError: d.standardErrors?[i], interval: intervals?[i])
        }
        params = Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.value) })
        standard_errors = d.standardErrors.map { Dictionary(uniqueKeysWithValues: zip(named.map(\.name), $0.map(\.finiteValue))) }
        confidence_intervals_95 = intervals.map {
            Dictionary(uniqueKeysWithValues: zip(named.map(\.name), $0.map { [$0.lower.finiteValue, $0.upper.finiteValue] }))
        }
        aic = d.aic.finiteValue
        bic = d.bic.finiteValue
        iterations = d.iterations
    }
}

extension Double {
    /// The value, or nil when it is infinite or NaN: what a JSON number field can carry.
    var finiteValue: Double? { isFinite ? self : nil }
}

/// `GET /v1/model-runs`.
struct ModelRunList: Encodable, Sendable {
    var model_runs: [ModelRunView]
}
