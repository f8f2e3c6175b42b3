import CLVAssist
import CLVCore
import CLVData
import CLVModels
import Foundation

/// One operation for every surface (`clv assist`, later `POST /v1/assist`): redact the message, read the
/// session, ask the ``Assistant``, store the turn.
///
/// The customer's words are redacted here, before anything reads them: the intent and sentiment encoders, the
/// retriever, the prompt and any external model see only the redacted text. Each turn is stored as a redacted
/// `chat` interaction of the customer (profiles and sentiment trends read it; erasure removes it) with the
/// assistant's side beside it.
public struct AssistWorkflow: Sendable {
    public let store: any InteractionStore & AssistSessionStore
    public let assistant: Assistant
    public let redactor: Redactor

    public init(store: any InteractionStore & AssistSessionStore, assistant: Assistant, redactor: Redactor = Redactor()) {
        self.store = store
        self.assistant = assistant
        self.redactor = redactor
    }

    /// The reply to `message`.
    /// - Parameters:
    ///   - customer: whose message it is; without one nothing is stored and there is no session.
    ///   - standing: the customer's scores, computed by the caller (``standing(of:store:asOf:)`` reads them).
    ///   - session: the conversation; turns of the same customer and session are read back as context.
    ///   - now: the moment of the message (stored with the interaction).
    public func respond(
        message: String, customer: CustomerID?, standing: CustomerStanding, session: String?, now: Date = Date()
    ) async throws
        -> AssistResponse
    {
        let text = redactor.redacted(message)
        var turns: [AssistTurn] = []
        if let customer, let session { turns = try await store.assistTurns(session: session, customer: customer) }
        let recent = turns.flatMap { [ConversationTurn(speaker: .customer, text: $0.interaction.text), ConversationTurn(speaker: .assistant, text: $0.reply)] }
        let request = AssistRequest(
            message: text, customer: standing, recentTurns: recent, askedToRephrase: turns.last?.action == AssistAction.rephrase.rawValue)
        let response = try await assistant.respond(request)
        if let customer {
            let key = Interaction.contentKey(customer: customer, kind: .chat, timestamp: now, product: nil, text: text)
            let interaction = Interaction(key: key, customer: customer, kind: .chat, text: text, product: nil, rating: nil, timestamp: now)
            try await store.appendAssistTurn(
                AssistTurn(
                    session: session ?? "single-\(UInt64(bitPattern: key))", interaction: interaction, reply: response.answer, action: response.action.rawValue,
                    route: response.route.rawValue, intent: response.intent, sources: response.sources, suggestedAnswer: response.suggestedAnswer))
        }
        return response
    }

    /// A customer's standing from the store's newest model runs (tier, CLV, P(alive), churn risk), or
    /// ``CustomerStanding/unknown`` when there is no model run or no purchase.
    public static func standing(
        of customer: CustomerID, store: any ServiceStore, asOf: CalendarDay? = nil, model: ModelKind = .bgnbd
    ) async throws
        -> CustomerStanding
    {
        let workflow = Workflow(store: store)
        guard let last = try await store.statistics().lastDay else { return .unknown }
        let day = asOf ?? last
        let policy = ScoringPolicy.service(horizonWeeks: 52, clvMonths: 12, monthlyDiscountRate: 0.01, unit: .week)
        guard let models = try await workflow.activeModels(model, asOf: day, fitIfMissing: false, sampling: policy.sampling) else { return .unknown }
        let unitPolicy = ScoringPolicy.service(horizonWeeks: 52, clvMonths: 12, monthlyDiscountRate: 0.01, unit: models.unit)
        let population = try await workflow.population(models, asOf: day, policy: unitPolicy)
        guard
            let scored = try RealTimeScoring.score(
                days: try await store.customerDays(of: customer), models: models, asOf: day, policy: unitPolicy, against: population, intervalLevel: nil)
        else { return .unknown }
        let alive = scored.score.probabilityAlive
        return CustomerStanding(tier: scored.tier, clv: scored.score.clv, probabilityAlive: alive, churnRisk: 1 - alive)
    }
}
