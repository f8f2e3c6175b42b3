// clv-recommend-bench: reads an interaction file, fits one recommender and prints its fit time and top-k
// metrics as one JSON line. bench/als/run.sh times this whole process against the `implicit` library reading
// the same file; tools/recommend/measure.sh uses it for the README tables.
import CLVCore
import CLVNumerics
import CLVRecommend
import Foundation

struct Options {
    var input = ""
    var test: String?
    var model = "als"
    var columns = ["user", "item"]
    var split = "none"
    var seed: UInt64 = 42
    var k = 10
    var factors = 64
    var regularization: Float = 0.01
    var alpha: Float = 1
    var iterations = 15
    var cgSteps = 3
    var threads = 2
    var learningRate: Float = 0.01
    var neighbours = 20
    var binary = false
    var allowRepurchase = false
    var validate = false
    var blendWeight: Float = 0.5
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

func parseOptions(_ arguments: [String]) throws -> Options {
    var options = Options()
    var index = 0
    func value() throws -> String {
        index += 1
        guard index < arguments.count else { throw UsageError(description: "\(arguments[index - 1]) needs a value") }
        return arguments[index]
    }
    func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
        let text = try value()
        guard let parsed = T(text) else { throw UsageError(description: "\(name): '\(text)' is not a number") }
        return parsed
    }
    while index < arguments.count {
        let flag = arguments[index]
        switch flag {
        case "--input": options.input = try value()
        case "--test": options.test = try value()
        case "--model": options.model = try value()
        case "--columns": options.columns = try value().split(separator: ",").map(String.init)
        case "--split": options.split = try value()
        case "--seed": options.seed = try number(flag)
        case "--k": options.k = try number(flag)
        case "--factors": options.factors = try number(flag)
        case "--regularization": options.regularization = try number(flag)
        case "--alpha": options.alpha = try number(flag)
        case "--iterations": options.iterations = try number(flag)
        case "--cg-steps": options.cgSteps = try number(flag)
        case "--threads": options.threads = try number(flag)
        case "--learning-rate": options.learningRate = try number(flag)
        case "--neighbours": options.neighbours = try number(flag)
        case "--binary": options.binary = true
        case "--allow-repurchase": options.allowRepurchase = true
        case "--validate": options.validate = true
        case "--blend-weight": options.blendWeight = try number(flag)
        default: throw UsageError(description: "unknown option \(flag)")
        }
        index += 1
    }
    guard !options.input.isEmpty else { throw UsageError(description: "--input FILE is required") }
    guard (2...4).contains(options.columns.count) else { throw UsageError(description: "--columns takes user,item[,count[,time]]") }
    return options
}

/// A delimited file's rows as (user, item, count, time) fields; the delimiter (tab or comma) is read off the header.
/// Works on the bytes: only the two identifier fields become strings.
func readTable(_ path: String, columns: [String]) throws -> [(String, String, Float, Int64)] {
    guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(description: "cannot read \(path)") }
    var rows: [(String, String, Float, Int64)] = []
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        let bytes = raw.bindMemory(to: UInt8.self)
        let newline = UInt8(ascii: "\n")
        var headerEnd = 0
        while headerEnd < bytes.count, bytes[headerEnd] != newline { headerEnd += 1 }
        let headerLine = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<headerEnd]), as: UTF8.self)
        let delimiter = headerLine.contains("\t") ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        let names = headerLine.split(separator: Character(UnicodeScalar(delimiter)), omittingEmptySubsequences: false).map {
            String($0.split(separator: ":").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let positions = try columns.map { name in
            guard let position = names.firstIndex(of: name) else { throw UsageError(description: "\(path): no column '\(name)' in \(names)") }
            return position
        }
        let last = positions.max()!
        var starts = [Int](repeating: 0, count: last + 2)
        var lineStart = headerEnd + 1
        var lineNumber = 1
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            var field = 0
            starts[0] = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != newline {
                if bytes[lineEnd] == delimiter, field <= last {
                    field += 1
                    starts[field] = lineEnd + 1
                }
                lineEnd += 1
            }
            var end = lineEnd
            if end > lineStart, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            defer { lineStart = lineEnd + 1 }
            if end == lineStart { continue }
            if field <= last { starts[field + 1] = end + 1 }
            guard field >= last else { throw UsageError(description: "\(path):\(lineNumber): fewer than \(last + 1) fields") }
            func text(_ position: Int) -> String {
                let stop = min(end, starts[position + 1] - 1)
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[starts[position]..<stop]), as: UTF8.self)
            }
            let count: Float
            if positions.count > 2 {
                guard let parsed = Float(text(positions[2])), parsed.isFinite else {
                    throw UsageError(description: "\(path):\(lineNumber): count '\(text(positions[2]))' is not a number")
                }
                count = parsed
            } else {
                count = 1
            }
            let time = positions.count > 3 ? Int64(Double(text(positions[3])) ?? 0) : 0
            rows.append((text(positions[0]), text(positions[1]), count, time))
        }
    }
    return rows
}

func splitLog(_ log: [Interaction], _ spec: String, seed: UInt64) throws -> ([Interaction], [Interaction]) {
    let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
    switch (parts.first ?? "", parts.count > 1 ? parts[1] : "") {
    case ("stratified", let fraction):
        guard let f = Double(fraction), f > 0, f < 1 else { throw UsageError(description: "--split stratified:FRACTION, e.g. stratified:0.8") }
        return InteractionSplit.stratified(log, trainFraction: f, seed: seed)
    case ("time", let date):
        guard let t = Int64(date) else { throw UsageError(description: "--split time:T needs an integer time in the file's units") }
        return InteractionSplit.time(log, splitAt: t)
    case ("last", let k):
        guard let n = Int(k), n > 0 else { throw UsageError(description: "--split last:K needs K >= 1") }
        return InteractionSplit.leaveLast(log, k: n)
    default:
        throw UsageError(description: "--split is none, stratified:FRACTION, time:T or last:K, not '\(spec)'")
    }
}

func run() throws {
    let options = try parseOptions(Array(CommandLine.arguments.dropFirst()))
    let clock = ContinuousClock()
    let started = clock.now
    var users = IndexMap<String>()
    var items = IndexMap<String>()
    let trainRows = try readTable(options.input, columns: options.columns)
    var log = trainRows.map { row in
        Interaction(user: users.index(inserting: row.0), item: items.index(inserting: row.1), value: row.2, timestamp: row.3)
    }
    var testLog: [Interaction] = []
    if let test = options.test {
        for row in try readTable(test, columns: options.columns) {
            guard let u = users.index(of: row.0), let i = items.index(of: row.1) else { continue }
            testLog.append(Interaction(user: u, item: i, value: row.2, timestamp: row.3))
        }
    } else if options.split != "none" {
        (log, testLog) = try splitLog(log, options.split, seed: options.seed)
    }
    if options.validate {
        // Tune on the training part only: split it again the same way (a different seed) and hold out that part.
        guard options.split != "none" else { throw UsageError(description: "--validate needs --split") }
        (log, testLog) = try splitLog(log, options.split, seed: options.seed &+ 1)
    }
    // --binary after netting, so that a fully returned product counts as not bought.
    let netted = SparseMatrix(rows: users.count, columns: items.count, entries: log)
    let train = options.binary ? netted.mapValues { _ in 1 } : netted
    let test = SparseMatrix(rows: users.count, columns: items.count, entries: testLog)
    let read = clock.now
    var iterationsRun = 0
    let model: any Recommender
    switch options.model {
    case "als":
        let estimator = ALSEstimator(
            factors: options.factors, regularization: options.regularization, alpha: options.alpha, iterations: options.iterations,
            conjugateGradientSteps: options.cgSteps, threads: options.threads, seed: options.seed)
        model = estimator.fit(train)
        iterationsRun = options.iterations
    case "bpr":
        let estimator = BPREstimator(
            factors: options.factors, learningRate: options.learningRate, regularization: options.regularization, iterations: options.iterations,
            threads: options.threads, seed: options.seed)
        model = estimator.fit(train)
        iterationsRun = options.iterations
    case "knn-cosine", "knn-bm25", "knn-tfidf":
        let weighting: NeighbourWeighting =
            switch options.model {
            case "knn-cosine": .cosine
            case "knn-bm25": .bm25(k1: 1.2, b: 0.75)
            default: .tfidf
            }
        model = ItemKNNEstimator(weighting: weighting, neighbours: options.neighbours, threads: options.threads).fit(train)
    case "popularity":
        model = PopularityModel(fitting: train)
    case "hybrid":
        // ALS (the options' settings) weighted --blend-weight, item-kNN cosine the rest.
        let als = ALSEstimator(
            factors: options.factors, regularization: options.regularization, alpha: options.alpha, iterations: options.iterations,
            conjugateGradientSteps: options.cgSteps, threads: options.threads, seed: options.seed
        ).fit(train)
        let knn = ItemKNNEstimator(weighting: .cosine, neighbours: options.neighbours, threads: options.threads).fit(train)
        model = BlendedRecommender([(als, options.blendWeight), (knn, 1 - options.blendWeight)])
    default:
        throw UsageError(description: "--model is als, bpr, knn-cosine, knn-bm25, knn-tfidf, popularity or hybrid, not '\(options.model)'")
    }
    let fitted = clock.now
    let metrics = RecommenderEvaluation.evaluate(
        model, train: train, test: test, k: options.k, filter: ItemFilter(allowRepurchase: options.allowRepurchase), threads: options.threads)
    let evaluated = clock.now
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    let fitSeconds = seconds(fitted - read)
    var fields: [(String, String)] = [
        ("model", "\"\(options.model)\""), ("users", "\(train.rows)"), ("items", "\(train.columns)"), ("train_nnz", "\(train.nonZeroCount)"),
        ("test_nnz", "\(test.nonZeroCount)"), ("read_seconds", String(format: "%.4f", seconds(read - started))),
        ("fit_seconds", String(format: "%.4f", fitSeconds)),
    ]
    if iterationsRun > 0 { fields.append(("seconds_per_iteration", String(format: "%.5f", fitSeconds / Double(iterationsRun)))) }
    fields += [
        ("evaluate_seconds", String(format: "%.4f", seconds(evaluated - fitted))), ("k", "\(metrics.k)"), ("evaluated_users", "\(metrics.users)"),
        ("precision", String(format: "%.4f", metrics.precision)), ("recall", String(format: "%.4f", metrics.recall)),
        ("ndcg", String(format: "%.4f", metrics.ndcg)), ("map", String(format: "%.4f", metrics.map)), ("coverage", String(format: "%.4f", metrics.coverage)),
    ]
    print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
}

// As `clv` does: CLVKit parallelises itself, so OpenBLAS stays on one thread (process-wide, set once here).
BLAS.setThreadCount(1)
do {
    try run()
} catch {
    FileHandle.standardError.write(Data("clv-recommend-bench: \(error)\n".utf8))
    exit(1)
}
