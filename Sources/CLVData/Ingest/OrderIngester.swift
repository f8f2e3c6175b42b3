import CLVCore
import Foundation

/// Streams an order file into a store: parse and validate each line, quarantine the bad ones, write whole batches.
///
/// Memory stays constant whatever the file size: one read buffer, one batch, and the occurrence counts of the
/// current order only. Each batch is one transaction, so killing the process leaves only whole batches behind, and
/// a second import of the same file finds every line already stored.
public struct OrderIngester: Sendable {
    public var format: OrderFileFormat
    /// Lines per transaction.
    public var batchSize: Int

    public init(format: OrderFileFormat, batchSize: Int = 50_000) {
        self.format = format
        self.batchSize = max(1, batchSize)
    }

    /// Progress after each batch.
    public struct Progress: Sendable {
        public var bytesRead: Int
        public var totalBytes: Int
        public var counts: IngestCounts
    }

    /// The outcome of an import.
    public struct Report: Sendable, Codable, Equatable {
        public var source: String
        public var format: String
        public var counts: IngestCounts
        /// The quarantine CSV, when any line was rejected.
        public var quarantineFile: String?
        /// How many rejected lines each reason accounts for.
        public var quarantineReasons: [String: Int]
    }

    /// Imports `file` into `store`, writing rejected lines to `quarantineFile` (replaced on every import of a file).
    /// - Throws: ``IngestError`` when the file cannot be used at all (unreadable, missing columns, nothing valid).
    public func ingest(
        file: URL, into store: some OrderStore, quarantineFile: URL,
        progress: (Progress) -> Void = { _ in }
    ) async throws -> Report {
        let totalBytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        var parser = try OrderFileParser(file: file, format: format)
        var quarantine = QuarantineWriter(url: quarantineFile, source: file.lastPathComponent)
        let importID = try await store.beginImport(source: file.path, format: format.name)
        var counts = IngestCounts()
        var batch = OrderBatch()
        batch.lines.reserveCapacity(batchSize)
        var pending: Task<(inserted: Int, duplicates: Int), any Error>?

        while let outcome = try parser.next(into: &batch) {
            counts.read += 1
            switch outcome {
            case let .success(line):
                if line.isReturn { counts.returns += 1 }
                if line.customer == nil { counts.guestLines += 1 }
                batch.lines.append(line)
            case let .failure(reason):
                counts.quarantined += 1
                try quarantine.append(line: parser.reader.lineNumber, reason: reason, raw: parser.reader.record)
            }
            if batch.lines.count >= batchSize {
                // Parse the next batch while the database writes this one: two cores, two stages.
                batch.prepareForWriting()
                try await collect(&pending, counts: &counts)
                pending = startWrite(batch, store: store, importID: importID, counts: counts)
                batch.removeAll()
                try quarantine.flush()
                progress(Progress(bytesRead: parser.reader.bytesConsumed, totalBytes: totalBytes, counts: counts))
            }
        }
        try await collect(&pending, counts: &counts)
        if !batch.isEmpty {
            batch.prepareForWriting()
            pending = startWrite(batch, store: store, importID: importID, counts: counts)
            try await collect(&pending, counts: &counts)
        }
        try quarantine.close()
        try await store.finishImport(importID, counts: counts)
        progress(Progress(bytesRead: parser.reader.bytesConsumed, totalBytes: totalBytes, counts: counts))
        let report = Report(
            source: file.path, format: format.name, counts: counts,
            quarantineFile: counts.quarantined > 0 ? quarantineFile.path : nil,
            quarantineReasons: quarantine.reasonCounts
        )
        guard counts.imported + counts.duplicates > 0 else { throw IngestError.nothingValid(report: report) }
        return report
    }

    private func startWrite(
        _ batch: OrderBatch, store: some OrderStore, importID: Int64, counts: IngestCounts
    ) -> Task<(inserted: Int, duplicates: Int), any Error> {
        Task { try await store.write(batch, importID: importID, counts: counts) }
    }

    /// Waits for the batch in flight, if any, and adds its outcome to the counts.
    private func collect(_ pending: inout Task<(inserted: Int, duplicates: Int), any Error>?, counts: inout IngestCounts) async throws {
        guard let task = pending else { return }
        pending = nil
        let outcome = try await task.value
        counts.imported += outcome.inserted
        counts.duplicates += outcome.duplicates
    }
}
