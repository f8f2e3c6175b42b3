import CLVCore
import CLVData
import CLVPostgres
import CLVSQLite
import CLVStoreConformance
import CLVTestSupport
import Foundation
import Testing

/// A fresh database of the test process's throwaway cluster, opened as a store.
func freshStore() async throws -> PostgresStore {
    let cluster = try PostgresCluster.shared()
    return try await PostgresStore.open(url: try cluster.createDatabase(), environment: cluster.environment)
}

/// The storage protocols' promises (``StoreConformance``) on PostgreSQL, each on a new database.
@Suite struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func onPostgres(_ check: StoreCheck) async throws {
        let store = try await freshStore()
        do {
            try await check.run(on: store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// Opening: the schema, and the one-line errors for what users get wrong.
@Suite struct PostgresOpeningTests {
    @Test func reopeningAppliesNoMigrationTwiceAndKeepsTheAuditKey() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let first = try await PostgresStore.open(url: url, environment: cluster.environment)
        let hash = try await first.auditHash(of: CustomerID("alice"))
        await first.close()
        let second = try await PostgresStore.open(url: url, environment: cluster.environment)
        #expect(try await second.auditHash(of: CustomerID("alice")) == hash)
        await second.close()
        let database = String(url.split(separator: "/").last!)
        let names = try cluster.psql("SELECT name FROM schema_migration ORDER BY position", database: database)
        #expect(
            names.split(separator: "\n") == [
                "createOrders", "createServiceTables", "createInsightTables", "createKnowledgeTables", "assistTurnDetails", "createRecommenderRuns",
                "createCustomerScores", "dropDayIndexes",
            ])
    }

    @Test func twoProcessesOpeningANewDatabaseAtOnceMigrateItOnce() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.open(url: url, environment: cluster.environment) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let hashes = try await Set(stores.asyncMap { try await $0.auditHash(of: CustomerID("x")) })
        #expect(hashes.count == 1, "every opener reads the one audit key")
        for store in stores { await store.close() }
    }

    @Test func aMissingDatabaseSaysHowToCreateIt() async throws {
        let cluster = try PostgresCluster.shared()
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.open(url: cluster.url(database: "no_such_db"), environment: cluster.environment)
        }
        let message = error?.description ?? ""
        #expect(message.contains("there is no database no_such_db") && message.contains("createdb"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func aWrongPasswordSaysWhereThePasswordComesFrom() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.open(url: url, environment: ["PGPASSWORD": "wrong", "PGPASSFILE": "/nonexistent"])
        }
        let message = error?.description ?? ""
        #expect(message.contains("refused user clv") && message.contains("PGPASSWORD"), "\(message)")
        let none = await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.open(url: url, environment: ["PGPASSFILE": "/nonexistent"])
        }
        #expect(none?.description.contains("PGPASSWORD") == true, "\(none?.description ?? "")")
    }

    @Test func noServerAtTheAddressIsOneLine() async throws {
        let port = try PostgresCluster.freePort()
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.open(url: "postgres://clv@127.0.0.1:\(port)/db", environment: [:])
        }
        let message = error?.description ?? ""
        #expect(message.contains("no PostgreSQL server answers at 127.0.0.1:\(port)"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func aPasswordInTheURLIsRefusedAndNeverShown() async throws {
        let error = await #expect(throws: StoreError.self) {
            _ = try await PostgresStore.open(url: "postgres://clv:hunter2@127.0.0.1:1/db", environment: [:])
        }
        let message = error?.description ?? ""
        #expect(message.contains("PGPASSWORD") && !message.contains("hunter2"), "\(message)")
        #expect(throws: StoreError.self) { _ = try PostgresLocation(url: "postgres://clv@h/db?sslmode=sometimes", environment: [:]) }
        #expect(throws: StoreError.self) { _ = try PostgresLocation(url: "postgres://clv@h/db?target_session_attrs=any", environment: [:]) }
    }

    @Test func theURLAndPgpassGiveTheConnection() throws {
        let folder = try TemporaryDirectory("clv-pgpass")
        let file = try folder.write("pgpass", "# comment\nother:5432:*:clv:no\ndb.example:6543:*:clv:s\\:cret\n")
        let location = try PostgresLocation(url: "postgresql://clv@db.example:6543/shop?sslmode=require", environment: ["PGPASSFILE": file.path])
        #expect(location == PostgresLocation.expected(host: "db.example", port: 6543, user: "clv", database: "shop", tls: .require, password: "s:cret"))
        let defaults = try PostgresLocation(url: "postgres:///shop", environment: ["PGHOST": "h", "PGUSER": "u", "PGPASSWORD": "p"])
        #expect(defaults == PostgresLocation.expected(host: "h", port: 5432, user: "u", database: "shop", tls: .prefer, password: "p"))
    }
}

/// What only a database server shows: the same summaries as SQLite on real data, and concurrent imports.
@Suite struct PostgresIngestTests {
    /// A data set as the equality test imports it: its file, format and windows.
    struct DataSet: Sendable, CustomStringConvertible {
        let name: String
        let file: @Sendable () throws -> URL
        let format: OrderFileFormat
        let calibrationEnd: String, holdoutEnd: String, cohortEnd: String
        var description: String { name }
    }

    static let dataSets = [
        DataSet(
            name: "CDNOW sample", file: { try TestData.cdnow("CDNOW_sample.txt") }, format: .cdnowSample, calibrationEnd: "1997-09-30",
            holdoutEnd: "1998-06-30", cohortEnd: "1997-03-31"),
        DataSet(
            name: "CDNOW master", file: { try TestData.cdnow("CDNOW_master.txt") }, format: .cdnow, calibrationEnd: "1997-09-30", holdoutEnd: "1998-06-30",
            cohortEnd: "1997-03-31"),
        DataSet(
            name: "Online Retail", file: { try TestData.shared("online-retail/online_retail.csv") }, format: .onlineRetail, calibrationEnd: "2011-06-30",
            holdoutEnd: "2011-12-09", cohortEnd: "2011-03-31"),
    ]

    /// Each data set imported into both stores gives daily aggregates and summaries equal field by field, to the
    /// last bit, with and without a holdout, in every unit.
    @Test(arguments: dataSets)
    func summariesEqualSQLites(_ data: DataSet) async throws {
        let folder = try TemporaryDirectory("clv-pg-equal")
        let sqlite = try SQLiteStore(path: folder.path("data.sqlite"))
        let postgres = try await freshStore()
        let source = try data.file()
        // Small batches, so that customer-days span batches and the upsert's additions are exercised.
        let ingester = OrderIngester(format: data.format, batchSize: 20_000)
        let lite = try await ingester.ingest(file: source, into: sqlite, quarantineFile: folder.url.appendingPathComponent("q1.csv"))
        let server = try await ingester.ingest(file: source, into: postgres, quarantineFile: folder.url.appendingPathComponent("q2.csv"))
        #expect(lite.counts == server.counts)
        let again = try await ingester.ingest(file: source, into: postgres, quarantineFile: folder.url.appendingPathComponent("q3.csv"))
        #expect(again.counts.imported == 0 && again.counts.duplicates == server.counts.imported, "a second import stores nothing: \(again.counts)")
        let (liteStatistics, serverStatistics) = (try await sqlite.statistics(), try await postgres.statistics())
        #expect(serverStatistics.orderLines == liteStatistics.orderLines && serverStatistics.customers == liteStatistics.customers)
        #expect(serverStatistics.products == liteStatistics.products)
        let days = try await postgres.allCustomerDays()
        #expect(days.map(BitExactDay.init) == (try await sqlite.allCustomerDays()).map(BitExactDay.init), "daily aggregates differ")
        let calibrationEnd = CalendarDay(iso: data.calibrationEnd)!, holdoutEnd = CalendarDay(iso: data.holdoutEnd)!
        for unit in [TimeUnit.day, .week, .month] {
            for holdout in [nil, holdoutEnd] {
                let window = SummaryWindow(calibrationEnd: calibrationEnd, holdoutEnd: holdout, unit: unit)
                let expected = try await sqlite.summaries(for: window)
                let rows = try await postgres.summaries(for: window)
                #expect(rows.count == expected.count && rows.count > 0)
                #expect(rows.map(BitExactRow.init) == expected.map(BitExactRow.init), "summaries differ for \(unit), holdout \(String(describing: holdout))")
            }
        }
        let cohortEnd = CalendarDay(iso: data.cohortEnd)!
        let timeline = try await postgres.purchaseTimeline(through: holdoutEnd, cohortEnd: cohortEnd)
        let liteTimeline = try await sqlite.purchaseTimeline(through: holdoutEnd, cohortEnd: cohortEnd)
        #expect(!timeline.isEmpty && timeline == liteTimeline)
        let customer = try #require(days.first?.customer)
        #expect(try await postgres.recentOrderLines(of: customer, limit: 50) == (try await sqlite.recentOrderLines(of: customer, limit: 50)))
        await postgres.close()
    }

    /// Two imports of overlapping halves of CDNOW into one database at once: every line stored once, and the
    /// aggregates equal those of one import of the whole file.
    @Test func concurrentImportsOfOverlappingFilesStoreEachLineOnce() async throws {
        let folder = try TemporaryDirectory("clv-pg-concurrent")
        let lines = try String(contentsOf: try TestData.cdnow("CDNOW_master.txt"), encoding: .utf8).split(whereSeparator: \.isNewline)
        // Cut at customer boundaries: identical lines of one customer are told apart by their position in a file.
        func boundary(_ index: Int) -> Int {
            var i = index
            while i < lines.count, lines[i].split(separator: " ").first == lines[i - 1].split(separator: " ").first { i += 1 }
            return i
        }
        let (third, twoThirds) = (boundary(lines.count / 3), boundary(lines.count * 2 / 3))
        let first = try folder.write("first.txt", lines[..<twoThirds].joined(separator: "\n") + "\n")
        let second = try folder.write("second.txt", ([lines[0]] + lines[third...]).joined(separator: "\n") + "\n")
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let ingester = OrderIngester(format: .cdnow, batchSize: 2_000)
        let (a, b) = try await withThrowingTaskGroup(of: OrderIngester.Report.self) { group in
            // Two stores, two pools: as two `clv ingest` processes would be.
            for (file, name) in [(first, "q1.csv"), (second, "q2.csv")] {
                group.addTask {
                    let store = try await PostgresStore.open(url: url, environment: cluster.environment)
                    let report = try await ingester.ingest(file: file, into: store, quarantineFile: folder.url.appendingPathComponent(name))
                    await store.close()
                    return report
                }
            }
            let one = try await group.next()!, other = try await group.next()!
            return (one, other)
        }
        let concurrent = try await PostgresStore.open(url: url, environment: cluster.environment)
        let single = try await freshStore()
        let whole = try await ingester.ingest(
            file: try TestData.cdnow("CDNOW_master.txt"), into: single, quarantineFile: folder.url.appendingPathComponent("q3.csv"))
        #expect(a.counts.imported + b.counts.imported == whole.counts.imported, "\(a.counts) + \(b.counts) vs \(whole.counts)")
        #expect(a.counts.duplicates + b.counts.duplicates == twoThirds - third, "the overlap is skipped exactly once")
        #expect(try await concurrent.statistics().orderLines == whole.counts.imported)
        // Purchase counts are exact; amounts are equal up to the order in which the two imports added them.
        let together = try await concurrent.allCustomerDays(), alone = try await single.allCustomerDays()
        #expect(together.map(\.customer) == alone.map(\.customer) && together.map(\.day) == alone.map(\.day))
        #expect(together.map(\.purchaseLines) == alone.map(\.purchaseLines))
        #expect(zip(together, alone).allSatisfy { abs($0.purchaseAmount - $1.purchaseAmount) <= 1e-9 * max(1, abs($1.purchaseAmount)) })
        await concurrent.close()
        await single.close()
    }
}

/// A summary row compared by the bits of its numbers (`==` on Double would take 0 for -0 and miss nothing else).
struct BitExactRow: Equatable {
    let customer: String
    let fields: [UInt64]

    init(_ row: CustomerSummaryRow) {
        customer = row.customer.rawValue
        fields =
            [UInt64(row.frequency), row.recency.bitPattern, row.age.bitPattern, row.monetaryValue.bitPattern]
            + (row.holdout.map { [UInt64($0.frequency), $0.monetaryValue.bitPattern, $0.duration.bitPattern] } ?? [])
    }
}

struct BitExactDay: Equatable {
    let customer: String
    let day: Int
    let fields: [UInt64]

    init(_ day: CustomerDay) {
        customer = day.customer.rawValue
        self.day = day.day.daysSinceEpoch
        fields = [day.purchaseAmount.bitPattern, day.returnAmount.bitPattern, UInt64(day.purchaseLines)]
    }
}

extension PostgresLocation {
    static func expected(host: String, port: Int, user: String, database: String, tls: TLSMode, password: String?) -> PostgresLocation {
        var location = try! PostgresLocation(url: "postgres://x@y/z", environment: [:])
        location.host = host
        location.port = port
        location.user = user
        location.database = database
        location.tls = tls
        location.password = password
        return location
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
