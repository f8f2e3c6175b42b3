import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui`: the overview of the customer base: headline numbers, most valuable and slipping-away customers, value
/// concentration, the CLV distribution, churn risk and model freshness.
enum OverviewPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services, cache = dashboard.cache
        dashboard.page("/ui", roles: .analysts) { _, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            let (insights, histogram) = cache.insights(snapshot)
            let statistics = try await services.store.statistics()
            return DashboardRoutes.html(
                View.page(
                    title: "Overview", active: "overview", role: viewer.role,
                    render(snapshot, insights: insights, histogram: histogram, statistics: statistics, horizonWeeks: services.configuration.horizonWeeks)))
        }
    }

    /// Counts in about 12 bins of equal width up to the 98th percentile, the last open-ended.
    static func histogram(_ values: [Double]) -> [(label: String, count: Int)] {
        let sorted = values.sorted()
        guard let last = sorted.last, last > 0 else { return [] }
        let p98 = sorted[Int(Double(sorted.count - 1) * 0.98)]
        let step = Chart.ticks(0...max(p98, 1e-9), count: 12).dropFirst().first ?? max(p98 / 12, 1e-9)
        let bins = max(1, Int((p98 / step).rounded(.up)))
        var counts = [Int](repeating: 0, count: bins + 1)
        for v in values { counts[min(bins, Int(max(v, 0) / step))] += 1 }
        return counts.indices.map { i in
            let label = i == bins ? "\(Format.number(Double(i) * step, decimals: 0))+" : Format.number(Double(i) * step, decimals: 0)
            return (label, counts[i])
        }
    }

    static func render(
        _ population: Snapshot, insights i: PopulationInsights, histogram: [(label: String, count: Int)], statistics: StoreStatistics, horizonWeeks: Double
    ) -> HTML {
        let models = population.models
        let value = { (c: ScoredCustomer) in c.value }
        let months = Int((horizonWeeks * 7 / 30.44).rounded())
        let headline = View.stats([
            View.stat("customers", "Customers", Format.integer(i.customers)),
            View.stat(
                "active", "Active customers", Format.integer(i.activeCustomers),
                note: "P(alive) ≥ 50% · \(Format.percent(Double(i.activeCustomers) / Double(max(i.customers, 1))))"),
            View.stat("revenue", "Revenue to date", Format.money(statistics.netRevenue)),
            View.stat("purchases", "Predicted purchases", Format.number(i.predictedPurchases, decimals: 0), note: "next \(months) months"),
            View.stat("clv", "Predicted CLV", Format.money(i.predictedValue), note: "next \(months) months, discounted"),
            View.stat("high-risk", "High churn risk", Format.integer(i.churnCounts[.high] ?? 0), note: "P(alive) < 30%", tone: "bad"),
        ])
        let top = View.table(
            "most-valuable", headers: ["Customer", "Tier", "Predicted CLV", "P(alive)", "Orders"], numeric: [2, 3, 4], phoneHidden: [4],
            rows: i.mostValuable.map { k in
                let c = population.customers[k]
                return [
                    View.customerLink(c.row.customer), View.tier(c.tier), View.text(Format.money(value(c))),
                    View.text(Format.percent(c.score.probabilityAlive)), View.text(Format.integer(c.row.frequency + 1)),
                ]
            })
        let slipping = View.table(
            "slipping-away", headers: ["Customer", "Spent on repeats", "Last order", "P(alive)", "Risk"], numeric: [1, 3], phoneHidden: [2, 4],
            rows: i.slippingAway.map { k in
                let c = population.customers[k]
                let ago = (c.row.age - c.row.recency) * models.unit.days / 7
                return [
                    View.customerLink(c.row.customer), View.text(Format.money(Double(c.row.frequency) * c.row.monetaryValue)),
                    View.text("\(Format.number(ago, decimals: 0)) weeks ago"), View.text(Format.percent(c.score.probabilityAlive)), View.risk(c.churnBand),
                ]
            })
        let lorenz = Chart.lines(
            "lorenz", label: "Share of predicted value held by the top customers",
            series: [
                .init(name: "customers by predicted value", points: i.lorenz, color: "#2563eb"),
                .init(name: "if everyone were equal", points: [(0, 0), (1, 1)], color: "#94a3b8", dashed: true),
            ],
            xTitle: "share of customers (most valuable first)", yTitle: "share of predicted value",
            xFormat: { Format.percent($0) }, yFormat: { Format.percent($0) }, xRange: 0...1, yRange: 0...1
        )
        let histogram = Chart.bars(
            "clv-histogram", label: "Customers by predicted CLV", bars: histogram.map { ($0.label, Double($0.count), "#2563eb") },
            xTitle: models.spend == nil ? "expected purchases" : "predicted CLV ($)", yTitle: "customers"
        )
        let churn = Chart.bars(
            "churn-risk", label: "Customers by churn risk",
            bars: [
                ("low", Double(i.churnCounts[.low] ?? 0), "#16a34a"), ("medium", Double(i.churnCounts[.medium] ?? 0), "#f59e0b"),
                ("high", Double(i.churnCounts[.high] ?? 0), "#dc2626"),
            ],
            xTitle: "churn risk (1 − P(alive)): low < 30% ≤ medium < 70% ≤ high", yTitle: "customers"
        )
        let freshness = """
            <dl class="kv" data-panel="freshness"><dt>Model</dt><dd>\(ModelPage.modelName(models.purchase.kind)) (run \(models.purchaseRun.id))\(models.spend == nil ? "" : " + Gamma-Gamma spend")</dd>
            <dt>Fitted</dt><dd>\(ISO8601DateFormatter().string(from: models.purchaseRun.createdAt))</dd><dt>Data through</dt><dd>\(models.purchaseRun.dataEnd.description)</dd>
            <dt>Scored as of</dt><dd>\(population.asOf.description)</dd><dt>Snapshot built</dt><dd>\(ISO8601DateFormatter().string(from: population.builtAt))</dd>
            <dt>Orders stored</dt><dd>\(Format.integer(statistics.orderLines)) lines, \(statistics.firstDay?.description ?? "–") to \(statistics.lastDay?.description ?? "–")</dd></dl>
            """ as HTML
        let panels = View.grid([
            View.card(
                "Most valuable customers", id: "panel-top",
                note: "Highest predicted \(models.spend == nil ? "purchases" : "CLV") over the next \(months) months.", top),
            View.card(
                "Slipping away", id: "panel-slipping",
                note: "Customers who spent most on repeat orders but are now probably gone (P(alive) < 50%): win them back first.", slipping),
            View.card("Value concentration", id: "panel-lorenz", note: "Lorenz curve of predicted value.", lorenz),
            View.card("CLV distribution", id: "panel-histogram", histogram),
            View.card("Churn risk", id: "panel-churn", churn),
            View.card("Model freshness", id: "panel-freshness", freshness),
        ])
        return """
            <p class="headline" data-headline="concentration">The top 20% of customers hold <strong data-stat="top20">\(Format.percent(i.top20Share))</strong> of predicted value.</p>
            \(headline)
            \(panels)
            """
    }
}
