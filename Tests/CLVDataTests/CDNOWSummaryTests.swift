import CLVCore
import CLVData
import CLVSQLite
import CLVTestSupport
import Foundation
import Testing

/// The CDNOW sample summary must equal the one published with the data (Fader, Hardie & Lee 2005; shipped in the
/// lifetimes 0.11.3 wheel as cdnow_customers_summary_with_transactions.csv): 2,357 customers, 39-week calibration
/// ending 1997-09-30, x exact and tₓ, T, z̄ to the published 2 decimals.
@Suite struct CDNOWSummaryTests {
    @Test func summaryMatchesPublishedTableForAllCustomers() async throws {
        let folder = try TemporaryDirectory()
        let store = try SQLiteStore(path: folder.path("cdnow.sqlite"))
        let report = try await OrderIngester(format: .cdnowSample).ingest(
            file: try TestData.cdnow("CDNOW_sample.txt"), into: store, quarantineFile: folder.url.appendingPathComponent("q.csv")
        )
        #expect(report.counts.read == 6_919)
        #expect(report.counts.imported == 6_919)
        #expect(report.counts.quarantined == 0)

        let window = SummaryWindow(calibrationEnd: CalendarDay(iso: "1997-09-30")!, unit: .week)
        let rows = try await store.summaries(for: window)
        let published = try FixtureCSV.rows(try TestData.cdnow("cdnow_customers_summary_with_transactions.csv"))
        try #require(rows.count == 2_357)
        try #require(published.count == 2_357)
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.customer.rawValue, $0) })
        var mismatches: [String] = []
        for expected in published {
            guard let id = expected["ID"], let row = byID[id] else {
                mismatches.append("missing \(expected["ID"] ?? "?")")
                continue
            }
            let ok =
                row.frequency == Int(expected["x"]!)!
                && row.recency.matchesPublished(Double(expected["t_x"]!)!, decimals: 2)
                && row.age.matchesPublished(Double(expected["T"]!)!, decimals: 2)
                && row.monetaryValue.matchesPublished(Double(expected["zbar"]!)!, decimals: 2)
            if !ok { mismatches.append("\(id): got \(row.frequency), \(row.recency), \(row.age), \(row.monetaryValue); published \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(3))")
    }

    @Test func holdoutCountsEveryPurchaseDayAfterCalibration() async throws {
        let folder = try TemporaryDirectory()
        let store = try SQLiteStore(path: folder.path("cdnow.sqlite"))
        _ = try await OrderIngester(format: .cdnowSample).ingest(
            file: try TestData.cdnow("CDNOW_sample.txt"), into: store, quarantineFile: folder.url.appendingPathComponent("q.csv")
        )
        let window = SummaryWindow(
            calibrationEnd: CalendarDay(iso: "1997-09-30")!, holdoutEnd: CalendarDay(iso: "1998-06-30")!, unit: .week
        )
        let rows = try await store.summaries(for: window)
        // Fader, Hardie & Lee (2005), "Counting your customers the easy way", Figure 4 (conditional expectations):
        // mean holdout purchases by calibration frequency, actual: 0 → .237, 1 → .697, 7+ → 6.36.
        func meanHoldout(_ include: (Int) -> Bool) -> Double {
            let group = rows.filter { include($0.frequency) }
            return Double(group.reduce(0) { $0 + ($1.holdout?.frequency ?? 0) }) / Double(group.count)
        }
        #expect(meanHoldout { $0 == 0 }.matchesPublished(0.237, decimals: 3))
        #expect(meanHoldout { $0 == 1 }.matchesPublished(0.697, decimals: 3))
        #expect(meanHoldout { $0 >= 7 }.matchesPublished(6.36, decimals: 2))
        #expect(rows.allSatisfy { $0.holdout?.duration.matchesPublished(39, decimals: 2) == true })
        // Customer 1 bought on 1997-12-12 (26.48) after the window.
        let first = try #require(rows.first)
        #expect(first.customer.rawValue == "1")
        #expect(first.holdout?.frequency == 1)
        #expect(first.holdout?.monetaryValue.matchesPublished(26.48, decimals: 2) == true)
    }
}
