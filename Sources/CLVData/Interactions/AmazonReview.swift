import CLVCore
import Foundation

/// The Amazon Review Data (2018) layout (Ni, Li & McAuley 2019): `reviewerID`, `asin`, `unixReviewTime`, `overall`,
/// `reviewText`, `summary`, `verified`, one JSON object a line.
///
/// The dump repeats a review once per style variant of the product; a review's identity is its reviewer, product,
/// day and words, so the repeats share one key and are stored once, while two different reviews a reviewer wrote the
/// same day about the same product (29 in All_Beauty) stay two.
enum AmazonReview {
    /// The review as an interaction: its summary and text, its rating, its product.
    static func interaction(_ object: [String: Any]) -> Result<InteractionInput, InteractionProblem> {
        let summary = JSONLinesReader.text(object["summary"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let body = JSONLinesReader.text(object["reviewText"])?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let text: String =
            switch (summary.isEmpty, body.isEmpty) {
            case (false, false): summary.last.map { ".!?".contains($0) } == true ? "\(summary) \(body)" : "\(summary). \(body)"
            case (false, true): summary
            default: body
            }
        guard let product = JSONLinesReader.text(object["asin"]), let time = JSONLinesReader.text(object["unixReviewTime"]) else {
            return .failure(.badTimestamp)
        }
        var input = InteractionInput(
            customer_id: JSONLinesReader.text(object["reviewerID"]), kind: InteractionKind.review.rawValue, text: text, product_id: product,
            timestamp: time)
        if let rating = object["overall"] {
            guard let value = JSONLinesReader.number(rating) else { return .failure(.badRating) }
            input.rating = value
        }
        return .success(input)
    }

    /// A verified review as a purchase: one unit of the product that day, with no amount (the dump has no prices).
    /// Unverified reviews are not purchases.
    static func orderLine(_ object: [String: Any]) -> Result<OrderLine?, QuarantineReason> {
        guard (object["verified"] as? Bool) == true else { return .success(nil) }
        guard let reviewer = JSONLinesReader.text(object["reviewerID"])?.trimmingCharacters(in: .whitespaces), !reviewer.isEmpty else {
            return .failure(.missingCustomer)
        }
        guard let product = JSONLinesReader.text(object["asin"]), let time = JSONLinesReader.number(object["unixReviewTime"]), time.isFinite,
            let moment = InteractionInput.moment(String(Int64(time)))
        else { return .failure(.badDate(.pattern("Unix seconds"))) }
        let seconds = Int64(moment.timeIntervalSince1970)
        let day = CalendarDay(daysSinceEpoch: Int((Double(seconds) / 86_400).rounded(.down)))
        var key = RowKey(seed: RowKey.of("amazon-review-purchase"))
        for part in [reviewer, product] {
            var copy = part
            copy.withUTF8 { key.combine($0) }
        }
        key.combine(UInt64(bitPattern: seconds))
        for field in ["summary", "reviewText"] {
            var words = JSONLinesReader.text(object[field]) ?? ""
            words.withUTF8 { key.combine($0) }
        }
        return .success(
            OrderLine(
                key: key.value(day: day), customer: CustomerID(reviewer), order: nil, product: product, day: day,
                secondOfDay: Int(seconds - Int64(day.daysSinceEpoch) * 86_400), quantity: 1, unitPrice: nil, amount: 0, isReturn: false))
    }
}

/// Imports the purchases an Amazon review dump implies (``AmazonReview/orderLine(_:)``) as orders.
public struct AmazonReviewOrderIngester: Sendable {
    public var batchSize: Int

    public init(batchSize: Int = 50_000) { self.batchSize = max(1, batchSize) }

    public static let formatName = "amazon-reviews"

    /// Imports the verified reviews of `file` as order lines; rejected lines go to `quarantineFile`.
    public func ingest(file: URL, into store: some OrderStore, quarantineFile: URL) async throws -> OrderIngester.Report {
        var reader = try InteractionIngester.opening(file) { try JSONLinesReader(url: file) }
        var quarantine = QuarantineWriter(url: quarantineFile, source: file.lastPathComponent)
        let importID = try await store.beginImport(source: file.path, format: Self.formatName)
        var counts = IngestCounts()
        var batch = OrderBatch()
        func flush() async throws {
            guard !batch.isEmpty else { return }
            batch.prepareForWriting()
            let outcome = try await store.write(batch, importID: importID, counts: counts)
            counts.imported += outcome.inserted
            counts.duplicates += outcome.duplicates
            batch.removeAll()
        }
        while let line = try reader.next() {
            counts.read += 1
            let outcome = JSONLinesReader.object(line).map(AmazonReview.orderLine) ?? .failure(.interaction(.notJSONObject))
            switch outcome {
            case let .success(orderLine?): batch.lines.append(orderLine)
            case .success(nil): continue
            case let .failure(reason):
                counts.quarantined += 1
                var raw = Redactor().redacted(String(decoding: line, as: UTF8.self))
                try raw.withUTF8 { try quarantine.append(line: reader.lineNumber, reason: reason, raw: $0) }
            }
            if batch.lines.count >= batchSize { try await flush() }
        }
        try await flush()
        try quarantine.close()
        try await store.finishImport(importID, counts: counts)
        let report = OrderIngester.Report(
            source: file.path, format: Self.formatName, counts: counts, quarantineFile: counts.quarantined > 0 ? quarantineFile.path : nil,
            quarantineReasons: quarantine.reasonCounts)
        guard counts.imported + counts.duplicates > 0 else { throw IngestError.nothingValid(report: report) }
        return report
    }
}
