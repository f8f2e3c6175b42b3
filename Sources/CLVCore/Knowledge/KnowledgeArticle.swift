/// One article of a shop's knowledge base (shipping, returns, privacy, ...), as written by the shop.
///
/// Knowledge-base text is the shop's own policy, not personal data: it is stored and sent to models as it is.
public struct KnowledgeArticle: Sendable, Hashable, Codable {
    /// Stable identifier that answers cite (`en-returns`).
    public var id: String
    public var title: String
    /// The article's Markdown body (headings `#`, `##`, ... divide it into sections).
    public var body: String
    public var tags: [String]
    /// BCP 47 language tag as written in the article (`en`, `zh`).
    public var language: String

    public init(id: String, title: String, body: String, tags: [String], language: String) {
        self.id = id
        self.title = title
        self.body = body
        self.tags = tags
        self.language = language
    }
}

/// A searchable passage of an article: one section under one heading.
public struct KnowledgeChunk: Sendable, Hashable, Codable {
    /// `article#n`, n counting sections from 1: stable while the article keeps its sections.
    public var id: String
    public var articleID: String
    public var title: String
    /// The section's heading (the article's title for text before the first heading).
    public var heading: String
    /// The section's text without its heading line.
    public var text: String
    public var tags: [String]
    public var language: String

    public init(id: String, articleID: String, title: String, heading: String, text: String, tags: [String], language: String) {
        self.id = id
        self.articleID = articleID
        self.title = title
        self.heading = heading
        self.text = text
        self.tags = tags
        self.language = language
    }

    /// What retrievers index and models read: title, heading and text.
    public var searchText: String {
        heading == title ? "\(title)\n\(text)" : "\(title): \(heading)\n\(text)"
    }
}
