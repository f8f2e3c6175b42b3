import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/model`: the models in use (parameters with uncertainty) and the checks the workflow ran on the store's own
/// history: candidates compared on a holdout, tracking, and the expectation and P(alive) over a grid. Nothing is
/// fitted here: the analysis is a background job of the score book.
enum ModelPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/model", roles: .analysts) { _, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            var runs = [ModelRunView(record: snapshot.models.purchaseRun)]
            if let spend = snapshot.models.spendRun { runs.append(ModelRunView(record: spend)) }
            return DashboardRoutes.html(
                View.page(title: "Model", active: "model", role: viewer.role, render(snapshot, runs: runs, analysis: await services.scores.analysis())))
        }
    }

    static func modelName(_ kind: ModelKind) -> String {
        switch kind {
        case .bgnbd: "BG/NBD"
        case .pnbd: "Pareto/NBD"
        case .mbgnbd: "MBG/NBD"
        case .bgbb: "BG/BB"
        case .gg: "Gamma-Gamma"
        case .learned: "Learned CLV"
        }
    }

    static func render(_ population: Snapshot, runs: [ModelRunView], analysis a: ModelAnalysis?) -> HTML {
        var panels: [HTML] = []
        for run in runs {
            let rows = run.parameters.map { p -> [HTML] in
                [
                    View.text(p.name), View.text(Format.number(p.value, decimals: 4)), View.text(p.standardError.map { Format.number($0, decimals: 4) } ?? "–"),
                    View.text(p.interval.map { "\(Format.number($0.lower, decimals: 4)) – \(Format.number($0.upper, decimals: 4))" } ?? "–"),
                ]
            }
            let ll = run.log_likelihood.map { Format.number($0, decimals: 2) } ?? "–"
            let note =
                "Run \(run.id), \(Format.integer(run.n_customers)) customers, data through \(run.data_end); log-likelihood \(ll), AIC \(Format.number(run.aic ?? .nan, decimals: 1))\(run.converged ? "" : " — did not converge")."
            panels.append(
                View.card(
                    "\(modelName(run.model)) parameters (in use)", id: "panel-params-\(run.model.rawValue)", note: note,
                    View.table("params-\(run.model.rawValue)", headers: ["Parameter", "Estimate", "Std. error", "95% interval"], numeric: [1, 2], rows: rows)))
        }
        guard let a else {
            panels.append(
                View.card(
                    "Model checks", wide: true,
                    View.message(
                        "The model checks are not ready: they run in the background after each fit, or there is not enough history to split into calibration and holdout. Reload in a moment."
                    )))
            return View.grid(panels)
        }
        let best = a.candidates.min { $0.holdout.meanAbsoluteError < $1.holdout.meanAbsoluteError }?.kind
        let comparison = View.table(
            "comparison", headers: ["Model", "Log-likelihood", "AIC", "BIC", "Holdout actual", "Holdout predicted", "MAE / customer"],
            numeric: [1, 2, 3, 4, 5, 6], phoneHidden: [2, 3],
            rows: a.candidates.map { c in
                let d = c.model.diagnostics
                return [
                    "\(modelName(c.kind))\(c.kind == best ? (" <span class=\"badge good\">best holdout fit</span>" as HTML) : "")",
                    View.text(Format.number(d.logLikelihood, decimals: 1)), View.text(Format.number(d.aic, decimals: 1)),
                    View.text(Format.number(d.bic, decimals: 1)),
                    View.text(Format.integer(Int(c.holdout.actualTotal.rounded()))), View.text(Format.number(c.holdout.predictedTotal, decimals: 0)),
                    View.text(Format.number(c.holdout.meanAbsoluteError, decimals: 3)),
                ]
            })
        let split =
            "Fitted on \(Format.integer(a.customers)) customers' purchases up to \(a.calibrationEnd) (calibration), checked on \(a.calibrationEnd.adding(days: 1)) to \(a.holdoutEnd) (holdout)."
        panels.append(View.card("Model comparison", id: "panel-comparison", note: split, wide: true, comparison))
        if let active = a.candidates.first(where: { $0.kind == a.active }) {
            let fitNote =
                "Over all customers the model predicted \(Format.number(active.holdout.predictedTotal, decimals: 0)) holdout purchases; \(Format.integer(Int(active.holdout.actualTotal.rounded()))) happened (\(Format.percent(active.holdout.predictedTotal / max(active.holdout.actualTotal, 1) - 1, decimals: 1)) off)."
            panels.append(
                View.card("Calibration vs holdout (\(modelName(a.active)))", id: "panel-holdout", note: fitNote, ModelCharts.calibrationHoldout(active, a).html)
            )
            panels.append(
                View.card(
                    "Tracking: cumulative repeat purchases", id: "panel-tracking",
                    note:
                        "Weekly, customers who joined by \(a.calibrationEnd); the model was fitted before week \(Format.integer(ModelCharts.trackingSplit(a))).",
                    ModelCharts.cumulative(a).html))
        }
        let h = a.heatmap
        panels.append(
            View.card(
                "Expected purchases in the next \(Format.number(h.horizon * population.unit.days / 7, decimals: 0)) weeks", id: "panel-heat-expected",
                note:
                    "By repeat purchases and weeks from first to last purchase, for a customer first seen \(Format.number(h.age * population.unit.days / 7, decimals: 0)) weeks ago. Darker: more.",
                ModelCharts.frequencyRecency(a).html))
        panels.append(
            View.card(
                "Probability still active", id: "panel-heat-alive",
                note: "P(alive) by the same grid: recent buyers (right) are likely active; frequent buyers who stopped long ago (top left) are not.",
                ModelCharts.probabilityAlive(a).html))
        return View.grid(panels)
    }
}
