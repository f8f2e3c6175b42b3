import CLVCore
import CLVTestSupport
import Foundation
import GRDB
import Testing

@testable import CLVData
@testable import CLVSQLite

/// All 541,909 lines of UCI Online Retail, checked against summaries computed independently by lifetimes 0.11.3 on
/// pandas (`tools/data/online_retail_reference.py`, output committed in Resources/).
@Suite struct OnlineRetailTests {
    struct Counts: Decodable {
        var lines: Int
        var negative_price: Int
        var cancellations: Int
        var guest_lines: Int
        var customers_with_purchases: Int
        var net_revenue: Double
    }

    static func resource(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources"))
    }

    @Test func ingestsEveryLineAndMatchesLifetimesSummaries() async throws {
        let folder = try TemporaryDirectory()
        let store = try SQLiteStore(path: folder.path("retail.sqlite"))
        let quarantine = folder.url.appendingPathComponent("quarantine.csv")
        let report = try await OrderIngester(format: .onlineRetail).ingest(
            file: try TestData.shared("online-retail/online_retail.csv"), into: store, quarantineFile: quarantine
        )
        let expected = try JSONDecoder().decode(Counts.self, from: Data(contentsOf: Self.resource("online_retail_counts.json")))
        #expect(report.counts.read == expected.lines)
        #expect(report.counts.quarantined == expected.negative_price)
        #expect(report.quarantineReasons == ["negative unit price": expected.negative_price])
        #expect(report.counts.imported == expected.lines - expected.negative_price)
        #expect(report.counts.returns == expected.cancellations)
        #expect(report.counts.guestLines == expected.guest_lines)

        let holdoutEnd = CalendarDay(iso: "2011-12-09")!
        let full = CustomerSummarizer.summarise(
            try await store.purchaseDays(through: holdoutEnd), window: .init(calibrationEnd: holdoutEnd)
        )
        #expect(full.count == expected.customers_with_purchases)
        let split = CustomerSummarizer.summarise(
            try await store.purchaseDays(through: holdoutEnd),
            window: .init(calibrationEnd: CalendarDay(iso: "2011-06-30")!, holdoutEnd: holdoutEnd)
        )
        let fullByID = Dictionary(uniqueKeysWithValues: full.map { ($0.customer.rawValue, $0) })
        let splitByID = Dictionary(uniqueKeysWithValues: split.map { ($0.customer.rawValue, $0) })
        let reference = try FixtureCSV.rows(Self.resource("online_retail_reference.csv"))
        #expect(reference.count > 30)
        for ref in reference {
            let id = ref["customer_id"]!
            func value(_ key: String) -> Double { Double(ref[key]!)! }
            let f = try #require(fullByID[id], "customer \(id) missing")
            #expect(f.frequency == Int(value("frequency")))
            #expect(f.recency == value("recency"))
            #expect(f.age == value("T"))
            #expect(f.monetaryValue.isApproximatelyEqual(to: value("monetary_value"), absoluteTolerance: 1e-6), "customer \(id)")
            let s = try #require(splitByID[id], "customer \(id) missing from the calibration summary")
            #expect(s.frequency == Int(value("frequency_cal")))
            #expect(s.recency == value("recency_cal"))
            #expect(s.age == value("T_cal"))
            #expect(s.monetaryValue.isApproximatelyEqual(to: value("monetary_value_cal"), absoluteTolerance: 1e-6), "customer \(id)")
            #expect(s.holdout?.frequency == Int(value("frequency_holdout")))
            #expect(s.holdout?.monetaryValue.isApproximatelyEqual(to: value("monetary_value_holdout"), absoluteTolerance: 1e-6) == true, "customer \(id)")
            #expect(s.holdout?.duration == value("duration_holdout"))
        }
        // Cancellations are netted against revenue: the stored total equals purchases minus returns.
        let stats = try await store.statistics()
        #expect(stats.orderLines == expected.lines - expected.negative_price)
        #expect(stats.netRevenue.isApproximatelyEqual(to: expected.net_revenue, relativeTolerance: 1e-9))

        // A customer's history (read by day through key ranges) holds exactly the lines a full scan finds.
        for id in ["12347", "12748", "14911", "17841", "13408"].map({ CustomerID($0) }) {
            let history = try await store.recentOrderLines(of: id, limit: 100_000)
            let scanned = try await store.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT l.day, l.amount, p.title FROM order_line l NOT INDEXED LEFT JOIN product p ON p.id = l.product_id
                        WHERE l.customer_id = ? ORDER BY l.day DESC, l.second_of_day DESC, l.line_key
                        """, arguments: [id.rawValue]
                ).map { "\($0[0] as Int) \($0[1] as Double) \($0[2] as String? ?? "")" }
            }
            #expect(scanned.count > 0)
            #expect(history.map { "\($0.day.daysSinceEpoch) \($0.amount) \($0.productTitle ?? "")" } == scanned, "customer \(id)")
            #expect(try await store.recentOrderLines(of: id, limit: 7).count == min(7, scanned.count))
        }
    }
}
