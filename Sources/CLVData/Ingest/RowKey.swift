import CLVCore

/// A stable 64-bit key for one source line, so that importing the same file again changes nothing.
///
/// The key hashes the file format's signature, the line's exact bytes, and how many identical lines came before it
/// in the same order (its occurrence count): two identical lines in one order are two purchases, and both keep
/// their keys on every re-import. The hash is our own 64-bit multiply-xorshift construction over 8-byte words
/// with the SplitMix64 finaliser.
///
/// Stored keys carry the line's day in their top 12 bits (``value(day:)``): order files run roughly in date order,
/// so a batch's keys land together at the end of the table's key B-tree instead of on every page of it (Online
/// Retail: 359,000 to 437,000 lines/s, and 525,000 once the key became the table's rowid), and one day's lines are
/// one range of keys (``range(day:)``). Because the day wraps every 4,096 days (11 years), the chance of two
/// different lines sharing a key is the same as for a uniform 64-bit hash once the data spans 11 years, and at
/// most 4,096 / days-spanned times it before: for ten million lines over one year, about 3 in 100,000.
struct RowKey {
    private(set) var state: UInt64

    init(seed: UInt64) { state = Self.mix(seed ^ 0x9E37_79B9_7F4A_7C15) }

    mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = bytes.count
        let base = bytes.baseAddress
        while i + 8 <= n {
            let word = UnsafeRawPointer(base! + i).loadUnaligned(as: UInt64.self)
            state = Self.mix(state ^ word) &* 0xFF51_AFD7_ED55_8CCD
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        state = Self.mix(state ^ tail ^ (UInt64(n) << 56))
    }

    mutating func combine(_ value: UInt64) { state = Self.mix(state ^ Self.mix(value &+ 0x632B_E59B_D9B4_E019)) }

    /// The key of a line dated `day`, as SQLite's signed 64-bit integer: the day (modulo 4,096) in the top 12 bits,
    /// the hash in the other 52.
    func value(day: CalendarDay) -> Int64 {
        Int64(bitPattern: Self.prefix(day) | state & Self.hashMask)
    }

    /// Every key a line dated `day` can have (shared with the days 4,096 apart), so a day's lines are one range scan.
    static func range(day: CalendarDay) -> ClosedRange<Int64> {
        Int64(bitPattern: prefix(day))...Int64(bitPattern: prefix(day) | hashMask)
    }

    private static let hashMask: UInt64 = 1 << 52 - 1

    private static func prefix(_ day: CalendarDay) -> UInt64 {
        (UInt64(truncatingIfNeeded: day.daysSinceEpoch) & 0xFFF) << 52
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The key of a string (e.g. a format signature).
    static func of(_ text: String) -> UInt64 {
        var key = RowKey(seed: 0)
        var copy = text
        copy.withUTF8 { key.combine($0) }
        return key.state
    }
}
