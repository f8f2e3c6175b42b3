import CLVCore

/// Durable storage of the knowledge base's passages (the shop's own text, not personal data: erasure and
/// retention leave it alone). Their embeddings live in the ``EmbeddingCache``, keyed by model and text hash.
public protocol KnowledgeBaseStore: Sendable {
    /// Stores the chunks of some articles in one transaction: every stored chunk of an article that `chunks`
    /// covers is replaced, so a chunk an article lost disappears, and storing the same chunks again changes nothing.
    func storeKnowledge(_ chunks: [KnowledgeChunk]) async throws -> KnowledgeWriteCounts

    /// Every stored chunk, by article and then chunk id.
    func knowledgeChunks() async throws -> [KnowledgeChunk]
}

/// What one ``KnowledgeBaseStore/storeKnowledge(_:)`` call changed.
public struct KnowledgeWriteCounts: Sendable, Equatable, Codable {
    /// Articles among the batch.
    public var articles: Int
    /// Chunks new or with new content.
    public var written: Int
    /// Chunks stored before with the same content.
    public var unchanged: Int
    /// Chunks of the batch's articles that the new version no longer has.
    public var removed: Int

    public init(articles: Int, written: Int, unchanged: Int, removed: Int) {
        self.articles = articles
        self.written = written
        self.unchanged = unchanged
        self.removed = removed
    }
}

/// The assistant's conversations: each customer message is a redacted `chat` interaction (profiles and
/// sentiment read it like any other), and beside it the session it belongs to and what the assistant did.
///
/// A turn lives and dies with its interaction: erasing the customer, or a retention purge of the interaction,
/// removes the turn too.
public protocol AssistSessionStore: Sendable {
    /// Stores the customer's message as `interaction` (kind `chat`, text redacted) through
    /// ``InteractionStore/write(_:importID:counts:)``, then the assistant's side of the turn; a turn already stored
    /// is left as it is. A crash between the two leaves a chat without its reply, which profiles read as any chat.
    func appendAssistTurn(_ turn: AssistTurn) async throws

    /// The customer's turns in `session`, oldest first.
    func assistTurns(session: String, customer: CustomerID) async throws -> [AssistTurn]

    /// The newest `limit` turns of every customer and session, newest first (an agent's queue reads them).
    func recentAssistTurns(limit: Int) async throws -> [AssistTurn]
}

/// One exchange of a conversation.
public struct AssistTurn: Sendable, Equatable, Codable {
    public var session: String
    /// The customer's message, already redacted, as a `chat` interaction.
    public var interaction: Interaction
    /// What the assistant replied (built from redacted text and knowledge passages).
    public var reply: String
    /// `answer`, `rephrase` or `handoff`.
    public var action: String
    /// `auto_answer`, `human` or `priority_human`.
    public var route: String
    /// The intent read from the message.
    public var intent: String
    /// The knowledge articles the reply rests on (for a handover: the ones an agent should read).
    public var sources: [String]
    /// The model's answer when it was held back (unsupported by the passages, or routed to a person).
    public var suggestedAnswer: String?

    public init(
        session: String, interaction: Interaction, reply: String, action: String, route: String, intent: String = "", sources: [String] = [],
        suggestedAnswer: String? = nil
    ) {
        self.session = session
        self.interaction = interaction
        self.reply = reply
        self.action = action
        self.route = route
        self.intent = intent
        self.sources = sources
        self.suggestedAnswer = suggestedAnswer
    }
}
