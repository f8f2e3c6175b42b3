import CLVTestSupport
import Foundation
import Testing

/// `clv … --db postgres://…` as a user runs it, against a throwaway cluster: the same answers as on a SQLite file.
@Suite struct PostgresCommandTests {
    @Test func ingestSummaryFitPredictGiveTheSameOutputAsSQLite() throws {
        let clv = try CLIRunner()
        let cluster = try PostgresCluster.shared()
        let folder = try TemporaryDirectory()
        let postgres = try cluster.createDatabase(), sqlite = folder.path("clv.sqlite")
        let source = try TestData.cdnow("CDNOW_sample.txt").path
        let window = ["--end", "1997-09-30", "--unit", "week"]
        let commands: [[String]] = [
            ["summary", "--holdout-end", "1998-06-30", "--format", "csv"] + window,
            ["fit", "--model", "bgnbd"] + window,
            ["fit", "--model", "gg"] + window,
            ["predict", "--model", "bgnbd", "--spend-model", "gg", "--horizon", "52", "--format", "csv"] + window,
        ]
        var outputs: [String: [String]] = [:]
        for db in [sqlite, postgres] {
            let ingest = try clv.run(["ingest", "orders", source, "--preset", "cdnow-sample", "--db", db], environment: cluster.environment, in: folder.url)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(ingest.stdout.contains("imported") && ingest.stdout.contains("6,919"), "\(ingest.stdout)")
            for command in commands {
                let result = try clv.run(command + ["--db", db], environment: cluster.environment, in: folder.url)
                #expect(result.status == 0, "\(command): \(result.stderr)")
                outputs[db, default: []].append(result.stdout)
            }
        }
        #expect(outputs[postgres]?.first?.split(separator: "\n").count == 2_358)
        #expect(outputs[postgres] == outputs[sqlite])
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("postgres:").path), "a URL became a file path")
    }

    @Test func aPostgresFailureIsOneLineThatSaysWhatToDo() throws {
        let clv = try CLIRunner()
        let cluster = try PostgresCluster.shared()
        let missing = try clv.run(["summary", "--db", cluster.url(database: "no_such_db")], environment: cluster.environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("there is no database no_such_db") && missing.stderr.contains("createdb"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        let database = try cluster.createDatabase()
        let wrong = try clv.run(["summary", "--db", database], environment: ["PGPASSWORD": "wrong", "PGPASSFILE": "/nonexistent"])
        #expect(wrong.status == 1 && wrong.stderr.contains("PGPASSWORD"), "\(wrong.stderr)")
        let port = try PostgresCluster.freePort()
        let down = try clv.run(["summary", "--db", "postgres://clv@127.0.0.1:\(port)/db"])
        #expect(down.status == 1 && down.stderr.contains("no PostgreSQL server answers"), "\(down.stderr)")
        #expect(down.stderr.split(separator: "\n").count == 1, "\(down.stderr)")
    }
}
