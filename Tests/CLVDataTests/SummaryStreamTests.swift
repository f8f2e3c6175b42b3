import CLVCore
import CLVData
import CLVTestSupport
import Foundation
import Testing

@testable import CLVSQLite

/// The summaries a store streams while it reads (one customer's days in memory at a time) and the id order they come
/// back in, on the CDNOW sample.
@Suite struct SummaryStreamTests {
    private static func cdnowStore(_ folder: TemporaryDirectory) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: folder.path("cdnow.sqlite"))
        _ = try await OrderIngester(format: .cdnowSample).ingest(
            file: try TestData.cdnow("CDNOW_sample.txt"), into: store, quarantineFile: folder.url.appendingPathComponent("q.csv")
        )
        return store
    }

    @Test func streamedSummariesEqualSummariesOfTheMaterialisedDays() async throws {
        let folder = try TemporaryDirectory()
        let store = try await Self.cdnowStore(folder)
        let window = SummaryWindow(calibrationEnd: CalendarDay(iso: "1997-09-30")!, holdoutEnd: CalendarDay(iso: "1998-06-30")!, unit: .week)
        let days = try await store.purchaseDays(through: window.lastDay)
        let streamed = try await store.summaries(for: window)
        #expect(streamed.count == 2_357)
        #expect(streamed == CustomerSummarizer.summarise(days, window: window))
        #expect(streamed.contains { ($0.holdout?.frequency ?? 0) > 0 })
    }

    @Test func sortedByCustomerIDMatchesCustomerIDOrder() async throws {
        let folder = try TemporaryDirectory()
        let store = try await Self.cdnowStore(folder)
        let rows = try await store.summaries(for: SummaryWindow(calibrationEnd: CalendarDay(iso: "1997-09-30")!, unit: .week))
        // Integer ids, ids with leading zeros (equal as numbers) and non-integer ids, in no particular order.
        let extra = ["007", "7", "A12", "a12", "B", "-3", "12x"].map {
            CustomerSummaryRow(customer: CustomerID($0), frequency: 0, recency: 0, age: 1, monetaryValue: 0)
        }
        let mixed = Array((rows + extra).enumerated().sorted { ($0.offset * 7_919) % 2_371 < ($1.offset * 7_919) % 2_371 }.map(\.element))
        let ordered = CustomerID.sorted(mixed, by: \.customer)
        #expect(ordered == mixed.sorted { $0.customer < $1.customer })
        #expect(ordered.first?.customer == CustomerID("-3"))
        #expect(ordered.last?.customer == CustomerID("a12"))
    }
}
