import Foundation

/// A rule-based sentiment baseline: a hand-written lexicon of English and Chinese opinion words with negation,
/// intensifiers and "but", in the manner of VADER (Hutto & Gilbert 2014, "VADER: a parsimonious rule-based model
/// for sentiment analysis of social media text", ICWSM) but with CLVKit's own, much smaller word lists.
///
/// Each opinion word has a valence (±1.5 mild, ±2 plain, ±3 strong). A valence is
/// - multiplied by −0.74 when a negator (`not`, `never`, `no`, a word ending in `n't`; 不, 没, 没有, 别, 未, 无) is
///   among the three words (two characters in Chinese) before it,
/// - multiplied by 1.3 after an intensifier (`very`, `extremely`, 很, 非常, 太, …) or 0.7 after a dampener
///   (`slightly`, `somewhat`, 有点, …) directly before it,
/// - weighted 0.5 before and 1.5 after a contrast (`but`, `however`, 但是, 可是, 不过) in the same text.
/// The sum s becomes the score `s / √(s² + 15)` in (−1, 1) (VADER's normalisation), and the label follows the
/// thresholds (VADER's ±0.05 by default).
public struct LexiconSentiment: Sendable, Equatable {
    /// Scores at or above this are positive.
    public var positiveThreshold: Double
    /// Scores at or below this are negative.
    public var negativeThreshold: Double

    /// A lexicon scorer with VADER's thresholds (±0.05).
    public init(positiveThreshold: Double = 0.05, negativeThreshold: Double = -0.05) {
        self.positiveThreshold = positiveThreshold
        self.negativeThreshold = negativeThreshold
    }

    /// The sentiment of one text.
    public func score(_ text: String) -> LexiconScore {
        var hits: [(valence: Double, position: Int)] = []
        var contrast: Int?
        var position = 0
        scanEnglish(text, hits: &hits, contrast: &contrast, position: &position)
        scanChinese(text, hits: &hits, contrast: &contrast, position: &position)
        var sum = 0.0
        for hit in hits {
            var v = hit.valence
            if let c = contrast { v *= hit.position < c ? 0.5 : 1.5 }
            sum += v
        }
        let score = sum / (sum * sum + 15).squareRoot()
        let label: SentimentLabel = score >= positiveThreshold ? .positive : score <= negativeThreshold ? .negative : .neutral
        return LexiconScore(score: score, label: label, opinionWords: hits.count)
    }

    private func scanEnglish(_ text: String, hits: inout [(valence: Double, position: Int)], contrast: inout Int?, position: inout Int) {
        var words: [String] = []
        var word = ""
        for ch in text.lowercased() {
            if (ch.isLetter && !TopicTokenizer.isHan(ch)) || ((ch == "'" || ch == "’") && !word.isEmpty) {
                word.append(ch == "’" ? "'" : ch)
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        for (i, w) in words.enumerated() {
            if Self.englishContrast.contains(w) { contrast = position + i }
            guard var v = Self.englishValence[w] else { continue }
            if i > 0 {
                if let m = Self.englishModifiers[words[i - 1]] { v *= m }
            }
            let window = words[max(0, i - 3)..<i]
            if window.contains(where: { Self.englishNegators.contains($0) || $0.hasSuffix("n't") }) { v *= -0.74 }
            hits.append((v, position + i))
        }
        position += words.count
    }

    private func scanChinese(_ text: String, hits: inout [(valence: Double, position: Int)], contrast: inout Int?, position: inout Int) {
        let chars = Array(text)
        var i = 0
        var lastNegator = -10
        var lastModifier: (end: Int, factor: Double)?
        while i < chars.count {
            guard TopicTokenizer.isHan(chars[i]) else {
                i += 1
                continue
            }
            if let (match, v) = Self.longestMatch(in: chars, at: i, lexicon: Self.chineseValence) {
                var valence = v
                if let m = lastModifier, m.end == i { valence *= m.factor }
                if i - lastNegator <= 2 { valence *= -0.74 }
                hits.append((valence, position + i))
                i += match
                continue
            }
            if let (match, _) = Self.longestMatch(in: chars, at: i, lexicon: Self.chineseContrastWords) {
                contrast = position + i
                i += match
                continue
            }
            if let (match, f) = Self.longestMatch(in: chars, at: i, lexicon: Self.chineseModifiers) {
                lastModifier = (i + match, f)
                i += match
                continue
            }
            if let (match, _) = Self.longestMatch(in: chars, at: i, lexicon: Self.chineseNegators) {
                lastNegator = i + match
                // A modifier right after the negator (不太好) still applies to the word.
                i += match
                continue
            }
            i += 1
        }
        position += chars.count
    }

    private static func longestMatch(in chars: [Character], at i: Int, lexicon: [String: Double]) -> (Int, Double)? {
        for length in stride(from: min(4, chars.count - i), through: 1, by: -1) {
            if let v = lexicon[String(chars[i..<(i + length)])] { return (length, v) }
        }
        return nil
    }

    // MARK: - Lexicon

    static let englishNegators: Set<String> = [
        "not", "no", "never", "nor", "neither", "nobody", "nothing", "none", "nowhere", "cannot", "without", "hardly", "barely", "dont", "didnt",
        "doesnt", "isnt", "wasnt", "wont", "cant", "aint",
    ]

    static let englishContrast: Set<String> = ["but", "however", "although", "though", "yet"]

    static let englishModifiers: [String: Double] = [
        "very": 1.3, "really": 1.3, "extremely": 1.3, "so": 1.3, "too": 1.3, "super": 1.3, "incredibly": 1.3, "absolutely": 1.3, "totally": 1.3,
        "completely": 1.3, "highly": 1.3, "truly": 1.3, "utterly": 1.3, "most": 1.3, "exceptionally": 1.3, "remarkably": 1.3, "seriously": 1.3,
        "especially": 1.3, "quite": 1.15, "pretty": 1.15, "slightly": 0.7, "somewhat": 0.7, "little": 0.7, "bit": 0.7, "fairly": 0.85,
        "kinda": 0.7, "mildly": 0.7, "marginally": 0.7, "almost": 0.8,
    ]

    private static let strongPositive = [
        "excellent", "amazing", "awesome", "outstanding", "perfect", "fantastic", "wonderful", "brilliant", "superb", "exceptional", "love", "loved",
        "loves", "best", "flawless", "incredible", "magnificent", "delighted", "thrilled", "exquisite", "phenomenal", "stellar", "impeccable",
        "terrific", "marvelous", "marvellous", "spectacular",
    ]
    private static let plainPositive = [
        "good", "great", "nice", "happy", "pleased", "satisfied", "recommend", "recommended", "beautiful", "lovely", "favorite", "favourite", "enjoy",
        "enjoyed", "enjoying", "glad", "helpful", "friendly", "fast", "quick", "quickly", "easy", "comfortable", "reliable", "sturdy", "solid", "durable",
        "quality", "worth", "worthwhile", "value", "bargain", "thanks", "thank", "appreciate", "appreciated", "impressed", "impressive", "like", "liked",
        "likes", "works", "working", "fine", "clean", "fresh", "tasty", "delicious", "soft", "smooth", "elegant", "stylish", "gorgeous", "cute", "fun",
        "pleasant", "polite", "professional", "efficient", "effective", "accurate", "convenient", "responsive", "courteous", "prompt", "generous",
        "affordable", "cheap", "secure", "safe", "fit", "fits", "better", "improved", "improvement", "success", "successful", "win", "positive",
        "correct", "exactly", "precise", "sharp", "bright", "vibrant", "useful", "handy", "intuitive", "seamless", "reasonable", "fair", "honest",
        "trustworthy", "kind", "caring", "attentive", "patient", "supportive", "resolved", "solved", "fixed", "refunded", "ontime", "wow",
        "cool", "charming", "classy", "premium", "luxurious", "cozy", "cosy", "adorable", "pleasure", "joy", "satisfying", "superior",
    ]
    private static let mildPositive = [
        "ok", "okay", "decent", "adequate", "acceptable", "alright", "satisfactory", "sufficient", "reasonably", "nicely", "neat", "tidy", "calm",
    ]
    private static let strongNegative = [
        "terrible", "awful", "horrible", "worst", "hate", "hated", "hates", "disgusting", "useless", "garbage", "trash", "scam", "fraud", "pathetic",
        "atrocious", "dreadful", "appalling", "abysmal", "furious", "outraged", "nightmare", "rubbish", "disaster", "disastrous", "unacceptable",
        "ripoff", "horrendous", "fake", "dangerous", "toxic", "infuriating", "worthless",
    ]
    private static let plainNegative = [
        "bad", "poor", "poorly", "disappointed", "disappointing", "disappointment", "broken", "broke", "defective", "damaged", "faulty", "slow", "late",
        "delayed", "delay", "missing", "lost", "wrong", "rude", "unhelpful", "angry", "annoyed", "annoying", "upset", "unhappy", "sad", "frustrated",
        "frustrating", "problem", "problems", "issue", "issues", "complaint", "complain", "complained", "refund", "return", "returned", "returning",
        "cheaply", "flimsy", "fragile", "overpriced", "expensive", "pricey", "dirty", "stained", "smelly", "stinks", "leak", "leaks", "leaking",
        "cracked", "scratched", "dented", "torn", "ripped", "wasted", "waste", "fail", "failed", "fails", "failure", "error", "errors", "bug", "buggy",
        "crash", "crashes", "crashed", "stopped", "unreliable", "uncomfortable", "tight", "loose", "itchy", "noisy", "loud", "confusing", "complicated",
        "difficult", "hard", "impossible", "ignored", "ignore", "unresponsive", "incompetent", "misleading", "mislead", "misled", "lie", "lied",
        "lies", "cheated", "stolen", "worse", "regret", "regrets", "mess", "messy", "ugly", "dull", "bland", "stale", "spoiled", "rotten", "sick",
        "hurt", "pain", "painful", "cancel", "cancelled", "canceled", "never", "avoid", "beware", "warning", "negative", "mediocre", "inferior",
        "lacking", "lacks", "unusable", "incorrect", "inaccurate", "shoddy", "sloppy", "careless", "unprofessional", "hassle", "nuisance", "sucks",
        "awkward", "mistake", "mistakes", "weak", "fell", "falls", "apart", "crap", "meh", "unfortunately", "sadly", "worried", "concerned",
    ]
    private static let mildNegative = ["lukewarm", "average", "underwhelming", "pricy", "meager", "small", "smaller"]

    static let englishValence: [String: Double] = {
        var v: [String: Double] = [:]
        for w in mildPositive { v[w] = 1.5 }
        for w in plainPositive { v[w] = 2 }
        for w in strongPositive { v[w] = 3 }
        for w in mildNegative { v[w] = -1.5 }
        for w in plainNegative { v[w] = -2 }
        for w in strongNegative { v[w] = -3 }
        // "never" is a negator, not an opinion on its own; "like" in "looks like" is too ambiguous to count strongly.
        v["never"] = nil
        v["like"] = 1
        return v
    }()

    static let chineseValence: [String: Double] = [
        // positive
        "好": 2, "很好": 2.5, "不错": 2, "满意": 2, "喜欢": 2, "推荐": 2, "完美": 3, "赞": 2, "棒": 2.5, "优秀": 2.5, "值得": 2, "划算": 2, "实惠": 2,
        "舒服": 2, "漂亮": 2, "精美": 2, "惊喜": 2.5, "开心": 2, "高兴": 2, "感谢": 2, "谢谢": 1.5, "专业": 1.5, "耐心": 1.5, "热情": 2, "物美价廉": 3,
        "好评": 2.5, "正品": 1.5, "方便": 1.5, "好用": 2, "好吃": 2, "给力": 2.5, "靠谱": 2, "超值": 2.5, "发货快": 2, "速度快": 2, "物流快": 2, "喜爱": 2,
        "优质": 2, "放心": 2,
        // negative
        "差": -2, "很差": -2.5, "失望": -2, "垃圾": -3, "退货": -1.5, "退款": -1.5, "慢": -1.5, "破": -2, "坏": -2, "烂": -2.5, "贵": -1.5, "假": -2,
        "假货": -3, "难用": -2, "难吃": -2, "糟糕": -3, "投诉": -2, "生气": -2, "骗": -3, "骗子": -3, "不满": -2, "后悔": -2, "差评": -2.5,
        "敷衍": -2, "破损": -2, "漏": -1.5, "脏": -2, "臭": -2, "难看": -2, "失灵": -2, "卡顿": -1.5, "麻烦": -1.5, "浪费": -2, "问题": -1,
        "恶心": -3, "无语": -2,
    ]

    static let chineseNegators: [String: Double] = ["不": 1, "没": 1, "没有": 1, "别": 1, "未": 1, "无": 1, "并非": 1, "不是": 1]
    static let chineseModifiers: [String: Double] = [
        "很": 1.3, "非常": 1.3, "太": 1.3, "特别": 1.3, "超": 1.3, "超级": 1.3, "极": 1.3, "极其": 1.3, "十分": 1.3, "真": 1.3, "挺": 1.15, "比较": 0.85,
        "有点": 0.7, "有些": 0.7, "稍微": 0.7, "略": 0.7,
    ]
    static let chineseContrastWords: [String: Double] = ["但是": 1, "但": 1, "可是": 1, "不过": 1, "然而": 1]
}

/// Positive, negative or neutral.
public enum SentimentLabel: String, Sendable, Codable, CaseIterable {
    case positive, negative, neutral
}

/// A lexicon score of one text.
public struct LexiconScore: Sendable, Equatable, Codable {
    /// The normalised score in (−1, 1): negative below 0, positive above.
    public let score: Double
    /// The label by the scorer's thresholds.
    public let label: SentimentLabel
    /// The number of opinion words found (0: the text says nothing the lexicon knows; the score is 0).
    public let opinionWords: Int
}
