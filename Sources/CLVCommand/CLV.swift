import ArgumentParser

/// The `clv` command-line tool: one subcommand per job, results on stdout, progress and logs on stderr.
@main
struct CLV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Customer lifetime value: ingest orders, summarise customers, fit models, predict, serve.",
        discussion: """
            Data lives in one SQLite file: --db PATH, else $CLV_DB, else ./clv.sqlite.
            Start with `clv ingest orders FILE --preset cdnow-sample`, then `clv summary --end YYYY-MM-DD`.
            """,
        version: "0.1.0",
        subcommands: [Generate.self]
    )
}
