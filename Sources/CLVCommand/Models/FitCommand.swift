import ArgumentParser
import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

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
            let fit = try Workflow.fit(
                model, table, options: EstimatorOptions(penalizer: penalizer), unit: data.unit, calibrationEnd: data.usesDatabase ? data.end : nil)
            if data.usesDatabase, let end = data.end {
                let saved = try await Workflow(store: data.database.openExisting()).save(fit, dataEnd: end)
                progress("Saved as model run \(saved.record.id) in \(data.database.path).")
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
                    lines.append(
                        [p.name, formatted(p.value), se, ci.0, ci.1].map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
                lines.append("log-likelihood \(formatted(d.logLikelihood, 10))  AIC \(formatted(d.aic, 10))  BIC \(formatted(d.bic, 10))")
                lines.append("converged \(d.converged) after \(d.iterations) iterations")
                emit(lines.joined(separator: "\n"))
            }
        }
    }
}
