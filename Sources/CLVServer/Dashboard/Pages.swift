import CLVCore
import CLVData
import CLVModels
import Foundation

/// The dashboard's pages, each a composition of ``View`` panels over data the routes gathered.
enum Pages {
    // MARK: - Overview

    static func overview(population: Population, insights i: PopulationInsights, statistics: StoreStatistics, horizonWeeks: Double) -> HTML {
        let models = population.models
        let value = { (c: ScoredCustomer) in c.score.clv ?? c.score.expectedPurchases }
        let months = Int((horizonWeeks * 7 / 30.44).rounded())
        let headline = View.stats([
            View.stat("customers", "Customers", Format.integer(i.customers)),
            View.stat("active", "Active customers", Format.integer(i.activeCustomers), note: "P(alive) ≥ 50% · \(Format.percent(Double(i.activeCustomers) / Double(max(i.customers, 1))))"),
            View.stat("revenue", "Revenue to date", Format.money(statistics.netRevenue)),
            View.stat("purchases", "Predicted purchases", Format.number(i.predictedPurchases, decimals: 0), note: "next \(months) months"),
            View.stat("clv", "Predicted CLV", Format.money(i.predictedValue), note: "next \(months) months, discounted"),
            View.stat("high-risk", "High churn risk", Format.integer(i.churnCounts[.high] ?? 0), note: "P(alive) < 30%", tone: "bad"),
        ])
        let top = View.table("most-valuable", headers: ["Customer", "Tier", "Predicted CLV", "P(alive)", "Orders"], numeric: [2, 3, 4], phoneHidden: [4], rows: i.mostValuable.map { k in
            let c = population.customers[k]
            return [View.customerLink(c.row.customer), View.tier(c.tier), View.text(Format.money(value(c))), View.text(Format.percent(c.score.probabilityAlive)), View.text(Format.integer(c.row.frequency + 1))]
        })
        let slipping = View.table("slipping-away", headers: ["Customer", "Spent on repeats", "Last order", "P(alive)", "Risk"], numeric: [1, 3], phoneHidden: [2, 4], rows: i.slippingAway.map { k in
            let c = population.customers[k]
            let ago = (c.row.age - c.row.recency) * models.unit.days / 7
            return [View.customerLink(c.row.customer), View.text(Format.money(Double(c.row.frequency) * c.row.monetaryValue)),
                    View.text("\(Format.number(ago, decimals: 0)) weeks ago"), View.text(Format.percent(c.score.probabilityAlive)), View.risk(c.churnBand)]
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
            "clv-histogram", label: "Customers by predicted CLV", bars: i.histogram.map { ($0.label, Double($0.count), "#2563eb") },
            xTitle: models.spend == nil ? "expected purchases" : "predicted CLV ($)", yTitle: "customers"
        )
        let churn = Chart.bars(
            "churn-risk", label: "Customers by churn risk",
            bars: [("low", Double(i.churnCounts[.low] ?? 0), "#16a34a"), ("medium", Double(i.churnCounts[.medium] ?? 0), "#f59e0b"), ("high", Double(i.churnCounts[.high] ?? 0), "#dc2626")],
            xTitle: "churn risk (1 − P(alive)): low < 30% ≤ medium < 70% ≤ high", yTitle: "customers"
        )
        let freshness = """
        <dl class="kv" data-panel="freshness"><dt>Model</dt><dd>\(modelName(models.purchase.kind)) (run \(models.purchaseRun.id))\(models.spend == nil ? "" : " + Gamma-Gamma spend")</dd>
        <dt>Fitted</dt><dd>\(models.purchaseRun.createdAt)</dd><dt>Data through</dt><dd>\(models.purchaseRun.dataEnd.description)</dd>
        <dt>Scored as of</dt><dd>\(population.asOf.description)</dd><dt>Snapshot built</dt><dd>\(ISO8601DateFormatter().string(from: population.builtAt))</dd>
        <dt>Orders stored</dt><dd>\(Format.integer(statistics.orderLines)) lines, \(statistics.firstDay?.description ?? "–") to \(statistics.lastDay?.description ?? "–")</dd></dl>
        """ as HTML
        return """
        <p class="headline" data-headline="concentration">The top 20% of customers hold <strong data-stat="top20">\(Format.percent(i.top20Share))</strong> of predicted value.</p>
        \(headline)
        \(View.grid([
            View.card("Most valuable customers", id: "panel-top", note: "Highest predicted \(models.spend == nil ? "purchases" : "CLV") over the next \(months) months.", top),
            View.card("Slipping away", id: "panel-slipping", note: "Customers who spent most on repeat orders but are now probably gone (P(alive) < 50%): win them back first.", slipping),
            View.card("Value concentration", id: "panel-lorenz", note: "Lorenz curve of predicted value.", lorenz),
            View.card("CLV distribution", id: "panel-histogram", histogram),
            View.card("Churn risk", id: "panel-churn", churn),
            View.card("Model freshness", id: "panel-freshness", freshness),
        ]))
        """
    }

    // MARK: - Segments

    static func segments(rfm: [SegmentSummary], tiers: [SegmentSummary], tierFloors: [(name: String, floor: Double)], money: Bool) -> HTML {
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
            View.card("CLV tiers", id: "panel-tiers", note: "Tiers by predicted value: \(floors).", wide: true,
                      View.table("tiers", headers: headers, numeric: [1, 2, 3, 4], rows: rows(tiers, filter: "tier"))),
            View.card("Tiers: customers vs value", id: "panel-tier-chart",
                      Chart.pairedShares("tier-shares", label: "Share of customers against share of value by tier", rows: tiers.map { ($0.segment, $0.shareOfCustomers, $0.shareOfCLV) })),
            View.card("RFM segments: customers vs value", id: "panel-rfm-chart",
                      Chart.pairedShares("rfm-shares", label: "Share of customers against share of value by RFM segment", rows: rfm.map { ($0.segment, $0.shareOfCustomers, $0.shareOfCLV) })),
            View.card("RFM segments", id: "panel-rfm", note: "Recency × frequency/monetary quintiles.", wide: true,
                      View.table("rfm", headers: headers, numeric: [1, 2, 3, 4], rows: rows(rfm, filter: "segment"))),
        ])
    }

    // MARK: - Model

    static func modelName(_ kind: ModelKind) -> String {
        switch kind {
        case .bgnbd: "BG/NBD"
        case .pnbd: "Pareto/NBD"
        case .mbgnbd: "MBG/NBD"
        case .bgbb: "BG/BB"
        case .gg: "Gamma-Gamma"
        }
    }

    static func model(population: Population, runs: [[String: Any]], analysis a: ModelAnalysis?) -> HTML {
        var panels: [HTML] = []
        for run in runs {
            let order = ["r", "alpha", "s", "beta", "a", "b", "p", "q", "v"]
            let names = (run["params"] as? [String: Double]).map { Array($0.keys).sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) } } ?? []
            let params = run["params"] as? [String: Double] ?? [:]
            let se = run["standard_errors"] as? [String: Double] ?? [:]
            let ci = run["confidence_intervals_95"] as? [String: [Double]] ?? [:]
            let rows = names.map { n -> [HTML] in
                [View.text(n), View.text(Format.number(params[n] ?? .nan, decimals: 4)), View.text(se[n].map { Format.number($0, decimals: 4) } ?? "–"),
                 View.text(ci[n].map { "\(Format.number($0[0], decimals: 4)) – \(Format.number($0[1], decimals: 4))" } ?? "–")]
            }
            let kind = ModelKind(rawValue: run["model"] as? String ?? "")
            let ll = (run["log_likelihood"] as? Double).map { Format.number($0, decimals: 2) } ?? "–"
            let note = "Run \(run["id"] as? Int64 ?? 0), \(Format.integer(run["n_customers"] as? Int ?? 0)) customers, data through \(run["data_end"] as? String ?? ""); log-likelihood \(ll), AIC \(Format.number(run["aic"] as? Double ?? .nan, decimals: 1))\((run["converged"] as? Bool ?? true) ? "" : " — did not converge")."
            panels.append(View.card("\(kind.map(modelName) ?? "model") parameters (in use)", id: "panel-params-\(kind?.rawValue ?? "x")", note: note,
                                    View.table("params-\(kind?.rawValue ?? "x")", headers: ["Parameter", "Estimate", "Std. error", "95% interval"], numeric: [1, 2], rows: rows)))
        }
        guard let a else {
            panels.append(View.card("Model checks", wide: true, View.message("Not enough history to split into calibration and holdout.")))
            return View.grid(panels)
        }
        let best = a.candidates.min { $0.holdout.meanAbsoluteError < $1.holdout.meanAbsoluteError }?.kind
        let comparison = View.table("comparison", headers: ["Model", "Log-likelihood", "AIC", "BIC", "Holdout actual", "Holdout predicted", "MAE / customer"], numeric: [1, 2, 3, 4, 5, 6], phoneHidden: [2, 3], rows: a.candidates.map { c in
            let d = c.model.diagnostics
            return ["\(modelName(c.kind))\(c.kind == best ? (" <span class=\"badge good\">best holdout fit</span>" as HTML) : "")",
                    View.text(Format.number(d.logLikelihood, decimals: 1)), View.text(Format.number(d.aic, decimals: 1)), View.text(Format.number(d.bic, decimals: 1)),
                    View.text(Format.integer(Int(c.holdout.actualTotal.rounded()))), View.text(Format.number(c.holdout.predictedTotal, decimals: 0)),
                    View.text(Format.number(c.holdout.meanAbsoluteError, decimals: 3))]
        })
        let split = "Fitted on \(Format.integer(a.customers)) customers' purchases up to \(a.calibrationEnd) (calibration), checked on \(a.calibrationEnd.adding(days: 1)) to \(a.holdoutEnd) (holdout)."
        panels.append(View.card("Model comparison", id: "panel-comparison", note: split, wide: true, comparison))
        if let active = a.candidates.first(where: { $0.kind == a.active }) {
            let groups = active.holdout.groups
            let fitNote = "Over all customers the model predicted \(Format.number(active.holdout.predictedTotal, decimals: 0)) holdout purchases; \(Format.integer(Int(active.holdout.actualTotal.rounded()))) happened (\(Format.percent(active.holdout.predictedTotal / max(active.holdout.actualTotal, 1) - 1, decimals: 1)) off)."
            panels.append(View.card("Calibration vs holdout (\(modelName(a.active)))", id: "panel-holdout", note: fitNote, Chart.lines(
                "holdout", label: "Mean holdout purchases by calibration frequency, actual and predicted",
                series: [
                    .init(name: "actual", points: groups.map { (Double($0.frequency), $0.actualMean) }, color: "#0f172a", markers: true),
                    .init(name: "predicted", points: groups.map { (Double($0.frequency), $0.predictedMean) }, color: "#f97316", dashed: true, markers: true),
                ],
                xTitle: "purchases in calibration (last group: \(groups.last?.frequency ?? 7)+)", yTitle: "mean purchases in holdout",
                xFormat: { Format.number($0, decimals: 0) }, yFormat: { Format.number($0, decimals: 1) }, xTickValues: groups.map { Double($0.frequency) }
            )))
            panels.append(View.card("Tracking: cumulative repeat purchases", id: "panel-tracking",
                                    note: "Weekly, customers who joined by \(a.calibrationEnd); the model was fitted before week \(Format.integer(trackingSplit(a))).",
                                    Chart.lines(
                "tracking", label: "Cumulative repeat purchases per week, actual and expected",
                series: [
                    .init(name: "actual", points: a.tracking.map { ($0.week, $0.actual) }, color: "#0f172a"),
                    .init(name: "expected (\(modelName(a.active)))", points: a.tracking.map { ($0.week, $0.expected) }, color: "#f97316", dashed: true),
                ],
                xTitle: "week", yTitle: "cumulative repeat purchases", yFormat: { Format.number($0, decimals: 0) },
                marker: (Double(trackingSplit(a)), "end of calibration")
            )))
        }
        let h = a.heatmap
        let recencyLabels = h.recencies.map { Format.number($0 * population.models.unit.days / 7, decimals: 0) }
        let frequencyLabels = h.frequencies.map(String.init)
        panels.append(View.card("Expected purchases in the next \(Format.number(h.horizon * population.models.unit.days / 7, decimals: 0)) weeks", id: "panel-heat-expected",
                                note: "By repeat purchases and weeks from first to last purchase, for a customer first seen \(Format.number(h.age * population.models.unit.days / 7, decimals: 0)) weeks ago. Darker: more.",
                                Chart.heatmap("heatmap-expected", label: "Expected purchases by frequency and recency", rowLabels: frequencyLabels, columnLabels: recencyLabels,
                                              values: h.expected, rowTitle: "repeat purchases", columnTitle: "recency (weeks)", format: { Format.number($0, decimals: 2) })))
        panels.append(View.card("Probability still active", id: "panel-heat-alive",
                                note: "P(alive) by the same grid: recent buyers (right) are likely active; frequent buyers who stopped long ago (top left) are not.",
                                Chart.heatmap("heatmap-alive", label: "P(alive) by frequency and recency", rowLabels: frequencyLabels, columnLabels: recencyLabels,
                                              values: h.alive, rowTitle: "repeat purchases", columnTitle: "recency (weeks)", format: { Format.percent($0) })))
        return View.grid(panels)
    }

    static func trackingSplit(_ a: ModelAnalysis) -> Int { a.firstDay.days(to: a.calibrationEnd) / 7 + 1 }

    // MARK: - Customer 360

    struct CustomerFacts {
        var view: CustomerView
        var days: [CustomerDay]
        var aliveHistory: [(week: Double, alive: Double)]
        var models: ActiveModels
        var asOf: CalendarDay
        var horizonWeeks: Double
        /// The newest order lines, newest first.
        var recentLines: [OrderHistoryLine]
    }

    static func customer(_ f: CustomerFacts) -> HTML {
        let s = f.view.scores, sum = f.view.summary
        let unitWeeks = f.models.unit.days / 7
        let purchases = f.days.filter { $0.purchaseLines > 0 }
        let first = purchases.first?.day ?? f.asOf
        let lastGapWeeks = sum.T * unitWeeks - sum.recency * unitWeeks
        let headline = View.stats([
            View.stat("clv", "Predicted CLV", s.clv.map { Format.money($0) } ?? "–",
                      note: f.view.scores.interval?.clv.map { "90%: \(Format.money($0[0])) – \(Format.money($0[1]))" }),
            View.stat("expected-purchases", "Expected purchases", Format.number(s.expected_purchases, decimals: 2),
                      note: f.view.scores.interval.map { "90%: \(Format.number($0.expected_purchases[0], decimals: 2)) – \(Format.number($0.expected_purchases[1], decimals: 2))" }),
            View.stat("p-alive", "P(alive)", Format.percent(s.p_alive), tone: s.churn_risk_band == "high" ? "bad" : s.churn_risk_band == "medium" ? "warn" : "good"),
            View.stat("orders", "Purchase days", Format.integer(sum.frequency + 1)),
        ])
        let facts = """
        <dl class="kv" data-panel="facts"><dt>Tier</dt><dd>\(View.tier(s.tier))</dd><dt>RFM segment</dt><dd data-field="segment">\(s.rfm.segment) (R\(s.rfm.recency) F\(s.rfm.frequency) M\(s.rfm.monetary))</dd>
        <dt>Churn risk</dt><dd>\(View.risk(ChurnRisk(rawValue: s.churn_risk_band) ?? .medium))</dd><dt>First purchase</dt><dd>\(first.description)</dd>
        <dt>Last purchase</dt><dd>\(purchases.last?.day.description ?? "–")</dd><dt>Mean repeat order</dt><dd>\(Format.money(sum.monetary_value, decimals: 2))</dd>
        <dt>Country</dt><dd>\(f.view.country ?? "–")</dd><dt>Consent</dt><dd>marketing \(f.view.consent?.marketing == true ? "yes" : "no"), profiling \(f.view.consent?.profiling == true ? "yes" : "no")</dd></dl>
        """ as HTML
        let span = Double(first.days(to: f.asOf))
        let timeline = Chart.timeline(
            "timeline", label: "Purchases over time, sized by amount",
            events: f.days.map { d in (Double(first.days(to: d.day)), d.purchaseAmount, "\(d.day): \(Format.money(d.purchaseAmount, decimals: 2))\(d.returnAmount < 0 ? ", returned \(Format.money(-d.returnAmount, decimals: 2))" : "")") },
            range: 0...max(span, 1), xFormat: { first.adding(days: Int($0)).description }
        )
        let alive = Chart.lines(
            "alive-history", label: "P(alive) week by week",
            series: [.init(name: "P(alive)", points: f.aliveHistory.map { ($0.week, $0.alive) }, color: "#2563eb")],
            xTitle: "weeks since first purchase", yTitle: "P(alive)", yFormat: { Format.percent($0) }, yRange: 0...1
        )
        return """
        \(headline)
        \(View.grid([
            View.card("Why", id: "panel-why", wide: true, "<ul class=\"explain\">\(explanation(f, lastGapWeeks: lastGapWeeks))</ul>"),
            View.card("Profile", id: "panel-facts", "\(facts)<h2 class=\"sub\">Purchase timeline</h2><p class=\"note\">Each dot is a purchase day, sized by amount.</p>\(timeline)"),
            View.card("P(alive) over time", id: "panel-alive", note: "Under today's model: it rises after each purchase and decays while the customer is silent.", alive),
            View.card("Recent orders", id: "panel-orders", note: "The newest \(f.recentLines.count) order lines; returns are negative.", wide: true, recentOrders(f.recentLines)),
        ]))
        """
    }

    static func recentOrders(_ lines: [OrderHistoryLine]) -> HTML {
        guard !lines.isEmpty else { return View.message("No order lines stored for this customer.") }
        return View.table("recent-orders", headers: ["Date", "Order", "Product", "Quantity", "Amount"], numeric: [3, 4], phoneHidden: [1, 3], rows: lines.map { line in
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
            lines.append("Bought once, \(Format.number(sum.T * unitWeeks, decimals: 0)) weeks ago, and never again: with no repeat purchase the model falls back on how often customers like this come back.")
        } else {
            let gap = sum.recency * unitWeeks / Double(repeats)
            lines.append("Came back \(repeats) time\(repeats == 1 ? "" : "s") over \(Format.number(sum.recency * unitWeeks, decimals: 0)) weeks: about once every \(Format.number(gap, decimals: 1)) weeks.")
            let ratio = lastGapWeeks / max(gap, 0.1)
            let silence = "The last purchase was \(Format.number(lastGapWeeks, decimals: 0)) weeks ago"
            if ratio < 1.5 {
                lines.append("\(silence), within the usual rhythm, so the customer is probably still active (P(alive) \(Format.percent(s.p_alive))).")
            } else {
                lines.append("\(silence), \(Format.number(ratio, decimals: 1))× the usual gap: a silence this long for a regular buyer suggests they may have left (P(alive) \(Format.percent(s.p_alive))).")
            }
        }
        lines.append("Expected \(Format.number(s.expected_purchases, decimals: 2)) purchases in the next \(Format.number(f.horizonWeeks, decimals: 0)) weeks\(s.clv.map { ", worth \(Format.money($0)) after discounting" } ?? "")\(sum.monetary_value > 0 ? " at about \(Format.money(s.expected_spend ?? sum.monetary_value, decimals: 2)) an order" : "").")
        lines.append("That puts them in the \(s.tier) tier; by recency and spend they are \"\(s.rfm.segment)\"; churn risk is \(s.churn_risk_band) (\(Format.percent(s.churn_risk))).")
        return lines.map { "<li>\($0)</li>" }
    }

    // MARK: - Audiences

    static func audiences(filter: AudienceFilter, tiers: [String], members: [ScoredCustomer], value: Double, money: Bool) -> HTML {
        func options(_ values: [String], selected: String?) -> HTML {
            HTML.join((["" ] + values).map { v in "<option value=\"\(v)\"\(v == (selected ?? "") ? (" selected" as HTML) : "")>\(v.isEmpty ? "any" : v)</option>" })
        }
        let form = """
        <form class="filters" method="get" action="/ui/audiences" id="audience-form">
        <label>RFM segment<select name="segment">\(options(RFMSegment.allCases.map(\.rawValue), selected: filter.segment?.rawValue))</select></label>
        <label>Tier<select name="tier">\(options(tiers, selected: filter.tier))</select></label>
        <label>Min P(alive)<input name="min_p_alive" type="number" min="0" max="1" step="0.05" value="\(filter.minAlive.map { String($0) } ?? "")"></label>
        <label>Max P(alive)<input name="max_p_alive" type="number" min="0" max="1" step="0.05" value="\(filter.maxAlive.map { String($0) } ?? "")"></label>
        <label>Churn risk<select name="churn_risk">\(options(ChurnRisk.allCases.map(\.rawValue), selected: filter.risk?.rawValue))</select></label>
        <label>Consent<select name="consent">\(options(["marketing", "profiling"], selected: filter.consent))</select></label>
        <button class="primary" type="submit">Build audience</button></form>
        """ as HTML
        let csv = "/ui/audiences.csv?\(filter.query)"
        let summary = View.stats([
            View.stat("audience-size", "Audience size", Format.integer(members.count)),
            View.stat("audience-value", "Predicted value", money ? Format.money(value) : Format.number(members.reduce(0) { $0 + $1.score.expectedPurchases }, decimals: 1)),
            View.stat("audience-alive", "Mean P(alive)", members.isEmpty ? "–" : Format.percent(members.reduce(0) { $0 + $1.score.probabilityAlive } / Double(members.count))),
        ])
        let list = View.table("audience", headers: ["Customer", "Tier", "Segment", "P(alive)", "Predicted CLV"], numeric: [3, 4], rows: members.prefix(50).map { c in
            [View.customerLink(c.row.customer), View.tier(c.tier), View.text(c.segment.rawValue), View.text(Format.percent(c.score.probabilityAlive)),
             View.text(c.score.clv.map { Format.money($0) } ?? "–")]
        })
        return """
        \(View.card("Filters", wide: true, form))
        <div style="margin-top:1rem">\(summary)</div>
        <div class="actions"><a id="csv-export" href="\(csv)" download>Export CSV (\(Format.integer(members.count)) customers)</a></div>
        \(View.card("Highest-value members", id: "panel-audience", note: members.count > 50 ? "The first 50 of \(Format.integer(members.count)); the CSV has them all." : nil, wide: true, list))
        """
    }

    // MARK: - Search, login, errors

    static func search(query: String, matches: [ScoredCustomer], total: Int?) -> HTML {
        let form = """
        <form class="filters" method="get" action="/ui/search" id="search-form"><label>Customer id<input name="q" value="\(query)" autofocus autocomplete="off"></label><button class="primary" type="submit">Find</button></form>
        """ as HTML
        var body: HTML = View.card("Find a customer", wide: true, form)
        if !query.isEmpty {
            let rows = matches.map { c -> [HTML] in
                [View.customerLink(c.row.customer), View.tier(c.tier), View.text(Format.percent(c.score.probabilityAlive)), View.text(c.score.clv.map { Format.money($0) } ?? "–")]
            }
            body = """
            \(body)<div style="margin-top:1rem">\(matches.isEmpty ? View.message("No customer id starts with “\(query)”.") : View.card("Matches", id: "panel-matches", note: total.map { "\($0) match\($0 == 1 ? "" : "es")" }, wide: true, View.table("matches", headers: ["Customer", "Tier", "P(alive)", "Predicted CLV"], numeric: [2, 3], rows: rows)))</div>
            """
        }
        return body
    }

    static func login(error: String?, next: String) -> HTML {
        """
        <div class="login card"><h2>Sign in</h2><p class="note">Paste an API key (create one with <code>clv keys create --role analyst</code>). It stays on the server; your browser keeps only a session cookie.</p>
        \(error.map { View.message($0, tone: "bad") } ?? "")
        <form method="post" action="/ui/login" id="login-form"><input type="hidden" name="next" value="\(next)"><label>API key<input id="api-key" name="key" type="password" autocomplete="off" required></label>
        <button class="primary" type="submit" id="login-submit">Sign in</button></form></div>
        """
    }
}
