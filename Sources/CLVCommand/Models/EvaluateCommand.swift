import ArgumentParser
import CLVCore
import CLVModels
import CLVPipeline
import Foundation

extension CLV {
    /// `clv evaluate`: calibration/holdout comparison by calibration frequency.
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare predicted with actual holdout purchases, grouped by calibration frequency (0..7+).",
            discussion: """
                With --db: --end is the calibration end and --holdout-end the holdout end. With --summary: the CSV
                needs a holdout_frequency column and --holdout-length gives the holdout length in --unit.
                """)

        @Option(help: "Purchase model: bgnbd, pnbd, mbgnbd or bgbb.")
        var model: ModelKind

        @OptionGroup var data: DataOptions

        @Option(help: ArgumentHelp("End of the holdout window (with the database).", valueName: "YYYY-MM-DD"))
        var holdoutEnd: CalendarDay?

        @Option(help: "Holdout length in --unit (with --summary).")
        var holdoutLength: Double?

        @Option(help: "L2 penalizer.")
        var penalizer: Double = 0

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            guard model != .gg else { throw ValidationError("--model must be a purchase model (bgnbd, pnbd, mbgnbd, bgbb).") }
            if data.summary == nil, holdoutEnd == nil { throw ValidationError("Evaluating on the database or --orders needs --holdout-end YYYY-MM-DD.") }
            if let end = data.end, let holdoutEnd, holdoutEnd <= end { throw ValidationError("--holdout-end (\(holdoutEnd)) must be after --end (\(end)).") }
            if data.summary != nil, holdoutLength == nil { throw ValidationError("--summary needs --holdout-length (in --unit).") }
            guard format != .csv else { throw ValidationError("clv evaluate prints --format table or json.") }
        }

        func run() async throws {
            let table = try await data.source(holdoutEnd: holdoutEnd, holdoutLength: holdoutLength).load()
            let (_, comparison) = try Workflow.evaluate(model, table, options: EstimatorOptions(penalizer: penalizer), unit: data.unit)
            switch format {
            case .json: emit(try jsonText(comparison))
            case .table, .csv:
                var lines = ["frequency  customers  actual     predicted"]
                for g in comparison.groups {
                    let label = g.isOpenEnded ? "\(g.frequency)+" : "\(g.frequency)"
                    lines.append(
                        [label, String(g.customers), formatted(g.actualMean, 4), formatted(g.predictedMean, 4)]
                            .map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
                }
                lines.append("total actual \(formatted(comparison.actualTotal, 6)), predicted \(formatted(comparison.predictedTotal, 6))")
                lines.append("MAE \(formatted(comparison.meanAbsoluteError, 5)), RMSE \(formatted(comparison.rootMeanSquaredError, 5)) per customer")
                emit(lines.joined(separator: "\n"))
            }
        }
    }
}
