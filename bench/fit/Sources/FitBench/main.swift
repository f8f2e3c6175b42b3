// FitBench: generates simulated customers, and times CLVModels' fit and predictions on a summary CSV.
//
//   FitBench generate bgnbd|pnbd N OUT.csv SEED   — simulate N customers (daily resolution, weeks)
//   FitBench fit bgnbd|pnbd IN.csv                — fit; prints JSON {seconds, params, ...}
//   FitBench predict bgnbd IN.csv HORIZON         — fit, then time expected purchases + P(alive) for all rows
import CLVCore
import CLVModels
import Foundation

func readSummary(_ path: String) -> [CustomerSummary] {
    let text = try! String(contentsOfFile: path, encoding: .utf8)
    var out: [CustomerSummary] = []
    for line in text.split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",")
        out.append(try! CustomerSummary(frequency: Int(f[1])!, recency: Double(f[2])!, age: Double(f[3])!))
    }
    return out
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func json(_ dict: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys]), as: UTF8.self)
}

let args = CommandLine.arguments
switch args[1] {
case "generate":
    let n = Int(args[3])!
    var rng = SplitMix(state: UInt64(args[5])!)
    // First purchases spread over the first 26 weeks, observed to week 52, purchases on whole days.
    let simulator = PurchaseSimulator(observationEnd: 52, cohortLength: 26, resolution: 1.0 / 7)
    let customers = args[2] == "pnbd"
        ? simulator.simulate(ParetoNBD.Parameters(r: 0.5532, alpha: 10.577, s: 0.6062, beta: 11.668), customers: n, using: &rng)
        : simulator.simulate(BGNBD.Parameters(r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259), customers: n, using: &rng)
    var out = "customer_id,frequency,recency,T\n"
    for (i, c) in customers.enumerated() {
        out += "\(i),\(c.summary.frequency),\(c.summary.recency),\(c.summary.age)\n"
    }
    try! out.write(toFile: args[4], atomically: true, encoding: .utf8)
case "fit":
    let customers = readSummary(args[3])
    let start = now()
    let (values, diagnostics): ([Double], FitDiagnostics)
    if args[2] == "pnbd" {
        let m = try! ParetoNBD.Estimator().fit(customers)
        (values, diagnostics) = (m.parameters.values, m.diagnostics)
    } else {
        let m = try! BGNBD.Estimator().fit(customers)
        (values, diagnostics) = (m.parameters.values, m.diagnostics)
    }
    let seconds = now() - start
    print(json(["seconds": seconds, "params": values, "distinct_rows": diagnostics.distinctRows,
                "iterations": diagnostics.iterations, "log_likelihood": diagnostics.logLikelihood]))
case "predict":
    let customers = readSummary(args[3])
    let horizon = Double(args[4])!
    let model = try! BGNBD.Estimator().fit(customers)
    let start = now()
    let scores = AnyPurchaseModel.bgnbd(model).score(customers, horizon: horizon)
    let seconds = now() - start
    blackHole(scores)
    let total = scores.reduce(0) { $0 + $1.expectedPurchases }
    let alive = scores.reduce(0) { $0 + $1.probabilityAlive }
    print(json(["seconds": seconds, "sum_expected": total, "sum_p_alive": alive, "params": model.parameters.values]))
default:
    fatalError("usage: FitBench generate|fit|predict ...")
}
