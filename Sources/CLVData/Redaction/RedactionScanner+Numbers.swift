/// Runs of digits separated by single separators, read left to right: `4111 1111 1111 1111`, `020 7946 0958`,
/// `(415) 555-0132`. Matchers read one group at a time and keep the longest prefix that fits their shape, so a
/// number followed by another (`07700 900123 2 items`) is cut where the shape ends rather than lost.
struct DigitGroups {
    /// The byte after the last group.
    var end = 0
    var groups = 0
    var digits = 0
    /// The first 19 digits, which fit in 64 bits.
    var value: UInt64 = 0
    /// The first four digits (-1 until read), which decide the shape: `0` national trunk, `00` international,
    /// `1[3-9]` Chinese mobile, `[2-9]` North American area code.
    var d0 = -1, d1 = -1, d2 = -1, d3 = -1
    /// The lengths of the first four groups, and the shortest group after the first.
    var len0 = 0, len1 = 0, len2 = 0, len3 = 0
    var shortestAfterFirst = Int.max
    var lastLength = 0
    var endedWithParenthesis = false
    /// The separators seen between groups, one bit each: 1 space, 2 hyphen, 4 full stop.
    var separators: UInt8 = 0

    mutating func add(_ d: Int) {
        switch digits {
        case 0: d0 = d
        case 1: d1 = d
        case 2: d2 = d
        case 3: d3 = d
        default: break
        }
        if digits < 19 { value = value &* 10 &+ UInt64(d) }
        digits += 1
    }

    mutating func closeGroup(length: Int, end: Int) {
        switch groups {
        case 0: len0 = length
        case 1: len1 = length
        case 2: len2 = length
        case 3: len3 = length
        default: break
        }
        if groups > 0 { shortestAfterFirst = min(shortestAfterFirst, length) }
        lastLength = length
        groups += 1
        self.end = end
    }
}

/// ISO 7064 MOD 11-2 weights of the first 17 characters of a Chinese resident ID number (GB 11643-1999).
private let residentIDWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

extension RedactionScanner {
    // MARK: - Digit groups

    @inline(__always) func isPhoneSeparator(_ b: UInt8, dot: Bool) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "-") || (dot && b == UInt8(ascii: "."))
    }

    /// Reads the group at `i` (digits, or with `parentheses` a bracketed run such as `(415)` or `(0)`); false when
    /// there is none.
    func readGroup(_ g: inout DigitGroups, at i: Int, parentheses: Bool = false) -> Bool {
        var p = i
        var length = 0
        if parentheses, byte(p) == UInt8(ascii: "(") {
            p += 1
            // `+44 (0)20 …`: the bracketed trunk zero is dialled only from inside the country, so it is not part of
            // the number's length.
            if g.groups > 0, let zero = digit(at: p), zero.value == 0, byte(p + zero.width) == UInt8(ascii: ")") {
                g.closeGroup(length: 0, end: p + zero.width + 1)
                g.endedWithParenthesis = true
                return true
            }
            while let d = digit(at: p), length < 6 {
                g.add(d.value)
                length += 1
                p += d.width
            }
            guard (1...5).contains(length), byte(p) == UInt8(ascii: ")") else { return false }
            g.closeGroup(length: length, end: p + 1)
            g.endedWithParenthesis = true
            return true
        }
        while let d = digit(at: p) {
            g.add(d.value)
            length += 1
            p += d.width
            // Longer than any number matched here: stop reading rather than walk a long run of digits.
            if g.digits > 20 { break }
        }
        guard length > 0 else { return false }
        g.closeGroup(length: length, end: p)
        g.endedWithParenthesis = false
        return true
    }

    /// Reads one separator and the group after it. A closing bracket separates on its own (`(415)555-0132`).
    func readNextGroup(_ g: inout DigitGroups, dot: Bool, parentheses: Bool = false) -> Bool {
        var q = g.end
        if isPhoneSeparator(byte(q), dot: dot) {
            g.separators |= byte(q) == UInt8(ascii: " ") ? 1 : byte(q) == UInt8(ascii: "-") ? 2 : 4
            q += 1
        } else if !(g.endedWithParenthesis || (parentheses && byte(q) == UInt8(ascii: "("))) {
            return false
        }
        return readGroup(&g, at: q, parentheses: parentheses)
    }

    // MARK: - Chinese resident ID numbers

    /// A Chinese resident ID number: 17 digits and a check character (a digit or X) with a valid ISO 7064 MOD 11-2
    /// checksum, and a birth date (characters 7–14) that exists.
    ///
    /// The date check rejects most 18-digit numbers that pass the checksum by chance (one in eleven do).
    func matchIDNumber(_ i: Int) -> Int? {
        var p = i
        var sum = 0
        var birth = 0
        for k in 0..<17 {
            guard let d = digit(at: p), k > 0 || d.value != 0 else { return nil }
            sum += d.value * residentIDWeights[k]
            if k >= 6, k < 14 { birth = birth * 10 + d.value }
            p += d.width
        }
        let check: Int
        if let d = digit(at: p) {
            check = d.value
            p += d.width
        } else if (byte(p) | 0x20) == UInt8(ascii: "x") {
            check = 10
            p += 1
        } else if byte(p) == 0xEF, (byte(p + 1) == 0xBC && byte(p + 2) == 0xB8) || (byte(p + 1) == 0xBD && byte(p + 2) == 0x98) {
            check = 10  // full-width Ｘ or ｘ
            p += 3
        } else {
            return nil
        }
        guard (12 - sum % 11) % 11 == check, isRightBoundary(p), isPlausibleBirthDate(birth) else { return nil }
        return p
    }

    /// A date written `yyyymmdd` between 1900 and 2099 that exists (29 February only in leap years).
    func isPlausibleBirthDate(_ yyyymmdd: Int) -> Bool {
        let year = yyyymmdd / 10_000, month = yyyymmdd / 100 % 100, day = yyyymmdd % 100
        guard (1900...2099).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    // MARK: - Payment cards

    /// A payment card number: 13 to 19 digits that pass the Luhn check, written in one run or in groups (at least
    /// four digits first, then groups of two or more) separated by single spaces or hyphens.
    ///
    /// The first digit is never 0 (no card scheme issues one), which spares zero-padded order and account references.
    func matchCard(_ i: Int) -> Int? {
        var g = DigitGroups()
        guard readGroup(&g, at: i), g.d0 != 0 else { return nil }
        if g.len0 < 4 { return nil }
        var best: Int? = nil
        while g.digits <= 19 {
            if g.groups > 1, g.lastLength < 2 { break }
            if g.digits >= 13, isLuhnValid(g.value), isRightBoundary(g.end) { best = g.end }
            guard readNextGroup(&g, dot: false) else { break }
        }
        return best
    }

    /// The Luhn (mod 10) check: every second digit from the right doubled. Leading zeros do not change it.
    func isLuhnValid(_ number: UInt64) -> Bool {
        var v = number
        var sum: UInt64 = 0
        var doubled = false
        while v > 0 {
            var d = v % 10
            v /= 10
            if doubled {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
            doubled.toggle()
        }
        return sum % 10 == 0
    }

    // MARK: - Phone numbers

    /// A phone number written the national way, or international with `00`: UK and Chinese landlines (`020 7946
    /// 0958`, `07700 900123`, `010-12345678`), Chinese mobiles (`13812345678`, `138 1234 5678`), North American
    /// numbers (`415-555-0132`, `415.555.0132`, `1-415-555-0132`), `0044 20 7946 0958`.
    ///
    /// A bare ten-digit North American number, or one in groups separated by spaces, is not matched: it cannot be
    /// told from an order or account number, or from three quantities.
    func matchNationalPhone(_ i: Int) -> Int? {
        var g = DigitGroups()
        guard readGroup(&g, at: i) else { return nil }
        var best: Int? = nil
        while g.digits <= 15, g.groups <= 5 {
            if isNationalPhoneShape(g), isRightBoundary(g.end) { best = g.end }
            guard readNextGroup(&g, dot: true) else { break }
        }
        return best
    }

    func isNationalPhoneShape(_ g: DigitGroups) -> Bool {
        if g.d0 == 0 {
            if g.d1 == 0 { return g.d2 > 0 && g.digits >= 4 && internationalLengths(g.d2, g.d3).contains(g.digits - 2) }
            if g.groups == 1 { return g.digits == 10 || g.digits == 11 }
            return (3...5).contains(g.len0) && g.shortestAfterFirst >= 3 && (10...12).contains(g.digits)
        }
        if g.d0 == 1, g.d1 >= 3, g.digits == 11, g.groups == 1 || (g.groups == 3 && g.len0 == 3 && g.len1 == 4 && g.len2 == 4) { return true }
        // North American numbers only with hyphens or only with full stops: `250 500 1000` is more often three
        // quantities than a phone number.
        guard g.separators == 2 || g.separators == 4 else { return false }
        if g.d0 >= 2, g.d3 >= 2, g.groups == 3, g.len0 == 3, g.len1 == 3, g.len2 == 4 { return true }
        if g.d0 == 1, g.d1 >= 2, g.groups == 4, g.len0 == 1, g.len1 == 3, g.len2 == 3, g.len3 == 4 { return true }
        return false
    }

    /// A phone number that opens with a bracketed area code: `(415) 555-0132`, `(020) 7946 0958`.
    func matchBracketedPhone(_ i: Int) -> Int? {
        var g = DigitGroups()
        guard readGroup(&g, at: i, parentheses: true) else { return nil }
        var best: Int? = nil
        while g.digits <= 12, g.groups <= 4 {
            let northAmerican = g.d0 >= 2 && g.d3 >= 2 && g.groups == 3 && g.len0 == 3 && g.len1 == 3 && g.len2 == 4
            let national = g.d0 == 0 && g.d1 > 0 && (3...5).contains(g.len0) && g.groups > 1 && g.shortestAfterFirst >= 3 && (10...11).contains(g.digits)
            if northAmerican || national, isRightBoundary(g.end) { best = g.end }
            guard readNextGroup(&g, dot: true) else { break }
        }
        return best
    }

    /// An international number (E.164 with optional separators and brackets): `+44 20 7946 0958`,
    /// `+44 (0)20 7946 0958`, `+1 (415) 555-0132`, `+8613812345678`.
    func matchInternationalPhone(_ i: Int) -> Int? {
        var g = DigitGroups()
        guard let first = digit(at: i + 1), first.value != 0, readGroup(&g, at: i + 1) else { return nil }
        var best: Int? = nil
        while g.digits <= 15, g.groups <= 7 {
            if g.digits >= 2, internationalLengths(g.d0, g.d1).contains(g.digits), isRightBoundary(g.end) { best = g.end }
            guard readNextGroup(&g, dot: true, parentheses: true) else { break }
        }
        return best
    }

    /// How many digits (country code included) an international number has, from its first two digits.
    ///
    /// Known lengths let a number followed by more digits (`+44 20 7946 0958 2024`) stop where it ends; other
    /// countries get the E.164 range.
    func internationalLengths(_ d0: Int, _ d1: Int) -> ClosedRange<Int> {
        switch (d0, d1) {
        case (1, _), (7, _): 11...11
        case (4, 4), (8, 1): 11...12
        case (8, 6): 11...13
        case (3, 3), (6, 1), (3, 4), (3, 1), (8, 5): 10...11
        case (9, 1): 12...12
        default: 8...15
        }
    }

    // MARK: - References

    /// Whether the number at `start` is introduced as a reference (`order #07700900123`, `Invoice no. 13812345678`,
    /// `订单号13812345678`): then it is the shop's number, not the customer's, and phone shapes do not apply.
    ///
    /// Checksummed kinds (cards, ID numbers, IBANs) are redacted whatever precedes them: a checksum is stronger
    /// evidence than a label.
    func isReference(before start: Int) -> Bool {
        var j = skipReferencePunctuation(before: start)
        var word = wordBefore(j)
        if word.count > 0, Self.numberWords.contains(where: { equalsIgnoringCase(word, $0) }) {
            j = skipReferencePunctuation(before: word.lowerBound)
            word = wordBefore(j)
        }
        if word.count > 0 { return Self.referenceWords.contains(where: { equalsIgnoringCase(word, $0) }) }
        // 订单 (order), 单号 (reference number), 编号 (serial number), 订单号.
        guard let last = scalar(endingAt: j), let previous = scalar(endingAt: last.start) else { return false }
        return (last.value == 0x5355 && previous.value == 0x8BA2) || (last.value == 0x53F7 && (previous.value == 0x5355 || previous.value == 0x7F16))
    }

    private static let numberWords: [[UInt8]] = ["no", "nr", "num", "number"].map { Array($0.utf8) }
    private static let referenceWords: [[UInt8]] = [
        "order", "orders", "invoice", "ref", "reference", "tracking", "ticket", "case", "sku", "item", "parcel", "shipment",
    ]
    .map { Array($0.utf8) }

    /// Spaces, `#`, `:`, `.` and their full-width forms, skipped back from `i` (a few at most).
    private func skipReferencePunctuation(before i: Int) -> Int {
        var j = i
        for _ in 0..<4 {
            let b = byte(j - 1)
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "#") || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") || b == UInt8(ascii: "\t") {
                j -= 1
            } else if byte(j - 3) == 0xEF, byte(j - 2) == 0xBC, b == 0x9A || b == 0x83 {
                j -= 3  // ： or ＃
            } else {
                break
            }
        }
        return j
    }

    /// The ASCII letters just before `j`.
    private func wordBefore(_ j: Int) -> Range<Int> {
        var w = j
        while w > 0, j - w < 12, isLetter(bytes[w - 1]) { w -= 1 }
        return w..<j
    }

    private func equalsIgnoringCase(_ word: Range<Int>, _ lowercase: [UInt8]) -> Bool {
        guard word.count == lowercase.count else { return false }
        for (k, c) in lowercase.enumerated() where bytes[word.lowerBound + k] | 0x20 != c { return false }
        return true
    }
}
