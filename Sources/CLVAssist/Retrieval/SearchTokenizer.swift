/// Splits English and Chinese text into the terms BM25 counts.
///
/// - Letters and digits outside the Han blocks form words: lowercased, English stop words dropped, and a light
///   suffix stripper (plural `-s`/`-es`/`-ies`, `-ed`, `-ing`) maps `returns`, `returned`, `returning` to `return`.
/// - A run of Han characters becomes its overlapping character bigrams (`退款到账` -> `退款`, `款到`, `到账`), the
///   CJK analyser of Lucene and Elasticsearch: Chinese has no spaces and a word segmenter needs a dictionary;
///   bigrams cover two-character words, the commonest kind, without one. A single Han character stands alone.
/// - Everything else (punctuation, symbols, emoji) separates terms.
public struct SearchTokenizer: Sendable {
    public init() {}

    /// The terms of `text`, in order (repeats kept: BM25 counts them).
    public func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var word = ""
        var han: [Character] = []
        func flushWord() {
            guard !word.isEmpty else { return }
            if !Self.stopWords.contains(word) { terms.append(Self.stem(word)) }
            word = ""
        }
        func flushHan() {
            if han.count == 1 { terms.append(String(han[0])) }
            if han.count >= 2 { for i in 0..<(han.count - 1) { terms.append(String(han[i]) + String(han[i + 1])) } }
            han.removeAll(keepingCapacity: true)
        }
        for character in text {
            if Self.isHan(character) {
                flushWord()
                han.append(character)
            } else if character.isLetter || character.isNumber {
                flushHan()
                word += character.lowercased()
            } else {
                flushWord()
                flushHan()
            }
        }
        flushWord()
        flushHan()
        return terms
    }

    static func isHan(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x323AF: return true
        default: return false
        }
    }

    /// Harman's S-stemmer (1991) plus `-ed` and `-ing`, each only when a stem of at least three letters remains.
    static func stem(_ word: String) -> String {
        guard word.count > 3, word.allSatisfy({ $0.isASCII && $0.isLetter }) else { return word }
        if word.hasSuffix("ies") && !word.hasSuffix("eies") && !word.hasSuffix("aies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("sses") { return String(word.dropLast(2)) }
        if word.hasSuffix("es") && !word.hasSuffix("aes") && !word.hasSuffix("ees") && !word.hasSuffix("oes") && word.count > 4 {
            let stem = word.dropLast(2)
            if let last = stem.last, "sxz".contains(last) || stem.hasSuffix("ch") || stem.hasSuffix("sh") { return String(stem) }
            return String(word.dropLast())
        }
        if word.hasSuffix("s") && !word.hasSuffix("us") && !word.hasSuffix("ss") { return String(word.dropLast()) }
        if word.hasSuffix("ing") && word.count >= 6 { return undoubled(String(word.dropLast(3))) }
        if word.hasSuffix("ed") && word.count >= 5 && !word.hasSuffix("eed") { return undoubled(String(word.dropLast(2))) }
        return word
    }

    /// `shipp` -> `ship`, `stopp` -> `stop`: the consonant doubled before `-ed`/`-ing`.
    private static func undoubled(_ stem: String) -> String {
        guard stem.count >= 3, let last = stem.last, stem.dropLast().last == last, !"lsz".contains(last), !"aeiou".contains(last) else { return stem }
        return String(stem.dropLast())
    }

    /// Function words that say nothing about which article answers a question.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
        "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please", "she",
        "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "us", "was", "we", "were", "what", "when",
        "where", "which", "who", "why", "will", "with", "would", "you", "your",
    ]
}
