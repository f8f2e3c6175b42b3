import Foundation

/// The BERT WordPiece tokenizer of all-MiniLM-L6-v2: text to token ids, equal to Hugging Face's fast
/// `BertTokenizer` id for id.
///
/// Text is normalised and split into words by ``BasicTokenizer``; each word becomes the longest vocabulary
/// prefix, then `##`-prefixed continuations, greedily left to right; a word longer than
/// ``maximumCharactersPerWord`` characters, or one that cannot be covered, becomes `[UNK]`. The special tokens
/// themselves (`[CLS]`, `[SEP]`, `[MASK]`, ...) written literally in the text are kept as single tokens, as the
/// reference does with its added tokens. ``encode(_:)`` adds `[CLS]` and `[SEP]` and truncates to
/// ``maximumLength`` tokens, keeping the start of the text (sentence-transformers' `max_seq_length`).
///
/// Wu et al. (2016), "Google's neural machine translation system", arXiv:1609.08144, §4.1;
/// Devlin et al. (2019), doi:10.18653/v1/N19-1423.
public struct WordPieceTokenizer: Sendable, Equatable {
    /// The vocabulary.
    public let vocabulary: WordPieceVocabulary
    /// Normalisation and word splitting.
    public let basic: BasicTokenizer
    /// Longest encoded sequence, `[CLS]` and `[SEP]` included (256 for all-MiniLM-L6-v2 in sentence-transformers).
    public let maximumLength: Int
    /// Longer words become `[UNK]` (100, as in BERT).
    public let maximumCharactersPerWord: Int
    /// Prefix of a piece that continues a word.
    public let continuationPrefix: String

    /// Id of `[CLS]`, which starts every sequence.
    public let classifierID: Int
    /// Id of `[SEP]`, which ends every sequence.
    public let separatorID: Int
    /// Id of `[UNK]`.
    public let unknownID: Int
    /// Id of `[PAD]`.
    public let paddingID: Int
    /// Special tokens matched literally in the raw text, longest first.
    private let specialTokens: [(text: [Unicode.Scalar], id: Int)]

    /// A tokenizer over `vocabulary`.
    ///
    /// - Parameters:
    ///   - vocabulary: the WordPiece vocabulary (`vocab.txt`).
    ///   - basic: normalisation settings (uncased by default).
    ///   - maximumLength: longest encoded sequence, special tokens included; at least 2.
    ///   - maximumCharactersPerWord: longer words become `[UNK]`.
    /// - Throws: ``WordPieceError/missingSpecialToken(_:)`` if `[CLS]`, `[SEP]`, `[UNK]` or `[PAD]` is missing.
    public init(
        vocabulary: WordPieceVocabulary, basic: BasicTokenizer = BasicTokenizer(), maximumLength: Int = 256,
        maximumCharactersPerWord: Int = 100
    ) throws(WordPieceError) {
        func id(_ token: String) throws(WordPieceError) -> Int {
            guard let id = vocabulary.id(of: token) else { throw .missingSpecialToken(token) }
            return id
        }
        self.vocabulary = vocabulary
        self.basic = basic
        self.maximumLength = max(2, maximumLength)
        self.maximumCharactersPerWord = maximumCharactersPerWord
        self.continuationPrefix = "##"
        classifierID = try id("[CLS]")
        separatorID = try id("[SEP]")
        unknownID = try id("[UNK]")
        paddingID = try id("[PAD]")
        specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.id(of: token).map { (Array(token.unicodeScalars), $0) }
        }
    }

    /// Reads `vocab.txt` and builds the tokenizer with the all-MiniLM-L6-v2 settings.
    /// - Throws: ``WordPieceError``.
    public init(vocabularyURL: URL, maximumLength: Int = 256) throws(WordPieceError) {
        try self.init(vocabulary: WordPieceVocabulary(contentsOf: vocabularyURL), maximumLength: maximumLength)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.vocabulary == rhs.vocabulary && lhs.basic == rhs.basic && lhs.maximumLength == rhs.maximumLength
            && lhs.maximumCharactersPerWord == rhs.maximumCharactersPerWord
    }

    /// Token ids of `text`: `[CLS]`, the pieces (truncated to `maximumLength - 2`), `[SEP]`.
    /// - Complexity: O(n·w) for n characters and words of at most w characters.
    public func encode(_ text: String) -> [Int] {
        var ids = [classifierID]
        ids.append(contentsOf: pieceIDs(text).prefix(maximumLength - 2))
        ids.append(separatorID)
        return ids
    }

    /// The WordPiece ids of `text`, without special tokens or truncation.
    public func pieceIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in splitOnSpecialTokens(text) {
            switch segment {
            case let .special(id): ids.append(id)
            case let .text(part):
                for word in basic.words(part) { appendPieces(of: word, to: &ids) }
            }
        }
        return ids
    }

    /// The WordPiece token strings of `text` (for inspection), without special tokens.
    public func tokenize(_ text: String) -> [String] { pieceIDs(text).map { vocabulary.tokens[$0] } }

    // MARK: - Implementation

    private enum Segment { case text(String), special(Int) }

    /// Splits off literal special tokens, which the reference matches before normalisation.
    private func splitOnSpecialTokens(_ text: String) -> [Segment] {
        guard text.unicodeScalars.contains("[") else { return [.text(text)] }
        let scalars = Array(text.unicodeScalars)
        var segments: [Segment] = []
        var start = 0
        var i = 0
        outer: while i < scalars.count {
            if scalars[i] == "[" {
                for (token, id) in specialTokens where i + token.count <= scalars.count {
                    if scalars[i..<(i + token.count)].elementsEqual(token) {
                        if start < i { segments.append(.text(Self.string(scalars[start..<i]))) }
                        segments.append(.special(id))
                        i += token.count
                        start = i
                        continue outer
                    }
                }
            }
            i += 1
        }
        if start < scalars.count { segments.append(.text(Self.string(scalars[start...]))) }
        return segments
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Greedy longest-match-first segmentation of one word.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int]) {
        guard word.count <= maximumCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        // UTF-8 of each scalar, so that candidate pieces are built as bytes.
        let utf8 = word.map { scalar in Array(String(Character(scalar)).utf8) }
        let prefix = Array(continuationPrefix.utf8)
        var pieces: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                var candidate = start > 0 ? prefix : []
                for k in start..<end { candidate.append(contentsOf: utf8[k]) }
                if let id = vocabulary.id(utf8: candidate) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownID)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
