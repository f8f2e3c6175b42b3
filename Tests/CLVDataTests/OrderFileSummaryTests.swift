import CLVCore
import CLVTestSupport
import Foundation
import Testing

@testable import CLVData
@testable import CLVSQLite

/// `OrderFileSummary` (no store) against the summaries of a database that imported the same file.
@Suite struct OrderFileSummaryTests {
    /// All 541,909 lines of UCI Online Retail: guest lines, cancellations, negative prices, and 5,268 lines that
    /// repeat an earlier line exactly. Row for row, in the same order.
    @Test func onlineRetailEqualsTheStoredSummariesRowForRow() async throws {
        let file = try TestData.shared("online-retail/online_retail.csv")
        let folder = try TemporaryDirectory()
        let store = try SQLiteStore(path: folder.path("retail.sqlite"))
        _ = try await OrderIngester(format: .onlineRetail).ingest(
            file: file, into: store, quarantineFile: folder.url.appendingPathComponent("quarantine.csv"))
        let storedLastDay = try #require(try await store.statistics().lastDay)

        let windows: [(end: CalendarDay?, holdoutEnd: CalendarDay?, unit: TimeUnit)] = [
            (nil, nil, .day),
            (CalendarDay(iso: "2011-06-30")!, CalendarDay(iso: "2011-12-09")!, .week),
            (CalendarDay(iso: "2011-09-30")!, nil, .month),
        ]
        for (end, holdoutEnd, unit) in windows {
            let inMemory = try OrderFileSummary.summarise(file: file, format: .onlineRetail, end: end, holdoutEnd: holdoutEnd, unit: unit)
            let window = SummaryWindow(calibrationEnd: end ?? storedLastDay, holdoutEnd: holdoutEnd, unit: unit)
            #expect(inMemory.window == window)
            let stored = try await store.summaries(for: window)
            #expect(stored.count > 2_500)
            try #require(inMemory.rows.count == stored.count, "\(window)")
            for (mine, theirs) in zip(inMemory.rows, stored) {
                #expect(mine.customer == theirs.customer)
                #expect(mine.frequency == theirs.frequency)
                #expect(mine.recency == theirs.recency)
                #expect(mine.age == theirs.age)
                #expect(mine.holdout?.frequency == theirs.holdout?.frequency)
                #expect(mine.holdout?.duration == theirs.holdout?.duration)
                // The same day totals summed in another order (the store adds one batch's total at a time):
                // equal up to rounding.
                #expect(mine.monetaryValue.isApproximatelyEqual(to: theirs.monetaryValue, relativeTolerance: 1e-12), "\(mine.customer)")
                let (h1, h2) = (mine.holdout?.monetaryValue ?? 0, theirs.holdout?.monetaryValue ?? 0)
                #expect(h1.isApproximatelyEqual(to: h2, relativeTolerance: 1e-12), "\(mine.customer)")
            }
        }
        let counted = try OrderFileSummary.summarise(file: file, format: .onlineRetail, end: nil)
        #expect(counted.linesRead == 541_909)
        #expect(counted.rejectedReasons == ["negative unit price": 2])
        #expect(counted.firstRejection?.hasPrefix("\(file.path):") == true)
    }

    @Test func unusableLinesAreSkippedAndNamedByFileAndLine() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write(
            "shop.csv",
            """
            customer,day,total
            a,2024-01-01,10
            a,2024-01-01,5
            a,not a date,3
            a,2024-01-08,7
            b,2024-01-05,oops
            b,2024-01-05,2

            """)
        let format = OrderFileFormat.custom(
            separator: .comma, hasHeader: true, columns: .init(customer: .named("customer"), date: .named("day"), amount: .column(.named("total"))),
            dateFormat: .iso8601)
        let result = try OrderFileSummary.summarise(file: file, format: format, end: CalendarDay(iso: "2024-01-10")!)
        #expect(result.linesRead == 6)
        #expect(result.rejectedReasons == ["unparseable date": 1, "unparseable amount": 1])
        #expect(result.firstRejection == "\(file.path):4: unparseable date; expected \(DateFormat.iso8601)")
        #expect(
            result.rows == [
                CustomerSummaryRow(customer: CustomerID("a"), frequency: 1, recency: 7, age: 9, monetaryValue: 7),
                CustomerSummaryRow(customer: CustomerID("b"), frequency: 0, recency: 0, age: 5, monetaryValue: 0),
            ])

        let bad = try folder.write("bad.csv", "customer,day,total\na,yesterday,1\n")
        #expect {
            try OrderFileSummary.summarise(file: bad, format: format, end: nil)
        } throws: { error in
            (error as? IngestError)?.description
                == "No line of \(bad.path) could be used (1 rejected, the first at \(bad.path):2: unparseable date; expected \(DateFormat.iso8601)): check --preset or the column options."
        }
    }
}
