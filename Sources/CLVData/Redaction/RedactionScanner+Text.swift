extension RedactionScanner {
    // MARK: - E-mail addresses

    /// An e-mail address around the `@` at `at`: a local part (letters, digits, `._%+-`, plus-addressing included)
    /// and a domain of two or more labels ending in an alphabetic top-level domain (`jane+news@mail.shop.example.co.uk`).
    ///
    /// The scan meets the `@` after it has passed the local part, so the local part is read backwards, never past
    /// `floor` (the end of the last match).
    func matchEmail(at: Int, floor: Int) -> RedactionMatch? {
        var s = at
        while s > floor, at - s < 64, isLocalPartByte(bytes[s - 1]) { s -= 1 }
        while s < at, bytes[s] == UInt8(ascii: ".") { s += 1 }
        guard s < at else { return nil }
        var p = at + 1
        var labels = 0
        var end: Int? = nil
        while true {
            let labelStart = p
            var alphabetic = true
            while isAlphanumeric(byte(p)) || byte(p) == UInt8(ascii: "-") {
                if !isLetter(byte(p)) { alphabetic = false }
                p += 1
            }
            guard p > labelStart else { break }
            labels += 1
            if labels >= 2, alphabetic, p - labelStart >= 2 { end = p }
            guard byte(p) == UInt8(ascii: "."), isAlphanumeric(byte(p + 1)) else { break }
            p += 1
        }
        guard let end, byte(end) != UInt8(ascii: "@"), byte(end) != UInt8(ascii: "_") else { return nil }
        return RedactionMatch(start: s, end: end, kind: .email)
    }

    @inline(__always) private func isLocalPartByte(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }

    // MARK: - IBANs

    /// An IBAN (ISO 13616): two capital letters, two check digits and a BBAN of capitals and digits, 15 to 34
    /// characters in all, in one run or in groups of four separated by single spaces, whose mod-97 value is 1.
    ///
    /// In groups, every prefix that ends a group is a candidate and the longest that passes the check wins, so a
    /// currency code after the number (`… 0130 00 EUR`) is left alone.
    func matchIBAN(_ i: Int) -> Int? {
        guard isUpper(byte(i + 1)), isDigit(byte(i + 2)), isDigit(byte(i + 3)) else { return nil }
        var p = i + 4
        var length = 4
        var best: Int? = nil
        if byte(p) == UInt8(ascii: " ") {
            while byte(p) == UInt8(ascii: " "), isIBANByte(byte(p + 1)) {
                var q = p + 1
                while q - p <= 4, isIBANByte(byte(q)) { q += 1 }
                let group = q - p - 1
                length += group
                if length > 34 { break }
                if length >= 15, isRightBoundary(q), ibanRemainder(i, q) == 1 { best = q }
                guard group == 4 else { break }
                p = q
            }
        } else {
            while isIBANByte(byte(p)), length <= 34 {
                p += 1
                length += 1
            }
            if (15...34).contains(length), isRightBoundary(p), ibanRemainder(i, p) == 1 { best = p }
        }
        return best
    }

    @inline(__always) private func isIBANByte(_ b: UInt8) -> Bool { isDigit(b) || isUpper(b) }

    /// The IBAN in bytes `start..<end` (spaces skipped) modulo 97, computed as ISO 13616 says: the first four
    /// characters moved to the end and each letter read as two digits (A = 10 … Z = 35).
    private func ibanRemainder(_ start: Int, _ end: Int) -> Int {
        var r = 0
        func feed(_ b: UInt8) {
            if isDigit(b) {
                r = (r * 10 + Int(b &- 0x30)) % 97
            } else if isUpper(b) {
                r = (r * 100 + Int(b &- 0x41) + 10) % 97
            }
        }
        for k in (start + 4)..<end { feed(bytes[k]) }
        for k in start..<(start + 4) { feed(bytes[k]) }
        return r
    }

    // MARK: - UK postcodes

    /// A UK postcode: an outward code (`SW1A`, `M1`, `B33`, `DN55`) and an inward code (`1AA`), with or without the
    /// space between them. The inward letters never include C, I, K, M, O or V (Royal Mail leaves them out), which
    /// spares many product codes.
    func matchPostcode(_ i: Int) -> Int? {
        var p = i + 1
        if isUpper(byte(p)) { p += 1 }
        guard isDigit(byte(p)) else { return nil }
        p += 1
        // The outward code may end here or one character later (`SW1A`, `B33`); try the longer first.
        let longer = isDigit(byte(p)) || isUpper(byte(p))
        for outwardEnd in longer ? [p + 1, p] : [p] {
            var q = outwardEnd
            if byte(q) == UInt8(ascii: " ") { q += 1 }
            if isDigit(byte(q)), isInwardLetter(byte(q + 1)), isInwardLetter(byte(q + 2)), isRightBoundary(q + 3) { return q + 3 }
        }
        return nil
    }

    @inline(__always) private func isInwardLetter(_ b: UInt8) -> Bool {
        isUpper(b) && b != UInt8(ascii: "C") && b != UInt8(ascii: "I") && b != UInt8(ascii: "K") && b != UInt8(ascii: "M") && b != UInt8(ascii: "O")
            && b != UInt8(ascii: "V")
    }

    // MARK: - Street addresses

    /// A street address line: a house number (`12`, `221B`, `12-14`), then one or more capitalised words ending in a
    /// street suffix (`Baker Street`, `Elm Rd`, `Pennsylvania Avenue`).
    ///
    /// Words must be capitalised with some lower case (`Baker`, `McDonald`): all-capital words are left alone because
    /// product titles are written that way (`22423 REGENCY CAKESTAND 3 TIER`), and a title must not lose its number.
    func matchStreetAddress(_ i: Int) -> Int? {
        var p = i
        while isDigit(byte(p)), p - i < 5 { p += 1 }
        guard !isDigit(byte(p)) else { return nil }
        if isLetter(byte(p)), !isLetter(byte(p + 1)) { p += 1 }
        if byte(p) == UInt8(ascii: "-"), isDigit(byte(p + 1)) {
            p += 1
            while isDigit(byte(p)), p - i < 12 { p += 1 }
        }
        guard byte(p) == UInt8(ascii: " "), isUpper(byte(p + 1)) else { return nil }
        p += 1
        for word in 0..<6 {
            let start = p
            var lower = false
            p += 1
            while isLetter(byte(p)) || ((byte(p) == UInt8(ascii: "'") || byte(p) == UInt8(ascii: "-")) && isLetter(byte(p + 1))) {
                if isLower(byte(p)) { lower = true }
                p += 1
            }
            guard lower, isRightBoundary(p) || byte(p) == UInt8(ascii: " ") else { return nil }
            if word > 0, isStreetSuffix(start..<p), isRightBoundary(p) { return p }
            guard byte(p) == UInt8(ascii: " "), isUpper(byte(p + 1)) else { return nil }
            p += 1
        }
        return nil
    }

    private static let streetSuffixes: [[UInt8]] = [
        "Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Ln", "Drive", "Dr", "Close", "Way", "Boulevard", "Blvd", "Place", "Pl", "Court", "Ct",
        "Crescent", "Terrace", "Square", "Gardens", "Grove", "Parkway", "Highway", "Mews",
    ].map { Array($0.utf8) }

    private func isStreetSuffix(_ word: Range<Int>) -> Bool {
        Self.streetSuffixes.contains { suffix in
            suffix.count == word.count && suffix.indices.allSatisfy { bytes[word.lowerBound + $0] == suffix[$0] }
        }
    }

    // MARK: - Chinese addresses

    /// A Chinese street address: a road (…路, …街, …道, …巷, …弄), a number and 号, with any building, unit and room
    /// after it (`3栋`, `2单元`, `501室`), and the place names before it back to a word that introduces it.
    ///
    /// Chinese has no spaces, so the start is found by reading back over ideographs until a character that cannot be
    /// part of a place name (`在`, `是`, `到`, `：` …), at most 16 characters and never past `floor`. `3月5号` (a date)
    /// has no road character and is not matched.
    func matchChineseAddress(_ i: Int, floor: Int) -> RedactionMatch? {
        guard let road = scalar(endingAt: i), road.start >= floor, Self.roadCharacters.contains(road.value) else { return nil }
        var p = skipDigits(i)
        guard p > i else { return nil }
        if byte(p) == UInt8(ascii: "-"), digit(at: p + 1) != nil { p = skipDigits(p + 1) }
        guard scalar(at: p).value == 0x53F7 else { return nil }  // 号
        p += 3
        // Building (栋, 楼, 座), unit (单元), floor (层) and room (室), each after a number.
        while true {
            let q = skipDigits(p)
            guard q > p else { break }
            let unit = scalar(at: q)
            if unit.value == 0x5355, scalar(at: q + 3).value == 0x5143 {
                p = q + 6  // 单元
            } else if Self.unitCharacters.contains(unit.value) {
                p = q + unit.width
            } else {
                break
            }
        }
        var s = road.start
        for _ in 0..<16 {
            guard let previous = scalar(endingAt: s), previous.start >= floor, (0x4E00...0x9FFF).contains(previous.value),
                !Self.addressStops.contains(previous.value)
            else { break }
            s = previous.start
        }
        return RedactionMatch(start: s, end: p, kind: .address)
    }

    /// 路 街 道 巷 弄.
    private static let roadCharacters: Set<UInt32> = [0x8DEF, 0x8857, 0x9053, 0x5DF7, 0x5F04]
    /// 栋 楼 座 层 室 号.
    private static let unitCharacters: Set<UInt32> = [0x680B, 0x697C, 0x5EA7, 0x5C42, 0x5BA4, 0x53F7]
    /// Characters that introduce an address or end the words before it: 在 是 到 至 址 于 往 的 我 你 他 她 从 和 与 住 寄 送 为.
    private static let addressStops: Set<UInt32> = [
        0x5728, 0x662F, 0x5230, 0x81F3, 0x5740, 0x4E8E, 0x5F80, 0x7684, 0x6211, 0x4F60, 0x4ED6, 0x5979, 0x4ECE, 0x548C, 0x4E0E, 0x4F4F, 0x5BC4, 0x9001,
        0x4E3A,
    ]

    private func skipDigits(_ i: Int) -> Int {
        var p = i
        while let d = digit(at: p), p - i < 18 { p += d.width }
        return p
    }
}
