/// Splits documents into the terms topics are labelled with: lowercase words without stop words, numbers or
/// punctuation, and character bigrams for Chinese.
///
/// - Latin-script (and any other alphabetic) text: maximal runs of letters, digits and inner apostrophes,
///   lowercased; a possessive `'s` is dropped, then stop words, tokens without a letter (numbers such as `2024`)
///   and tokens shorter than ``minimumLength``; apostrophes are removed from what remains (`don't` → `dont`).
/// - Han (and kana) text has no spaces: each run of ideographs, split at common function characters
///   (的, 了, 很, 是, …), becomes its overlapping character bigrams (`质量很好` → `质量`, `好`; `物流太慢` →
///   `物流`, `流太`, `太慢`), the usual bag-of-words stand-in for Chinese word segmentation; a run of one character
///   is kept as a unigram.
public struct TopicTokenizer: Sendable, Equatable {
    /// Lowercase words dropped from Latin-script text.
    public var stopWords: Set<String>
    /// Han characters that split runs (and are dropped).
    public var chineseStopCharacters: Set<Character>
    /// The shortest Latin-script token kept.
    public var minimumLength: Int

    /// A tokenizer with the built-in English stop words and Chinese function characters.
    public init(stopWords: Set<String> = TopicTokenizer.englishStopWords, chineseStopCharacters: Set<Character>? = nil, minimumLength: Int = 2) {
        self.stopWords = stopWords
        self.chineseStopCharacters = chineseStopCharacters ?? Self.chineseFunctionCharacters
        self.minimumLength = minimumLength
    }

    /// The terms of `text`, in order of appearance (with repeats).
    public func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var word = ""
        var han: [Character] = []
        func flushWord() {
            defer { word = "" }
            guard !word.isEmpty else { return }
            var w = word
            while let last = w.last, last == "'" { w.removeLast() }
            if w.hasSuffix("'s") { w.removeLast(2) }
            guard !stopWords.contains(w) else { return }
            w.removeAll { $0 == "'" }
            guard w.count >= minimumLength, w.contains(where: \.isLetter), !stopWords.contains(w) else { return }
            out.append(w)
        }
        func flushHan() {
            defer { han = [] }
            if han.count == 1 {
                out.append(String(han[0]))
            } else if han.count > 1 {
                for i in 0..<(han.count - 1) { out.append(String(han[i...(i + 1)])) }
            }
        }
        for ch in text.lowercased() {
            if Self.isHan(ch) {
                flushWord()
                if chineseStopCharacters.contains(ch) { flushHan() } else { han.append(ch) }
            } else if ch.isLetter || ch.isNumber {
                flushHan()
                word.append(ch)
            } else if (ch == "'" || ch == "’") && !word.isEmpty {
                word.append("'")
            } else {
                flushHan()
                flushWord()
            }
        }
        flushHan()
        flushWord()
        return out
    }

    /// Whether `ch` is a CJK ideograph or kana (scripts written without spaces between words).
    static func isHan(_ ch: Character) -> Bool {
        guard let scalar = ch.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x323AF: return true
        default: return false
        }
    }

    /// Chinese function characters (particles, pronouns, copula, degree adverbs) that carry no topic.
    public static let chineseFunctionCharacters: Set<Character> = [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "着", "和", "与", "也", "都", "很", "就", "是", "在", "我", "你", "他", "她", "它", "们", "这", "那",
        "个", "把", "被", "还", "又", "及", "或", "但", "而",
    ]

    /// A general-purpose English stop-word list (function words, auxiliaries, pronouns, common adverbs), written
    /// for CLVKit; contractions appear with their apostrophe.
    public static let englishStopWords: Set<String> = [
        "a", "about", "above", "after", "again", "against", "ago", "all", "almost", "along", "already", "also", "although", "always", "am", "among", "an",
        "and", "another", "any", "anybody", "anyone", "anything", "anyway", "anywhere", "are", "aren't", "around", "as", "at", "away", "back", "be",
        "became", "because", "become", "been", "before", "being", "below", "beside", "besides", "between", "beyond", "both", "but", "by", "can",
        "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "done", "down", "during", "each", "either",
        "else", "enough", "etc", "even", "ever", "every", "everyone", "everything", "few", "for", "from", "further", "get", "gets", "getting", "got",
        "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here", "here's", "hers", "herself", "him",
        "himself", "his", "how", "how's", "however", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself",
        "just", "least", "less", "let", "let's", "like", "made", "make", "many", "may", "maybe", "me", "might", "mine", "more", "most", "much", "must",
        "mustn't", "my", "myself", "neither", "never", "no", "nobody", "none", "nor", "not", "nothing", "now", "of", "off", "often", "oh", "ok", "okay",
        "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "ought", "our", "ours", "ourselves", "out", "over", "own", "per",
        "perhaps", "please", "quite", "rather", "really", "said", "same", "say", "says", "see", "seem", "seemed", "seems", "several", "shall",
        "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn't", "since", "so", "some", "somebody", "someone", "something", "sometimes",
        "somewhat", "still", "such", "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these",
        "they", "they'd", "they'll", "they're", "they've", "thing", "things", "this", "those", "though", "through", "thus", "to", "too", "toward",
        "towards", "under", "until", "up", "upon", "us", "very", "via", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "well", "were",
        "weren't", "what", "what's", "whatever", "when", "when's", "where", "where's", "whether", "which", "while", "who", "who's", "whom", "whose",
        "why", "why's", "will", "with", "within", "without", "won't", "would", "wouldn't", "yes", "yet", "you", "you'd", "you'll", "you're", "you've",
        "your", "yours", "yourself", "yourselves", "im", "ive", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant", "wont",
    ]
}
