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
        // One streaming pass over the bytes (CLVData); its errors already name the file and line.
        let file: SummaryFile
        do {
            file = try SummaryFileReader.read(URL(fileURLWithPath: path))
        } catch {
            throw UserError(error.description)
        }
        if file.holdoutFrequency != nil, holdoutLength == nil {
            throw UserError("A holdout_frequency column needs --holdout-length (model time units).")
        }
        return CustomerTable(
            ids: file.ids ?? [], summaries: file.summaries, monetary: file.monetary, weights: file.weights,
            holdoutPurchases: file.holdoutFrequency,
            holdoutLength: file.holdoutFrequency.map { [Double](repeating: holdoutLength ?? 0, count: $0.count) })
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

/// `--orders FILE`: customers summarised from an order file in memory (no store), as `clv summary --orders` does.
struct OrderFileCustomerSource: CustomerSource {
    var input: OrderFileInput
    var end: CalendarDay?
    var holdoutEnd: CalendarDay?
    var unit: TimeUnit

    func load() async throws -> CustomerTable {
        let result = try input.summarise(end: end, holdoutEnd: holdoutEnd, unit: unit)
        guard !result.rows.isEmpty else { throw WorkflowError.noCustomers(before: result.window.calibrationEnd) }
        return try CustomerTable(rows: result.rows)
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

    @Option(help: ArgumentHelp("Order file to summarise in memory (no database), read with the options below.", valueName: "file"))
    var orders: String?

    @OptionGroup var layout: OrderFileOptions

    /// Customers come from the database unless a summary file or an order file is given.
    var usesDatabase: Bool { summary == nil && orders == nil }

    func validate() throws {
        if summary != nil, database.explicitPath != nil { throw ValidationError("Give either --db PATH or --summary FILE, not both.") }
        if summary != nil, orders != nil { throw ValidationError("Give either --summary FILE or --orders FILE, not both.") }
        try CLV.Summary.validateOrderFile(orders, layout: layout, database: database)
        if usesDatabase, end == nil {
            throw ValidationError("Reading the database needs --end YYYY-MM-DD (the end of the calibration window), or give --summary FILE.")
        }
    }

    func source(holdoutEnd: CalendarDay? = nil, holdoutLength: Double? = nil) -> any CustomerSource {
        if let summary { return SummaryFileSource(path: summary, holdoutLength: holdoutLength) }
        if let orders {
            return OrderFileCustomerSource(input: OrderFileInput(path: orders, layout: layout), end: end, holdoutEnd: holdoutEnd, unit: unit)
        }
        return DatabaseCustomerSource(database: database, end: end!, holdoutEnd: holdoutEnd, unit: unit)
    }
}

/// Every `--model` of the probabilistic commands: `learned` is left out (parsing it fails, help does not list it),
/// since learned models are fitted and used through `clv learn` and `clv explain`.
extension ModelKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard let kind = ModelKind(rawValue: argument), kind != .learned else { return nil }
        self = kind
    }

    public static var allValueStrings: [String] { allCases.filter { $0 != .learned }.map(\.rawValue) }
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
    return GeneralNumberFormat.string(v, significantDigits: digits)
}
