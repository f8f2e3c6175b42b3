/// A match found by one of the scanner's matchers: the byte range it replaces and what it was.
struct RedactionMatch {
    var start: Int
    var end: Int
    var kind: RedactionKind
}

/// The matchers, over the UTF-8 bytes of one text.
///
/// Every matcher is hand-written over bytes rather than a `Regex`: redaction runs on every review, chat and search
/// at ingest, most of those texts contain nothing to redact, and a byte scan that only wakes up at a digit, a
/// capital letter, an `@`, a `+` or a `(` costs little more than copying the text. Each matcher starts at one
/// byte, reads forward (an e-mail address and a Chinese address also read back, never past the last match) and
/// returns where its match ends, so the whole text is read about once.
///
/// Bytes past either end read as 0, so a matcher can look ahead or behind without checking the length first.
struct RedactionScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let kinds: UInt8

    /// The byte at `i`, or 0 outside the text.
    @inline(__always) func byte(_ i: Int) -> UInt8 {
        i >= 0 && i < bytes.count ? bytes[i] : 0
    }

    @inline(__always) func enabled(_ kind: RedactionKind) -> Bool { kinds & kind.bit != 0 }

    /// Scans the text once; nil when nothing matched, so the caller can hand back the input without a copy.
    func run() -> (text: [UInt8], counts: [RedactionKind: Int])? {
        var out: [UInt8] = []
        var counts: [RedactionKind: Int] = [:]
        var copied = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            var found: RedactionMatch? = nil
            if b < 0x80 {
                // Lower-case letters, the commonest bytes, start nothing.
                if b >= 0x61 {
                    i += 1
                    continue
                }
                if isDigit(b) {
                    if isLeftBoundary(i, strict: false) { found = matchAtDigit(i, floor: copied) }
                } else if isUpper(b) {
                    if isLeftBoundary(i) { found = matchAtCapital(i) }
                } else if b == UInt8(ascii: "@") {
                    if enabled(.email) { found = matchEmail(at: i, floor: copied) }
                } else if b == UInt8(ascii: "+") || b == UInt8(ascii: "(") {
                    if enabled(.phone), isLeftBoundary(i), let end = b == UInt8(ascii: "+") ? matchInternationalPhone(i) : matchBracketedPhone(i),
                        !isReference(before: i)
                    {
                        found = RedactionMatch(start: i, end: end, kind: .phone)
                    }
                }
            } else if b == 0xEF, digit(at: i) != nil, isLeftBoundary(i, strict: false) {
                found = matchAtDigit(i, floor: copied)
            }
            guard let match = found, match.start >= copied else {
                i += 1
                continue
            }
            if out.isEmpty { out.reserveCapacity(n) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<match.start]))
            out.append(contentsOf: match.kind.placeholder.utf8)
            counts[match.kind, default: 0] += 1
            copied = match.end
            i = match.end
        }
        guard !counts.isEmpty else { return nil }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<n]))
        return (out, counts)
    }

    /// Everything that can start at a digit, strongest evidence first: a checksum (ID number, card) beats a shape
    /// (phone), and a shape beats a guess (street address). Checksummed numbers need only a loose boundary
    /// (`card-4111111111111111` is still a card); shapes need a strict one.
    func matchAtDigit(_ i: Int, floor: Int) -> RedactionMatch? {
        if enabled(.idNumber), let end = matchIDNumber(i) { return RedactionMatch(start: i, end: end, kind: .idNumber) }
        if enabled(.card), let end = matchCard(i) { return RedactionMatch(start: i, end: end, kind: .card) }
        guard isLeftBoundary(i) else { return nil }
        if enabled(.address), let match = matchChineseAddress(i, floor: floor) { return match }
        if enabled(.phone), let end = matchNationalPhone(i), !isReference(before: i) { return RedactionMatch(start: i, end: end, kind: .phone) }
        if enabled(.address), let end = matchStreetAddress(i) { return RedactionMatch(start: i, end: end, kind: .address) }
        return nil
    }

    /// An IBAN (checksummed) before a postcode (a shape).
    func matchAtCapital(_ i: Int) -> RedactionMatch? {
        if enabled(.iban), let end = matchIBAN(i) { return RedactionMatch(start: i, end: end, kind: .iban) }
        if enabled(.postcode), let end = matchPostcode(i) { return RedactionMatch(start: i, end: end, kind: .postcode) }
        return nil
    }
}

// MARK: - Characters

extension RedactionScanner {
    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inline(__always) func isLower(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
    @inline(__always) func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }

    /// The decimal digit at `i`, ASCII or full-width (`０`–`９`, which Chinese text often uses), with its width in bytes.
    @inline(__always) func digit(at i: Int) -> (value: Int, width: Int)? {
        let b = byte(i)
        if isDigit(b) { return (Int(b &- 0x30), 1) }
        if b == 0xEF, byte(i + 1) == 0xBC {
            let c = byte(i + 2)
            if c &- 0x90 < 10 { return (Int(c &- 0x90), 3) }
        }
        return nil
    }

    /// Whether a full-width digit ends just before `i`.
    @inline(__always) func isFullWidthDigit(endingAt i: Int) -> Bool {
        byte(i - 3) == 0xEF && byte(i - 2) == 0xBC && byte(i - 1) &- 0x90 < 10
    }

    /// Whether a token can start at `i`: not inside a word or a number.
    ///
    /// A decimal point or a thousands separator after a digit joins (`v1.07700900123`, `1,07700900123`); so,
    /// strictly, does a hyphen after a letter or digit (`SKU-13812345678`). Checksummed numbers ask only for the
    /// loose boundary, since a match is strong evidence on its own (`card-4111111111111111`). A full stop after a
    /// letter does not join: `Tel.+44 20 7946 0958` (and `john.07700900123@…` is caught whole as an e-mail address).
    func isLeftBoundary(_ i: Int, strict: Bool = true) -> Bool {
        guard i > 0 else { return true }
        let p = bytes[i - 1]
        if isAlphanumeric(p) || p == UInt8(ascii: "_") { return false }
        if p &- 0x90 < 10, isFullWidthDigit(endingAt: i) { return false }
        if p == UInt8(ascii: ".") { return !isDigit(byte(i - 2)) }
        if p == UInt8(ascii: "-") { return !strict || !isAlphanumeric(byte(i - 2)) }
        if p == UInt8(ascii: ",") { return !isDigit(byte(i - 2)) }
        return true
    }

    /// Whether a token can end just before `j`: the next character does not continue it.
    ///
    /// A full stop or a comma followed by a space ends a sentence or a clause, so `4111 1111 1111 1111.` is a card;
    /// `12.50`, `1,299`, `0132-ext` and `x@y` go on.
    func isRightBoundary(_ j: Int) -> Bool {
        guard j < bytes.count else { return true }
        let b = bytes[j]
        if isAlphanumeric(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "@") { return false }
        if b == 0xEF, digit(at: j) != nil { return false }
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "%"): return !isAlphanumeric(byte(j + 1))
        case UInt8(ascii: ","): return !isDigit(byte(j + 1))
        default: return true
        }
    }

    /// The Unicode scalar that starts at `i` and its width in bytes (the bytes are valid UTF-8: they come from a `String`).
    func scalar(at i: Int) -> (value: UInt32, width: Int) {
        let b = UInt32(byte(i))
        if b < 0x80 { return (b, 1) }
        if b < 0xE0 { return ((b & 0x1F) << 6 | UInt32(byte(i + 1) & 0x3F), 2) }
        if b < 0xF0 { return ((b & 0x0F) << 12 | UInt32(byte(i + 1) & 0x3F) << 6 | UInt32(byte(i + 2) & 0x3F), 3) }
        return ((b & 0x07) << 18 | UInt32(byte(i + 1) & 0x3F) << 12 | UInt32(byte(i + 2) & 0x3F) << 6 | UInt32(byte(i + 3) & 0x3F), 4)
    }

    /// The Unicode scalar that ends just before `i` and where it starts; nil at the start of the text.
    func scalar(endingAt i: Int) -> (value: UInt32, start: Int)? {
        guard i > 0 else { return nil }
        var s = i - 1
        while s > 0, i - s < 4, bytes[s] & 0xC0 == 0x80 { s -= 1 }
        return (scalar(at: s).value, s)
    }
}
