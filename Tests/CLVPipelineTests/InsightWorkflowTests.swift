import CLVCore
import CLVData
import CLVInsight
import CLVModels
import CLVPipeline
import CLVSQLite
import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The insight workflow over a real store: cohorts against a count made straight from the file, and consent
/// gating and the embedding cache with the real MiniLM.
@Suite(.serialized) struct InsightWorkflowTests {
    /// CDNOW sample cohorts by month equal a count of the raw file's (customer, month) pairs.
    @Test func cohortsEqualACountOfTheFile() async throws {
        let file = try TestData.cdnow("CDNOW_sample.txt")
        var months: [String: Set<Int>] = [:]
        // CRLF lines: "\r\n" is one Character, so split on any newline.
        for line in try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 5, let date = Int(fields[2]) else { continue }
            months[String(Int(fields[1])!), default: []].insert((date / 10_000) * 12 + (date / 100) % 100 - 1)
        }
        var size: [Int: Int] = [:], active: [Int: [Int: Int]] = [:]
        for (_, set) in months {
            let first = set.min()!
            size[first, default: 0] += 1
            for m in set { active[first, default: [:]][m - first, default: 0] += 1 }
        }
        let table = try await InsightWorkflow(store: try await WorkflowTests.cdnowStore()).cohorts(period: .month, model: nil, unit: .week)
        #expect(table.cohorts.count == size.count)
        for cohort in table.cohorts {
            let c = cohort.start.components
            let index = c.year * 12 + c.month - 1
            #expect(cohort.size == size[index])
            #expect(cohort.active.enumerated().allSatisfy { k, n in n == active[index]?[k] ?? 0 }, "cohort \(cohort.start)")
        }
        #expect(table.expectedRetention == nil)
    }

    /// The model's expected retention: 1 in month 0, then between 0 and 1, falling as customers drop out.
    @Test func expectedRetentionComesFromTheFittedModel() async throws {
        let store = try await WorkflowTests.cdnowStore()
        let saved = try await Workflow(store: store).fitAndSave([.bgnbd], window: SummaryWindow(calibrationEnd: WorkflowTests.calibrationEnd, unit: .week))
        let table = try await InsightWorkflow(store: store).cohorts(period: .month, model: saved[0].fitted.purchase, unit: .week)
        let expected = try #require(table.expectedRetention)
        #expect(expected.count == table.cohorts.map(\.active.count).max())
        #expect(expected[0] == 1 && expected.dropFirst().allSatisfy { (0..<1).contains($0) })
        #expect(expected[1] > expected.last!)
    }

    /// Without profiling consent nothing of a customer's words is embedded or profiled; with it, profiles read the
    /// cache, and a second profile embeds nothing new.
    @Test func onlyConsentingCustomersAreEmbeddedAndTheCacheIsReused() async throws {
        let store = try await WorkflowTests.cdnowStore()
        let consenting = CustomerID("1"), declining = CustomerID("2")
        _ = try await store.setConsent(Consent(profiling: true), for: consenting, actor: "test")
        func review(_ customer: CustomerID, _ day: String, _ text: String) -> Interaction {
            let (date, _) = DateFormat.iso8601.parse(day)!
            let moment = Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400)
            return Interaction(
                key: Interaction.contentKey(customer: customer, kind: .review, timestamp: moment, product: nil, text: text), customer: customer,
                kind: .review, text: text, product: nil, rating: nil, timestamp: moment)
        }
        _ = try await store.write(
            [
                review(consenting, "1997-02-01", "Fantastic jazz collection, arrived quickly"),
                review(consenting, "1997-06-01", "Scratched disc and no reply from support, very disappointed"),
                review(declining, "1997-03-01", "Lovely classical box set"),
            ], importID: nil, counts: nil)
        let embedder = CachedEmbedder(model: try SentenceEncoder(directory: ModelDirectory(root: TestData.modelsDirectory)), cache: store)
        let classifier = try EmbeddingClassifier(
            jsonData: try Data(contentsOf: TestData.projectRoot.appendingPathComponent("models/sentiment/minilm.json")))
        let text = InsightWorkflow.TextModels(embedder: embedder, sentiment: classifier, topics: nil)
        let insight = InsightWorkflow(store: store)
        let asOf = CalendarDay(iso: "1997-09-30")!

        let declined = try #require(try await insight.profile(declining, scored: nil, unit: .week, horizon: 52, asOf: asOf, text: text))
        #expect(!declined.profilingConsent && declined.sentiment == nil && declined.interests == nil)
        #expect(declined.interactions == ["review": 1])
        #expect(try await store.embeddingCounts().isEmpty, "nothing embedded for a customer without consent")

        let profile = try #require(try await insight.profile(consenting, scored: nil, unit: .week, horizon: 52, asOf: asOf, text: text))
        let sentiment = try #require(profile.sentiment)
        #expect(sentiment.map(\.month) == ["1997-02", "1997-06"])
        #expect(sentiment[0].meanScore > 0 && sentiment[1].meanScore < 0, "\(sentiment)")
        #expect(try await store.embeddingCounts() == [embedder.cacheKey: 2])
        let again = try await embedder.embed(try await store.interactions(of: consenting).map(\.text))
        #expect(again.misses == 0 && again.hits == 2, "the second profile embeds nothing new")
        #expect(try await insight.profilableInteractions().map(\.customer) == [consenting, consenting])
    }
}
