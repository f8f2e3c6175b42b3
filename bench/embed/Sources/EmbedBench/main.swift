// Usage: EmbedBench FILE [--batch-size N] [--threads N] [--repeat N] [--out EMBEDDINGS.f32]
// Embeds every line of FILE with all-MiniLM-L6-v2 and prints one JSON line with the best of N timed runs.
import CLVNumerics
import CLVText
import Foundation

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// Command-line options: `--name value` pairs and one positional FILE.
struct Options {
    var values: [String: String] = [:]
    var positional: [String] = []
    init(_ arguments: [String]) {
        var i = 0
        while i < arguments.count {
            if arguments[i].hasPrefix("--"), i + 1 < arguments.count {
                values[arguments[i]] = arguments[i + 1]
                i += 2
            } else {
                positional.append(arguments[i])
                i += 1
            }
        }
    }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap(Int.init) ?? fallback }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let batchSize = options.int("--batch-size", 32)
let threads = options.int("--threads", 2)
let repeats = options.int("--repeat", 3)
let outPath = options.values["--out"]
guard let path = options.positional.first, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: EmbedBench FILE [--batch-size N] [--threads N] [--repeat N] [--out FILE.f32]\n".utf8))
    exit(2)
}
let texts = text.split(separator: "\n").map(String.init)

let loadStart = DispatchTime.now()
let encoder = try SentenceEncoder(settings: .init(batchSize: batchSize, threads: threads))
// --blas-threads N: let OpenBLAS thread inside each call instead (for comparing the two strategies).
if let blasThreads = options.values["--blas-threads"].flatMap(Int.init) { BLAS.setThreadCount(blasThreads) }
let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart.uptimeNanoseconds) / 1e9

_ = try encoder.embed(Array(texts.prefix(64)))   // warm-up: page in the weights, start the threads
/// CPU seconds (user + system) this process has used so far, over all threads.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
var best = Double.infinity
var bestCPU = Double.infinity
var embeddings: [[Float]] = []
for _ in 0..<repeats {
    let start = DispatchTime.now()
    let cpuStart = cpuSeconds()
    embeddings = try encoder.embed(texts)
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    bestCPU = min(bestCPU, cpuSeconds() - cpuStart)
    blackHole(embeddings)
}
precondition(embeddings.count == texts.count && embeddings.allSatisfy { v in
    abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-3
}, "embeddings are not unit vectors")
if let outPath {
    var flat = embeddings.flatMap { $0 }
    let data = flat.withUnsafeMutableBytes { Data($0) }
    try data.write(to: URL(fileURLWithPath: outPath))
}
let tokens = texts.reduce(0) { $0 + encoder.tokenizer.encode($1).count }
print(#"{"texts": \#(texts.count), "tokens": \#(tokens), "seconds": \#(best), "texts_per_second": \#(Double(texts.count) / best), "cpu_seconds": \#(bestCPU), "load_seconds": \#(loadSeconds), "blas": "\#(BLAS.configuration)", "kernels": "\#(BLAS.coreName)"}"#)
