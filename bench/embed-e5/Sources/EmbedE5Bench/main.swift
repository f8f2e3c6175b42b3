// Usage: EmbedE5Bench FILE BATCH THREADS REPEAT [OUT.f32]
// Embeds every line of FILE with multilingual-e5-small as queries, BATCH texts per call (1: one at a time) on
// THREADS threads, and prints one JSON line with the best of REPEAT timed runs; OUT gets the vectors (float32).
import CLVText
import Foundation

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 4, let batchSize = Int(arguments[1]), let threads = Int(arguments[2]), let repeats = Int(arguments[3]),
      let text = try? String(contentsOfFile: arguments[0], encoding: .utf8)
else {
    FileHandle.standardError.write(Data("usage: EmbedE5Bench FILE BATCH THREADS REPEAT [OUT.f32]\n".utf8))
    exit(2)
}
let role = EmbeddingRole.query
let texts = text.split(separator: "\n").map(String.init)

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
if arguments.count > 4 {
    let out = arguments[4]
    var flat = embeddings.flatMap { $0 }
    try flat.withUnsafeMutableBytes { Data($0) }.write(to: URL(fileURLWithPath: out))
}
let tokens = texts.reduce(0) { $0 + encoder.tokenizer.windows($1, role: role).reduce(0) { $0 + $1.count } }
print(#"{"texts": \#(texts.count), "tokens": \#(tokens), "batch": \#(batchSize), "seconds": \#(best), "texts_per_second": \#(Double(texts.count) / best), "cpu_seconds": \#(bestCPU)}"#)
