// KMeansBench: CLVInsight's k-means on a CSV of features, timed inside one process.
//
//   KMeansBench --input FILE.csv --k 8 --restarts 10 [--max-iterations 300] [--tolerance 1e-4] [--seed 0] [--threads N]
//
// The same options as the hidden `clv kmeans-bench` command (when it exists). FILE has a header line and one row of
// numbers per line. Prints JSON {load_seconds, fit_seconds, inertia, iterations, rows, columns, threads} on stdout.
// OpenBLAS runs single-threaded (the k-means parallelises over row blocks itself), as scikit-learn limits BLAS
// inside its OpenMP loops.
import CLVInsight
import CLVNumerics
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else { fatalError("usage: KMeansBench --input FILE --k 8 --restarts 10") }
    options[String(name.dropFirst(2))] = value
}
guard let input = options["input"] else { fatalError("--input FILE is required") }
let k = Int(options["k"] ?? "8")!
let restarts = Int(options["restarts"] ?? "10")!
let maxIterations = Int(options["max-iterations"] ?? "300")!
let tolerance = Double(options["tolerance"] ?? "1e-4")!
let seed = UInt64(options["seed"] ?? "0")!
let parallelism = options["threads"].map { ParallelFor(threads: Int($0)!) } ?? .allCores

let loadStart = now()
let data = try Data(contentsOf: URL(fileURLWithPath: input))
var values: [Double] = []
var rows = 0
var columns = 0
data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
    let bytes = raw.bindMemory(to: CChar.self)
    var p = bytes.baseAddress!
    let end = p + bytes.count
    while p < end && p.pointee != 10 { p += 1 }  // header
    p += 1
    var field = 0
    while p < end {
        var next: UnsafeMutablePointer<CChar>?
        let v = strtod(p, &next)
        guard let stop = next, UnsafePointer(stop) != p else { break }
        values.append(v)
        field += 1
        p = UnsafePointer(stop)
        if p < end && p.pointee == 44 { p += 1 }  // ','
        if p < end && (p.pointee == 10 || p.pointee == 13) {
            while p < end && (p.pointee == 10 || p.pointee == 13) { p += 1 }
            if rows == 0 { columns = field }
            rows += 1
        }
    }
    if values.count > rows * columns { rows += 1 }
}
let x = try FeatureMatrix(rows: rows, columns: columns, elements: values)
let loadSeconds = now() - loadStart

BLAS.setThreadCount(1)
let start = now()
let result = try KMeans(clusterCount: k, restarts: restarts, maxIterations: maxIterations, tolerance: tolerance, parallelism: parallelism).fit(x, seed: seed)
let fitSeconds = now() - start
precondition(result.inertia.isFinite && result.assignments.count == rows)
let out: [String: Any] = [
    "load_seconds": loadSeconds, "fit_seconds": fitSeconds, "inertia": result.inertia, "iterations": result.iterations, "rows": rows,
    "columns": columns, "threads": parallelism.threads,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
