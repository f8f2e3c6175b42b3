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
        var keys = KeysByDay()
        var totals: [BatchTotals.Key: PurchaseTotal] = [:]
        // Consecutive purchase lines of one customer-day are totalled before they go into `totals`.
        var current: (key: BatchTotals.Key, total: PurchaseTotal)?
        var lastDay: CalendarDay?
        var linesRead = 0, usable = 0
        var reasons: [String: Int] = [:]
        var firstRejection: String?
        while let outcome = try parser.next(into: &unused) {
            linesRead += 1
            switch outcome {
            case let .success(line):
                guard keys.insert(line.key, day: line.day) else { continue }
                usable += 1
                lastDay = max(lastDay ?? line.day, line.day)
                guard let customer = line.customer, !line.isReturn else { continue }
                if let run = current, run.key.day == line.day, run.key.customer == customer {
                    current?.total.add(line.amount)
                } else {
                    if let run = current { totals[run.key, default: PurchaseTotal()].add(run.total) }
                    current = (BatchTotals.Key(customer: customer, day: line.day), PurchaseTotal(amount: line.amount, lines: 1))
                }
            case let .failure(reason):
                reasons[reason.category, default: 0] += 1
                if firstRejection == nil { firstRejection = "\(file.path):\(parser.reader.lineNumber): \(reason.message)" }
            }
        }
        if let run = current { totals[run.key, default: PurchaseTotal()].add(run.total) }
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

        mutating func add(_ other: PurchaseTotal) {
            amount += other.amount
            lines += other.lines
        }
    }

    /// The line keys seen so far, one table per day (identical keys have the same day): files run in date order,
    /// so the day being read has a small table that stays in the cache, where one table of every key missed it
    /// on almost every line (a fifth of the summary's time; a `Set` also hashed each key again).
    private struct KeysByDay {
        private var tables: [KeySet] = []
        private var tableOfDay: [CalendarDay: Int] = [:]
        private var currentDay: CalendarDay?
        private var current = 0

        /// Adds `key` of a line dated `day`; false when it was already there.
        mutating func insert(_ key: Int64, day: CalendarDay) -> Bool {
            if day != currentDay {
                currentDay = day
                if let index = tableOfDay[day] {
                    current = index
                } else {
                    current = tables.count
                    tableOfDay[day] = current
                    tables.append(KeySet())
                }
            }
            return tables[current].insert(key)
        }
    }

    /// Keys by open addressing over their own hash bits.
    private struct KeySet {
        private var slots = [Int64](repeating: KeySet.empty, count: 64)
        private var count = 0
        private var hasEmptyKey = false
        private static let empty = Int64.min

        /// Adds `key`; false when it was already there.
        mutating func insert(_ key: Int64) -> Bool {
            if key == Self.empty {
                defer { hasEmptyKey = true }
                return !hasEmptyKey
            }
            if 2 * (count + 1) > slots.count { grow() }
            let inserted = Self.place(key, in: &slots)
            if inserted { count += 1 }
            return inserted
        }

        private static func place(_ key: Int64, in slots: inout [Int64]) -> Bool {
            let mask = slots.count - 1
            // The low bits are hash bits (the high ones carry the day, see `RowKey`); mixed once more for safety.
            var i = Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
            while true {
                let slot = slots[i]
                if slot == key { return false }
                if slot == empty {
                    slots[i] = key
                    return true
                }
                i = (i + 1) & mask
            }
        }

        private mutating func grow() {
            var bigger = [Int64](repeating: Self.empty, count: slots.count * 2)
            for key in slots where key != Self.empty { _ = Self.place(key, in: &bigger) }
            slots = bigger
        }
    }
}
