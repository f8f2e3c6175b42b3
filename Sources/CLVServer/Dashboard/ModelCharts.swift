import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

/// The model charts lifetimes' `plotting` module draws, as the dashboard shows them and `clv plot` writes them:
/// one function per chart, from the workflow's analysis (or a customer's history) to a figure.
enum ModelCharts {
    /// Mean holdout purchases by calibration frequency, actual against the model's prediction.
    static func calibrationHoldout(_ candidate: ModelAnalysis.Candidate, _ a: ModelAnalysis) -> ChartFigure {
        let groups = candidate.holdout.groups
        return Chart.lines(
            "holdout", label: "Mean holdout purchases by calibration frequency, actual and predicted",
            series: [
                .init(name: "actual", points: groups.map { (Double($0.frequency), $0.actualMean) }, color: "#0f172a", markers: true),
                .init(name: "predicted", points: groups.map { (Double($0.frequency), $0.predictedMean) }, color: "#f97316", dashed: true, markers: true),
            ],
            xTitle: "purchases in calibration (last group: \(groups.last?.frequency ?? 7)+)", yTitle: "mean purchases in holdout",
            xFormat: { Format.number($0, decimals: 0) }, yFormat: { Format.number($0, decimals: 1) }, xTickValues: groups.map { Double($0.frequency) }
        )
    }

    /// Cumulative repeat purchases week by week, actual against expected, with the end of calibration marked.
    static func cumulative(_ a: ModelAnalysis) -> ChartFigure {
        Chart.lines(
            "tracking", label: "Cumulative repeat purchases per week, actual and expected",
            series: [
                .init(name: "actual", points: a.tracking.map { ($0.week, $0.actual) }, color: "#0f172a"),
                .init(name: "expected (\(ModelPage.modelName(a.active)))", points: a.tracking.map { ($0.week, $0.expected) }, color: "#f97316", dashed: true),
            ],
            xTitle: "week", yTitle: "cumulative repeat purchases", yFormat: { Format.number($0, decimals: 0) },
            marker: (Double(trackingSplit(a)), "end of calibration")
        )
    }

    static func trackingSplit(_ a: ModelAnalysis) -> Int { a.firstDay.days(to: a.calibrationEnd) / 7 + 1 }

    /// Expected purchases over the horizon by frequency and recency (lifetimes' frequency-recency matrix).
    static func frequencyRecency(_ a: ModelAnalysis) -> ChartFigure {
        let h = a.heatmap
        return Chart.heatmap(
            "heatmap-expected", label: "Expected purchases by frequency and recency", rowLabels: h.frequencies.map(String.init),
            columnLabels: recencyLabels(a), values: h.expected, rowTitle: "repeat purchases", columnTitle: "recency (weeks)",
            format: { Format.number($0, decimals: 2) })
    }

    /// P(alive) by frequency and recency (lifetimes' probability-alive matrix).
    static func probabilityAlive(_ a: ModelAnalysis) -> ChartFigure {
        let h = a.heatmap
        return Chart.heatmap(
            "heatmap-alive", label: "P(alive) by frequency and recency", rowLabels: h.frequencies.map(String.init), columnLabels: recencyLabels(a),
            values: h.alive, rowTitle: "repeat purchases", columnTitle: "recency (weeks)", format: { Format.percent($0) })
    }

    private static func recencyLabels(_ a: ModelAnalysis) -> [String] {
        a.heatmap.recencies.map { Format.number($0 * a.unit.days / 7, decimals: 0) }
    }

    /// How many customers made 0, 1, … 6+ repeat purchases in calibration, actual against what the model expects
    /// for customers of the same ages (lifetimes' period-transactions plot, computed exactly instead of simulated).
    static func periodTransactions(_ rows: [CustomerSummaryRow], model: AnyPurchaseModel, groups: Int = 7) -> ChartFigure {
        var actual = [Double](repeating: 0, count: groups), expected = [Double](repeating: 0, count: groups)
        for row in rows {
            actual[min(row.frequency, groups - 1)] += 1
            var below = 0.0
            for x in 0..<(groups - 1) {
                let p = model.model.probabilityOfPurchases(x, within: row.age)
                expected[x] += p
                below += p
            }
            expected[groups - 1] += max(0, 1 - below)
        }
        let label = { (x: Int) in x == groups - 1 ? "\(x)+" : "\(x)" }
        var bars: [(label: String, value: Double, color: String)] = []
        for x in 0..<groups {
            bars.append(("\(label(x)) actual", actual[x], "#0f172a"))
            bars.append(("\(label(x)) model", expected[x], "#f97316"))
        }
        var figure = Chart.bars(
            "period-transactions", label: "Customers by repeat purchases in calibration, actual and model", bars: bars,
            xTitle: "repeat purchases in calibration (dark: actual, orange: model)", yTitle: "customers")
        figure.legend = [("actual", "#0f172a", false), ("model", "#f97316", false)]
        return figure
    }

    /// One customer's P(alive) week by week since their first purchase.
    static func aliveHistory(_ points: [(week: Double, alive: Double)]) -> ChartFigure {
        Chart.lines(
            "alive-history", label: "P(alive) week by week",
            series: [.init(name: "P(alive)", points: points.map { ($0.week, $0.alive) }, color: "#2563eb")],
            xTitle: "weeks since first purchase", yTitle: "P(alive)", yFormat: { Format.percent($0) }, yRange: 0...1
        )
    }
}
