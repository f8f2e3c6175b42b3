import ArgumentParser
import CLVCore
import Foundation

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

/// A result as rows of named columns, printable as an aligned table, CSV or JSON.
struct Tabular {
    enum Value {
        case text(String)
        case integer(Int)
        case number(Double, decimals: Int)
        case missing

        var csv: String {
            switch self {
            case let .text(s): CSVField.quoted(s)
            case let .integer(n): String(n)
            case let .number(x, _): Tabular.shortest(x)
            case .missing: ""
            }
        }

        var table: String {
            switch self {
            case let .text(s): s
            case let .integer(n): String(n)
            case let .number(x, decimals): String(format: "%.\(decimals)f", x)
            case .missing: "-"
            }
        }

        var json: Any {
            switch self {
            case let .text(s): s
            case let .integer(n): n
            case let .number(x, _): x.isFinite ? x : NSNull()
            case .missing: NSNull()
            }
        }

        var isNumeric: Bool {
            switch self {
            case .integer, .number: true
            default: false
            }
        }
    }

    var columns: [String]
    var rows: [[Value]]

    func render(_ format: OutputFormat) -> String {
        switch format {
        case .csv:
            var out = columns.joined(separator: ",") + "\n"
            for row in rows { out += row.map(\.csv).joined(separator: ",") + "\n" }
            return out
        case .json:
            let objects = rows.map { row in Dictionary(uniqueKeysWithValues: zip(columns, row.map(\.json))) }
            return Self.json(objects)
        case .table:
            let cells = rows.map { $0.map(\.table) }
            var widths = columns.map(\.count)
            for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
            let numeric = columns.indices.map { i in rows.first.map { $0[i].isNumeric } ?? false }
            func line(_ values: [String]) -> String {
                values.enumerated().map { i, v in
                    let pad = String(repeating: " ", count: widths[i] - v.count)
                    return numeric[i] ? pad + v : v + pad
                }.joined(separator: "  ").trimmingTrailingSpaces()
            }
            var out = line(columns) + "\n"
            out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            for row in cells { out += line(row) + "\n" }
            return out
        }
    }

    /// Pretty JSON with keys in a stable order.
    static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The shortest decimal text that reads back as the same Double.
    static func shortest(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Writes results to stdout or to `--output FILE`; progress and logs go to stderr.
enum Output {
    static func write(_ text: String, to path: String?) throws {
        if let path {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
                throw UserError("Cannot write \(path): \((error as NSError).localizedDescription). Check the folder exists and is writable.")
            }
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// CSV written a megabyte at a time, so a million rows never exist as one table of cells or one string.
    static func writeCSV(columns: [String], rows: some Sequence<[Tabular.Value]>, to path: String?) throws {
        let handle: FileHandle
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
                throw UserError("Cannot write \(path): it cannot be created. Check the folder exists and is writable.")
            }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        defer { if path != nil { try? handle.close() } }
        var output = ChunkedOutput(handle)
        output.append(columns.joined(separator: ",") + "\n")
        for row in rows { output.append(row.map(\.csv).joined(separator: ",") + "\n") }
        output.flush()
    }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// True when stderr is a terminal, so progress can redraw one line.
    static let stderrIsTerminal = isatty(2) == 1
}

/// Text for a file handle (standard output unless given), written a megabyte at a time, so a million rows never
/// exist as one string; call ``flush()`` at the end.
struct ChunkedOutput {
    private let handle: FileHandle
    private var chunk = ""

    init(_ handle: FileHandle = .standardOutput) { self.handle = handle }

    mutating func append(_ text: String) {
        chunk += text
        if chunk.utf8.count >= 1 << 20 { flush() }
    }

    mutating func flush() {
        handle.write(Data(chunk.utf8))
        chunk.removeAll(keepingCapacity: true)
    }
}
