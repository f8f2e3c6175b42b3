import CLVTestSupport
import Foundation
import GRDB
import Testing

/// Keys, erasure and retention from the command line, checked in the database file itself.
@Suite struct PrivacyCommandTests {
    @Test func keysAreShownOnceAndStoredHashed() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        let created = try clv.run(["keys", "create", "--role", "analyst", "--label", "crm", "--db", db])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("clv_") && secret.count == 68)
        let stored = try DatabaseQueue(path: db).read { try String.fetchAll($0, sql: "SELECT secret_hash FROM api_key") }
        #expect(stored.count == 1)
        #expect(stored.first?.count == 64)
        #expect(stored.first != secret)
        let list = try clv.run(["keys", "list", "--db", db, "--format", "csv"])
        #expect(list.stdout.hasPrefix("id,prefix,role,label,created_at,revoked_at\n1,\(secret.prefix(10)),analyst,crm,"))
        #expect(!list.stdout.contains(secret))
        #expect(try clv.run(["keys", "revoke", "1", "--db", db]).status == 0)
        #expect(try clv.run(["keys", "revoke", "1", "--db", db]).status == 1)
        #expect(try clv.run(["keys", "create", "--role", "root", "--db", db]).status == 2)
    }

    @Test func eraseAndRetentionRemoveRowsAndAuditWithoutTheId() throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        #expect(try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db]).status == 0)

        let erase = try clv.run(["privacy", "erase", "17", "--db", db])
        #expect(erase.status == 0, "\(erase.stderr)")
        let (lines, days, customers, audit) = try DatabaseQueue(path: db).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM order_line WHERE customer_id = '17'"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customer_day WHERE customer_id = '17'"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE id = '17'"),
                try Row.fetchAll(db, sql: "SELECT actor, action, customer_hash FROM audit_event").map {
                    "\($0[0] as String) \($0[1] as String) \(($0[2] as String?)?.count ?? 0)"
                }
            )
        }
        #expect(lines == 0 && days == 0 && customers == 0)
        #expect(audit == ["cli erase 64"])
        #expect(try clv.run(["privacy", "erase", "17", "--db", db]).status == 1)

        // Keep one year before 1998-06-30: everything before 1997-06-30 goes, and customers left without orders.
        let retention = try clv.run(["privacy", "retention", "--older-than", "365d", "--as-of", "1998-06-30", "--db", db])
        #expect(retention.status == 0, "\(retention.stderr)")
        let (oldest, orphans, remaining) = try DatabaseQueue(path: db).read { db in
            (
                try String.fetchOne(db, sql: "SELECT date(min(day) * 86400, 'unixepoch') FROM order_line"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE id NOT IN (SELECT customer_id FROM customer_day)"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customer")
            )
        }
        #expect(oldest! >= "1997-06-30")
        #expect(orphans == 0)
        #expect(remaining! > 0 && remaining! < 2_356)
        #expect(try clv.run(["privacy", "retention", "--older-than", "soon", "--db", db]).status == 2)
    }
}
