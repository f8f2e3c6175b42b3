import CLVAssist
import CLVCore
import CLVData
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import CLVText
import Foundation
import Testing

@Suite struct SearchTokenizerTests {
    @Test(arguments: [
        ("退款多久到账", ["退款", "款多", "多久", "久到", "到账"]),
        ("积分", ["积分"]),
        ("亲", ["亲"]),
        ("Returns and refunds", ["return", "refund"]),
        ("shipped, shipping; ships!", ["ship", "ship", "ship"]),
        ("my parcel's tracking", ["parcel", "s", "track"]),
        ("运费risk 3天", ["运费", "risk", "3", "天"]),
        ("Policies boxes classes", ["policy", "box", "class"]),
    ])
    func terms(text: String, expected: [String]) {
        #expect(SearchTokenizer().terms(text) == expected)
    }
}

@Suite struct BM25AndFusionTests {
    /// BM25 by hand for a three-document corpus, k1 = 1.2, b = 0.75 (Robertson & Zaragoza 2009, eq. 3.14).
    @Test func bm25MatchesTheFormulaByHand() {
        let documents = ["refund refund card", "refund", "delivery time"]
        let index = BM25Index(documents: documents)
        let hits = index.search("refund", limit: 3)
        // n(refund) = 2 of N = 3: idf = ln(1 + 1.5/2.5); avgdl = (3 + 1 + 2)/3 = 2.
        let idf = log(1 + 1.5 / 2.5)
        let first = idf * 2 * 2.2 / (2 + 1.2 * (0.25 + 0.75 * 3 / 2))
        let second = idf * 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 / 2))
        #expect(hits.map(\.document) == [1, 0])
        #expect(hits[0].score.isApproximatelyEqual(to: second, relativeTolerance: 1e-12))
        #expect(hits[1].score.isApproximatelyEqual(to: first, relativeTolerance: 1e-12))
        #expect(index.search("warranty", limit: 3).isEmpty)
    }

    @Test func reciprocalRankFusionAddsReciprocalRanks() {
        let fused = ReciprocalRankFusion.fuse([[7, 3, 5], [3, 9]], k: 60)
        #expect(fused.map(\.document) == [3, 7, 9, 5])
        #expect(fused[0].score.isApproximatelyEqual(to: 1.0 / 62 + 1.0 / 61, relativeTolerance: 1e-12))
        #expect(fused[1].score.isApproximatelyEqual(to: 1.0 / 61, relativeTolerance: 1e-12))
        // 9 (second in one list) and 7 (first in one) differ; 5 is third in one list only.
        #expect(fused[3].score.isApproximatelyEqual(to: 1.0 / 63, relativeTolerance: 1e-12))
    }

    @Test func denseIndexRanksByCosine() throws {
        let index = try DenseIndex(modelName: "m", vectors: [[1, 0], [0.6, 0.8], [0, 1]])
        #expect(try index.search([0, 1], limit: 2).map(\.document) == [2, 1])
        #expect(throws: AssistError.self) { try index.search([1, 0, 0], limit: 1) }
        #expect(throws: AssistError.self) { try DenseIndex(modelName: "m", vectors: [[1, 0], [1]]) }
    }
}

/// Retrieval on the shipped knowledge base with the real MiniLM and e5-small, on the held-out questions of
/// `Resources/kb-questions.csv` (written apart from the articles, in the words shoppers use).
@Suite(.serialized) struct RetrievalEvaluationTests {
    static func questions() throws -> [RetrievalEvaluation.Question] {
        let url = try #require(Bundle.module.url(forResource: "kb-questions", withExtension: "csv", subdirectory: "Resources"))
        return try FixtureCSV.rows(url).map { RetrievalEvaluation.Question(text: $0["question"]!, articleID: $0["article_id"]!, language: $0["language"]!) }
    }

    static func retriever() async throws -> KnowledgeRetriever {
        let store = try SQLiteStore.inMemory()
        let workflow = KnowledgeBaseWorkflow(
            store: store, encoders: try KnowledgeBaseWorkflow.loadEncoders(directory: ModelDirectory(root: TestData.modelsDirectory)))
        _ = try await workflow.ingest(try KnowledgeBaseFile.read(KnowledgeBaseTests.shippedFolder))
        return try await workflow.retriever()
    }

    @Test func everyQuestionNamesAShippedArticleAndEachLanguageHasSixty() throws {
        let questions = try Self.questions()
        let ids = Set(try KnowledgeBaseFile.read(KnowledgeBaseTests.shippedFolder).map(\.id))
        #expect(questions.allSatisfy { ids.contains($0.articleID) && $0.articleID.hasPrefix($0.language) })
        for language in ["en", "zh"] { #expect(questions.filter { $0.language == language }.count >= 60) }
        // Held out: no question is a sentence of an article.
        let bodies = try KnowledgeBaseFile.read(KnowledgeBaseTests.shippedFolder).map(\.body).joined(separator: "\n").lowercased()
        #expect(questions.allSatisfy { !bodies.contains($0.text.lowercased()) })
    }

    @Test func recallOnHeldOutQuestionsIsFarAboveChanceAndFusionHelps() async throws {
        let retriever = try await Self.retriever()
        let questions = try Self.questions()
        var lines: [String] = []
        for language in ["en", "zh"] {
            let asked = questions.filter { $0.language == language }
            let chance = 1 / Double(Set(asked.map(\.articleID)).count)
            var results: [KnowledgeRetriever.Mode: RetrievalEvaluation] = [:]
            for mode in KnowledgeRetriever.Mode.allCases {
                let result = try RetrievalEvaluation.evaluate(retriever, questions: asked, mode: mode, language: language)
                results[mode] = result
                lines.append(
                    String(format: "%@ %@: recall@1 %.3f recall@5 %.3f (n=%d)", language, mode.rawValue, result.recallAt1, result.recallAt5, result.questions))
                #expect(result.recallAt5 >= result.recallAt1)
                // Each retriever alone finds most answers: ten times chance at 1, most at 5.
                #expect(result.recallAt1 > 5 * chance)
                #expect(result.recallAt5 > 0.6)
            }
            // Fusion is no worse at 5 than the weaker retriever, and within a few questions of the better one.
            let fused = results[.fused]!.recallAt5
            #expect(fused >= min(results[.bm25]!.recallAt5, results[.dense]!.recallAt5))
            #expect(fused >= max(results[.bm25]!.recallAt5, results[.dense]!.recallAt5) - 0.05)
        }
        print(lines.joined(separator: "\n"))
    }

    @Test func chineseQueriesSearchChinesePassagesWithE5AndEnglishWithMiniLM() async throws {
        let retriever = try await Self.retriever()
        let chinese = try retriever.search("退款多久到账", k: 3)
        #expect(chinese.allSatisfy { $0.chunk.language == "zh" && $0.denseModel?.contains("e5") == true })
        #expect(chinese.first?.chunk.articleID == "zh-refunds")
        let english = try retriever.search("when will my refund arrive", k: 3)
        #expect(english.allSatisfy { $0.chunk.language == "en" && $0.denseModel == "all-MiniLM-L6-v2" })
        #expect(english.first?.chunk.articleID == "en-refunds")
        #expect(english.first.map { Set($0.foundBy) == [.bm25, .dense] } == true)
    }
}
