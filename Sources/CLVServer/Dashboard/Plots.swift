import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Logging

/// The plots `clv plot` writes, by the names lifetimes' `plotting` module gives them.
public enum PlotKind: String, CaseIterable, Sendable {
    case frequencyRecency = "frequency-recency"
    case probabilityAlive = "p-alive"
    case periodTransactions = "period-transactions"
    case calibrationHoldout = "calibration-holdout"
    case cumulative
    case aliveHistory = "alive-history"

    public var needsCustomer: Bool { self == .aliveHistory }

    /// Whether it reads the model analysis (models refitted on a calibration/holdout split of the data).
    var needsAnalysis: Bool { self != .aliveHistory && self != .periodTransactions }
}

/// A plot that cannot be drawn, with what to do about it.
public struct PlotError: Error, CustomStringConvertible {
    public let description: String
}

/// The dashboard's model charts as files of their own: the same chart code, the same data the service would show
/// (the newest saved runs, scored as of the last stored day).
public enum Plots {
    /// The plot as a self-contained SVG document.
    public static func svg(
        _ kind: PlotKind, store: some ServiceStore, model: ModelKind, customer: CustomerID?, settings: ServerConfiguration
    ) async throws -> String {
        let book = ScoreBook(workflow: Workflow(store: store), model: model, settings: settings, logger: Logger(label: "clv.plot"))
        guard let last = try await store.statistics().lastDay else {
            throw PlotError(description: "The database holds no orders yet: import some with `clv ingest orders FILE` first.")
        }
        book.invalidate(seenDay: last)
        try await book.loadModels(fitIfMissing: false, analysing: kind.needsAnalysis)
        guard let models = book.models else {
            throw PlotError(description: "No saved \(model.rawValue) run in the database: fit one with `clv fit --model \(model.rawValue)` first.")
        }
        let name = ModelPage.modelName(models.purchaseRun.kind)
        switch kind {
        case .aliveHistory:
            guard let customer else { throw PlotError(description: "alive-history plots one customer: give their id, e.g. `clv plot alive-history 1234`.") }
            let days = try await store.customerDays(of: customer)
            guard !days.isEmpty else { throw PlotError(description: "No customer \(customer.rawValue) in the database: check the id.") }
            let points = CLVPipeline.aliveHistory(days: days, model: models.purchase, unit: models.unit, asOf: last)
            return ModelCharts.aliveHistory(points).standaloneSVG(title: "Customer \(customer.rawValue): P(alive) over time (\(name))")
        case .periodTransactions:
            let window = SummaryWindow(calibrationEnd: models.purchaseRun.dataEnd, unit: models.unit)
            let rows = try await store.summaries(for: window)
            return ModelCharts.periodTransactions(rows, model: models.purchase).standaloneSVG(
                title: "Repeat purchases in calibration (through \(window.calibrationEnd)): actual vs \(name)")
        case .frequencyRecency, .probabilityAlive, .calibrationHoldout, .cumulative:
            guard let analysis = await book.analysis() else {
                throw PlotError(
                    description: "The data is too short to split into calibration and holdout for this plot: it needs a few months of orders.")
            }
            switch kind {
            case .frequencyRecency:
                return ModelCharts.frequencyRecency(analysis).standaloneSVG(title: "Expected purchases by frequency and recency (\(name))")
            case .probabilityAlive:
                return ModelCharts.probabilityAlive(analysis).standaloneSVG(title: "P(alive) by frequency and recency (\(name))")
            case .cumulative:
                return ModelCharts.cumulative(analysis).standaloneSVG(title: "Cumulative repeat purchases, actual vs \(name)")
            default:
                guard let active = analysis.candidates.first(where: { $0.kind == analysis.active }) else {
                    throw PlotError(description: "The \(name) model could not be refitted on the calibration period, so there is no holdout to compare.")
                }
                return ModelCharts.calibrationHoldout(active, analysis).standaloneSVG(
                    title: "Calibration vs holdout (\(analysis.calibrationEnd) | \(analysis.holdoutEnd)), \(name)")
            }
        }
    }
}
