import CLVCore
import CLVData
import CLVTestSupport
import Foundation
import GRDB
import Testing

@testable import CLVSQLite

/// A database written before the storage seam (CLVKit 6b8f93f, see Resources/legacy-6b8f93f/README.md) opens,
/// keeps its rows, and recognises every line of the files it was made from.
@Suite struct LegacyDatabaseTests {
    static var fixture: URL {
        get throws { try #require(Bundle.module.url(forResource: "legacy-6b8f93f", withExtension: nil, subdirectory: "Resources")) }
    }

    /// The fixture copied into a fresh folder (tests never write into the source tree).
    static func copy() throws -> (TemporaryDirectory, SQLiteStore) {
        let folder = try TemporaryDirectory("clv-legacy")
        try FileManager.default.copyItem(at: try fixture.appendingPathComponent("clv.sqlite"), to: folder.url.appendingPathComponent("clv.sqlite"))
        return (folder, try SQLiteStore(path: folder.path("clv.sqlite")))
    }

    @Test func reimportingItsFilesStoresNothingNew() async throws {
        let (folder, store) = try Self.copy()
        let before = try await store.statistics()
        #expect(before.orderLines == 513, "189 + 209 + 120 lines, less customer 7's five (erased)")
        let custom = OrderFileFormat.custom(
            separator: .semicolon, hasHeader: true,
            columns: .init(
                customer: .named("client"), date: .named("placed"), amount: .column(.named("total")), order: .named("order"), product: .named("sku")),
            dateFormat: .pattern("%d/%m/%Y %H:%M")
        )
        var imported: [Int] = []
        var duplicates: [Int] = []
        for (file, format) in [("cdnow-sample.txt", OrderFileFormat.cdnowSample), ("online-retail.csv", .onlineRetail), ("custom.csv", custom)] {
            let report = try await OrderIngester(format: format).ingest(
                file: try Self.fixture.appendingPathComponent(file), into: store, quarantineFile: folder.url.appendingPathComponent("q-\(file).csv")
            )
            imported.append(report.counts.imported)
            duplicates.append(report.counts.duplicates)
        }
        // Customer 7 was erased after the import, so their five lines come back; nothing else is new.
        #expect(imported == [5, 0, 0], "lines stored again: the keys of files imported before the change moved")
        #expect(duplicates == [184, 209, 120])
        #expect(try await store.statistics().orderLines == 518)
        #expect(try await store.importWarning() == nil, "keys made since 2026-11-29 need no warning")
    }

    @Test func itsKeysRunsAndAuditReadBackTyped() async throws {
        let (_, store) = try Self.copy()
        let keys = try await store.keys()
        #expect(keys.map(\.role) == [.analyst] && keys.first?.label == "legacy")
        let runs = try await store.modelRuns()
        #expect(runs.map(\.kind) == [.bgnbd, .bgnbd, .bgnbd, .gg])
        #expect(runs.allSatisfy { $0.unit == .week })
        #expect(try await store.auditEvents(limit: 5).first?.action == "erase")
    }
}
