import CLVCore
import CLVData
import Foundation

/// `--orders FILE` with its layout options: summaries straight from an order file, without a store.
struct OrderFileInput {
    var path: String
    var layout: OrderFileOptions

    /// The file's customer summaries for the window; unusable lines are skipped with one warning on stderr.
    /// - Throws: ``UserError`` (one line) for a missing file, a missing column or a file with no usable line.
    func summarise(end: CalendarDay?, holdoutEnd: CalendarDay?, unit: TimeUnit) throws -> OrderFileSummary.Result {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw UserError("No file at \(path): check the path.")
        }
        guard let format = layout.format(for: path) else {
            throw UserError("--orders reads delimited order files; import --preset \(layout.preset?.rawValue ?? "") files with clv ingest orders.")
        }
        let result: OrderFileSummary.Result
        do {
            result = try OrderFileSummary.summarise(file: URL(fileURLWithPath: path), format: format, end: end, holdoutEnd: holdoutEnd, unit: unit)
        } catch let error as IngestError {
            throw UserError(error.description)
        }
        if let first = result.firstRejection {
            let reasons = result.rejectedReasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            progress("Skipped \(result.rejected) of \(result.linesRead) lines (\(reasons)); the first: \(first)")
        }
        return result
    }
}
