import CLVCore
import CLVTestSupport
import Foundation
import GRDB
import Testing

@testable import CLVData
@testable import CLVSQLite

/// Every quarantine reason, idempotent re-imports, and generic column mappings, on real SQLite files.
@Suite struct IngestValidationTests {
    static let header = "order,customer,date,qty,price,product\n"

    static let shopFormat = OrderFileFormat.custom(
        separator: .comma, hasHeader: true,
        columns: .init(
            customer: .named("customer"), date: .named("date"),
            amount: .quantityTimesPrice(quantity: .named("qty"), price: .named("price")),
            order: .named("order"), product: .named("product"), quantity: .named("qty")
        ),
        dateFormat: .iso8601
    )

    func ingest(
        _ file: URL, into folder: TemporaryDirectory, format: OrderFileFormat = shopFormat, batchSize: Int = 50_000
    ) async throws -> (OrderIngester.Report, SQLiteStore, URL) {
        let store = try SQLiteStore(path: folder.path("shop.sqlite"))
        let quarantine = folder.url.appendingPathComponent("shop.quarantine/\(file.deletingPathExtension().lastPathComponent).csv")
        let report = try await OrderIngester(format: format, batchSize: batchSize).ingest(file: file, into: store, quarantineFile: quarantine)
        return (report, store, quarantine)
    }

    @Test func quarantinesEachKindOfBadLineWithLineNumberAndReason() async throws {
        let folder = try TemporaryDirectory()
        var bytes = Array(
            (Self.header + """
                o1,c1,2024-01-05,2,3.50,p1
                o2,c1,2024-01-05
                o3,,2024-01-06,1,2.00,p1
                o4,c2,2024-02-30,1,2.00,p1
                o5,c2,2024-02-03,two,2.00,p1
                o6,c2,2024-02-03,1,2.0x,p1
                o7,c2,2024-02-03,1,-5.00,p1

                """).utf8)
        bytes += Array("o8,c\u{00E9}".utf8).dropLast(1) + [0xC3, 0x28] + Array(",2024-02-04,1,1.00,p2\n".utf8)
        bytes += Array("o9,c3,2024-03-01 10:15:00,1,9.99,p3\n".utf8)
        let file = try folder.write("shop.csv", bytes: bytes)
        let (report, _, quarantine) = try await ingest(file, into: folder)

        #expect(report.counts.read == 9)
        #expect(report.counts.imported == 2)
        #expect(report.counts.quarantined == 7)
        #expect(
            report.quarantineReasons == [
                "wrong column count": 1, "missing customer id": 1, "unparseable date": 1, "unparseable quantity": 1,
                "unparseable unit price": 1, "negative unit price": 1, "invalid UTF-8": 1,
            ])
        let rows = try String(contentsOf: quarantine, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "source_file,line,reason,raw")
        #expect(rows.count == 8)
        #expect(rows[1].hasPrefix("shop.csv,3,expected 6 columns, found 3,o2,c1,2024-01-05") || rows[1].hasPrefix("shop.csv,3,\"expected 6 columns, found 3\""))
        let lineNumbers = rows.dropFirst().map { $0.split(separator: ",")[1] }
        #expect(lineNumbers == ["3", "4", "5", "6", "7", "8", "9"])
    }

    @Test func reimportChangesNothingAndIdenticalLinesInOneOrderAreTwoPurchases() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write(
            "shop.csv",
            Self.header + """
                o1,c1,2024-01-05,1,3.50,p1
                o1,c1,2024-01-05,1,3.50,p1
                o2,c1,2024-01-09,1,4.00,p2
                C3,c1,2024-01-10,-1,4.00,p2
                """)
        let (first, store, _) = try await ingest(file, into: folder)
        #expect(first.counts.imported == 4)
        #expect(first.counts.returns == 1)
        let before = try await snapshot(store)
        let (second, _, _) = try await ingest(file, into: folder)
        #expect(second.counts.imported == 0)
        #expect(second.counts.duplicates == 4)
        #expect(try await snapshot(store) == before)

        // The identical lines of order o1 are both stored; the return is netted, never a purchase.
        let days = try await store.purchaseDays(through: CalendarDay(iso: "2024-12-31")!)
        #expect(days.map(\.purchaseAmount) == [7.0, 4.0])
        let summary = CustomerSummarizer.summarise(days, window: .init(calibrationEnd: CalendarDay(iso: "2024-01-31")!))
        #expect(summary.map(\.frequency) == [1])
        #expect(try await store.statistics().netRevenue == 7.0)

        // Appending lines to the export imports only the new ones.
        let appended = try folder.write("shop.csv", String(contentsOf: file, encoding: .utf8) + "\no4,c2,2024-01-11,2,1.25,p1\n")
        let (third, _, _) = try await ingest(appended, into: folder)
        #expect(third.counts.imported == 1)
        #expect(third.counts.duplicates == 4)
        // A batch that is partly stored already adds only its new lines to the aggregates.
        let fresh = try TemporaryDirectory()
        let (_, freshStore, _) = try await ingest(try fresh.write("shop.csv", String(contentsOf: appended, encoding: .utf8)), into: fresh)
        #expect(
            try await snapshot(store, tables: ["customer_day", "customer", "product"]) == snapshot(freshStore, tables: ["customer_day", "customer", "product"]))
    }

    @Test func lineKeysStartWithTheDaySoImportsAppend() async throws {
        let folder = try TemporaryDirectory()
        var text = Self.header
        for day in 1...28 { for i in 0..<20 { text += "o\(day)-\(i),c\(i),2024-02-\(day < 10 ? "0" : "")\(day),1,\(i).5,p\(i)\n" } }
        let (report, store, _) = try await ingest(try folder.write("feb.csv", text), into: folder, batchSize: 64)
        #expect(report.counts.imported == 560)
        let prefixes = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT line_key, day FROM order_line ORDER BY line_key").map { (UInt64(bitPattern: $0[0] as Int64) >> 52, $0[1] as Int) }
        }
        #expect(prefixes.allSatisfy { $0.0 == UInt64($0.1) & 0xFFF })
        // In key order the days never go back: every batch lands at the end of the table.
        #expect(zip(prefixes, prefixes.dropFirst()).allSatisfy { $0.1 <= $1.1 })
    }

    @Test func batchesAreAtomicAndCountsAreRecordedPerImport() async throws {
        let folder = try TemporaryDirectory()
        var text = Self.header
        for i in 0..<1_005 { text += "o\(i),c\(i % 37),2024-0\(1 + i % 9)-1\(i % 10),1,\(i % 50).25,p\(i % 11)\n" }
        let (report, store, _) = try await ingest(try folder.write("big.csv", text), into: folder, batchSize: 100)
        #expect(report.counts.imported == 1_005)
        let runs = try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT status, lines_read, imported FROM ingest_run").map {
                "\($0["status"] as String), \($0["lines_read"] as Int), \($0["imported"] as Int)"
            }
        }
        #expect(runs == ["finished, 1005, 1005"])
        let customers = try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM customer") }
        #expect(customers == 37)
    }

    @Test func genericMappingByPositionWithTabsAndADatePattern() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("export.tsv", "42\t03/07/2011 14:05\t19.90\n0042\t04/07/2011 09:00\t5.10\n7\t31/12/2011 23:59\t1\n")
        let format = OrderFileFormat.custom(
            separator: .tab, hasHeader: false,
            columns: .init(customer: .position(1), date: .position(2), amount: .column(.position(3))),
            dateFormat: DateFormat(argument: "%d/%m/%Y %H:%M")!
        )
        let (report, store, _) = try await ingest(file, into: folder, format: format)
        #expect(report.counts.imported == 3)
        // A custom format keeps ids as written: "42" and "0042" are two customers.
        let days = try await store.purchaseDays(through: CalendarDay(iso: "2011-12-31")!)
        #expect(Set(days.map(\.customer.rawValue)) == ["42", "0042", "7"])
        #expect(days.first { $0.customer.rawValue == "0042" }?.day == CalendarDay(iso: "2011-07-04"))
    }

    @Test func missingNamedColumnIsAFileLevelError() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("shop.csv", "order,client,date,qty,price,product\no1,c1,2024-01-05,1,1,p\n")
        await #expect {
            _ = try await ingest(file, into: folder)
        } throws: { error in
            guard let error = error as? IngestError, case .missingColumn = error else { return false }
            return error.description.contains("'customer'") && error.description.contains("client")
        }
    }

    @Test func nothingValidIsAnError() async throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("shop.csv", Self.header + "o1,c1,not a date,1,1,p\n")
        await #expect {
            _ = try await ingest(file, into: folder)
        } throws: { error in
            guard let error = error as? IngestError, case .nothingValid = error else { return false }
            return error.description.contains("unparseable date")
        }
    }

    /// Every table's rows, as text, for before/after comparisons.
    func snapshot(_ store: SQLiteStore, tables: [String] = ["order_line", "customer_day", "customer", "product"]) async throws -> [String] {
        try await store.read { db in
            try tables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2").map { "\(table): \($0)" }
            }
        }
    }
}
