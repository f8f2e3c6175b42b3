import CLVCore
import Foundation

/// Streams an interaction file into a store with the orders' rules: every record validated and redacted, bad ones
/// quarantined with their line and reason, one transaction per batch, a re-import stores nothing new.
public struct InteractionIngester: Sendable {
    /// The layouts an interaction file can have.
    public enum Format: String, Sendable, CaseIterable {
        /// A header line naming customer_id, kind, text and optionally product_id, rating, timestamp, interaction_id.
        case csv
        /// One JSON object a line with those keys.
        case jsonLines = "jsonl"
        /// Amazon Review Data (2018) JSON lines: every record a review, keyed by reviewer, product and time, so the
        /// dump's repeated rows (one per style variant) are stored once.
        case amazonReviews = "amazon-reviews"

        /// The format a file's extension suggests (JSON Lines for .json, .jsonl, .ndjson; else CSV).
        public static func guess(for url: URL) -> Format {
            ["json", "jsonl", "ndjson"].contains(url.pathExtension.lowercased()) ? .jsonLines : .csv
        }
    }

    public var format: Format
    public var redactor: Redactor
    /// Interactions per transaction.
    public var batchSize: Int

    public init(format: Format, redactor: Redactor = Redactor(), batchSize: Int = 2_000) {
        self.format = format
        self.redactor = redactor
        self.batchSize = max(1, batchSize)
    }

    /// The outcome of an import.
    public struct Report: Sendable, Equatable {
        public var source: String
        public var format: String
        public var counts: IngestCounts
        /// What redaction replaced, by kind, over every stored text.
        public var redactions: [RedactionKind: Int]
        public var quarantineFile: String?
        public var quarantineReasons: [String: Int]
        /// Customers whose interactions were stored (new or already there).
        public var customers: Set<CustomerID>
    }

    /// Imports `file` into `store`, writing rejected lines to `quarantineFile` (replaced on every import of a file).
    /// - Throws: ``IngestError`` when the file cannot be used at all.
    public func ingest(
        file: URL, into store: some OrderStore & InteractionStore, quarantineFile: URL, now: Date = Date(),
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        let totalBytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        switch format {
        case .csv:
            var records = try Self.opening(file) { try DelimitedInteractionRecords(url: file) }
            return try await ingest(&records, file: file, into: store, quarantineFile: quarantineFile, now: now, totalBytes: totalBytes, progress: progress)
        case .jsonLines, .amazonReviews:
            var records = try Self.opening(file) { try JSONInteractionRecords(url: file, amazon: format == .amazonReviews) }
            return try await ingest(&records, file: file, into: store, quarantineFile: quarantineFile, now: now, totalBytes: totalBytes, progress: progress)
        }
    }

    /// Opens a file's records; a file that cannot be read is an ``IngestError``.
    static func opening<Records: ~Copyable>(_ file: URL, _ open: () throws -> Records) throws(IngestError) -> Records {
        do { return try open() } catch let error as IngestError { throw error } catch {
            throw .unreadable(path: file.path, reason: (error as NSError).localizedDescription)
        }
    }

    private func ingest(
        _ records: inout some InteractionRecords & ~Copyable, file: URL, into store: some OrderStore & InteractionStore, quarantineFile: URL,
        now: Date, totalBytes: Int, progress: (Int, Int) -> Void
    ) async throws -> Report {
        var quarantine = QuarantineWriter(url: quarantineFile, source: file.lastPathComponent)
        let importID = try await store.beginImport(source: file.path, format: "interactions-\(format.rawValue)")
        var counts = IngestCounts()
        var redactions: [RedactionKind: Int] = [:]
        var customers: Set<CustomerID> = []
        var batch: [Interaction] = []
        while let record = try records.next() {
            counts.read += 1
            let outcome = record.input.flatMap { $0.validated(redactor: redactor, now: now) }.mapError(QuarantineReason.interaction)
            switch outcome {
            case let .success((interaction, redaction)):
                batch.append(interaction)
                customers.insert(interaction.customer)
                redactions.merge(redaction.counts, uniquingKeysWith: +)
            case let .failure(reason):
                counts.quarantined += 1
                // The raw line may hold what redaction exists to remove: the quarantine keeps it redacted too.
                var raw = redactor.redacted(String(decoding: record.raw, as: UTF8.self))
                try raw.withUTF8 { try quarantine.append(line: record.line, reason: reason, raw: $0) }
            }
            if batch.count >= batchSize {
                try await write(&batch, store: store, importID: importID, counts: &counts)
                try quarantine.flush()
                progress(records.bytesConsumed, totalBytes)
            }
        }
        try await write(&batch, store: store, importID: importID, counts: &counts)
        try quarantine.close()
        try await store.finishImport(importID, counts: counts)
        progress(records.bytesConsumed, totalBytes)
        let report = Report(
            source: file.path, format: format.rawValue, counts: counts, redactions: redactions,
            quarantineFile: counts.quarantined > 0 ? quarantineFile.path : nil, quarantineReasons: quarantine.reasonCounts, customers: customers
        )
        guard counts.imported + counts.duplicates > 0 else {
            throw IngestError.nothingValid(
                report: OrderIngester.Report(
                    source: report.source, format: report.format, counts: counts, quarantineFile: report.quarantineFile,
                    quarantineReasons: report.quarantineReasons))
        }
        return report
    }

    private func write(_ batch: inout [Interaction], store: some InteractionStore, importID: Int64, counts: inout IngestCounts) async throws {
        guard !batch.isEmpty else { return }
        let outcome = try await store.write(batch, importID: importID, counts: counts)
        counts.imported += outcome.inserted
        counts.duplicates += outcome.duplicates
        batch.removeAll(keepingCapacity: true)
    }
}

/// One record of an interaction file: an ``InteractionInput``, or why the line cannot be one.
struct InteractionRecord {
    var line: Int
    var raw: [UInt8]
    var input: Result<InteractionInput, InteractionProblem>
}

/// The records of an interaction file, one at a time.
protocol InteractionRecords: ~Copyable {
    mutating func next() throws -> InteractionRecord?
    var bytesConsumed: Int { get }
}

/// A CSV (or TSV) file with a header naming its columns.
struct DelimitedInteractionRecords: InteractionRecords, ~Copyable {
    private var reader: DelimitedReader
    private let columns: [String: Int]

    init(url: URL) throws {
        let separator: UInt8 = ["tsv", "tab"].contains(url.pathExtension.lowercased()) ? 9 : UInt8(ascii: ",")
        var reader = try DelimitedReader(url: url, separator: .byte(separator))
        guard try reader.next() else { throw IngestError.empty(path: url.path) }
        let columns = reader.columnPositions(lowercased: true)
        let header = columns.sorted { $0.value < $1.value }.map(\.key)
        for required in ["customer_id", "kind", "text"] where columns[required] == nil {
            throw IngestError.missingColumn(
                "'\(required)'", available: header, path: url.path, remedy: "An interactions file needs the columns customer_id, kind and text")
        }
        self.columns = columns
        self.reader = reader
    }

    var bytesConsumed: Int { reader.bytesConsumed }

    mutating func next() throws -> InteractionRecord? {
        while try reader.next() {
            if reader.fields.count == 1 && reader.record.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            let raw = Array(reader.record)
            guard FieldParsing.isValidUTF8(reader.record) else {
                return InteractionRecord(line: reader.lineNumber, raw: raw, input: .failure(.invalidEncoding))
            }
            var input = InteractionInput(
                customer_id: field("customer_id"), kind: field("kind"), text: field("text"), product_id: field("product_id"),
                timestamp: field("timestamp"), interaction_id: field("interaction_id"))
            if let rating = field("rating")?.trimmingCharacters(in: .whitespaces), !rating.isEmpty {
                guard let value = Double(rating) else { return InteractionRecord(line: reader.lineNumber, raw: raw, input: .failure(.badRating)) }
                input.rating = value
            }
            return InteractionRecord(line: reader.lineNumber, raw: raw, input: .success(input))
        }
        return nil
    }

    private func field(_ name: String) -> String? {
        guard let i = columns[name], i < reader.fields.count else { return nil }
        return reader.withField(i) { String(decoding: $0, as: UTF8.self) }
    }
}

/// A JSON Lines file: CLVKit's own keys, or an Amazon review dump.
struct JSONInteractionRecords: InteractionRecords {
    private var reader: JSONLinesReader
    private let amazon: Bool

    init(url: URL, amazon: Bool) throws {
        reader = try JSONLinesReader(url: url)
        self.amazon = amazon
    }

    var bytesConsumed: Int { reader.bytesConsumed }

    mutating func next() throws -> InteractionRecord? {
        guard let line = try reader.next() else { return nil }
        guard let object = JSONLinesReader.object(line) else {
            return InteractionRecord(line: reader.lineNumber, raw: Array(line), input: .failure(.notJSONObject))
        }
        let input = amazon ? AmazonReview.interaction(object) : Self.input(object)
        return InteractionRecord(line: reader.lineNumber, raw: Array(line), input: input)
    }

    private static func input(_ object: [String: Any]) -> Result<InteractionInput, InteractionProblem> {
        var input = InteractionInput(
            customer_id: JSONLinesReader.text(object["customer_id"]), kind: JSONLinesReader.text(object["kind"]),
            text: JSONLinesReader.text(object["text"]), product_id: JSONLinesReader.text(object["product_id"]),
            timestamp: JSONLinesReader.text(object["timestamp"]), interaction_id: JSONLinesReader.text(object["interaction_id"]))
        if let rating = object["rating"], !(rating is NSNull) {
            guard let value = JSONLinesReader.number(rating) else { return .failure(.badRating) }
            input.rating = value
        }
        return .success(input)
    }
}
