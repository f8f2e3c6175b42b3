// Usage: EmbedE5Bench FILE [--batch-size N] [--threads N] [--repeat N] [--role query|passage] [--out FILE.f32]
// Embeds every line of FILE with multilingual-e5-small, one text per call (--batch-size 1) or N texts per call,
// and prints one JSON line with the best of --repeat timed runs.
import CLVText
import Foundation

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// `--name value` pairs and positional arguments.
func parse(_ arguments: [String]) -> (values: [String: String], positional: [String]) {
    var values: [String: String] = [:], positional: [String] = []
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
    return (values, positional)
}
let (values, positional) = parse(Array(CommandLine.arguments.dropFirst()))
let int = { (name: String, fallback: Int) in values[name].flatMap(Int.init) ?? fallback }
let batchSize = int("--batch-size", 32), threads = int("--threads", 2), repeats = int("--repeat", 3)
let role = EmbeddingRole(rawValue: values["--role"] ?? "query") ?? .query
guard let path = positional.first, let text = try? String(contentsOfFile: path, encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: EmbedE5Bench FILE [--batch-size N] [--threads N] [--repeat N] [--role R] [--out F]\n".utf8))
    exit(2)
}
let texts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }

let encoder = try E5SentenceEncoder(settings: .init(threads: threads))
_ = try encoder.embed(Array(texts.prefix(8)), role: role)   // warm-up: page in the weights

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
var best = Double.infinity, bestCPU = Double.infinity
var embeddings: [[Float]] = []
for _ in 0..<repeats {
    let start = DispatchTime.now()
    let cpuStart = cpuSeconds()
    embeddings = []
    for first in stride(from: 0, to: texts.count, by: batchSize) {
        embeddings += try encoder.embed(Array(texts[first..<min(texts.count, first + batchSize)]), role: role)
    }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    bestCPU = min(bestCPU, cpuSeconds() - cpuStart)
    blackHole(embeddings)
}
precondition(embeddings.count == texts.count && embeddings.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-3 },
             "embeddings are not unit vectors")
if let out = values["--out"] {
    var flat = embeddings.flatMap { $0 }
    try flat.withUnsafeMutableBytes { Data($0) }.write(to: URL(fileURLWithPath: out))
}
let tokens = texts.reduce(0) { $0 + encoder.tokenizer.windows($1, role: role).reduce(0) { $0 + $1.count } }
print(#"{"texts": \#(texts.count), "tokens": \#(tokens), "batch": \#(batchSize), "seconds": \#(best), "texts_per_second": \#(Double(texts.count) / best), "cpu_seconds": \#(bestCPU)}"#)
