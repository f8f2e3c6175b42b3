import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/customer?id=…`: one customer's scores, why they are scored so, their timeline and recent orders.
enum CustomerPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/customer", roles: .readers) { request, _, viewer in
            guard let raw = DashboardRoutes.queryFields(request)["id"], !raw.isEmpty, raw.utf8.count <= 256 else {
                throw APIError.badRequest("Give a customer id: /ui/customer?id=…")
            }
            let id = CustomerID(raw)
            let view = try await CustomerRoutes.customerView(id, services: services, level: 0.9)
            let days = try await services.store.customerDays(of: id)
            guard let models = services.scores.models, let asOf = services.scores.asOf else {
                throw APIError.unavailable("No fitted model yet; fit one with `clv fit`.")
            }
            services.audit.record(AuditEvent(actor: viewer.actor, action: "read customer", customerHash: try await services.store.auditHash(of: id)))
            let facts = CustomerFacts(
                view: view, days: days, aliveHistory: aliveHistory(days: days, model: models.purchase, unit: models.unit, asOf: asOf),
                models: models, asOf: asOf, horizonWeeks: services.configuration.horizonWeeks,
                recentLines: try await services.store.recentOrderLines(of: id, limit: 20),
                profile: try await InsightRoutes.profile(id, services: services),
                recentTexts: try await services.store.interactions(of: id).filter { !$0.text.isEmpty }.sorted { $0.timestamp > $1.timestamp }
                    .prefix(recentTextCount).map { $0 },
                learned: try await learnedExplanation(id, services: services),
                recommendations: await recommendations(id, services: services))
            return DashboardRoutes.html(View.page(title: "Customer \(id.rawValue)", active: "search", role: viewer.role, render(facts)))
        }
    }

    struct CustomerFacts {
        var view: CustomerView
        var days: [CustomerDay]
        var aliveHistory: [(week: Double, alive: Double)]
        var models: ActiveModels
        var asOf: CalendarDay
        var horizonWeeks: Double
        /// The newest order lines, newest first.
        var recentLines: [OrderHistoryLine]
        /// The profile the API serves (`GET /v1/customers/{id}/profile`).
        var profile: CustomerProfile?
        /// The newest interactions with words, newest first, as stored (redacted).
        var recentTexts: [Interaction]
        /// The learned model's prediction and why, as `GET /v1/customers/{id}/explanation` serves it.
        var learned: ExplanationView?
        /// What to offer next, or why there is nothing to show.
        var recommendations: Result<[RecommendWorkflow.ProductRecommendation], Unavailable>
    }

    struct Unavailable: Error {
        var reason: String
    }

    static let recommendationCount = 5

    static func learnedExplanation(_ id: CustomerID, services: Services) async throws -> ExplanationView? {
        guard let learned = await services.learned.current(), let prediction = learned.prediction(for: id),
            let explanation = try learned.explain(id)
        else { return nil }
        return ExplanationView(explanation, prediction: prediction, scoring: learned)
    }

    static func recommendations(_ id: CustomerID, services: Services) async -> Result<[RecommendWorkflow.ProductRecommendation], Unavailable> {
        do {
            return .success(try await RecommendWorkflow(store: services.store).recommend(customer: id, k: recommendationCount))
        } catch let error as RecommendWorkflowError {
            return .failure(Unavailable(reason: error.description))
        } catch WorkflowError.noOrders {
            return .failure(Unavailable(reason: "No order line names a product: recommendations need orders with product ids."))
        } catch {
            return .failure(Unavailable(reason: "Recommendations are unavailable (\(error))."))
        }
    }

    /// Interactions listed in the profile panel.
    static let recentTextCount = 10

    static func render(_ f: CustomerFacts) -> HTML {
        let s = f.view.scores, sum = f.view.summary
        let unitWeeks = f.models.unit.days / 7
        let purchases = f.days.filter { $0.purchaseLines > 0 }
        let first = purchases.first?.day ?? f.asOf
        let lastGapWeeks = sum.T * unitWeeks - sum.recency * unitWeeks
        let headline = View.stats(
            [
                View.stat(
                    "clv", "Predicted CLV", s.clv.map { Format.money($0) } ?? "–",
                    note: f.view.scores.interval?.clv.map { "90%: \(Format.money($0[0])) – \(Format.money($0[1]))" }),
                View.stat(
                    "expected-purchases", "Expected purchases", Format.number(s.expected_purchases, decimals: 2),
                    note: f.view.scores.interval.map {
                        "90%: \(Format.number($0.expected_purchases[0], decimals: 2)) – \(Format.number($0.expected_purchases[1], decimals: 2))"
                    }),
                View.stat(
                    "p-alive", "P(alive)", Format.percent(s.p_alive),
                    tone: s.churn_risk_band == "high" ? "bad" : s.churn_risk_band == "medium" ? "warn" : "good"),
                View.stat("orders", "Purchase days", Format.integer(sum.frequency + 1)),
            ] + learnedStat(f.learned?.learned))
        let facts = """
            <dl class="kv" data-panel="facts"><dt>Tier</dt><dd>\(View.tier(s.tier))</dd><dt>RFM segment</dt><dd data-field="segment">\(s.rfm.segment) (R\(s.rfm.recency) F\(s.rfm.frequency) M\(s.rfm.monetary))</dd>
            <dt>Churn risk</dt><dd>\(View.risk(ChurnRisk(rawValue: s.churn_risk_band) ?? .medium))</dd><dt>First purchase</dt><dd>\(first.description)</dd>
            <dt>Last purchase</dt><dd>\(purchases.last?.day.description ?? "–")</dd><dt>Mean repeat order</dt><dd>\(Format.money(sum.monetary_value, decimals: 2))</dd>
            <dt>Country</dt><dd>\(f.view.country ?? "–")</dd><dt>Consent</dt><dd>marketing \(f.view.consent?.marketing == true ? "yes" : "no"), profiling \(f.view.consent?.profiling == true ? "yes" : "no")</dd></dl>
            """ as HTML
        let span = Double(first.days(to: f.asOf))
        let timeline = Chart.timeline(
            "timeline", label: "Purchases over time, sized by amount",
            events: f.days.map { d in
                (
                    Double(first.days(to: d.day)), d.purchaseAmount,
                    "\(d.day): \(Format.money(d.purchaseAmount, decimals: 2))\(d.returnAmount < 0 ? ", returned \(Format.money(-d.returnAmount, decimals: 2))" : "")"
                )
            },
            range: 0...max(span, 1), xFormat: { first.adding(days: Int($0)).description }
        )
        let alive = ModelCharts.aliveHistory(f.aliveHistory).html
        let panels = View.grid([
            View.card(
                "Why this value", id: "panel-why", wide: true,
                "<ul class=\"explain\">\(explanation(f, lastGapWeeks: lastGapWeeks))</ul>\(learnedExplanationPanel(f.learned))"),
            View.card(
                "Recommended next", id: "panel-recommended", note: "What this customer is most likely to buy next, and why each is there.",
                recommendedPanel(f.recommendations)),
            View.card(
                "Profile", id: "panel-facts",
                "\(facts)<h2 class=\"sub\">Purchase timeline</h2><p class=\"note\">Each dot is a purchase day, sized by amount.</p>\(timeline)"),
            View.card(
                "P(alive) over time", id: "panel-alive", note: "Under today's model: it rises after each purchase and decays while the customer is silent.",
                alive),
            View.card(
                "Interests and sentiment", id: "panel-profile", wide: true, profilePanel(f.profile, texts: f.recentTexts)),
            View.card(
                "Recent orders", id: "panel-orders", note: "The newest \(f.recentLines.count) order lines; returns are negative.", wide: true,
                recentOrders(f.recentLines)),
        ])
        return """
            \(headline)
            \(panels)
            """
    }

    static func learnedStat(_ learned: LearnedView?) -> [HTML] {
        guard let learned, let value = learned.expected_value else { return [] }
        let interval = learned.interval_90.compactMap { $0 }
        let note = interval.count == 2 ? "90%: \(Format.money(interval[0])) – \(Format.money(interval[1])), to \(learned.through)" : "to \(learned.through)"
        return [
            View.stat(
                "learned-clv", learned.label == "spend" ? "Learned value" : "Learned purchases",
                learned.label == "spend" ? Format.money(value) : Format.number(value, decimals: 2), note: note)
        ]
    }

    /// The learned model's side of "why": contributions by group, then the features that moved the prediction most.
    static func learnedExplanationPanel(_ view: ExplanationView?) -> HTML {
        guard let view, let output = view.outputs.first(where: { $0.output == "expected-value" }) ?? view.outputs.first else {
            return "<p class=\"note\" data-field=\"learned-none\">No learned model is applied yet: `clv learn fit` trains one.</p>"
        }
        let l = view.learned
        let groups = output.groups.sorted { $0.key < $1.key }.map { group, value -> String in "\(group) \(value.map { Format.signed($0) } ?? "–")" }
        let rows = output.contributions.prefix(8).map { c -> [HTML] in
            [
                View.text(c.feature), View.text(c.value.map { Format.number($0, decimals: 2) } ?? "–"),
                View.text(c.contribution.map { Format.signed($0) } ?? "–"),
            ]
        }
        return """
            <h2 class="sub">Learned model</h2><p data-field="learned-summary">Model run \(l.model_run_id) (\(l.model), \(l.feature_set)) from \(l.as_of) to \(l.through): \
            \(output.output) \(output.value.map { Format.signed($0) } ?? "–") = the mean customer's \(output.baseline.map { Format.signed($0) } ?? "–") plus the contributions (\(output.method)). By group: \(groups.joined(separator: ", ")).</p>
            \(View.table("learned-contributions", headers: ["Feature", "Value", "Contribution"], numeric: [1, 2], rows: rows))
            """
    }

    static func recommendedPanel(_ result: Result<[RecommendWorkflow.ProductRecommendation], Unavailable>) -> HTML {
        switch result {
        case let .failure(problem): return View.message(problem.reason)
        case let .success(products) where products.isEmpty: return View.message("Nothing to recommend: this customer has every product already.")
        case let .success(products):
            return View.table(
                "recommended", headers: ["Product", "Title", "Why"],
                rows: products.map { [View.text($0.product), View.text($0.title ?? "–"), View.text($0.reason)] })
        }
    }

    /// The text side of the profile: interaction counts, and with profiling consent interests, sentiment by month and
    /// the newest texts; without consent a line saying only behaviour is shown.
    static func profilePanel(_ profile: CustomerProfile?, texts: [Interaction]) -> HTML {
        guard let profile else { return View.message("No profile for this customer.") }
        let counts = profile.interactions.sorted { $0.key < $1.key }.map { kind, n -> HTML in
            "<dt>\(kind)</dt><dd data-count=\"\(kind)\">\(Format.integer(n))</dd>"
        }
        let countsHTML: HTML =
            counts.isEmpty
            ? "<p class=\"note\" data-field=\"interactions\">No interactions recorded.</p>"
            : "<h2 class=\"sub\">Interactions</h2><dl class=\"kv\" data-field=\"interactions\">\(counts)</dl>"
        guard profile.profilingConsent else {
            return """
                <p class="message" data-field="no-consent">This customer has not consented to profiling: only behavioural scores are shown, and what they wrote is not analysed.</p>\(countsHTML)
                """
        }
        let interests: HTML
        if let found = profile.interests, !found.isEmpty {
            interests = View.table(
                "interests", headers: ["Topic", "Terms", "Similarity"], numeric: [0, 2],
                rows: found.map {
                    [View.text(String($0.topic)), View.text($0.terms.joined(separator: ", ")), View.text(Format.number($0.similarity, decimals: 3))]
                })
        } else {
            interests = "<p class=\"note\">No interests yet: the topics are computed in the background, and need texts or purchased products to compare.</p>"
        }
        let sentiment: HTML
        if let months = profile.sentiment, !months.isEmpty {
            let every = max(1, months.count / 6)
            let trend = profile.sentimentTrend.map { "Trend (last three months against the three before): \(Format.number($0, decimals: 2))." } ?? ""
            sentiment = """
                <p class="note">Mean sentiment of the customer's texts each month, from −1 (negative) to 1 (positive). \(trend)</p>\(Chart.lines(
                    "sentiment", label: "Mean sentiment by month",
                    series: [.init(name: "sentiment", points: months.enumerated().map { (Double($0.offset), $0.element.meanScore) }, color: "#9333ea", markers: true)],
                    xTitle: "month", yTitle: "sentiment", xFormat: { i in months.indices.contains(Int(i)) ? months[Int(i)].month : "" },
                    yFormat: { Format.number($0, decimals: 1) }, xRange: -0.5...Double(months.count) - 0.5, yRange: -1...1,
                    xTickValues: months.indices.filter { $0 % every == 0 }.map(Double.init)))
                """
        } else {
            sentiment = "<p class=\"note\">No sentiment: no texts, or no sentiment model installed.</p>"
        }
        let list = texts.map { t -> HTML in
            "<li><span class=\"meta\">\(t.day.description) · \(t.kind.rawValue)\(t.rating.map { " · rated \(Format.number($0, decimals: 0))" } ?? "")</span><span class=\"text\">\(t.text)</span></li>"
        }
        return """
            \(countsHTML)<h2 class="sub">Interests</h2>\(interests)<h2 class="sub">Sentiment</h2>\(sentiment)\(list.isEmpty ? "" : ("<h2 class=\"sub\">Newest texts</h2><p class=\"note\">As stored: redacted on arrival.</p><ul class=\"texts\" data-field=\"texts\">\(list)</ul>" as HTML))
            """
    }

    static func recentOrders(_ lines: [OrderHistoryLine]) -> HTML {
        guard !lines.isEmpty else { return View.message("No order lines stored for this customer.") }
        return View.table(
            "recent-orders", headers: ["Date", "Order", "Product", "Quantity", "Amount"], numeric: [3, 4], phoneHidden: [1, 3],
            rows: lines.map { line in
                let product = [line.productTitle, line.product.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
                return [
                    View.text(line.day.description), View.text(line.order ?? "–"), View.text(product.isEmpty ? "–" : product),
                    View.text(line.quantity.map { Format.number($0, decimals: 0) } ?? "–"),
                    line.isReturn ? View.badge(Format.money(line.amount, decimals: 2), tone: "bad") : View.text(Format.money(line.amount, decimals: 2)),
                ]
            })
    }

    /// In plain words: why this customer is scored as they are.
    static func explanation(_ f: CustomerFacts, lastGapWeeks: Double) -> [HTML] {
        let s = f.view.scores, sum = f.view.summary
        let unitWeeks = f.models.unit.days / 7
        var lines: [String] = []
        let repeats = sum.frequency
        if repeats == 0 {
            lines.append(
                "Bought once, \(Format.number(sum.T * unitWeeks, decimals: 0)) weeks ago, and never again: with no repeat purchase the model falls back on how often customers like this come back."
            )
        } else {
            let gap = sum.recency * unitWeeks / Double(repeats)
            lines.append(
                "Came back \(repeats) time\(repeats == 1 ? "" : "s") over \(Format.number(sum.recency * unitWeeks, decimals: 0)) weeks: about once every \(Format.number(gap, decimals: 1)) weeks."
            )
            let ratio = lastGapWeeks / max(gap, 0.1)
            let silence = "The last purchase was \(Format.number(lastGapWeeks, decimals: 0)) weeks ago"
            if ratio < 1.5 {
                lines.append("\(silence), within the usual rhythm, so the customer is probably still active (P(alive) \(Format.percent(s.p_alive))).")
            } else {
                lines.append(
                    "\(silence), \(Format.number(ratio, decimals: 1))× the usual gap: a silence this long for a regular buyer suggests they may have left (P(alive) \(Format.percent(s.p_alive)))."
                )
            }
        }
        lines.append(
            "Expected \(Format.number(s.expected_purchases, decimals: 2)) purchases in the next \(Format.number(f.horizonWeeks, decimals: 0)) weeks\(s.clv.map { ", worth \(Format.money($0)) after discounting" } ?? "")\(sum.monetary_value > 0 ? " at about \(Format.money(s.expected_spend ?? sum.monetary_value, decimals: 2)) an order" : "")."
        )
        lines.append(
            "That puts them in the \(s.tier) tier; by recency and spend they are \"\(s.rfm.segment)\"; churn risk is \(s.churn_risk_band) (\(Format.percent(s.churn_risk)))."
        )
        return lines.map { "<li>\($0)</li>" }
    }
}
