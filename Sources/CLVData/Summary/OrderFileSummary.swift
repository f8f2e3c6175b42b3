import CLVCore
import Foundation

/// Customer summaries straight from an order file, in memory, without a store (`clv summary --orders`).
///
/// The file is read by the ingester's parser (same columns, presets, rejections and line keys), the lines are
/// totalled per customer-day as a store's `customer_day` table totals them, and ``CustomerSummarizer`` does the
/// rest, exactly as for a store: the result equals the summaries of a new database that imported the file.
public enum OrderFileSummary {
    /// The summaries and what reading the file found.
    public struct Result: Sendable {
        public var rows: [CustomerSummaryRow]
        /// The window summarised (its calibration end is the file's last order day when none was given).
        public var window: SummaryWindow
        /// Lines read, blank lines excluded.
        public var linesRead: Int
        /// Lines skipped as unusable, by reason.
        public var rejectedReasons: [String: Int]
        /// `FILE:LINE: reason` of the first unusable line, if any.
        public var firstRejection: String?

        public var rejected: Int { rejectedReasons.values.reduce(0, +) }
    }

    /// Summarises the purchases in `file` for a calibration window through `end` (default: the last day of any
    /// line, as a store takes it) with an optional holdout through `holdoutEnd`.
    ///
    /// Unusable lines (those an import would quarantine) are skipped and counted. A line whose key an earlier
    /// line already had is skipped as a store skips it (identical lines away from the rest of their order).
    /// - Throws: ``IngestError`` when the file cannot be read, lacks a column, or has no usable line.
    /// - Complexity: O(n) in the lines, memory O(customer-days + lines' 8-byte keys).
    public static func summarise(
        file: URL, format: OrderFileFormat, end: CalendarDay?, holdoutEnd: CalendarDay? = nil, unit: TimeUnit = .day
    ) throws -> Result {
        var parser = try OrderFileParser(file: file, format: format, collectsSideFacts: false)
        var unused = OrderBatch()
        var keys = Set<Int64>()
        var totals: [BatchTotals.Key: PurchaseTotal] = [:]
        var lastDay: CalendarDay?
        var linesRead = 0, usable = 0
        var reasons: [String: Int] = [:]
        var firstRejection: String?
        while let outcome = try parser.next(into: &unused) {
            linesRead += 1
            switch outcome {
            case let .success(line):
                guard keys.insert(line.key).inserted else { continue }
                usable += 1
                lastDay = max(lastDay ?? line.day, line.day)
                guard let customer = line.customer, !line.isReturn else { continue }
                totals[BatchTotals.Key(customer: customer, day: line.day), default: PurchaseTotal()].add(line.amount)
            case let .failure(reason):
                reasons[reason.category, default: 0] += 1
                if firstRejection == nil { firstRejection = "\(file.path):\(parser.reader.lineNumber): \(reason.message)" }
            }
        }
        guard usable > 0, let lastDay else {
            throw IngestError.noUsableLine(path: file.path, rejected: reasons.values.reduce(0, +), first: firstRejection)
        }
        let window = SummaryWindow(calibrationEnd: end ?? lastDay, holdoutEnd: holdoutEnd, unit: unit)
        var days: [CustomerDay] = []
        days.reserveCapacity(totals.count)
        for (key, total) in totals where key.day <= window.lastDay {
            days.append(CustomerDay(customer: key.customer, day: key.day, purchaseAmount: total.amount, purchaseLines: total.lines))
        }
        // The summariser takes each customer's days together and in order, as a store's ordered scan yields them.
        days.sort { a, b in a.customer == b.customer ? a.day < b.day : a.customer.rawValue < b.customer.rawValue }
        return Result(
            rows: CustomerSummarizer.summarise(days, window: window), window: window, linesRead: linesRead, rejectedReasons: reasons,
            firstRejection: firstRejection)
    }

    private struct PurchaseTotal {
        var amount = 0.0
        var lines = 0

        mutating func add(_ value: Double) {
            amount += value
            lines += 1
        }
    }
}
