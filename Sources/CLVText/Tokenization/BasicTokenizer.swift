import Foundation

/// BERT's text normaliser and pre-tokenizer: cleans, lower-cases and strips accents, then splits on whitespace
/// and punctuation, with each CJK ideograph a word of its own.
///
/// Follows the `BertNormalizer` and `BertPreTokenizer` of Hugging Face `tokenizers` (the fast tokenizer that
/// sentence-transformers loads from `tokenizer.json`), step for step:
/// 1. clean: drop U+0000, U+FFFD and other-category characters (Cc, Cf, Co, Cs; tab, newline and return are
///    kept), and turn every White_Space character into a space;
/// 2. put spaces around CJK Unified Ideographs (and their extensions and compatibility blocks);
/// 3. strip accents: canonical decomposition (NFD), then drop nonspacing marks (Mn);
/// 4. lower-case each character with its full, context-free Unicode mapping;
/// 5. split on White_Space (removed) and on punctuation, ASCII or Unicode category P (kept as single words).
///
/// Devlin et al. (2019), "BERT: Pre-training of deep bidirectional transformers", §A.2; Wu et al. (2016),
/// arXiv:1609.08144 (WordPiece).
public struct BasicTokenizer: Sendable, Equatable {
    /// Lower-case the text (step 4).
    public var lowercase: Bool
    /// Strip accents (step 3); `nil` follows ``lowercase``, as in the reference.
    public var stripAccents: Bool?
    /// Isolate CJK ideographs (step 2).
    public var tokenizeChineseCharacters: Bool
    /// Remove control characters and normalise whitespace (step 1).
    public var cleanText: Bool

    /// The all-MiniLM-L6-v2 / `bert-base-uncased` settings.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil, tokenizeChineseCharacters: Bool = true, cleanText: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents
        self.tokenizeChineseCharacters = tokenizeChineseCharacters
        self.cleanText = cleanText
    }

    /// The normalised text (steps 1–4).
    public func normalize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if cleanText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) {
                    scalars.append(" ")
                    continue
                }
            }
            if tokenizeChineseCharacters && Self.isCJK(scalar) {
                scalars.append(" ")
                scalars.append(scalar)
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        var normalized = String(scalars)
        if stripAccents ?? lowercase {
            var stripped = String.UnicodeScalarView()
            for scalar in normalized.decomposedStringWithCanonicalMapping.unicodeScalars
            where !Self.isNonspacingMark(scalar) {
                stripped.append(scalar)
            }
            normalized = String(stripped)
        }
        if lowercase {
            var lowered = String.UnicodeScalarView()
            for scalar in normalized.unicodeScalars {
                if scalar.isASCII {
                    lowered.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            normalized = String(lowered)
        }
        return normalized
    }

    /// The words of the normalised text (step 5), each as its Unicode scalars.
    public func words(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in normalize(text).unicodeScalars {
            if Self.isWhitespace(scalar) {
                if !current.isEmpty {
                    words.append(current)
                    current.removeAll(keepingCapacity: true)
                }
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty {
                    words.append(current)
                    current.removeAll(keepingCapacity: true)
                }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    // MARK: - Character classes

    /// The Unicode version of the reference's general-category tables (the `unicode_categories` crate that
    /// Hugging Face `tokenizers` uses): characters assigned later count as unassigned (Cn), so they are neither
    /// punctuation, nor control characters, nor accents. Swift's own tables are newer; without this, e.g. Adlam
    /// nuktas (Unicode 9) or U+061D ARABIC END OF TEXT MARK (Unicode 14) would be tokenized differently.
    static let referenceUnicodeVersion: Unicode.Version = (major: 8, minor: 0)

    /// True when the reference's tables know the character (see ``referenceUnicodeVersion``).
    static func isKnownToReference(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < referenceUnicodeVersion.major
            || (age.major == referenceUnicodeVersion.major && age.minor <= referenceUnicodeVersion.minor)
    }

    /// Nonspacing marks (Mn), the accents that step 3 strips.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x300 else { return false }
        switch scalar.value {
        // Categories that changed after Unicode 8 (found by comparing every code point with the reference).
        case 0x1734, 0x1171E: return true  // Mn then, Mc now
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false  // Lo, Mc or Po then, Mn now
        default: return scalar.properties.generalCategory == .nonspacingMark && isKnownToReference(scalar)
        }
    }

    /// White_Space (tab, newline and return included).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D: true
        case 0..<0x80: scalar.value == 0x0B || scalar.value == 0x0C
        default: scalar.properties.isWhitespace
        }
    }

    /// Other-category characters (Cc, Cf, Co, Cs) except tab, newline and return.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x20..<0x7F: return false
        default:
            switch scalar.properties.generalCategory {
            case .control: return true
            case .format, .privateUse, .surrogate: return isKnownToReference(scalar)
            default: return false
            }
        }
    }

    /// ASCII punctuation (which includes symbols such as `$`, `+`, `^`) or Unicode category P.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v) {
            return true
        }
        if v < 0x80 { return false }
        if v == 0x166D || v == 0x111C9 { return true }  // Po in Unicode 8 (So and Mn now)
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isKnownToReference(scalar)
        default:
            return false
        }
    }

    /// CJK Unified Ideographs, Extensions A–E, and the compatibility ideographs (the reference's ranges).
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}
