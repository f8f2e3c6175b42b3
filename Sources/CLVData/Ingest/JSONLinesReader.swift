import Foundation

/// Reads a JSON Lines file one object at a time, in constant memory (one chunk and the current line).
struct JSONLinesReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var reachedEnd = false
    /// The 1-based number of the current line.
    private(set) var lineNumber = 0
    /// Bytes consumed so far (for progress).
    private(set) var bytesConsumed = 0

    init(url: URL) throws { handle = try FileHandle(forReadingFrom: url) }

    /// The next non-blank line without its line end, or nil at the end of the file.
    mutating func next() throws -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                bytesConsumed += line.count + 1
                lineNumber += 1
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                return Data(line)
            }
            if reachedEnd {
                guard !buffer.isEmpty else { return nil }
                let line = buffer
                buffer = Data()
                bytesConsumed += line.count
                lineNumber += 1
                if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return nil }
                return line
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { reachedEnd = true } else { buffer.append(chunk) }
        }
    }

    /// The line as a JSON object, or nil when it is not one.
    static func object(_ line: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
    }

    /// A JSON value as text: strings as they are, numbers without a spurious ".0".
    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber:
            let double = number.doubleValue
            return double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        default: return nil
        }
    }

    /// A JSON number, or a string holding one.
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let number as NSNumber: number.doubleValue
        case let string as String: Double(string.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}
