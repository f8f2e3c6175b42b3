import CLVTestSupport
import Foundation
import NIOHTTP1
import Testing

/// `clv serve --db postgres://…` killed with SIGKILL in the middle of concurrent order events: after a restart on
/// the same database, every acknowledged event is stored, none twice, each with its audit record, and a retry of
/// an acknowledged event is recognised as a duplicate.
@Suite(.serialized) struct PostgresDurabilityTests {
    @Test func noAcknowledgedEventIsLostOrDuplicatedAfterSIGKILL() async throws {
        let cluster = try PostgresCluster.shared()
        let folder = try TemporaryDirectory("clv-pg-kill")
        let url = try cluster.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let created = try CLIRunner().run(
            ["keys", "create", "--db", url, "--role", "ingest", "--label", "kill test"], environment: cluster.environment, in: folder.url)
        try #require(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let server = try await ServeProcess.start(database: url, environment: cluster.environment, in: folder)
        defer { server.kill9() }
        let acknowledged = Acknowledged()
        let killed = KillSignal()
        let streams = OrderStreams.start(port: server.port, secret: secret, acknowledged: acknowledged, until: killed)
        try await acknowledged.waitForKillPoint()
        server.kill9()
        killed.set()
        _ = await streams.result

        let restarted = try await ServeProcess.start(database: url, environment: cluster.environment, log: "serve-restart.log", in: folder)
        defer { restarted.stop() }
        // Retried after the restart, acknowledged orders are duplicates (200), not new orders (201).
        let retried = Array(acknowledged.orders.sorted().prefix(20))
        for order in retried {
            let customer = "c\(Int(order.split(separator: "-").last!)! % 50)"
            let status = try await OrderStreams.post(order: order, customer: customer, port: restarted.port, secret: secret)
            #expect(status == .ok, "the retry of acknowledged order \(order) answered \(status)")
        }
        restarted.stop()

        let counts = try cluster.psql("SELECT count(*), count(DISTINCT order_id) FROM order_line", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
        let stored = Set(try cluster.psql("SELECT DISTINCT order_id FROM order_line", database: database).split(separator: "\n").map(String.init))
        let audited = Set(
            try cluster.psql("SELECT DISTINCT substr(detail, 7) FROM audit_event WHERE action = 'post order'", database: database)
                .split(separator: "\n").map(String.init))
        #expect(acknowledged.count >= Acknowledged.enoughToKill, "only \(acknowledged.count) orders were acknowledged before the kill")
        #expect(counts.count == 2 && counts[0] == counts[1], "order lines and distinct orders: \(counts) (a duplicated event)")
        #expect(acknowledged.orders.isSubset(of: stored), "\(acknowledged.orders.subtracting(stored).count) acknowledged orders were lost")
        #expect(
            stored == audited,
            "\(stored.subtracting(audited).count) stored orders without an audit record, \(audited.subtracting(stored).count) audited but not stored")
    }
}
