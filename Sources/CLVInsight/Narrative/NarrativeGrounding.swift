import Foundation

/// Checks that a generated text states no number its facts do not hold.
///
/// Every number written in the text (integers, decimals, percentages, amounts with a currency sign, numbers with
/// thousands separators, `1.2k` and `3 thousand`, and the words "two" to "twelve") must be one of the facts'
/// numbers (those in labels and values, dates and years included, each date part on its own) as a writer would
/// show it: rounded to the text's precision (`1234.5` as `1,235` or `1.2k`), with trailing zeros (`1234.50`),
/// a fraction as a percentage (`0.83` as `83%`) or a percentage as a fraction. Signs are ignored (a trend of
/// `-0.12` may be written "fell by 0.12"). Pure and deterministic.
public enum NarrativeGrounding {
    /// The numbers in `text` that match no number of `facts`, as written, in order of appearance.
    public static func inventedNumbers(in text: String, facts: Facts) -> [String] {
        let known = facts.items.flatMap { numbers(in: $0.label) + numbers(in: $0.value) }
        return numbers(in: text).filter { written in !known.contains { matches(written, $0) } }.map(\.text)
    }

    /// `text` without its sentences that hold an invented number; nil when no sentence is left.
    public static func grounded(_ text: String, facts: Facts) -> String? {
        let kept = sentences(in: text).filter { inventedNumbers(in: $0, facts: facts).isEmpty }
        return kept.isEmpty ? nil : kept.joined(separator: " ")
    }

    /// The sentences of `text`, trimmed: each ends at `.`, `!` or `?` followed by a space or the end (so `12.5`
    /// stays whole), or at a line break. Fragments without a letter or digit are dropped.
    public static func sentences(in text: String) -> [String] {
        let chars = Array(text)
        var result: [String] = []
        var current = ""
        func finish() {
            let sentence = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if sentence.contains(where: { $0.isLetter || $0.isNumber }) { result.append(sentence) }
            current = ""
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isNewline {
                finish()
            } else {
                current.append(c)
                if ".!?".contains(c) {
                    // Closing quotes and brackets belong to the sentence they end.
                    while i + 1 < chars.count, "\"')”’]".contains(chars[i + 1]) {
                        i += 1
                        current.append(chars[i])
                    }
                    if i + 1 == chars.count || chars[i + 1].isWhitespace { finish() }
                }
            }
            i += 1
        }
        finish()
        return result
    }

    // MARK: - Numbers as written

    /// A number as it appears in a text.
    struct WrittenNumber: Sendable, Equatable {
        /// The characters, with a currency sign and a percent sign or word.
        var text: String
        /// The magnitude as written (83 for "83%", 1200 for "1.2k").
        var value: Double
        /// The power of ten of the last written digit (−2 for "0.83", 0 for "12", 2 for "1.2k").
        var exponent: Int
        var isPercent: Bool
    }

    static let numberWords: [String: Double] = [
        "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    ]
    static let currencySigns: Set<Character> = ["$", "€", "£", "¥", "₹"]
    static let multiplierWords: [String: Int] = ["thousand": 3, "million": 6, "billion": 9]

    /// Every number written in `text`, in order.
    static func numbers(in text: String) -> [WrittenNumber] {
        let chars = Array(text)
        let n = chars.count
        func isDigit(_ i: Int) -> Bool { i < n && chars[i].isASCII && chars[i].isWholeNumber }
        func isLetter(_ i: Int) -> Bool { i < n && chars[i].isLetter }
        func word(at i: Int) -> String {
            var j = i
            while isLetter(j) { j += 1 }
            return String(chars[i..<j]).lowercased()
        }
        var found: [WrittenNumber] = []
        var i = 0
        while i < n {
            if isLetter(i) {
                let start = i
                while isLetter(i) { i += 1 }
                if let value = numberWords[String(chars[start..<i]).lowercased()] {
                    var number = WrittenNumber(text: String(chars[start..<i]), value: value, exponent: 0, isPercent: false)
                    i = suffix(of: &number, chars: chars, at: i, word: word)
                    found.append(number)
                }
                continue
            }
            guard isDigit(i) else {
                i += 1
                continue
            }
            let start = i > 0 && currencySigns.contains(chars[i - 1]) ? i - 1 : i
            var digits = ""
            while isDigit(i) {
                digits.append(chars[i])
                i += 1
            }
            // Thousands separators: groups of exactly three digits after at most three.
            if digits.count <= 3 {
                while i < n, chars[i] == ",", isDigit(i + 1), isDigit(i + 2), isDigit(i + 3), !isDigit(i + 4) {
                    digits += String(chars[(i + 1)...(i + 3)])
                    i += 4
                }
            }
            var exponent = 0
            if i + 1 < n, chars[i] == ".", isDigit(i + 1) {
                digits.append(".")
                i += 1
                while isDigit(i) {
                    digits.append(chars[i])
                    exponent -= 1
                    i += 1
                }
            }
            var number = WrittenNumber(text: "", value: Double(digits) ?? 0, exponent: exponent, isPercent: false)
            // Multipliers: "1.2k", "3 thousand".
            if i < n, chars[i] == "k" || chars[i] == "K", !isLetter(i + 1) {
                number.value *= 1e3
                number.exponent += 3
                i += 1
            } else if i + 1 < n, chars[i] == " ", let power = multiplierWords[word(at: i + 1)] {
                number.value *= pow(10, Double(power))
                number.exponent += power
                i += 1 + word(at: i + 1).count
            }
            let end = suffix(of: &number, chars: chars, at: i, word: word)
            number.text = String(chars[start..<end])
            i = end
            found.append(number)
        }
        return found
    }

    /// Reads a percent sign or word after a number; returns the index after it (or `i`).
    private static func suffix(of number: inout WrittenNumber, chars: [Character], at i: Int, word: (Int) -> String) -> Int {
        let n = chars.count
        if i < n, chars[i] == "%" {
            number.isPercent = true
            return i + 1
        }
        guard i + 1 < n, chars[i] == " " else { return i }
        let next = word(i + 1)
        if next == "percent" {
            number.isPercent = true
            return i + 1 + next.count
        }
        if next == "per", i + 5 < n, word(i + 5) == "cent" {
            number.isPercent = true
            return i + 9
        }
        return i
    }

    /// Whether `written` shows `fact` at its own precision, directly or as a percentage of it (or the reverse).
    static func matches(_ written: WrittenNumber, _ fact: WrittenNumber) -> Bool {
        let candidates: [Double] =
            if written.isPercent { [fact.isPercent ? fact.value : fact.value * 100] } else {
                fact.isPercent ? [fact.value, fact.value / 100] : [fact.value]
            }
        let halfStep = 0.5 * pow(10, Double(written.exponent))
        return candidates.contains { abs($0 - written.value) <= halfStep + 1e-9 * max(1, abs($0)) }
    }
}
