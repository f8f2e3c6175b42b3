import ArgumentParser
import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation

/// Where the customers come from.
protocol CustomerSource {
    func load() async throws -> CustomerTable
}

/// `--summary FILE`: a CSV with a header and columns `frequency,recency,T`, optionally `customer_id`,
/// `monetary_value`, `weight`, and for evaluation `holdout_frequency` (with `--holdout-length`).
struct SummaryFileSource: CustomerSource {
    var path: String
    var holdoutLength: Double?

    func load() async throws -> CustomerTable {
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
        var table = CustomerTable(
            ids: [], summaries: [], monetary: mCol == nil ? nil : [], weights: wCol == nil ? nil : [],
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

/// `--db PATH --end DATE --unit U`: customers summarised by the store, through the workflow.
struct DatabaseCustomerSource: CustomerSource {
    var database: DatabaseOptions
    var end: CalendarDay
    var holdoutEnd: CalendarDay?
    var unit: TimeUnit

    func load() async throws -> CustomerTable {
        try await Workflow(store: database.openExisting()).customers(SummaryWindow(calibrationEnd: end, holdoutEnd: holdoutEnd, unit: unit))
    }
}

/// Options shared by the model commands to pick the data.
struct DataOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("End of the calibration window (with the database).", valueName: "YYYY-MM-DD"))
    var end: CalendarDay?

    @Option(help: "Time unit of recency, T and horizons: day, week or month.")
    var unit: TimeUnit = .week

    @Option(help: ArgumentHelp("CSV with frequency,recency,T and optional customer_id,monetary_value,weight.", valueName: "file"))
    var summary: String?

    /// Customers come from the database unless a summary file is given.
    var usesDatabase: Bool { summary == nil }

    func validate() throws {
        if summary != nil, database.explicitPath != nil { throw ValidationError("Give either --db PATH or --summary FILE, not both.") }
        if usesDatabase, end == nil {
            throw ValidationError("Reading the database needs --end YYYY-MM-DD (the end of the calibration window), or give --summary FILE.")
        }
    }

    func source(holdoutEnd: CalendarDay? = nil, holdoutLength: Double? = nil) -> any CustomerSource {
        if let summary { return SummaryFileSource(path: summary, holdoutLength: holdoutLength) }
        return DatabaseCustomerSource(database: database, end: end!, holdoutEnd: holdoutEnd, unit: unit)
    }
}

extension ModelKind: ExpressibleByArgument {}

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
