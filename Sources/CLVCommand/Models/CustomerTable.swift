import ArgumentParser
import CLVCore
import CLVModels
import Foundation

/// Customers as the model commands take them: summaries plus optional ids, spend, weights and holdout counts.
///
/// This is the seam between the data layer and the models: `--summary FILE` fills it from a CSV now; the
/// `--db/--end/--unit` path fills it from `CLVData` (see ``DatabaseCustomerSource``).
struct CustomerTable {
    var ids: [CustomerID]
    var summaries: [CustomerSummary]
    var monetary: [Double]?
    var weights: [Double]?
    /// Purchases in the holdout period and its length per customer (model time units), for `clv evaluate`.
    var holdoutPurchases: [Int]?
    var holdoutLength: [Double]?
}

/// Where the customers come from.
protocol CustomerSource {
    func load() throws -> CustomerTable
}

/// `--summary FILE`: a CSV with a header and columns `frequency,recency,T`, optionally `customer_id`,
/// `monetary_value`, `weight`, and for evaluation `holdout_frequency` (with `--holdout-length`).
struct SummaryFileSource: CustomerSource {
    var path: String
    var holdoutLength: Double?

    func load() throws -> CustomerTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw UserError("Cannot read the summary file \(path): check the path.")
        }
        var lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw UserError("The summary file \(path) is empty: it needs a header frequency,recency,T.") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { columns.firstIndex(of: $0) }.first }
        guard let fCol = column("frequency", "x"), let rCol = column("recency", "t_x"), let tCol = column("t", "age", "periods") else {
            throw UserError("The summary file \(path) needs columns frequency,recency,T (found: \(columns.joined(separator: ","))).")
        }
        let idCol = column("customer_id", "id"), mCol = column("monetary_value", "zbar"), wCol = column("weight", "weights")
        let hCol = column("holdout_frequency", "frequency_holdout")
        var table = CustomerTable(ids: [], summaries: [], monetary: mCol == nil ? nil : [], weights: wCol == nil ? nil : [],
                                  holdoutPurchases: hCol == nil ? nil : [], holdoutLength: hCol == nil ? nil : [])
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func number(_ c: Int, _ name: String) throws -> Double {
                guard c < f.count, let v = Double(f[c]), v.isFinite else {
                    throw UserError("\(path):\(lineNumber): \(name) is not a number.")
                }
                return v
            }
            let x = try number(fCol, "frequency")
            guard x >= 0, x == x.rounded() else { throw UserError("\(path):\(lineNumber): frequency must be a whole number ≥ 0.") }
            do {
                table.summaries.append(try CustomerSummary(frequency: Int(x), recency: number(rCol, "recency"), age: number(tCol, "T")))
            } catch let error as SummaryError {
                throw UserError("\(path):\(lineNumber): \(error.description).")
            }
            table.ids.append(CustomerID(idCol.flatMap { $0 < f.count ? f[$0] : nil } ?? String(lineNumber - 1)))
            if let mCol { table.monetary!.append(try number(mCol, "monetary_value")) }
            if let wCol { table.weights!.append(try number(wCol, "weight")) }
            if let hCol {
                table.holdoutPurchases!.append(Int(try number(hCol, "holdout_frequency")))
                guard let holdoutLength else { throw UserError("A holdout_frequency column needs --holdout-length (model time units).") }
                table.holdoutLength!.append(holdoutLength)
            }
        }
        guard !table.summaries.isEmpty else { throw UserError("The summary file \(path) has no customer rows.") }
        return table
    }
}

/// `--db PATH --end DATE --unit U`: customers summarised by the data layer.
///
/// SEAM for the lead: build the ``CustomerTable`` from `CLVData`'s per-customer summaries (calibration through
/// `end`, holdout through `holdoutEnd`) and save fits as model runs; nothing else in the model commands changes.
struct DatabaseCustomerSource: CustomerSource {
    var path: String
    var end: String?
    var holdoutEnd: String?
    var unit: TimeUnit

    func load() throws -> CustomerTable {
        throw UserError("--db is not wired to the models in this build yet: export a summary and use --summary FILE.")
    }
}

/// Options shared by the model commands to pick the data.
struct DataOptions: ParsableArguments {
    @Option(help: "SQLite database with ingested orders (the data layer summarises it).")
    var db: String?

    @Option(help: ArgumentHelp("End of the calibration window, YYYY-MM-DD (with --db).", valueName: "date"))
    var end: String?

    @Option(help: "Time unit of recency, T and horizons: day, week or month.")
    var unit: TimeUnit = .week

    @Option(help: ArgumentHelp("CSV with frequency,recency,T and optional customer_id,monetary_value,weight.", valueName: "file"))
    var summary: String?

    func validate() throws {
        guard (db == nil) != (summary == nil) else { throw ValidationError("Give exactly one of --db PATH or --summary FILE.") }
        if db != nil, end == nil { throw ValidationError("--db needs --end YYYY-MM-DD (the end of the calibration window).") }
    }

    func source(holdoutEnd: String? = nil, holdoutLength: Double? = nil) -> any CustomerSource {
        if let summary { return SummaryFileSource(path: summary, holdoutLength: holdoutLength) }
        return DatabaseCustomerSource(path: db ?? "", end: end, holdoutEnd: holdoutEnd, unit: unit)
    }
}

extension TimeUnit: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}

/// Output formats of the model commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

/// Writes text to standard output.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Writes progress to standard error.
func progress(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// JSON text of an encodable value, keys sorted.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A number formatted for tables and CSV.
func formatted(_ v: Double, _ digits: Int = 6) -> String {
    guard v.isFinite else { return v.isNaN ? "" : (v > 0 ? "inf" : "-inf") }
    return String(format: "%.\(digits)g", v)
}

/// A user error found while running a command (bad file, unusable data): ArgumentParser prints
/// "Error: <message>" and exits with code 1.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
