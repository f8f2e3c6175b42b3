import CLVCore
import CLVNumerics
import Foundation

/// Customers read from a summary CSV (lifetimes' `frequency,recency,T` layout), one entry per data row or, when
/// compressed, per distinct row.
public struct SummaryFile: Sendable, Equatable {
    /// Customer ids (the `customer_id` column, else the 1-based data row number); nil when compressed.
    public var ids: [CustomerID]?
    /// Validated (x, tₓ, T) per row.
    public var summaries: [CustomerSummary]
    /// The `monetary_value` column, when the file has one.
    public var monetary: [Double]?
    /// The `weight` column; when compressed, the summed weights (or counts) of the rows each entry stands for.
    public var weights: [Double]?
    /// The `holdout_frequency` column, when the file has one (nil when compressed).
    public var holdoutFrequency: [Int]?
    /// Data rows read from the file (before any compression).
    public var rowCount: Int
}

/// Why a summary file could not be read: one line, naming the file and, for a bad row, its line.
public struct SummaryFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Reads summary CSVs in one streaming pass over the bytes, with no `String` per field.
///
/// Columns are found by header name, case-insensitively: `frequency` (or `x`), `recency` (`t_x`), `T` (`age`,
/// `periods`), and optionally `customer_id` (`id`), `monetary_value` (`zbar`), `weight` (`weights`) and
/// `holdout_frequency` (`frequency_holdout`); other columns (such as the unnamed index pandas writes) are ignored.
/// Numbers are parsed correctly rounded (``FieldParsing/decimal(_:)``), so the values equal what pandas reads.
public enum SummaryFileReader {
    /// What to keep of each row.
    public enum Layout: Sendable, Equatable {
        /// Every row with its id and holdout count, in file order.
        case rows
        /// Identical (x, tₓ, T[, monetary]) rows merged into one entry whose weight is their summed weight (1 each
        /// without a weight column), in order of first appearance: memory grows with the distinct rows, not the
        /// file. For fitting, where a likelihood is a weighted sum over rows.
        case compressed
    }

    /// Reads `url`.
    ///
    /// Rows layout, files of 8 MiB and more: the two halves (split at a line end) are parsed at once on two cores,
    /// unless the first half has a quoted field (one could hold the line end split at), then all in one pass.
    /// - Throws: ``SummaryFileError`` when the file cannot be read, lacks a required column or has no data row, or
    ///   a row has a missing or non-numeric value, a fractional or negative frequency, a negative or non-finite
    ///   weight, or fails ``CustomerSummary``'s checks (tₓ ≤ T, …).
    public static func read(_ url: URL, layout: Layout = .rows) throws(SummaryFileError) -> SummaryFile {
        let path = url.path
        do {
            var reader: DelimitedReader
            do {
                reader = try DelimitedReader(url: url, separator: comma)
            } catch {
                throw SummaryFileError("Cannot read the summary file \(path): check the path.")
            }
            guard try nextNonEmptyRecord(&reader) else {
                throw SummaryFileError("The summary file \(path) is empty: it needs a header frequency,recency,T.")
            }
            let columns = try Columns(header: headerNames(reader), path: path)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            var file: SummaryFile
            if layout == .rows, size >= 8 << 20,
                let halves = try readInHalves(url, columns: columns, from: reader.bytesConsumed, size: size, headerLines: reader.linesConsumed, path: path)
            {
                file = halves
            } else {
                var rows = Accumulator(columns: columns, layout: layout)
                do {
                    try parse(&reader, columns: columns, layout: layout, into: &rows, bytes: size)
                } catch let error as RowError {
                    throw error.inFile(path, lineOffset: 0)
                }
                file = rows.finished()
            }
            guard file.rowCount > 0 else { throw SummaryFileError("The summary file \(path) has no customer rows.") }
            return file
        } catch let error as SummaryFileError {
            throw error
        } catch {
            throw SummaryFileError("Cannot read the summary file \(path): \(error.localizedDescription).")
        }
    }

    static let comma = DelimitedReader.Separator.byte(UInt8(ascii: ","))

    /// A bad row: its line (as the reader counts) and what is wrong.
    struct RowError: Error {
        var line: Int
        var message: String

        func inFile(_ path: String, lineOffset: Int) -> SummaryFileError {
            SummaryFileError("\(path):\(line + lineOffset): \(message).")
        }
    }

    /// One half of a file, parsed on its own.
    private struct Half {
        var rows: Accumulator
        var lines = 0
        var sawQuote = false
        var rowError: RowError?
        var failure: (any Error)?

        init(_ url: URL, _ range: Range<Int>, columns: Columns, reserving bytes: Int) {
            rows = Accumulator(columns: columns, layout: .rows)
            do {
                var reader = try DelimitedReader(url: url, separator: comma, range: range)
                do {
                    try parse(&reader, columns: columns, layout: .rows, into: &rows, bytes: bytes)
                } catch let error as RowError {
                    rowError = error
                }
                lines = reader.linesConsumed
                sawQuote = reader.sawQuote
            } catch {
                failure = error
            }
        }
    }

    /// The data rows from byte `start` on, in two halves at once; nil when the file must be read in one pass.
    private static func readInHalves(
        _ url: URL, columns: Columns, from start: Int, size: Int, headerLines: Int, path: String
    ) throws -> SummaryFile? {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let middle = start + (size - start) / 2
        try handle.seek(toOffset: UInt64(middle))
        guard let window = try handle.read(upToCount: 1 << 16), let newline = window.firstIndex(of: UInt8(ascii: "\n")) else {
            return nil
        }
        let boundary = middle + (newline - window.startIndex) + 1
        let ranges = [start..<boundary, boundary..<size]
        var halves = [Half?](repeating: nil, count: 2)
        halves.withUnsafeMutableBufferPointer { out in
            ParallelFor.allCores.run(count: 2) { k in
                // The first half makes room for both, so appending the second copies only the second.
                out[k] = Half(url, ranges[k], columns: columns, reserving: k == 0 ? size - start : ranges[k].count)
            }
        }
        guard var first = halves[0], let second = halves[1] else { return nil }
        // Only `first` holds its arrays now, so appending to them does not copy them.
        halves = []
        if let failure = first.failure { throw failure }
        // The line end split at could sit inside a quoted field of the first half.
        if first.sawQuote { return nil }
        if let error = first.rowError { throw error.inFile(path, lineOffset: headerLines) }
        if let failure = second.failure { throw failure }
        if let error = second.rowError { throw error.inFile(path, lineOffset: headerLines + first.lines) }
        first.rows.append(contentsOf: second.rows)
        return first.rows.finished()
    }

    /// Parses the data rows of `reader` into `rows`; `bytes` (the size of what it reads) sizes the arrays.
    private static func parse(
        _ reader: inout DelimitedReader, columns: Columns, layout: Layout, into rows: inout Accumulator, bytes: Int
    ) throws {
        var reserved = false
        while try nextNonEmptyRecord(&reader) {
            if !reserved, layout == .rows {
                // Room for as many rows as the file holds lines like the first: growing a million-row array by
                // doubling copies it and touches fresh memory several times over.
                rows.reserve(bytes / Swift.max(16, reader.recordRange.count + 1) + 16)
                reserved = true
            }
            let line = reader.lineNumber
            func number(_ column: Int, _ name: String) throws(RowError) -> Double {
                guard column < reader.fields.count, let v = reader.withField(column, FieldParsing.decimal) else {
                    throw RowError(line: line, message: "\(name) is not a number")
                }
                return v
            }
            func count(_ column: Int, _ name: String) throws(RowError) -> Int {
                let v = try number(column, name)
                // Bounded well inside Int so the conversion cannot trap.
                guard v >= 0, v == v.rounded(), v < 1e15 else {
                    throw RowError(line: line, message: "\(name) must be a whole number ≥ 0")
                }
                return Int(v)
            }
            let summary: CustomerSummary
            do {
                summary = try CustomerSummary(
                    frequency: count(columns.frequency, "frequency"), recency: number(columns.recency, "recency"),
                    age: number(columns.age, "T"))
            } catch let error as SummaryError {
                throw RowError(line: line, message: error.description)
            }
            let monetary = try columns.monetary.map { (c) throws(RowError) in try number(c, "monetary_value") }
            let weight = try columns.weight.map { (c) throws(RowError) in try number(c, "weight") }
            if let weight, weight < 0 { throw RowError(line: line, message: "weight must be a number ≥ 0") }
            switch layout {
            case .rows:
                let id = columns.id.flatMap { $0 < reader.fields.count ? reader.withField($0, Self.id) : nil }
                let holdout = try columns.holdout.map { (c) throws(RowError) in try count(c, "holdout_frequency") }
                rows.append(summary, id: id, monetary: monetary, weight: weight, holdout: holdout)
            case .compressed:
                rows.merge(summary, monetary: monetary, weight: weight ?? 1)
            }
        }
    }

    /// Advances past blank lines; false at the end of the file.
    private static func nextNonEmptyRecord(_ reader: inout DelimitedReader) throws -> Bool {
        while try reader.next() {
            for b in reader.record where b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") { return true }
        }
        return false
    }

    /// A customer id: the trimmed text, nil when empty. Decoded with `String(decoding:)` (ill-formed bytes become
    /// U+FFFD), whose UTF-8 path is specialised, rather than the generic validating initialiser, which costs a
    /// runtime metadata lookup per row.
    private static func id(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        let bytes = FieldParsing.trimmed(raw)
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The header's names, trimmed and lowercased, without a UTF-8 byte-order mark.
    private static func headerNames(_ reader: borrowing DelimitedReader) -> [String] {
        (0..<reader.fields.count).map { i in
            let name = reader.withField(i) { String(decoding: FieldParsing.trimmed($0), as: UTF8.self) }
            return (i == 0 && name.hasPrefix("\u{FEFF}") ? String(name.dropFirst()) : name).lowercased()
        }
    }

    /// Where each known column is.
    private struct Columns {
        var frequency: Int, recency: Int, age: Int
        var id: Int?, monetary: Int?, weight: Int?, holdout: Int?

        init(header: [String], path: String) throws(SummaryFileError) {
            func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
            guard let f = column("frequency", "x"), let r = column("recency", "t_x"), let t = column("t", "age", "periods") else {
                throw SummaryFileError("The summary file \(path) needs columns frequency,recency,T (found: \(header.joined(separator: ","))).")
            }
            (frequency, recency, age) = (f, r, t)
            id = column("customer_id", "id")
            monetary = column("monetary_value", "zbar")
            weight = column("weight", "weights")
            holdout = column("holdout_frequency", "frequency_holdout")
        }
    }

    /// Builds the ``SummaryFile`` row by row.
    private struct Accumulator {
        /// The identity of a row for compression: the exact bits of every kept value.
        struct Key: Hashable {
            var frequency: Int, recency: UInt64, age: UInt64, monetary: UInt64
        }

        var file: SummaryFile
        var index: [Key: Int] = [:]
        /// Without an id column every row is numbered at the end; with one, the rows whose id is empty.
        let numbersEveryRow: Bool
        var unnamedRows: [Int] = []

        init(columns: Columns, layout: Layout) {
            let compressed = layout == .compressed
            numbersEveryRow = !compressed && columns.id == nil
            file = SummaryFile(
                ids: compressed ? nil : [], summaries: [], monetary: columns.monetary == nil ? nil : [],
                weights: compressed || columns.weight != nil ? [] : nil,
                holdoutFrequency: compressed || columns.holdout == nil ? nil : [], rowCount: 0)
        }

        /// The rows of `other` (a later part of the same file) after these.
        mutating func append(contentsOf other: Accumulator) {
            unnamedRows += other.unnamedRows.map { $0 + file.rowCount }
            file.rowCount += other.file.rowCount
            file.ids? += other.file.ids ?? []
            file.summaries += other.file.summaries
            file.monetary? += other.file.monetary ?? []
            file.weights? += other.file.weights ?? []
            file.holdoutFrequency? += other.file.holdoutFrequency ?? []
        }

        /// The file, unnamed rows numbered (1-based data row).
        func finished() -> SummaryFile {
            var done = file
            if numbersEveryRow {
                done.ids = (1...Swift.max(1, file.rowCount)).prefix(file.rowCount).map { CustomerID(String($0)) }
            }
            for i in unnamedRows { done.ids?[i] = CustomerID(String(i + 1)) }
            return done
        }

        mutating func reserve(_ capacity: Int) {
            if !numbersEveryRow { file.ids?.reserveCapacity(capacity) }
            file.summaries.reserveCapacity(capacity)
            file.monetary?.reserveCapacity(capacity)
            file.weights?.reserveCapacity(capacity)
            file.holdoutFrequency?.reserveCapacity(capacity)
        }

        mutating func append(_ summary: CustomerSummary, id: String?, monetary: Double?, weight: Double?, holdout: Int?) {
            if !numbersEveryRow {
                if id == nil { unnamedRows.append(file.rowCount) }
                file.ids?.append(CustomerID(id ?? ""))
            }
            file.rowCount += 1
            file.summaries.append(summary)
            if let monetary { file.monetary?.append(monetary) }
            if let weight { file.weights?.append(weight) }
            if let holdout { file.holdoutFrequency?.append(holdout) }
        }

        mutating func merge(_ summary: CustomerSummary, monetary: Double?, weight: Double) {
            file.rowCount += 1
            let key = Key(
                frequency: summary.frequency, recency: summary.recency.bitPattern, age: summary.age.bitPattern,
                monetary: monetary?.bitPattern ?? 0)
            if let i = index[key] {
                file.weights![i] += weight
                return
            }
            index[key] = file.summaries.count
            file.summaries.append(summary)
            if let monetary { file.monetary?.append(monetary) }
            file.weights!.append(weight)
        }
    }
}
