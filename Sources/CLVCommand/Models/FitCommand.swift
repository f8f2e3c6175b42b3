import ArgumentParser
import CLVCore
import CLVData
import CLVModels
import CLVServer
import Foundation

/// The fit of either kind of model, as the commands report it.
enum FittedModel {
    case purchase(AnyPurchaseModel)
    case spend(GammaGamma)

    var kind: ModelKind {
        switch self {
        case let .purchase(m): m.kind
        case .spend: .gg
        }
    }

    var namedParameters: [(name: String, value: Double)] {
        switch self {
        case let .purchase(m): m.namedParameters
        case let .spend(m): Array(zip(GammaGamma.Parameters.names, m.parameters.values))
        }
    }

    var diagnostics: FitDiagnostics {
        switch self {
        case let .purchase(m): m.diagnostics
        case let .spend(m): m.diagnostics
        }
    }

    /// The newest saved run of `kind` fitted in `unit`, if any.
    static func latestSaved(_ kind: ModelKind, unit: TimeUnit, in store: some ModelRunStore) async throws -> FittedModel? {
        guard let run = try await store.latestModelRun(model: kind.rawValue), run.unit == unit else { return nil }
        let data = Data(run.fitJSON.utf8)
        do {
            return kind == .gg ? .spend(try JSONDecoder().decode(GammaGamma.self, from: data))
                : .purchase(try JSONDecoder().decode(AnyPurchaseModel.self, from: data))
        } catch {
            throw UserError("Model run \(run.id) cannot be read (\(error)); fit again with `clv fit --model \(kind.rawValue)`.")
        }
    }

    /// Saves the fit as a model run and returns its id.
    func save(in store: some ModelRunStore, dataEnd: CalendarDay, unit: TimeUnit) async throws -> Int64 {
        let record = switch self {
        case let .purchase(m): try ModelRunRecord(kind, fit: m, diagnostics: m.diagnostics, dataEnd: dataEnd, unit: unit)
        case let .spend(m): try ModelRunRecord(kind, fit: m, diagnostics: m.diagnostics, dataEnd: dataEnd, unit: unit)
        }
        return try await store.saveModelRun(record)
    }

    static func fit(_ kind: ModelKind, _ table: CustomerTable, penalizer: Double) throws -> FittedModel {
        let options = EstimatorOptions(penalizer: penalizer)
        if kind == .gg {
            guard let monetary = table.monetary else {
                throw UserError("The gg model needs a monetary_value column (mean spend of the repeat purchases).")
            }
            return .spend(try GammaGamma.Estimator(options: options).fit(
                frequency: table.summaries.map(\.frequency), meanSpend: monetary, weights: table.weights))
        }
        return .purchase(try AnyPurchaseModel.fit(kind, customers: table.summaries, weights: table.weights, options: options))
    }
}

/// The JSON of `clv fit` (contract: other tools read these names).
struct FitReport: Encodable {
    var model: String
    var params: [String: Double]
    var standard_errors: [String: Double?]
    var log_likelihood: Double
    var aic: Double
    var bic: Double
    var n_customers: Int
    var converged: Bool
    var iterations: Int

    init(_ fit: FittedModel) {
        let d = fit.diagnostics
        model = fit.kind.rawValue
        params = Dictionary(uniqueKeysWithValues: fit.namedParameters.map { ($0.name, $0.value) })
        standard_errors = Dictionary(uniqueKeysWithValues: fit.namedParameters.enumerated().map { i, p in (p.name, d.standardErrors?[i]) })
        log_likelihood = d.logLikelihood
        aic = d.aic
        bic = d.bic
        n_customers = Int(d.customerCount.rounded())
        converged = d.converged
        iterations = d.iterations
    }
}

extension CLV {
    /// `clv fit`: estimate a model and print its parameters, standard errors and fit statistics.
    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a CLV model (bgnbd, pnbd, mbgnbd, bgbb, or the gg spend model) by maximum likelihood.",
            discussion: """
                Example: clv fit --model bgnbd --summary cdnow_summary.csv --format json
                The summary CSV has columns frequency,recency,T and optional customer_id,monetary_value,weight.
                """)

        @Option(help: "Model to fit: bgnbd, pnbd, mbgnbd, bgbb or gg.")
        var model: ModelKind

        @OptionGroup var data: DataOptions

        @Option(help: "L2 penalizer on the parameters, in lifetimes' meaning (0 = plain maximum likelihood).")
        var penalizer: Double = 0

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard penalizer >= 0, penalizer.isFinite else { throw ValidationError("--penalizer must be a number ≥ 0.") }
            guard format != .csv else { throw ValidationError("clv fit prints --format table or json.") }
        }

        func run() async throws {
            let table = try await data.source().load()
            let fit = try FittedModel.fit(model, table, penalizer: penalizer)
            if data.usesDatabase, let end = data.end {
                let id = try await fit.save(in: try data.database.openExisting(), dataEnd: end, unit: data.unit)
                progress("Saved as model run \(id) in \(data.database.path).")
            }
            let report = FitReport(fit)
            switch format {
            case .json: emit(try jsonText(report))
            case .table, .csv:
                let d = fit.diagnostics
                let intervals = d.confidenceIntervals(for: fit.namedParameters.map(\.value))
                var lines = ["model \(report.model): \(report.n_customers) customers, \(d.distinctRows) distinct rows"]
                lines.append("parameter        estimate      std.err     95% lower    95% upper")
                for (i, p) in fit.namedParameters.enumerated() {
                    let se = d.standardErrors.map { formatted($0[i]) } ?? "n/a"
                    let ci = intervals.map { (formatted($0[i].lower), formatted($0[i].upper)) } ?? ("n/a", "n/a")
                    lines.append([p.name, formatted(p.value), se, ci.0, ci.1].map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
                lines.append("log-likelihood \(formatted(d.logLikelihood, 10))  AIC \(formatted(d.aic, 10))  BIC \(formatted(d.bic, 10))")
                lines.append("converged \(d.converged) after \(d.iterations) iterations")
                emit(lines.joined(separator: "\n"))
            }
        }
    }
}
