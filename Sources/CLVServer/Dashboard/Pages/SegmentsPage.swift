import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/segments`: CLV tiers and RFM segments, with links to each one's audience, and the k-means segments of
/// behaviour and predictions (computed once per snapshot).
enum SegmentsPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services, cache = dashboard.cache
        dashboard.page("/ui/segments", roles: .analysts) { _, _, viewer in
            let snapshot = try await CustomerRoutes.requireSnapshot(services)
            return DashboardRoutes.html(
                View.page(
                    title: "Segments", active: "segments", role: viewer.role,
                    render(
                        rfm: snapshot.population.segmentSummaries(by: .rfm), tiers: snapshot.population.segmentSummaries(by: .tier),
                        tierFloors: snapshot.tierFloors, money: snapshot.hasSpend, kmeans: cache.behaviourSegments(snapshot)
                    )))
        }
    }

    static func render(
        rfm: [SegmentSummary], tiers: [SegmentSummary], tierFloors: [(name: String, floor: Double)], money: Bool,
        kmeans: Result<BehaviourSegments, InsightError>
    ) -> HTML {
        func rows(_ list: [SegmentSummary], filter: String) -> [[HTML]] {
            list.map { s in
                let query = "\(filter)=\(urlComponent(s.segment))"
                return [
                    View.text(s.segment), View.text(Format.integer(s.customers)), View.text(Format.percent(s.shareOfCustomers, decimals: 1)),
                    View.text(Format.percent(s.shareOfCLV, decimals: 1)), View.text(Format.percent(s.meanProbabilityAlive)),
                    "<a href=\"/ui/audiences?\(query)\">customers</a> · <a href=\"/ui/audiences.csv?\(query)\" download>CSV</a>",
                ]
            }
        }
        let headers = ["Segment", "Customers", "% customers", "% value", "Mean P(alive)", "Audience"]
        let floors = tierFloors.map { "\($0.name) ≥ \(money ? Format.money($0.floor) : Format.number($0.floor, decimals: 2))" }.joined(separator: ", ")
        return View.grid([
            View.card(
                "CLV tiers", id: "panel-tiers", note: "Tiers by predicted value: \(floors).", wide: true,
                View.table("tiers", headers: headers, numeric: [1, 2, 3, 4], rows: rows(tiers, filter: "tier"))),
            View.card(
                "Tiers: customers vs value", id: "panel-tier-chart",
                Chart.pairedShares(
                    "tier-shares", label: "Share of customers against share of value by tier",
                    rows: tiers.map { ($0.segment, $0.shareOfCustomers, $0.shareOfCLV) })),
            View.card(
                "RFM segments: customers vs value", id: "panel-rfm-chart",
                Chart.pairedShares(
                    "rfm-shares", label: "Share of customers against share of value by RFM segment",
                    rows: rfm.map { ($0.segment, $0.shareOfCustomers, $0.shareOfCLV) })),
            View.card(
                "RFM segments", id: "panel-rfm", note: "Recency × frequency/monetary quintiles.", wide: true,
                View.table("rfm", headers: headers, numeric: [1, 2, 3, 4], rows: rows(rfm, filter: "segment"))),
            behaviour(kmeans, money: money),
        ])
    }

    /// The k-means segments: size, shares, mean P(alive) and mean CLV.
    static func behaviour(_ kmeans: Result<BehaviourSegments, InsightError>, money: Bool) -> HTML {
        let segments: BehaviourSegments
        switch kmeans {
        case let .success(found): segments = found
        case let .failure(error):
            return View.card("Behaviour segments (k-means)", id: "panel-kmeans", wide: true, View.message("No k-means segments: \(error)", tone: "bad"))
        }
        let value = { (v: Double) in money ? Format.money(v) : Format.number(v, decimals: 2) }
        let rows = segments.segments.map { s -> [HTML] in
            [
                View.text(s.name), View.text(Format.integer(s.customers)), View.text(Format.percent(s.shareOfCustomers, decimals: 1)),
                View.text(Format.percent(s.shareOfCLV, decimals: 1)), View.text(Format.percent(s.meanProbabilityAlive)), View.text(value(s.meanCLV)),
                View.text(Format.number(s.meanFrequency, decimals: 1)),
            ]
        }
        let note =
            "Customers clustered on standardised \(BehaviourSegments.features.joined(separator: ", ")); \(segments.segments.count) segments chosen by silhouette\(segments.silhouette.map { " (\(Format.number($0, decimals: 3)))" } ?? ""), numbered by mean CLV."
        let table = View.table(
            "kmeans", headers: ["Segment", "Customers", "% customers", "% value", "Mean P(alive)", "Mean CLV", "Mean repeats"], numeric: [1, 2, 3, 4, 5, 6],
            phoneHidden: [6], rows: rows)
        let chart = Chart.pairedShares(
            "kmeans-shares", label: "Share of customers against share of value by k-means segment",
            rows: segments.segments.map { ($0.name, $0.shareOfCustomers, $0.shareOfCLV) })
        return View.card("Behaviour segments (k-means)", id: "panel-kmeans", note: note, wide: true, "\(table)\(chart)")
    }
}
