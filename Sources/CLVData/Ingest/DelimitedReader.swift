import Foundation

/// Reads a delimited text file record by record in constant memory.
///
/// Handles RFC 4180 quoting (separators, doubled quotes and line breaks inside quotes), LF and CRLF line ends, and a
/// whitespace mode in which any run of spaces or tabs separates fields (the CDNOW files). Fields are byte ranges
/// into an internal buffer that stay valid until the next call to ``next()``, so reading allocates nothing per row.
struct DelimitedReader: ~Copyable {
    enum Separator: Equatable, Sendable {
        case byte(UInt8)
        case whitespace
    }

    /// One field of the current record: a byte range in the buffer, and whether it holds doubled quotes.
    struct Field {
        var start: Int
        var end: Int
        var hasEscapedQuotes: Bool
    }

    private let handle: FileHandle
    private let separator: Separator
    private let chunkSize: Int
    // Owned storage: a manual buffer keeps field scanning free of exclusivity checks and copies.
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var position = 0
    private var reachedEnd = false
    private var nextLineNumber = 1

    /// The fields of the current record.
    private(set) var fields: [Field] = []
    /// The 1-based line number on which the current record starts.
    private(set) var lineNumber = 0
    /// The byte range of the current record without its line end.
    private(set) var recordRange: Range<Int> = 0..<0
    /// Bytes consumed so far (for progress).
    private(set) var bytesConsumed = 0

    /// Bytes of the file left to read when the reader covers only a byte range of it.
    private var remaining: Int?
    /// Whether any field so far began with a quote (a quoted field may hold line breaks).
    private(set) var sawQuote = false
    /// Lines consumed so far, including blank lines and those inside quoted fields.
    var linesConsumed: Int { nextLineNumber - 1 }

    /// A reader of the whole file, or of the bytes `range` of it (which should start at the start of a line);
    /// line numbers count from the start of what it reads.
    init(url: URL, separator: Separator, chunkSize: Int = 1 << 20, range: Range<Int>? = nil) throws {
        let file = try FileHandle(forReadingFrom: url)
        if let range { try file.seek(toOffset: UInt64(range.lowerBound)) }
        handle = file
        remaining = range?.count
        self.separator = separator
        self.chunkSize = chunkSize
        capacity = chunkSize * 2
        storage = .allocate(capacity: capacity)
        fields.reserveCapacity(16)
    }

    deinit {
        storage.deallocate()
        try? handle.close()
    }

    /// Advances to the next record. Returns false at the end of the file.
    mutating func next() throws -> Bool {
        while true {
            if let next = scanRecord(final: reachedEnd) {
                bytesConsumed += next - position
                position = next
                return true
            }
            if reachedEnd { return false }
            try refill()
        }
    }

    /// The bytes of field `index` of the current record, with doubled quotes unescaped.
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let field = fields[index]
        let bytes = UnsafeBufferPointer(start: storage + field.start, count: field.end - field.start)
        guard field.hasEscapedQuotes else { return try body(bytes) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            unescaped.append(bytes[i])
            i += (bytes[i] == UInt8(ascii: "\"") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"")) ? 2 : 1
        }
        return try unescaped.withUnsafeBufferPointer { try body($0) }
    }

    /// The raw bytes of the current record, without its line end.
    var record: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage + recordRange.lowerBound, count: recordRange.count)
    }

    // MARK: - Scanning

    private mutating func refill() throws {
        if position > 0 {
            (storage).update(from: storage + position, count: count - position)
            count -= position
            position = 0
        }
        if capacity - count < chunkSize {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: storage, count: count)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        // Straight into the buffer: `FileHandle.read(upToCount:)` would return each chunk in freshly allocated
        // memory (a page fault per 4 KiB) only to be copied here.
        let wanted = Swift.min(chunkSize, remaining ?? chunkSize)
        var bytesRead = 0
        repeat {
            bytesRead = wanted == 0 ? 0 : read(handle.fileDescriptor, storage + count, wanted)
        } while bytesRead < 0 && errno == EINTR
        guard bytesRead >= 0 else { throw CocoaError(.fileReadUnknown) }
        if bytesRead == 0 {
            reachedEnd = true
        } else {
            count += bytesRead
            remaining? -= bytesRead
        }
    }

    /// Scans one record at `position`. Returns the index after its line end, or nil when the buffer holds no complete
    /// record yet (unless `final`, when the rest of the buffer is the last record).
    private mutating func scanRecord(final: Bool) -> Int? {
        let start = position
        guard start < count else { return nil }
        fields.removeAll(keepingCapacity: true)
        let bytes = storage
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var i = start
        switch separator {
        case let .byte(sep):
            var fieldStart = i, inQuotes = false, quoted = false, escaped = false, lines = 0
            while i < count {
                let b = bytes[i]
                if inQuotes {
                    if b == quote {
                        if i + 1 >= count, !final { return nil }
                        if i + 1 < count, bytes[i + 1] == quote {
                            escaped = true
                            i += 2
                            continue
                        }
                        inQuotes = false
                    } else if b == lf {
                        lines += 1
                    }
                    i += 1
                    continue
                }
                if b == quote, i == fieldStart {
                    inQuotes = true
                    quoted = true
                    sawQuote = true
                    i += 1
                    continue
                }
                if b == sep || b == lf {
                    appendField(fieldStart, i, quoted: quoted, escaped: escaped)
                    fieldStart = i + 1
                    quoted = false
                    escaped = false
                    if b == lf { return finish(start, lineEnd: i, next: i + 1, extraLines: lines) }
                }
                i += 1
            }
            guard final else { return nil }
            appendField(fieldStart, count, quoted: quoted, escaped: escaped)
            return finish(start, lineEnd: count, next: count, extraLines: lines)
        case .whitespace:
            var fieldStart = -1
            while i < count {
                let b = bytes[i]
                if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == cr || b == lf {
                    if fieldStart >= 0 {
                        fields.append(Field(start: fieldStart, end: i, hasEscapedQuotes: false))
                        fieldStart = -1
                    }
                    if b == lf { return finish(start, lineEnd: i, next: i + 1, extraLines: 0) }
                } else if fieldStart < 0 {
                    fieldStart = i
                }
                i += 1
            }
            guard final else { return nil }
            if fieldStart >= 0 { fields.append(Field(start: fieldStart, end: count, hasEscapedQuotes: false)) }
            return finish(start, lineEnd: count, next: count, extraLines: 0)
        }
    }

    private mutating func appendField(_ start: Int, _ end: Int, quoted: Bool, escaped: Bool) {
        var s = start, e = end
        if e > s, storage[e - 1] == UInt8(ascii: "\r") { e -= 1 }
        if quoted, e - s >= 2, storage[e - 1] == UInt8(ascii: "\"") {
            s += 1
            e -= 1
        }
        fields.append(Field(start: s, end: e, hasEscapedQuotes: escaped))
    }

    private mutating func finish(_ start: Int, lineEnd: Int, next: Int, extraLines: Int) -> Int {
        var end = lineEnd
        if end > start, storage[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        recordRange = start..<end
        lineNumber = nextLineNumber
        nextLineNumber += 1 + extraLines
        return next
    }
}

extension DelimitedReader {
    /// The current record read as a header: each trimmed name (lowercased when asked) and its field's position; a
    /// repeated name keeps its first position.
    func columnPositions(lowercased: Bool) -> [String: Int] {
        var columns: [String: Int] = [:]
        for i in fields.indices {
            let name = withField(i) { String(decoding: FieldParsing.trimmed($0), as: UTF8.self) }
            let key = lowercased ? name.lowercased() : name
            columns[key] = columns[key] ?? i
        }
        return columns
    }
}
