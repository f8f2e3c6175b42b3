import CLVAssist
import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import CLVText
import Foundation
import Hummingbird

/// `POST /v1/assist` and the agents' queue: customer-service answers from the knowledge base, routed by intent,
/// mood and what the customer is worth.
enum AssistRoutes {
    struct AssistBody: Decodable, Sendable {
        var message: String
        var customer_id: String?
        var session: String?
    }

    static let maximumMessage = 4_000
    static let queueLimit = QueryParameter.integer("limit", "At most this many conversations (default 50)", in: 1...500)

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .post, path: "/v1/assist", roles: .agents,
                summary:
                    "Answer a customer's message from the knowledge base or route it to a person: intent, sentiment, the route with its reasons, the answer with the articles it rests on, and a retention offer when the rules grant one. The message is redacted first; with customer_id the turn is stored as their chat.",
                tag: "assist", requestBody: AssistBody.self,
                responses: [200: "The reply", 404: "No such customer", 422: "Invalid body", 503: "The knowledge base or a model is missing"],
                response: AssistView.self
            )
        ) { request, context in
            let body = try await JSON.decode(AssistBody.self, from: request, context: context)
            let message = body.message.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !message.isEmpty, message.count <= maximumMessage else {
                throw APIError.unprocessable("message: send 1 to \(maximumMessage) characters of text.")
            }
            if body.session != nil && body.customer_id == nil {
                throw APIError.unprocessable("session needs customer_id: sessions are stored per customer.")
            }
            if let session = body.session, session.isEmpty || session.count > 200 {
                throw APIError.unprocessable("session: 1 to 200 characters.")
            }
            if let id = body.customer_id, id.trimmingCharacters(in: .whitespaces).isEmpty { throw APIError.unprocessable("customer_id: give an id.") }
            let customer = body.customer_id.map { CustomerID($0) }
            var standing = CustomerStanding.unknown
            if let customer {
                guard let (_, days) = try await services.store.customerWithDays(customer) else { throw APIError.notFound("No customer with that id.") }
                if !days.isEmpty, let scored = try await services.scores.score(customer, days: days, level: nil) {
                    let alive = scored.score.probabilityAlive
                    standing = CustomerStanding(tier: scored.tier, clv: scored.score.clv, probabilityAlive: alive, churnRisk: 1 - alive)
                }
            }
            let assistant = try await assistant(services)
            let response = try await AssistWorkflow(store: services.store, assistant: assistant).respond(
                message: message, customer: customer, standing: standing, session: body.session)
            if let customer {
                services.audit.record(
                    AuditEvent(actor: context.actor, action: "assist customer", customerHash: try await services.store.auditHash(of: customer)))
            }
            services.metrics.increment("clv_assist_replies_total", by: 1)
            return try JSON.response(AssistView(response))
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/assist/queue", roles: .agents,
                summary:
                    "Conversations waiting for a person first (priority_human, then human, then answered), most valuable customer first within each route, with each conversation's last turn.",
                tag: "assist", query: [Self.queueLimit], response: AssistQueue.self
            )
        ) { request, context in
            let limit = try request.integer(Self.queueLimit) ?? 50
            let queue = try await AssistQueue.build(services, limit: limit)
            services.audit.record(AuditEvent(actor: context.actor, action: "read assist queue", detail: "\(queue.conversations.count) conversations"))
            return try JSON.response(queue)
        }

        routes.add(
            RouteSpec(
                method: .get, path: "/v1/customers/{id}/conversations/{session}", roles: .agents,
                summary: "One conversation with the assistant, oldest turn first (the customer's words as stored: redacted).",
                tag: "assist", responses: [200: "The turns", 404: "No such conversation"], response: ConversationView.self
            )
        ) { _, context in
            let id = CustomerID(try context.id())
            let session = try context.id("session")
            let turns = try await services.store.assistTurns(session: session, customer: id)
            guard !turns.isEmpty else { throw APIError.notFound("No conversation \(session) with that customer.") }
            services.audit.record(AuditEvent(actor: context.actor, action: "read conversation", customerHash: try await services.store.auditHash(of: id)))
            return try JSON.response(ConversationView(customer_id: id.rawValue, session: session, turns: turns.map(TurnView.init)))
        }
    }

    /// The service's assistant; its setup problems (no knowledge base, a missing model) are the operator's to fix: 503.
    static func assistant(_ services: Services) async throws -> Assistant {
        do {
            return try await services.language.assistant(store: services.store, queue: services.generations, external: services.configuration.assistLLM)
        } catch let error as AssistError {
            throw APIError.unavailable(error.description)
        } catch let error as LlamaError {
            throw APIError.unavailable("The answer model cannot be loaded (\(error)): run `make setup`.")
        }
    }
}

extension Set where Element == Role {
    /// Who talks to customers: the service team.
    static let agents: Set<Role> = [.admin, .agent]
}

/// The local SmolLM2 as the assistant's answer model, sharing the chat endpoint's generator and its queue (one
/// generation at a time keeps every core busy).
struct QueuedAnswerModel: AnswerModel {
    let generator: TextGenerator
    let queue: GenerationQueue
    var name: String { "SmolLM2-135M-Instruct" }
    var isExternal: Bool { false }

    func complete(_ messages: [ChatMessage], maxTokens: Int) async throws -> String {
        let prompt = try generator.chatPrompt(messages)
        var text = ""
        for try await token in try await queue.tokens(from: generator, prompt: prompt, options: GenerationOptions(maxTokens: maxTokens)) {
            text += token.text
        }
        return text
    }
}

/// The assistant's reply (the contract of `clv assist --format json`).
struct AssistView: Encodable, Sendable {
    struct Offer: Encodable, Sendable {
        var kind: String
        var percent: Double
    }

    var intent: String
    var confidence: Double?
    var sentiment: Double?
    var route: String
    var reasons: [String]
    var answer: String
    var sources: [String]
    var offer: Offer?
    var action: String
    var suggested_answer: String?
    /// Whether every sentence of the model's answer was supported by the cited passages, when it wrote one.
    var faithful: Bool?

    init(_ r: AssistResponse) {
        intent = r.intent
        confidence = r.confidence.finiteValue
        sentiment = r.sentiment.finiteValue
        route = r.route.rawValue
        reasons = r.reasons
        answer = r.answer
        sources = r.sources
        offer = r.offer.map { Offer(kind: $0.kind.rawValue, percent: $0.percent) }
        action = r.action.rawValue
        suggested_answer = r.suggestedAnswer
        faithful = r.faithfulness?.faithful
    }
}

extension AssistView: APISchema {
    static let schema = Schema.object(
        [
            "intent": Schema.string, "confidence": Schema.number, "sentiment": Schema.number, "route": Schema.oneOf(Route.self),
            "reasons": Schema.array(Schema.string), "answer": Schema.string, "sources": Schema.array(Schema.string),
            "offer": Schema.object(["kind": Schema.oneOf(RetentionOffer.Kind.self), "percent": Schema.number], required: ["kind", "percent"]),
            "action": Schema.oneOf(AssistAction.self), "suggested_answer": Schema.string, "faithful": Schema.boolean,
        ], required: ["intent", "route", "reasons", "answer", "sources", "action"])
}

extension AssistRoutes.AssistBody: APISchema {
    static let schema = Schema.request(
        [
            "message": ["type": "string", "minLength": 1, "maxLength": .number(Double(AssistRoutes.maximumMessage))],
            "customer_id": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
            "session": ["type": "string", "minLength": 1, "maxLength": 200],
        ], required: ["message"])
}

/// One stored turn as agents read it.
struct TurnView: Encodable, Sendable {
    var at: String
    var message: String
    var reply: String
    var action: String
    var route: String
    var intent: String
    var sources: [String]
    var suggested_answer: String?

    static let schema = Schema.object(
        [
            "at": Schema.dateTime, "message": Schema.string, "reply": Schema.string, "action": Schema.oneOf(AssistAction.self),
            "route": Schema.oneOf(Route.self), "intent": Schema.string, "sources": Schema.array(Schema.string), "suggested_answer": Schema.string,
        ], required: ["at", "message", "reply", "action", "route", "intent", "sources"])
}

extension TurnView {
    init(_ t: AssistTurn) {
        at = ISO8601DateFormatter().string(from: t.interaction.timestamp)
        message = t.interaction.text
        reply = t.reply
        action = t.action
        route = t.route
        intent = t.intent
        sources = t.sources
        suggested_answer = t.suggestedAnswer
    }
}

struct ConversationView: Encodable, Sendable {
    var customer_id: String
    var session: String
    var turns: [TurnView]
}

extension ConversationView: APISchema {
    static let schema = Schema.object(
        ["customer_id": Schema.string, "session": Schema.string, "turns": Schema.array(TurnView.schema)], required: ["customer_id", "session", "turns"])
}

/// Conversations as an agent works through them.
struct AssistQueue: Encodable, Sendable {
    struct Conversation: Encodable, Sendable {
        var customer_id: String
        var session: String
        var route: String
        var turns: Int
        var tier: String?
        var clv: Double?
        var last: TurnView
    }

    var conversations: [Conversation]

    /// The newest turns read back, one conversation per customer and session, ordered by route then value.
    static func build(_ services: Services, limit: Int) async throws -> AssistQueue {
        let turns = try await services.store.recentAssistTurns(limit: 1_000)
        var order: [String] = []
        var grouped: [String: [AssistTurn]] = [:]
        for turn in turns {
            let key = "\(turn.interaction.customer.rawValue)\u{0}\(turn.session)"
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(turn)
        }
        var conversations: [Conversation] = []
        for key in order.prefix(limit * 4) {
            let session = grouped[key]!
            let last = session[0]
            let id = last.interaction.customer
            var scored: ScoredCustomer?
            if let (_, days) = try await services.store.customerWithDays(id), !days.isEmpty {
                scored = try await services.scores.score(id, days: days, level: nil)
            }
            conversations.append(
                Conversation(
                    customer_id: id.rawValue, session: last.session, route: last.route, turns: session.count, tier: scored?.tier,
                    clv: scored?.score.clv?.finiteValue, last: TurnView(last)))
        }
        return AssistQueue(conversations: Array(ordered(conversations).prefix(limit)))
    }

    /// People needed first (priority, then in turn, then answered), the most valuable customer first within a
    /// route (unscored customers last), the newest turn first among equals.
    static func ordered(_ conversations: [Conversation]) -> [Conversation] {
        let urgency = [Route.priorityHuman.rawValue: 0, Route.human.rawValue: 1, Route.autoAnswer.rawValue: 2]
        return conversations.sorted { a, b in
            let (ua, ub) = (urgency[a.route] ?? 3, urgency[b.route] ?? 3)
            if ua != ub { return ua < ub }
            let (va, vb) = (a.clv ?? -.infinity, b.clv ?? -.infinity)
            if va != vb { return va > vb }
            return a.last.at > b.last.at
        }
    }
}

extension AssistQueue: APISchema {
    static let schema = Schema.object(
        [
            "conversations": Schema.array(
                Schema.object(
                    [
                        "customer_id": Schema.string, "session": Schema.string, "route": Schema.oneOf(Route.self), "turns": Schema.integer,
                        "tier": Schema.string, "clv": Schema.number, "last": TurnView.schema,
                    ], required: ["customer_id", "session", "route", "turns", "last"]))
        ], required: ["conversations"])
}
