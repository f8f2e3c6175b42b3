/// Splits text into the pieces that byte-level BPE encodes one at a time, as SmolLM2's tokenizer does.
///
/// SmolLM2's `tokenizer.json` pre-tokenizes with a sequence of `Digits(individual_digits: true)` and GPT-2's
/// `ByteLevel` split; llama.cpp calls the same rule "smollm" (`tokenizer.ggml.pre`) and writes it as two regular
/// expressions applied one after the other:
///
/// 1. `\p{N}`: every numeric character is a piece of its own (the text between them stays as pieces too);
/// 2. within each piece, GPT-2's expression (Radford et al. 2019, `encoder.py`):
///    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
///
/// The expression is implemented by hand over Unicode scalars (no regex engine), alternative by alternative in
/// the order above, with the same greedy and look-ahead behaviour. `\p{L}` and `\p{N}` are the Unicode general
/// categories L* and N*, `\s` is the Unicode `White_Space` property, and ` ` is U+0020 only; matching is
/// case-sensitive (`'S` is not a contraction), as in GPT-2.
public struct BPEPreTokenizer: Sendable, Equatable {
    /// Whether numeric characters are split off one by one first (SmolLM2: yes).
    public let splitsDigits: Bool

    public init(splitsDigits: Bool = true) { self.splitsDigits = splitsDigits }

    /// The pieces of `text`, in order; their concatenation is `text`.
    public func split(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        let scalars = text.unicodeScalars
        var runStart = scalars.startIndex
        var index = scalars.startIndex
        func flushRun(upTo end: String.UnicodeScalarView.Index) {
            if runStart < end { Self.splitGPT2(text[runStart..<end], into: &pieces) }
        }
        if splitsDigits {
            while index < scalars.endIndex {
                let next = scalars.index(after: index)
                if Self.category(scalars[index]) == .number {
                    flushRun(upTo: index)
                    pieces.append(text[index..<next])
                    runStart = next
                }
                index = next
            }
        }
        flushRun(upTo: scalars.endIndex)
        return pieces
    }

    // MARK: - GPT-2 expression

    enum Category { case letter, number, space, other }

    @inline(__always)
    static func category(_ scalar: Unicode.Scalar) -> Category {
        if scalar.isASCII {
            let v = scalar.value
            if (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) { return .letter }
            if v >= 0x30 && v <= 0x39 { return .number }
            if v == 0x20 || (v >= 0x09 && v <= 0x0D) { return .space }
            return .other
        }
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Appends the matches of GPT-2's expression over `text` to `pieces`.
    static func splitGPT2(_ text: Substring, into pieces: inout [Substring]) {
        let scalars = Array(text.unicodeScalars)
        let categories = scalars.map(category)
        var indices: [String.Index] = []
        indices.reserveCapacity(scalars.count + 1)
        var i = text.unicodeScalars.startIndex
        while i < text.unicodeScalars.endIndex {
            indices.append(i)
            i = text.unicodeScalars.index(after: i)
        }
        indices.append(text.endIndex)
        let n = scalars.count
        var start = 0
        while start < n {
            let end = matchEnd(at: start, scalars, categories)
            pieces.append(text[indices[start]..<indices[end]])
            start = end
        }
    }

    /// The end of the match that starts at `i` (always > i).
    static func matchEnd(at i: Int, _ s: [Unicode.Scalar], _ c: [Category]) -> Int {
        let n = s.count
        // 's|'t|'re|'ve|'m|'ll|'d
        if s[i] == "'" && i + 1 < n {
            let a = s[i + 1]
            if a == "s" || a == "t" || a == "m" || a == "d" { return i + 2 }
            if i + 2 < n {
                let b = s[i + 2]
                if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return i + 3 }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional U+0020, then a run of one class.
        var j = i
        if s[i] == " " && i + 1 < n && c[i + 1] != .space { j = i + 1 }
        let kind = c[j]
        if kind != .space {
            var k = j + 1
            while k < n && c[k] == kind { k += 1 }
            return k
        }
        // `\s+(?!\S)`, else `\s+`.
        var k = i + 1
        while k < n && c[k] == .space { k += 1 }
        if k == n || k - i == 1 { return k }
        return k - 1
    }
}
