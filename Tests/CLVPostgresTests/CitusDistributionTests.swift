import CLVTestSupport
import Testing

@testable import CLVPostgres

/// The Citus step on a PostgreSQL without Citus (the only kind the tests have): it does nothing, and the calls it
/// would make cover every customer-keyed table.
@Suite struct CitusDistributionTests {
    @Test func withoutTheExtensionTheStepDoesNothing() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let store = try await PostgresStore.open(url: url, environment: cluster.environment)
        let applied = try await store.distributeOnCitus()
        await store.close()
        #expect(!applied)
        #expect(try cluster.psql("SELECT count(*) FROM pg_extension WHERE extname = 'citus'", database: database) == "0\n")
        #expect(try cluster.psql("SELECT to_regclass('pg_dist_partition') IS NULL", database: database) == "t\n", "no Citus catalog appeared")
    }

    /// A table that gains a `customer_id` must be distributed too (or its rows of a customer would not be on the
    /// customer's shard).
    @Test func everyTableWithACustomerIDIsDistributed() async throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let store = try await PostgresStore.open(url: url, environment: cluster.environment)
        await store.close()
        let tables = try cluster.psql(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'customer_id' AND table_schema = 'public'",
            database: String(url.split(separator: "/").last!))
        #expect(Set(tables.split(separator: "\n").map(String.init)) == Set(CitusDistribution.distributedTables))
    }

    @Test func theCallsColocateEveryCustomerTableAndCopyTheSharedOnes() {
        let all = CitusDistribution.statements(alreadyDistributed: [])
        #expect(
            all == [
                "SELECT create_distributed_table('customer', 'customer_id')",
                "SELECT create_distributed_table('order_line', 'customer_id', colocate_with => 'customer')",
                "SELECT create_distributed_table('customer_day', 'customer_id', colocate_with => 'customer')",
                "SELECT create_distributed_table('interaction', 'customer_id', colocate_with => 'customer')",
                "SELECT create_distributed_table('assist_turn', 'customer_id', colocate_with => 'customer')",
                "SELECT create_distributed_table('customer_score', 'customer_id', colocate_with => 'customer')",
                "SELECT create_reference_table('product')", "SELECT create_reference_table('setting')",
            ])
        let rest = CitusDistribution.statements(alreadyDistributed: ["customer", "order_line", "product"])
        #expect(rest.count == 5 && !rest.contains { $0.contains("'order_line'") || $0.contains("'product'") }, "\(rest)")
    }
}
