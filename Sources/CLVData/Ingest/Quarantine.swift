import CLVCore
import Foundation

/// Why a line was not imported.
enum QuarantineReason: Error, Equatable {
    case wrongColumnCount(expected: Int, found: Int)
    case invalidEncoding
    case missingCustomer
    case badDate(DateFormat)
    case badNumber(String)
    case negativePrice
    case interaction(InteractionProblem)

    /// A short, stable category for counting.
    var category: String {
        switch self {
        case .wrongColumnCount: "wrong column count"
        case .invalidEncoding: "invalid UTF-8"
        case .missingCustomer: "missing customer id"
        case .badDate: "unparseable date"
        case let .badNumber(what): "unparseable \(what)"
        case .negativePrice: "negative unit price"
        case let .interaction(problem): problem.category
        }
    }

    var message: String {
        switch self {
        case let .wrongColumnCount(expected, found): "expected \(expected) columns, found \(found)"
        case .invalidEncoding: "not valid UTF-8 text; re-export the file as UTF-8"
        case .missingCustomer: "missing customer id"
        case let .badDate(format): "unparseable date; expected \(format)"
        case let .badNumber(what): "unparseable \(what)"
        case .negativePrice: "negative unit price (an accounting adjustment, not an order)"
        case let .interaction(problem): problem.description
        }
    }
}

/// Writes rejected lines to a CSV file (`source_file,line,reason,raw`), created only when a line is rejected.
struct QuarantineWriter {
    let url: URL
    let source: String
    private var handle: FileHandle?
    private var pending = Data()
    private(set) var reasonCounts: [String: Int] = [:]

    init(url: URL, source: String) {
        self.url = url
        self.source = source
        // A new import of the file replaces its previous quarantine: a re-import changes nothing.
        try? FileManager.default.removeItem(at: url)
    }

    mutating func append(line: Int, reason: QuarantineReason, raw: UnsafeBufferPointer<UInt8>) throws {
        reasonCounts[reason.category, default: 0] += 1
        if handle == nil {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("source_file,line,reason,raw\n".utf8).write(to: url)
            handle = try FileHandle(forWritingTo: url)
            try handle?.seekToEnd()
        }
        let text = String(decoding: raw, as: UTF8.self)
        pending.append(contentsOf: "\(CSVField.quoted(source)),\(line),\(CSVField.quoted(reason.message)),\(CSVField.quoted(text))\n".utf8)
        if pending.count > 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        guard let handle, !pending.isEmpty else { return }
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        try handle?.close()
        handle = nil
    }
}

/// Why an import could not proceed at all.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    /// `remedy` is the fix in the words of the command that read the file (its column options, or the header it needs).
    case missingColumn(String, available: [String], path: String, remedy: String)
    case nothingValid(report: OrderIngester.Report)
    /// Reading without a store (a summary of the file) found no usable line.
    case noUsableLine(path: String, rejected: Int, first: String?)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "Cannot read \(path): \(reason)."
        case let .empty(path):
            "\(path) is empty: nothing to import."
        case let .missingColumn(column, available, path, remedy):
            available.isEmpty
                ? "\(path) has no \(column): \(remedy)."
                : "\(path) has no column \(column); it has \(available.joined(separator: ", ")). \(remedy)."
        case let .nothingValid(report):
            "No line of \(report.source) could be imported (\(report.counts.quarantined) rejected"
                + (report.quarantineReasons.max { $0.value < $1.value }.map { ", mostly \($0.key)" } ?? "")
                + "): check --preset or the column options; rejected lines are in \(report.quarantineFile ?? "the quarantine file")."
        case let .noUsableLine(path, rejected, first):
            "No line of \(path) could be used (\(rejected) rejected\(first.map { ", the first at \($0)" } ?? "")): check --preset or the column options."
        }
    }
}
