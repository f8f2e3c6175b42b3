import CLVCore

/// Allocation-free parsers for the values of one field, working on raw bytes.
enum FieldParsing {
    /// Leading and trailing spaces removed.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var s = 0, e = bytes.count
        while s < e, bytes[s] == UInt8(ascii: " ") || bytes[s] == UInt8(ascii: "\t") { s += 1 }
        while e > s, bytes[e - 1] == UInt8(ascii: " ") || bytes[e - 1] == UInt8(ascii: "\t") { e -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[s..<e])
    }

    /// A decimal number such as `-12.50`, `3`, `1e3`, `.5`, `2.5E-03`, `12.345678901234567`. Nil when the text is
    /// not a finite number (`inf`, `nan`, hexadecimal and trailing garbage are rejected).
    ///
    /// Correctly rounded, like `Double(String)`, `strtod` and pandas' `read_csv`, so a value written with
    /// shortest round-trip digits (Python's `repr`, Swift's `description`) reads back bit for bit:
    /// - up to 15 significant digits with a decimal exponent within ±22: one exact conversion and one correctly
    ///   rounded multiplication or division by an exact power of ten (Clinger's fast path);
    /// - 16 to 19 digits (what continuous times written by Python have): the same operation on the rounded
    ///   mantissa, corrected by its exact error term (``correctlyRounded(_:exponent:)``);
    /// - anything else, or a value too close to a rounding boundary to decide, goes through the standard library.
    static func decimal(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
        let bytes = trimmed(raw)
        guard !bytes.isEmpty else { return nil }
        var i = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        // Up to 19 significant digits fit in a UInt64; a non-zero digit beyond them makes the value inexact here.
        var mantissa: UInt64 = 0, digits = 0, exponent = 0, sawDigit = false, sawPoint = false, dropped = false
        while i < bytes.count {
            let b = bytes[i]
            if b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(b - UInt8(ascii: "0"))
                    if mantissa != 0 { digits += 1 }
                    if sawPoint { exponent -= 1 }
                } else {
                    if b != UInt8(ascii: "0") { dropped = true }
                    if !sawPoint { exponent += 1 }
                }
            } else if b == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0, exponentDigits = 0
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                // Capped: any larger exponent over- or underflows anyway, and the slow path decides which.
                if written < 100_000 { written = written * 10 + Int(bytes[i] - UInt8(ascii: "0")) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0, i == bytes.count else { return nil }
            exponent += exponentNegative ? -written : written
        }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if !dropped, exponent >= -22, exponent <= 22, let magnitude = correctlyRounded(mantissa, exponent: exponent) {
            return negative ? -magnitude : magnitude
        }
        return slowDecimal(bytes)
    }

    /// m · 10^e correctly rounded, for 0 < m < 2⁶⁴ and |e| ≤ 22 (10^|e| is then an exact `Double`), or nil when the
    /// exact value lies too close to a rounding midpoint to decide here.
    ///
    /// m ≤ 2⁵³ converts exactly, so one IEEE operation rounds correctly. Larger m round to m̂ = m + δ first. Then
    /// q = fl(m̂ ⊗ 10^e) and the exact residual of that operation (one fused multiply-add: the error of a rounded
    /// product, or of a rounded quotient, is itself a `Double`) give the exact value as q + c with c known to a
    /// relative 2⁻⁵², and |c| within about two ulps of q. fl(q + c) is then the correctly rounded result unless
    /// q + c lies within that uncertainty of a midpoint between two doubles, which Fast2Sum's exact error term shows.
    @inline(__always)
    static func correctlyRounded(_ m: UInt64, exponent e: Int) -> Double? {
        let power = powersOfTen[e < 0 ? -e : e]
        if m <= 1 << 53 { return e < 0 ? Double(m) / power : Double(m) * power }
        let high = Double(m)  // ≤ 10¹⁹ < 2⁶⁴: the conversion back cannot trap
        let low = Double(Int64(bitPattern: m &- UInt64(high)))  // exact: |δ| ≤ 2¹⁰
        let q: Double, c: Double
        if e < 0 {
            q = high / power
            c = (high.addingProduct(-q, power) + low) / power
        } else {
            q = high * power
            c = (-q).addingProduct(high, power) + low * power
        }
        let sum = q + c
        let error = (q - sum) + c  // exact, since |c| ≪ |q|
        let gap = error > 0 ? sum.nextUp - sum : sum - sum.nextDown
        guard abs(abs(error) - gap / 2) > abs(c) * 0x1p-46 else { return nil }
        return sum
    }

    private static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { r, _ in r * 10 } }

    private static func slowDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let text = String(validating: bytes, as: UTF8.self), let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// A non-empty string, or nil when the field is empty after trimming or is not valid UTF-8 (see ``isValidUTF8(_:)``).
    static func string(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        let bytes = trimmed(raw)
        guard !bytes.isEmpty else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// True when every byte sequence is well-formed UTF-8; ASCII is checked without decoding.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in bytes where b >= 0x80 { return String(validating: bytes, as: UTF8.self) != nil }
        return true
    }

    /// Digits of an integer id with leading zeros removed ("00042" -> "42"); other text unchanged.
    static func canonicalNumericID(_ text: String) -> String {
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return text }
        let stripped = text.drop { $0 == "0" }
        return stripped.isEmpty ? "0" : String(stripped)
    }
}

/// How the date column is written.
public enum DateFormat: Sendable, Equatable, CustomStringConvertible {
    /// `YYYY-MM-DD`, optionally followed by `T` or a space and a time `HH:MM[:SS[.fff]]` and a zone (`Z`, `±HH:MM`).
    /// The written local date is used as is.
    case iso8601
    /// `YYYYMMDD` (the CDNOW files).
    case compact
    /// A pattern of `%Y %m %d %H %M %S` and literal characters, e.g. `%d/%m/%Y %H:%M`.
    case pattern(String)

    /// Parses `--date-format` text: `iso8601`, `yyyymmdd`, or a `%` pattern.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "iso8601", "iso", "iso-8601": self = .iso8601
        case "yyyymmdd", "compact": self = .compact
        default:
            guard argument.contains("%Y") || argument.contains("%y"), argument.contains("%m"), argument.contains("%d") else { return nil }
            self = .pattern(argument)
        }
    }

    public var description: String {
        switch self {
        case .iso8601: "ISO 8601 (YYYY-MM-DD[ HH:MM:SS])"
        case .compact: "YYYYMMDD"
        case let .pattern(p): p
        }
    }

    /// Part of ``OrderFileFormat/signature``: frozen text, independent of ``description`` (which may change).
    var signature: String {
        switch self {
        case .iso8601: "ISO 8601 (YYYY-MM-DD[ HH:MM:SS])"
        case .compact: "YYYYMMDD"
        case let .pattern(p): p
        }
    }

    /// The day and the second of the day (when a time is present), or nil when the text does not match.
    public func parse(_ text: String) -> (day: CalendarDay, second: Int?)? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// The day and the second of the day (when a time is present), or nil when the bytes do not match.
    func parse(_ raw: UnsafeBufferPointer<UInt8>) -> (day: CalendarDay, second: Int?)? {
        let b = FieldParsing.trimmed(raw)
        switch self {
        case .compact:
            guard b.count == 8, let y = Self.number(b, 0, 4), let m = Self.number(b, 4, 2), let d = Self.number(b, 6, 2),
                let day = CalendarDay(year: y, month: m, day: d)
            else { return nil }
            return (day, nil)
        case .iso8601:
            guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
                let y = Self.number(b, 0, 4), let m = Self.number(b, 5, 2), let d = Self.number(b, 8, 2),
                let day = CalendarDay(year: y, month: m, day: d)
            else { return nil }
            if b.count == 10 { return (day, nil) }
            guard b.count >= 16, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "), b[13] == UInt8(ascii: ":"),
                let hh = Self.number(b, 11, 2), let mm = Self.number(b, 14, 2), hh < 24, mm < 60
            else { return nil }
            var second = hh * 3600 + mm * 60
            var i = 16
            if i < b.count, b[i] == UInt8(ascii: ":") {
                guard let ss = Self.number(b, 17, 2), ss < 61 else { return nil }
                second += min(ss, 59)
                i = 19
                if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                    i += 1
                    while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
                }
            }
            if i == b.count { return (day, second) }
            if b[i] == UInt8(ascii: "Z"), i + 1 == b.count { return (day, second) }
            if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let rest = b.count - i - 1
                guard rest == 2 || rest == 4 || (rest == 5 && b[i + 3] == UInt8(ascii: ":")),
                    Self.number(b, i + 1, 2) != nil
                else { return nil }
                return (day, second)
            }
            return nil
        case let .pattern(pattern):
            return Self.parse(b, pattern: Array(pattern.utf8))
        }
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>, pattern: [UInt8]) -> (day: CalendarDay, second: Int?)? {
        var y: Int?, m: Int?, d: Int?, hh = 0, mm = 0, ss = 0, hasTime = false
        var i = 0, p = 0
        while p < pattern.count {
            if pattern[p] == UInt8(ascii: "%"), p + 1 < pattern.count {
                let code = pattern[p + 1]
                let width = code == UInt8(ascii: "Y") ? 4 : 2
                // Day and month may be written without a leading zero ("3/7/2011").
                var n = 0
                while n < width, i + n < b.count, b[i + n] >= UInt8(ascii: "0"), b[i + n] <= UInt8(ascii: "9") { n += 1 }
                guard n > 0, let value = number(b, i, n) else { return nil }
                switch code {
                case UInt8(ascii: "Y"): y = value
                case UInt8(ascii: "y"): y = 2000 + value
                case UInt8(ascii: "m"): m = value
                case UInt8(ascii: "d"): d = value
                case UInt8(ascii: "H"):
                    hh = value
                    hasTime = true
                case UInt8(ascii: "M"):
                    mm = value
                    hasTime = true
                case UInt8(ascii: "S"):
                    ss = value
                    hasTime = true
                default: return nil
                }
                i += n
                p += 2
            } else {
                guard i < b.count, b[i] == pattern[p] else { return nil }
                i += 1
                p += 1
            }
        }
        guard i == b.count, let y, let m, let d, let day = CalendarDay(year: y, month: m, day: d),
            hh < 24, mm < 60, ss < 61
        else { return nil }
        return (day, hasTime ? hh * 3600 + mm * 60 + min(ss, 59) : nil)
    }

    private static func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        guard start + length <= b.count else { return nil }
        var v = 0
        for k in start..<(start + length) {
            let c = b[k]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }
}
