import CLVCore
import CLVTestSupport
import Foundation
import Testing

@testable import CLVInsight

@Suite struct TopicTokenizerTests {
    let tokenizer = TopicTokenizer()

    @Test func englishDropsStopWordsNumbersAndPunctuation() {
        #expect(tokenizer.tokens("The courier's package arrived 3 days LATE!! Don't ask.") == ["courier", "package", "arrived", "days", "late", "ask"])
        #expect(tokenizer.tokens("Size 42, colour: navy-blue; 100%") == ["size", "colour", "navy", "blue"])
    }

    @Test func hanRunsBecomeBigramsSplitAtFunctionCharacters() {
        #expect(tokenizer.tokens("质量很好，物流太慢") == ["质量", "好", "物流", "流太", "太慢"])
        #expect(tokenizer.tokens("iPhone 15 很好用") == ["iphone", "好用"])
    }
}

@Suite struct ClassTFIDFTests {
    @Test func handComputedWeights() {
        // Class 0: x×2, y×1 (3 terms); class 1: y×1, z×3 (4 terms). A = ⌊7/2⌋ = 3; f(x) = 2, f(y) = 2, f(z) = 3.
        let w = ClassTFIDF.weights([["x": 2, "y": 1], ["y": 1, "z": 3]])
        #expect(w[0]["x"]!.isApproximatelyEqual(to: 2.0 / 3 * log(2.5), relativeTolerance: 1e-14))
        #expect(w[0]["y"]!.isApproximatelyEqual(to: 1.0 / 3 * log(2.5), relativeTolerance: 1e-14))
        #expect(w[1]["y"]!.isApproximatelyEqual(to: 1.0 / 4 * log(2.5), relativeTolerance: 1e-14))
        #expect(w[1]["z"]!.isApproximatelyEqual(to: 3.0 / 4 * log(2.0), relativeTolerance: 1e-14))
        #expect(w[0]["z"] == nil)
        #expect(ClassTFIDF.topTerms([["x": 2, "y": 1], ["y": 1, "z": 3]], count: 1).map { $0.map(\.term) } == [["x"], ["z"]])
    }
}

@Suite struct TopicEvaluationTests {
    // d1 {apple, banana}, d2 {apple, banana, cherry}, d3 {cherry, date}, d4 {apple}: N = 4.
    static let corpus = [["apple", "banana"], ["apple", "banana", "cherry"], ["cherry", "date"], ["apple"]]

    @Test func npmiHandComputed() {
        let eps = TopicEvaluation.epsilon
        // (apple, banana): p = 3/4, 2/4, joint 2/4 → log(0.5/0.375) / −log 0.5.
        let ab = log((0.5 + eps) / 0.375) / -log(0.5 + eps)
        // (banana, cherry): joint 1/4 = 2/4 · 2/4 → 0.
        let bc = log((0.25 + eps) / 0.25) / -log(0.25 + eps)
        // (apple, cherry): joint 1/4, p = 3/4, 2/4 → log(0.25/0.375) / −log 0.25.
        let ac = log((0.25 + eps) / 0.375) / -log(0.25 + eps)
        // (banana, date): never together → log(ε / 0.125) / −log ε ≈ −0.925.
        let bd = log(eps / 0.125) / -log(eps)
        let c = TopicEvaluation.npmiCoherence(
            topics: [["apple", "banana"], ["banana", "cherry"], ["apple", "cherry", "banana"], ["banana", "date"]], documents: Self.corpus)
        #expect(c.perTopic[0].isApproximatelyEqual(to: ab, relativeTolerance: 1e-12))
        #expect(c.perTopic[0].isApproximatelyEqual(to: log(4.0 / 3) / log(2), relativeTolerance: 1e-9))
        #expect(c.perTopic[1].isApproximatelyEqual(to: bc, absoluteTolerance: 1e-12))
        #expect(c.perTopic[2].isApproximatelyEqual(to: (ac + ab + bc) / 3, relativeTolerance: 1e-12))
        #expect(c.perTopic[3].isApproximatelyEqual(to: bd, relativeTolerance: 1e-12))
        #expect(c.mean.isApproximatelyEqual(to: (ab + bc + (ac + ab + bc) / 3 + bd) / 4, relativeTolerance: 1e-12))
    }

    @Test func npmiLimits() {
        let everywhere = TopicEvaluation.npmiCoherence(topics: [["a", "b"]], documents: [["a", "b"], ["b", "a", "c"]])
        #expect(everywhere.perTopic == [1])
        let absent = TopicEvaluation.npmiCoherence(topics: [["a", "zzz"]], documents: [["a"], ["b"]])
        #expect(absent.perTopic == [-1])
    }

    @Test func diversityHandComputed() {
        #expect(TopicEvaluation.diversity(topics: [["a", "b", "c"], ["a", "d", "e"]], topN: 3).isApproximatelyEqual(to: 5.0 / 6, relativeTolerance: 1e-15))
        #expect(TopicEvaluation.diversity(topics: [["a", "b"], ["c", "d"]], topN: 2) == 1)
        #expect(TopicEvaluation.diversity(topics: [["a", "b", "c"], ["a", "b", "c"]], topN: 2) == 0.5)
    }
}

@Suite struct TopicModelerTests {
    static let themes: [[String]] = [
        ["courier", "parcel", "tracking", "shipping", "arrived", "delayed", "dispatch", "postman"],
        ["fabric", "stitching", "seams", "material", "cotton", "zipper", "sleeves", "colour"],
        ["invoice", "charged", "payment", "refund", "card", "billing", "receipt", "twice"],
    ]
    static let filler = ["order", "store", "product", "the", "was", "and", "my", "customer"]

    /// Documents of 5 theme words and 3 filler words; embeddings near the theme's anchor direction.
    static func corpus(perTheme: Int, seed: UInt64) -> (documents: [String], embeddings: [[Float]], themes: [Int]) {
        var rng = SplitMix64(seed: seed)
        let anchors = randomAnchors(["0", "1", "2"], dimensions: 24, seed: seed &+ 1)
        var documents: [String] = []
        var embeddings: [[Float]] = []
        var themes: [Int] = []
        for t in 0..<3 {
            for _ in 0..<perTheme {
                let words = (0..<5).map { _ in Self.themes[t].randomElement(using: &rng)! } + (0..<3).map { _ in Self.filler.randomElement(using: &rng)! }
                documents.append(words.shuffled(using: &rng).joined(separator: " "))
                var v = anchors["\(t)"]!.map { $0 + 0.08 * Float(gaussian(&rng)) }
                let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                v = v.map { $0 / norm }
                embeddings.append(v)
                themes.append(t)
            }
        }
        return (documents, embeddings, themes)
    }

    @Test func chineseDocumentsAreLabelledByBigrams() throws {
        let documents = ["物流太慢了", "快递太慢", "物流很慢", "质量很好", "质量不错", "面料质量好"]
        let anchors = randomAnchors(["0", "1"], dimensions: 8, seed: 3)
        let embeddings = (0..<6).map { anchors[$0 < 3 ? "0" : "1"]! }
        let model = try TopicModeler(topicCount: 2, kmeans: KMeans(clusterCount: 2, restarts: 2), termsPerTopic: 1).fit(
            documents: documents, embeddings: embeddings)
        // 质量 appears in all three documents of its topic and nowhere else; in the other, 太慢 and 物流 appear twice
        // each (equal weights) and the tie goes to the first in code-point order, 太 (U+592A) before 物 (U+7269).
        #expect(Set(model.topics.map { $0.terms[0].term }) == ["质量", "太慢"])
    }

    @Test(arguments: [3, nil] as [Int?])
    func threeThemesSeparateAndAreLabelledByTheirWords(topicCount: Int?) throws {
        let (documents, embeddings, themes) = Self.corpus(perTheme: 40, seed: 5)
        let model = try TopicModeler(topicCount: topicCount, candidateTopicCounts: 2...6, kmeans: KMeans(clusterCount: 3, restarts: 4)).fit(
            documents: documents, embeddings: embeddings, seed: 1)
        #expect(model.topics.count == 3)
        #expect(samePartition(model.assignments, themes))
        #expect(model.topics.map(\.size) == [40, 40, 40])
        for topic in model.topics {
            let theme = themes[model.assignments.firstIndex(of: topic.id)!]
            // The five highest terms are the theme's own words; shared filler words never lead.
            #expect(topic.terms.prefix(5).allSatisfy { Self.themes[theme].contains($0.term) })
            #expect(topic.representativeDocuments.count == 3)
            #expect(topic.representativeDocuments.allSatisfy { model.assignments[$0] == topic.id })
        }
        if topicCount == nil { #expect(model.silhouette! > 0.5) }
        let coherence = TopicEvaluation.npmiCoherence(model, documents: documents)
        #expect(coherence.perTopic.count == 3)
        #expect(TopicEvaluation.diversity(topics: model.topics.map { $0.terms.map(\.term) }, topN: 8) == 1)
    }
}
