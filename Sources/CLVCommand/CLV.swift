import ArgumentParser
import CLVNumerics
import Foundation

/// The `clv` command-line tool: one subcommand per job, results on stdout, progress and logs on stderr.
///
/// Exit codes: 0 success, 1 a failure the user can fix (one line saying how), 2 misuse (bad flags or arguments).
@main
struct CLV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Customer lifetime value: ingest orders, summarise customers, fit models, predict, serve.",
        discussion: """
            Data lives in one SQLite file: --db PATH, else $CLV_DB, else ./clv.sqlite.
            Start with `clv ingest orders FILE --preset cdnow-sample`, then `clv summary --end 1997-09-30 --unit week`.
            """,
        version: "0.1.0",
        subcommands: [
            Ingest.self, Summary.self, Fit.self, Predict.self, Evaluate.self, Segments.self, Simulate.self, Serve.self, Keys.self, Privacy.self, Embed.self,
            Generate.self, Cohorts.self, Topics.self, Profile.self, Sentiment.self, Plot.self, Learn.self, Explain.self, Recommend.self, KB.self, Intent.self,
            Assist.self, Finetune.self,
        ]
    )

    static func main() async {
        // CLVKit parallelises over independent work itself (ParallelFor, the decoder's worker pool): OpenBLAS
        // threads inside each call would only oversubscribe the cores (implicit warns of the same). Process-wide,
        // so set here, by the executable, once.
        BLAS.setThreadCount(1)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            terminate(with: error)
        }
    }

    /// Maps errors to the documented exit codes: usage errors 2 with ArgumentParser's message, help and version 0,
    /// everything else 1 with a one-line message.
    static func terminate(with error: any Error) -> Never {
        let code = exitCode(for: error)
        if code == .success || error is ExitCode { exit(withError: error) }
        if code == .validationFailure {
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        FileHandle.standardError.write(Data("clv: error: \(String(describing: error))\n".utf8))
        Foundation.exit(1)
    }
}
