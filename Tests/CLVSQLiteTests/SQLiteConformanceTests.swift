import CLVData
import CLVSQLite
import CLVStoreConformance
import CLVTestSupport
import Testing

/// The storage protocols' promises (``StoreConformance``) on a SQLite file and on an in-memory SQLite database.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func onAFile(_ check: StoreCheck) async throws {
        let folder = try TemporaryDirectory("clv-conformance")
        try await check.run(on: try SQLiteStore(path: folder.path("store.sqlite")))
    }

    @Test(arguments: StoreConformance.checks)
    func inMemory(_ check: StoreCheck) async throws {
        try await check.run(on: try SQLiteStore.inMemory())
    }
}
