import CLVCore
import CLVData
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/agent`: the service team's console. The queue of conversations (people needed first, the most valuable
/// customers first within each route); with `?customer=…&session=…` one conversation, the customer's standing beside
/// it, and the assistant's suggested answer with the articles it rests on.
enum AgentPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services
        dashboard.page("/ui/agent", roles: .agents) { request, _, viewer in
            let fields = DashboardRoutes.queryFields(request)
            let queue = try await AssistQueue.build(services, limit: 100)
            services.audit.record(AuditEvent(actor: viewer.actor, action: "read assist queue", detail: "\(queue.conversations.count) conversations"))
            var open: Conversation?
            if let raw = fields["customer"], let session = fields["session"], !raw.isEmpty, raw.utf8.count <= 256, !session.isEmpty, session.utf8.count <= 256 {
                let id = CustomerID(raw)
                let turns = try await services.store.assistTurns(session: session, customer: id)
                guard !turns.isEmpty else { throw APIError.notFound("No conversation \(session) with customer \(raw).") }
                services.audit.record(AuditEvent(actor: viewer.actor, action: "read conversation", customerHash: try await services.store.auditHash(of: id)))
                open = Conversation(
                    customer: id, session: session, turns: turns, standing: try? await CustomerRoutes.customerView(id, services: services, level: nil))
            }
            return DashboardRoutes.html(View.page(title: "Agent console", active: "agent", role: viewer.role, render(queue: queue, open: open)))
        }
    }

    struct Conversation {
        var customer: CustomerID
        var session: String
        /// Oldest first.
        var turns: [AssistTurn]
        /// The customer's scores, when the service has a model and the customer has purchases.
        var standing: CustomerView?
    }

    static func routeBadge(_ route: String) -> HTML {
        switch route {
        case "priority_human": View.badge("priority: person", tone: "bad")
        case "human": View.badge("person", tone: "warn")
        default: View.badge("answered", tone: "good")
        }
    }

    static func render(queue: AssistQueue, open: Conversation?) -> HTML {
        let rows = queue.conversations.map { c -> [HTML] in
            let link: HTML = "<a href=\"/ui/agent?customer=\(urlComponent(c.customer_id))&amp;session=\(urlComponent(c.session))\">\(c.customer_id)</a>"
            return [
                routeBadge(c.route), link, c.tier.map(View.tier) ?? View.text("–"), View.text(c.clv.map { Format.money($0) } ?? "–"),
                View.text(c.last.intent), View.text(String(c.last.message.prefix(120))), View.text(String(c.turns)),
            ]
        }
        let queuePanel = View.card(
            "Queue", id: "panel-queue", note: "People needed first, then by predicted CLV; each row is a conversation's newest turn.", wide: true,
            queue.conversations.isEmpty
                ? View.message("No conversations yet: customers' messages reach the queue through POST /v1/assist or `clv assist`.")
                : View.table("queue", headers: ["Route", "Customer", "Tier", "Predicted CLV", "Intent", "Last message", "Turns"], numeric: [3, 6], rows: rows))
        guard let open else { return View.grid([queuePanel]) }
        let transcript = open.turns.map { t -> HTML in
            """
            <li><p class="customer-said"><strong>Customer</strong> (\(ISO8601DateFormatter().string(from: t.interaction.timestamp))): \(t.interaction.text)</p>\
            <p class="assistant-said"><strong>Assistant</strong> \(routeBadge(t.route)): \(t.reply)</p></li>
            """
        }
        let last = open.turns[open.turns.count - 1]
        let suggestion = last.suggestedAnswer ?? last.reply
        let sources: HTML =
            last.sources.isEmpty
            ? "<p class=\"note\">No article matched well enough to cite.</p>"
            : "<p>Sources: <span data-field=\"sources\">\(last.sources.joined(separator: ", "))</span></p>"
        let standing: HTML
        if let s = open.standing?.scores {
            standing = """
                <dl class="kv" data-panel="standing"><dt>Tier</dt><dd>\(View.tier(s.tier))</dd><dt>Predicted CLV</dt><dd>\(s.clv.map { Format.money($0) } ?? "–")</dd>\
                <dt>P(alive)</dt><dd>\(Format.percent(s.p_alive))</dd><dt>Churn risk</dt><dd>\(s.churn_risk_band)</dd></dl>\
                <p><a href="/ui/customer?id=\(urlComponent(open.customer.rawValue))">Open the customer's profile</a></p>
                """
        } else {
            standing = View.message("No scores for this customer yet (no purchase, or no fitted model).")
        }
        return View.grid([
            View.card(
                "Conversation \(open.session) with \(open.customer.rawValue)", id: "panel-conversation", note: "As stored: personal data redacted.", wide: true,
                "<ol class=\"transcript\">\(transcript)</ol>"),
            View.card(
                "Suggested answer", id: "panel-suggestion", note: "Intent \(last.intent); check it against the sources before sending.",
                "<blockquote data-field=\"suggestion\">\(suggestion)</blockquote>\(sources)"),
            View.card("Customer", id: "panel-standing", standing),
            queuePanel,
        ])
    }
}
