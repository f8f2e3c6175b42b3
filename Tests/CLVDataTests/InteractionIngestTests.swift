import CLVCore
import CLVTestSupport
import Foundation
import GRDB
import Testing

@testable import CLVData
@testable import CLVSQLite

/// Interaction files: every rejection reason, redaction before storage (and in the quarantine), idempotent
/// re-imports, JSON Lines, and the Amazon review dump's repeated rows.
@Suite struct InteractionIngestTests {
    func ingest(_ file: URL, into folder: TemporaryDirectory, format: InteractionIngester.Format) async throws -> (InteractionIngester.Report, SQLiteStore, URL)
    {
        let store = try SQLiteStore(path: folder.path("shop.sqlite"))
        let quarantine = folder.url.appendingPathComponent("shop.quarantine/\(file.deletingPathExtension().lastPathComponent).csv")
        let report = try await InteractionIngester(format: format, batchSize: 2).ingest(file: file, into: store, quarantineFile: quarantine)
        return (report, store, quarantine)
    }

    func rows(_ store: SQLiteStore) async throws -> [String] {
        try await store.read { db in
            try ["interaction", "customer"].flatMap { table in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1").map { "\(table): \($0)" } }
        }
    }

    @Test func quarantinesEveryBadRecordWithItsReasonAndRedactsBeforeStoring() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write(
            "talk.csv",
            """
            customer_id,kind,text,product_id,rating,timestamp,interaction_id
            c1,review,"Lovely teapot, write to me at jane.doe@example.com",p1,5,2024-01-05T10:00:00Z,
            c1,chat,Where is order 123456? Call 07700 900123,,,2024-01-06,
            c2,view,,p2,,1704499200,
            ,review,no customer,p1,4,2024-01-05,
            c3,complaint,unknown kind,p1,,2024-01-05,
            c3,review,,p1,3,2024-01-05,
            c3,review,bad rating,p1,7,2024-01-05,
            c3,search,bad time 4111 1111 1111 1111,,,yesterday,
            c4,view,,,,2024-01-05,
            c5,note,"same id twice, the second is a duplicate",,,2024-02-01,n-1
            c5,note,"same id twice, the second is a duplicate (edited)",,,2024-02-01,n-1

            """)
        let (report, store, quarantine) = try await ingest(file, into: folder, format: .csv)
        #expect(report.counts.read == 11)
        #expect(report.counts.imported == 4)
        #expect(report.counts.duplicates == 1)
        #expect(report.counts.quarantined == 6)
        #expect(
            report.quarantineReasons == [
                "missing customer id": 1, "unknown kind": 1, "missing text": 1, "bad rating": 1, "unparseable timestamp": 1, "view without product": 1,
            ])
        #expect(report.redactions == [.email: 1, .phone: 1])

        let stored = try await store.interactions(kinds: [])
        #expect(stored.map(\.text).contains("Lovely teapot, write to me at [EMAIL]"))
        #expect(stored.map(\.text).contains("Where is order 123456? Call [PHONE]"))
        #expect(stored.first { $0.kind == .view }?.timestamp == Date(timeIntervalSince1970: 1_704_499_200))
        #expect(stored.first { $0.kind == .review }?.rating == 5)

        let rejected = try String(contentsOf: quarantine, encoding: .utf8)
        #expect(rejected.contains("talk.csv,10,a view needs a product_id or a text,\"c4,view,,,,2024-01-05,\""))
        #expect(rejected.contains("[CARD]") && !rejected.contains("4111 1111"), "the quarantine keeps rejected lines redacted")

        let before = try await rows(store)
        let (again, _, _) = try await ingest(file, into: folder, format: .csv)
        #expect(again.counts.imported == 0 && again.counts.duplicates == 5)
        #expect(try await rows(store) == before, "a re-import changes nothing")
    }

    @Test func readsJSONLinesWithNumbersOrStrings() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write(
            "talk.jsonl",
            """
            {"customer_id": "c1", "kind": "review", "text": "Great", "rating": 4, "timestamp": 1704067200}
            {"customer_id": 42, "kind": "search", "text": "teapot", "timestamp": "2024-01-02 08:30:00"}
            not json
            {"customer_id": "c3", "kind": "review", "text": "Meh", "rating": "five"}

            """)
        let (report, store, _) = try await ingest(file, into: folder, format: .jsonLines)
        #expect(report.counts.imported == 2)
        #expect(report.quarantineReasons == ["not a JSON object": 1, "bad rating": 1])
        let search = try await store.interactions(of: CustomerID("42"))
        #expect(search.first?.timestamp == Date(timeIntervalSince1970: 1_704_184_200))
    }

    /// The dump repeats a review once per style variant: it is stored once, while different reviews of the same
    /// product the same day stay apart. Counted here from the file with Foundation's JSON parser.
    @Test func amazonReviewsAreStoredOncePerReview() async throws {
        let file = try TestData.shared("amazon-5core/All_Beauty_5.json")
        var reviews = Set<[String]>(), purchases = Set<[String]>()
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let key = ["reviewerID", "asin", "unixReviewTime", "summary", "reviewText"].map { "\(object[$0] ?? "")" }
            reviews.insert(key)
            if object["verified"] as? Bool == true { purchases.insert(key) }
        }
        let folder = try TemporaryDirectory()
        let (report, store, _) = try await ingest(file, into: folder, format: .amazonReviews)
        #expect(report.counts.imported == reviews.count)
        #expect(report.counts.read == report.counts.imported + report.counts.duplicates)
        let orders = try await AmazonReviewOrderIngester().ingest(
            file: file, into: store, quarantineFile: folder.url.appendingPathComponent("orders.csv"))
        #expect(orders.counts.imported == purchases.count)
        #expect(try await store.statistics().orderLines == purchases.count)
    }
}
