// FitBench: the optimiser's part of `clv fit --summary FILE`, timed inside one process.
//
//   FitBench fit bgnbd|pnbd IN.csv   — fit the customers of a summary CSV; prints JSON
//                                      {fit_seconds, params, distinct_rows, iterations, log_likelihood}
// run.sh times the whole `clv` process; this only tells how much of it the fit is. Reading here is not timed, so it
// is a plain String split (the values are the same correctly rounded doubles `clv` reads).
import CLVCore
import CLVModels
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func json(_ dict: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys]), as: UTF8.self)
}

let args = CommandLine.arguments
guard args.count == 4, args[1] == "fit" else { fatalError("usage: FitBench fit bgnbd|pnbd IN.csv") }
let text = try String(contentsOfFile: args[3], encoding: .utf8)
let lines = text.split(separator: "\n")
let header = lines[0].split(separator: ",").map(String.init)
let (f, r, t) = (header.firstIndex(of: "frequency")!, header.firstIndex(of: "recency")!, header.firstIndex(of: "T")!)
let customers = try lines.dropFirst().map { line in
    let v = line.split(separator: ",", omittingEmptySubsequences: false)
    return try CustomerSummary(frequency: Int(v[f])!, recency: Double(v[r])!, age: Double(v[t])!)
}
let start = now()
let (values, diagnostics): ([Double], FitDiagnostics)
if args[2] == "pnbd" {
    let m = try ParetoNBD.Estimator().fit(customers)
    (values, diagnostics) = (m.parameters.values, m.diagnostics)
} else {
    let m = try BGNBD.Estimator().fit(customers)
    (values, diagnostics) = (m.parameters.values, m.diagnostics)
}
print(json(["fit_seconds": now() - start, "params": values, "distinct_rows": diagnostics.distinctRows,
            "iterations": diagnostics.iterations, "log_likelihood": diagnostics.logLikelihood]))
