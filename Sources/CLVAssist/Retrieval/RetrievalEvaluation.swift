import CLVCore

/// Recall@k of a retriever on questions with a known answering article.
///
/// A question counts as found at k when a passage of its article is among the first k passages: several
/// passages of one article may rank, and any of them answers (the article is what an answer cites).
public struct RetrievalEvaluation: Sendable, Equatable, Codable {
    /// One labelled question.
    public struct Question: Sendable, Equatable, Codable {
        public var text: String
        public var articleID: String
        public var language: String

        public init(text: String, articleID: String, language: String) {
            self.text = text
            self.articleID = articleID
            self.language = language
        }
    }

    public var mode: KnowledgeRetriever.Mode
    public var language: String
    public var questions: Int
    public var recallAt1: Double
    public var recallAt5: Double

    /// Recall@1 and @5 of `retriever` in `mode` on `questions`.
    public static func evaluate(
        _ retriever: KnowledgeRetriever, questions: [Question], mode: KnowledgeRetriever.Mode, language: String
    ) throws
        -> RetrievalEvaluation
    {
        var at1 = 0
        var at5 = 0
        for question in questions {
            let articles = try retriever.search(question.text, k: 5, mode: mode).map(\.chunk.articleID)
            if articles.first == question.articleID { at1 += 1 }
            if articles.contains(question.articleID) { at5 += 1 }
        }
        let n = Double(max(questions.count, 1))
        return RetrievalEvaluation(
            mode: mode, language: language, questions: questions.count, recallAt1: Double(at1) / n, recallAt5: Double(at5) / n)
    }
}
