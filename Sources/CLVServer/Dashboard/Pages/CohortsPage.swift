import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/cohorts`: retention by first-purchase month as a heat map, with the purchase model's expected retention and
/// the customer-weighted mean beneath. The table is computed once per snapshot (``DashboardCache``).
enum CohortsPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services, cache = dashboard.cache
        dashboard.page("/ui/cohorts", roles: .analysts) { _, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let table = try await cache.cohortTable(snapshot, store: services.store)
            return DashboardRoutes.html(
                View.page(title: "Cohorts", active: "cohorts", role: viewer.role, render(table, model: ModelPage.modelName(snapshot.models.purchaseRun.kind))))
        }
    }

    /// `YYYY-MM` of a period's first day.
    static func month(_ day: CalendarDay) -> String {
        let c = day.components
        return String(format: "%04d-%02d", c.year, c.month)
    }

    static func render(_ table: CohortTable, model: String) -> HTML {
        let customers = table.cohorts.reduce(0) { $0 + $1.size }
        let mean = table.meanRetention
        let stats = View.stats([
            View.stat("cohorts", "Cohorts", Format.integer(table.cohorts.count)),
            View.stat("cohort-customers", "Customers", Format.integer(customers)),
            View.stat("month1-retention", "Month-1 retention", mean.count > 1 ? Format.percent(mean[1], decimals: 1) : "–", note: "customer-weighted mean"),
            View.stat("data-end", "Data through", table.dataEnd.description),
        ])
        let expected = table.expectedRetention
        let expectedNote =
            expected == nil
            ? "No expected row: the \(model) model in use cannot be simulated month by month."
            : "“\(model) expected” is the share of simulated new customers of the model in use buying in each month after their first purchase."
        let partial = table.dataEnd.adding(days: 1).components.day != 1
        let note =
            "Rows: customers by the month of their first purchase; columns: months since it; each cell the share of the cohort who bought that month (month 0 is every customer). \(partial ? "The last month is partial (data through \(table.dataEnd)), in italics. " : "")\(expectedNote)"
        var series = [
            Chart.Series(
                name: "actual (mean)", points: mean.enumerated().dropFirst().map { (Double($0.offset), $0.element) }, color: "#0f172a", markers: true)
        ]
        if let expected {
            series.append(
                Chart.Series(
                    name: "\(model) expected", points: expected.enumerated().dropFirst().map { (Double($0.offset), $0.element) }, color: "#f97316",
                    dashed: true, markers: true))
        }
        let chart = Chart.lines(
            "retention-curve", label: "Mean retention by months since first purchase, actual and expected", series: series,
            xTitle: "months since first purchase", yTitle: "share buying", yFormat: { Format.percent($0) })
        return """
            \(stats)
            \(View.grid([
                View.card("Retention by cohort", id: "panel-cohorts", note: note, wide: true, heatmap(table, model: model, partial: partial)),
                View.card("Retention curve", id: "panel-retention-curve", note: "Months 1 onwards: the mean over cohorts against the model.", wide: true, chart),
            ]))
            """
    }

    /// The cohort table as an HTML table whose cells are coloured by retention (scaled to the largest retention after
    /// month 0), each showing its percentage.
    static func heatmap(_ table: CohortTable, model: String, partial: Bool) -> HTML {
        let columns = table.cohorts.map(\.active.count).max() ?? 0
        let mean = table.meanRetention
        let scale = max(
            (table.cohorts.flatMap { $0.retention.dropFirst() } + mean.dropFirst() + (table.expectedRetention?.dropFirst() ?? [])).max() ?? 1, 1e-9)
        func cell(_ value: Double?, k: Int, title: String, partial: Bool = false) -> HTML {
            guard let value else { return "<td class=\"cell empty\" data-k=\"\(k)\"></td>" }
            let t = k == 0 ? 1 : value / scale
            let classes = ["cell"] + (t > 0.55 ? ["dark"] : []) + (partial ? ["partial"] : [])
            return
                "<td class=\"\(classes.joined(separator: " "))\" data-k=\"\(k)\" style=\"background:\(Chart.heatColor(t))\" title=\"\(title)\">\(Format.percent(value, decimals: 1))</td>"
        }
        let head: [HTML] =
            ["<th>First purchase</th>", "<th class=\"num\">Customers</th>"] + (0..<columns).map { k -> HTML in "<th class=\"num\">M\(k)</th>" }
        let rows = table.cohorts.map { cohort -> HTML in
            let label = month(cohort.start)
            let cells = (0..<columns).map { k -> HTML in
                k < cohort.active.count
                    ? cell(
                        cohort.retention[k], k: k,
                        title: "\(label), month \(k): \(Format.integer(cohort.active[k])) of \(Format.integer(cohort.size)) bought",
                        partial: partial && k == cohort.active.count - 1)
                    : cell(nil, k: k, title: "")
            }
            return "<tr data-cohort=\"\(label)\"><th>\(label)</th><td class=\"num\" data-field=\"size\">\(Format.integer(cohort.size))</td>\(cells)</tr>"
        }
        var summary: [HTML] = []
        if let expected = table.expectedRetention {
            summary.append(
                "<tr data-row=\"expected\"><th>\(model) expected</th><td class=\"num\">–</td>\((0..<columns).map { k in cell(k < expected.count ? expected[k] : nil, k: k, title: "\(model) expected, month \(k)") })</tr>"
            )
        }
        summary.append(
            "<tr data-row=\"mean\"><th>Mean</th><td class=\"num\">\(Format.integer(table.cohorts.reduce(0) { $0 + $1.size }))</td>\((0..<columns).map { k in cell(k < mean.count ? mean[k] : nil, k: k, title: "mean, month \(k)") })</tr>"
        )
        return
            "<div class=\"table-wrap\"><table class=\"heat\" data-table=\"cohorts\"><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody><tbody class=\"summary\">\(summary)</tbody></table></div>"
    }
}
