import CLVCore
import Foundation

/// Checks that an answer says only what its passages say: each sentence's content terms must mostly occur in the
/// passages, and every number it writes must be one of theirs.
///
/// The measure is lexical (the share of a sentence's BM25 terms, stems and Chinese bigrams, found in the
/// passages), not entailment: a sentence that recombines the passages' words into a false claim passes, and a
/// faithful paraphrase in other words fails. Numbers are checked exactly because a wrong day count or amount is
/// the commonest invented policy.
public struct FaithfulnessCheck: Sendable {
    /// The least share of a sentence's terms found in the passages.
    public var minimumOverlap: Double
    public let tokenizer: SearchTokenizer

    public init(minimumOverlap: Double = 0.6, tokenizer: SearchTokenizer = SearchTokenizer()) {
        self.minimumOverlap = minimumOverlap
        self.tokenizer = tokenizer
    }

    /// One sentence's verdict.
    public struct Sentence: Sendable, Equatable, Codable {
        public var text: String
        public var overlap: Double
        /// Numbers the sentence writes that no passage holds.
        public var unknownNumbers: [String]
        public var supported: Bool
    }

    /// The verdict on a whole answer.
    public struct Verdict: Sendable, Equatable, Codable {
        public var sentences: [Sentence]
        /// Every sentence supported, and at least one sentence.
        public var faithful: Bool { !sentences.isEmpty && sentences.allSatisfy(\.supported) }
    }

    /// The sentences of `answer` (citations removed) checked against `passages`.
    public func check(_ answer: String, passages: [String]) -> Verdict {
        let passageText = passages.joined(separator: "\n")
        let known = Set(tokenizer.terms(passageText))
        let knownNumbers = Set(Self.numbers(passageText))
        var verdicts: [Sentence] = []
        for sentence in InjectionGuard.sentences(AnswerText.withoutCitations(answer)) {
            let terms = tokenizer.terms(sentence)
            guard !terms.isEmpty else { continue }
            let overlap = Double(terms.filter(known.contains).count) / Double(terms.count)
            let unknown = Self.numbers(sentence).filter { !knownNumbers.contains($0) }
            verdicts.append(Sentence(text: sentence, overlap: overlap, unknownNumbers: unknown, supported: overlap >= minimumOverlap && unknown.isEmpty))
        }
        return Verdict(sentences: verdicts)
    }

    /// The numbers written in `text` (`30`, `4.95`, `１４`), as ASCII digits.
    static func numbers(_ text: String) -> [String] {
        var found: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            var digit: Character?
            if ("0"..."9").contains(scalar) { digit = Character(scalar) }
            if (0xFF10...0xFF19).contains(scalar.value) { digit = Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!) }
            if let digit {
                current.append(digit)
            } else if scalar == ".", !current.isEmpty, !current.contains(".") {
                current.append(".")
            } else if !current.isEmpty {
                found.append(current.hasSuffix(".") ? String(current.dropLast()) : current)
                current = ""
            }
        }
        if !current.isEmpty { found.append(current.hasSuffix(".") ? String(current.dropLast()) : current) }
        return found
    }
}

/// Citations in a model's answer: `[en-returns]`, `[zh-refunds#2]`.
public enum AnswerText {
    /// The ids cited in square brackets, in order of first mention, the `#n` of a chunk id dropped.
    public static func citations(_ answer: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(answer)
        while let open = rest.firstIndex(where: { $0 == "[" || $0 == "【" }) {
            guard let close = rest[open...].firstIndex(where: { $0 == "]" || $0 == "】" }) else { break }
            for part in rest[rest.index(after: open)..<close].split(whereSeparator: { $0 == "," || $0 == " " || $0 == "，" }) {
                let id = String(part.split(separator: "#").first ?? part)
                if !id.isEmpty && !ids.contains(id) { ids.append(id) }
            }
            rest = rest[rest.index(after: close)...]
        }
        return ids
    }

    /// The answer without bracketed citations and with spaces tidied.
    public static func withoutCitations(_ answer: String) -> String {
        var out = ""
        var depth = 0
        for character in answer {
            if character == "[" || character == "【" {
                depth += 1
            } else if character == "]" || character == "】" {
                depth = max(0, depth - 1)
            } else if depth == 0 {
                out.append(character)
            }
        }
        return out.split(whereSeparator: { $0 == " " }).joined(separator: " ").replacingOccurrences(of: " .", with: ".").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
}
