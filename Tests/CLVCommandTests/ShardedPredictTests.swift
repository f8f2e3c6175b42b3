import CLVTestSupport
import Foundation
import GRDB
import Testing

/// `clv predict --shard i/n --save`: n processes at once score disjoint customers and write their scores back; the
/// union is what one unsharded run prints, on a SQLite file and on PostgreSQL.
@Suite struct ShardedPredictTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    static let window = ["--end", "1997-09-30", "--unit", "week"]

    @Test(arguments: Backend.allCases)
    func threeShardsAtOnceScoreEveryoneOnceAsOneRunDoes(_ backend: Backend) throws {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory("clv-shard")
        let cluster = backend == .postgres ? try PostgresCluster.shared() : nil
        let db = try cluster?.createDatabase() ?? folder.path("clv.sqlite")
        let environment = cluster?.environment ?? [:]
        func run(_ arguments: [String]) throws -> CLIRunner.Result {
            try clv.run(arguments + ["--db", db], environment: environment, in: folder.url)
        }
        let source = try TestData.cdnow("CDNOW_sample.txt").path
        let ingest = try run(["ingest", "orders", source, "--preset", "cdnow-sample"])
        try #require(ingest.status == 0, "\(ingest.stderr)")
        let predict = ["predict", "--model", "bgnbd", "--spend-model", "gg", "--horizon", "52", "--format", "csv"] + Self.window

        let unsaved = try run(predict + ["--save"])
        #expect(unsaved.status == 1 && unsaved.stderr.contains("clv fit --model bgnbd"), "\(unsaved.stderr)")
        #expect(unsaved.stderr.split(separator: "\n").count == 1, "\(unsaved.stderr)")
        for model in ["bgnbd", "gg"] {
            let fit = try run(["fit", "--model", model] + Self.window)
            try #require(fit.status == 0, "\(fit.stderr)")
        }
        let whole = try run(predict)
        try #require(whole.status == 0, "\(whole.stderr)")

        let outputs = (1...3).map { folder.url.appendingPathComponent("shard\($0).csv") }
        let processes = try (1...3).map { i in
            try Data().write(to: outputs[i - 1])
            return try clv.start(
                predict + ["--shard", "\(i)/3", "--save", "--db", db], environment: environment, in: folder.url,
                stdout: try FileHandle(forWritingTo: outputs[i - 1]))
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })

        let wholeLines = whole.stdout.split(separator: "\n").map(String.init)
        let header = wholeLines[0]
        var union: [String] = []
        var owners: [String: Int] = [:]
        for (i, output) in outputs.enumerated() {
            let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.first == header, "shard \(i + 1)'s header")
            let rows = lines.dropFirst()
            #expect(rows.count > 500, "shard \(i + 1) scored \(rows.count) of \(wholeLines.count - 1) customers")
            for row in rows { owners[String(row.prefix { $0 != "," }), default: 0] += 1 }
            union += rows
        }
        #expect(wholeLines.count - 1 == 2_357)
        #expect(owners.values.allSatisfy { $0 == 1 }, "a customer in two shards")
        #expect(union.sorted() == wholeLines.dropFirst().sorted(), "the shards' rows together are the unsharded run's")

        // What the shards wrote back: every customer once, the numbers the unsharded run printed.
        let stored = try storedScores(backend, db: db, cluster: cluster)
        let printed = Dictionary(
            uniqueKeysWithValues: wholeLines.dropFirst().map { line in
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return (fields[0], [fields[4], fields[5], fields[6], fields[7]])
            })
        #expect(stored.count == 2_357 && Set(stored.keys) == Set(printed.keys), "\(stored.count) stored scores")
        let differing = stored.filter { id, values in values.map { $0.map { String(format: "%.8g", $0) } ?? "" } != printed[id] }
        #expect(differing.isEmpty, "\(differing.count) stored scores differ from the printed ones, e.g. \(differing.first.map { "\($0)" } ?? "")")
    }

    @Test(arguments: ["0/3", "4/3", "a/b", "3", "1/0"])
    func aBadShardIsAnErrorSayingWhatToGive(_ shard: String) throws {
        let result = try CLIRunner().run(["predict", "--model", "bgnbd", "--horizon", "52", "--shard", shard] + Self.window)
        #expect(result.status == 2)
        let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.contains("--shard: '\(shard)' is not a shard: give i/n with whole numbers 1 ≤ i ≤ n"), "\(result.stderr)")
    }

    /// customer id -> expected purchases, P(alive), expected spend, CLV, as the store holds them.
    func storedScores(_ backend: Backend, db: String, cluster: PostgresCluster?) throws -> [String: [Double?]] {
        let sql = "SELECT customer_id, expected_purchases, p_alive, expected_spend, clv FROM customer_score"
        switch backend {
        case .sqlite:
            let rows = try DatabaseQueue(path: db).read { try Row.fetchAll($0, sql: sql) }
            return Dictionary(uniqueKeysWithValues: rows.map { (String($0[0] as String), [$0[1], $0[2], $0[3], $0[4]] as [Double?]) })
        case .postgres:
            // psql prints float8 in its shortest round-trip form, so the text reads back to the same bits.
            let text = try #require(cluster).psql(sql, database: String(db.split(separator: "/").last!))
            return Dictionary(
                uniqueKeysWithValues: text.split(separator: "\n").map { line in
                    let fields = line.split(separator: "|", omittingEmptySubsequences: false)
                    return (String(fields[0]), fields.dropFirst().map { Double($0) })
                })
        }
    }
}
