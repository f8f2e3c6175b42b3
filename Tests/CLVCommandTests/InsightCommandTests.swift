import CLVTestSupport
import Foundation
import Testing

/// The insight commands as a user runs them: sentiment on clear sentences, interactions into a database, a
/// profile that respects consent, topics that embed nothing new the second time.
@Suite struct InsightCommandTests {
    @Test func sentimentIsRightOnClearSentencesAndRedactsFirst() throws {
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        let result = try CLIRunner().run([
            "sentiment", "I love this dress, it fits perfectly and the fabric is beautiful",
            "Terrible quality, it fell apart after one wash and I want a refund",
            "Email me at jane@example.com, the shoes are wonderful",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["label"] as? String } == ["positive", "negative", "positive"])
        let scores = rows.compactMap { $0["score"] as? Double }
        #expect(scores[0] > 0.5 && scores[1] < -0.5, "\(scores)")
        #expect(rows[2]["text"] as? String == "Email me at [EMAIL], the shoes are wonderful")
    }

    @Test func interactionsProfilesAndTheEmbeddingCache() throws {
        _ = try TestData.model("all-MiniLM-L6-v2", "model.safetensors")
        let folder = try TemporaryDirectory()
        let db = folder.path("shop.sqlite")
        let clv = try CLIRunner()
        #expect(try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db]).status == 0)
        let talk = try folder.write(
            "talk.csv",
            """
            customer_id,kind,text,timestamp
            1,review,"Great selection of jazz, fast delivery",1997-02-01
            1,chat,"My parcel never arrived and nobody answers, awful",1997-08-01
            2,review,"Lovely classical box set",1997-03-01
            3,search,cheap rock albums,1997-03-02
            4,review,"Sound quality is superb",1997-04-01

            """)
        let ingest = try clv.run(["ingest", "interactions", talk.path, "--db", db, "--format", "json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try clv.run(["privacy", "consent", "--profiling", "yes", "1", "3", "4", "--db", db]).status == 0)

        let profile = try clv.run(["profile", "1", "--db", db, "--format", "json"])
        #expect(profile.status == 0, "\(profile.stderr)")
        let p = try #require(try JSONSerialization.jsonObject(with: Data(profile.stdout.utf8)) as? [String: Any])
        #expect(p["profilingConsent"] as? Bool == true)
        let months = try #require(p["sentiment"] as? [[String: Any]])
        #expect(months.map { $0["month"] as? String } == ["1997-02", "1997-08"])
        #expect(p["sentimentTrend"].flatMap { $0 as? Double }.map { $0 < 0 } == true, "praise then a complaint: the trend falls")

        let declined = try clv.run(["profile", "2", "--db", db, "--format", "json"])
        let d = try #require(try JSONSerialization.jsonObject(with: Data(declined.stdout.utf8)) as? [String: Any])
        #expect(d["profilingConsent"] as? Bool == false && d["sentiment"] == nil && d["interests"] == nil)

        let first = try clv.run(["topics", "--source", "interactions", "--k", "2", "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("2 topics in 4 interactions texts"), "customer 2's text is left out: \(first.stdout)")
        let second = try clv.run(["topics", "--source", "interactions", "--k", "2", "--db", db])
        #expect(second.stderr.contains("Embedding cache: all 4 texts were cached; nothing new embedded."), "\(second.stderr)")
    }
}
