/// Byte-level byte-pair encoding (GPT-2 style) read from a GGUF file's tokenizer metadata.
///
/// Encoding (Sennrich et al. 2016, doi:10.18653/v1/P16-1162; byte-level variant of Radford et al. 2019):
/// 1. special tokens (`tokenizer.ggml.token_type` 3 = control, 4 = user-defined) written in the text are
///    taken whole, longest first, when `parseSpecial` is set;
/// 2. the rest is cut into pieces by ``BPEPreTokenizer``;
/// 3. each piece's UTF-8 bytes become one symbol each (GPT-2's byte-to-character table), and the pair with the
///    lowest merge rank (`tokenizer.ggml.merges`, leftmost on ties) is merged until no listed pair is left;
/// 4. each final symbol is looked up in `tokenizer.ggml.tokens`.
///
/// This is the algorithm of both Hugging Face `tokenizers` (`BPE` model) and llama.cpp (`llm_tokenizer_bpe`),
/// so ids agree with either, id for id.
public struct BPETokenizer: Sendable {
    /// The token strings in id order, in their byte-level spelling (a space is `Ġ`).
    public let tokens: [String]
    /// Each token's `tokenizer.ggml.token_type` (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    public let tokenTypes: [Int]
    /// The pre-tokenizer.
    public let preTokenizer: BPEPreTokenizer
    /// The beginning- and end-of-sequence ids, and the unknown id, from the metadata.
    public let bosID: Int?
    public let eosID: Int?
    public let unknownID: Int?
    /// Whether `encode` should prepend the BOS token (`tokenizer.ggml.add_bos_token`; false for SmolLM2).
    public let addsBOS: Bool

    private let idByToken: [String: Int32]
    /// Rank and result of each mergeable pair, keyed by the two ids packed in 64 bits.
    private let merges: [UInt64: Merge]
    /// The id of each byte's one-character token.
    private let byteIDs: [Int32]
    /// Each token's bytes (the byte-level spelling undone); special tokens spell their text.
    private let tokenBytes: [[UInt8]]
    /// Special tokens to recognise in text, longest first.
    private let specials: [(text: [UInt8], id: Int32)]
    /// Which bytes begin some special token.
    private let specialStarts: [Bool]

    private struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    /// Reads the vocabulary, merges and special tokens from GGUF metadata (`tokenizer.ggml.*`).
    /// - Throws: ``BPETokenizerError`` when the tokenizer is not byte-level BPE or its tables are inconsistent, and
    ///   ``GGUFError`` when a key is missing.
    public init(gguf file: GGUFFile) throws(BPETokenizerError) {
        do {
            let model = try file.string("tokenizer.ggml.model")
            guard model == "gpt2" else { throw BPETokenizerError.unsupportedModel(model) }
            // Files converted before llama.cpp recorded the pre-tokenizer have no key: GPT-2's rule applies.
            let pre = file.metadata["tokenizer.ggml.pre"] == nil ? "default" : try file.string("tokenizer.ggml.pre")
            guard Self.supportedPreTokenizers.contains(pre) else { throw BPETokenizerError.unsupportedPreTokenizer(pre) }
            let tokens = try file.stringArray("tokenizer.ggml.tokens")
            let types =
                file.metadata["tokenizer.ggml.token_type"] == nil
                ? [Int](repeating: 1, count: tokens.count) : try file.integerArray("tokenizer.ggml.token_type")
            let merges = try file.stringArray("tokenizer.ggml.merges")
            func optionalID(_ key: String) throws(GGUFError) -> Int? {
                file.metadata[key] == nil ? nil : try file.integer(key)
            }
            try self.init(
                tokens: tokens, tokenTypes: types, merges: merges,
                preTokenizer: BPEPreTokenizer(splitsDigits: pre == "smollm"),
                bosID: try optionalID("tokenizer.ggml.bos_token_id"),
                eosID: try optionalID("tokenizer.ggml.eos_token_id"),
                unknownID: try optionalID("tokenizer.ggml.unknown_token_id"),
                addsBOS: file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false
            )
        } catch let error as BPETokenizerError {
            throw error
        } catch let error as GGUFError {
            throw .metadata(error)
        } catch {
            throw .metadata(.malformed(path: file.path, reason: "\(error)"))
        }
    }

    /// Pre-tokenizer names (llama.cpp's `tokenizer.ggml.pre`) whose rule ``BPEPreTokenizer`` implements.
    static let supportedPreTokenizers: Set<String> = ["smollm", "gpt2", "starcoder", "refact", "default"]

    /// Builds a tokenizer from its tables.
    /// - Parameters:
    ///   - tokens: token strings in byte-level spelling, in id order.
    ///   - tokenTypes: one `token_type` per token.
    ///   - merges: `"left right"` pairs, highest priority first.
    /// - Throws: ``BPETokenizerError/inconsistentTables(_:)`` when the tables disagree.
    public init(
        tokens: [String], tokenTypes: [Int], merges mergeList: [String], preTokenizer: BPEPreTokenizer,
        bosID: Int?, eosID: Int?, unknownID: Int?, addsBOS: Bool
    ) throws(BPETokenizerError) {
        guard tokenTypes.count == tokens.count else {
            throw .inconsistentTables("\(tokens.count) tokens but \(tokenTypes.count) token types")
        }
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.preTokenizer = preTokenizer
        self.bosID = bosID
        self.eosID = eosID
        self.unknownID = unknownID
        self.addsBOS = addsBOS
        var idByToken: [String: Int32] = [:]
        idByToken.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where idByToken[token] == nil { idByToken[token] = Int32(id) }
        self.idByToken = idByToken

        let byteToChar = ByteLevelAlphabet.byteToCharacter
        var byteIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 { byteIDs[byte] = idByToken[String(byteToChar[byte])] ?? -1 }
        self.byteIDs = byteIDs

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeList.count)
        for (rank, line) in mergeList.enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let left = idByToken[String(parts[0])], let right = idByToken[String(parts[1])],
                let result = idByToken[String(parts[0]) + String(parts[1])]
            else { throw .inconsistentTables("merge \(rank) '\(line)' names a token that is not in the vocabulary") }
            let key = Self.pairKey(left, right)
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), result: result) }
        }
        self.merges = merges

        let charToByte = ByteLevelAlphabet.characterToByte
        var specials: [(text: [UInt8], id: Int32)] = []
        tokenBytes = tokens.enumerated().map { id, token in
            let type = tokenTypes[id]
            if type == 3 || type == 4 {
                specials.append((Array(token.utf8), Int32(id)))
                return Array(token.utf8)
            }
            var bytes: [UInt8] = []
            for scalar in token.unicodeScalars {
                if let byte = charToByte[scalar] { bytes.append(byte) } else { bytes.append(contentsOf: String(scalar).utf8) }
            }
            return bytes
        }
        self.specials = specials.filter { !$0.text.isEmpty }.sorted { $0.text.count > $1.text.count }
        var specialStarts = [Bool](repeating: false, count: 256)
        for special in self.specials { specialStarts[Int(special.text[0])] = true }
        self.specialStarts = specialStarts
    }

    // MARK: - API

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The id of a token spelled exactly so (byte-level spelling for ordinary tokens), if any.
    public func id(of token: String) -> Int? { idByToken[token].map(Int.init) }

    /// Whether a token is a control or user-defined token (such as `<|im_end|>`).
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < tokenTypes.count && (tokenTypes[id] == 3 || tokenTypes[id] == 4)
    }

    /// Token ids of `text`.
    /// - Parameters:
    ///   - text: any string.
    ///   - parseSpecial: whether special-token text such as `<|im_start|>` becomes that token (as
    ///     Hugging Face tokenizers and llama.cpp with `parse_special` do) rather than ordinary pieces.
    /// - Returns: the ids, with BOS first when the model asks for it.
    /// - Complexity: O(Σ p²) for pieces of length p (pieces are words, so in practice linear).
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        var ids: [Int] = []
        if addsBOS, let bosID { ids.append(bosID) }
        for segment in segments(of: text, parseSpecial: parseSpecial) {
            switch segment {
            case let .special(id): ids.append(id)
            case let .text(piece): encodeOrdinary(piece, into: &ids)
            }
        }
        return ids
    }

    /// Token ids of text with no special-token parsing and no BOS (one segment of a chat prompt).
    public func encodeOrdinary(_ text: Substring, into ids: inout [Int]) {
        for piece in preTokenizer.split(String(text)) { encodePiece(piece, into: &ids) }
    }

    /// The UTF-8 bytes a sequence of ids stands for.
    /// - Parameter skipSpecial: leave out control and user-defined tokens (as llama.cpp's detokenizer does).
    public func bytes(of ids: [Int], skipSpecial: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokenBytes.count {
            if skipSpecial && isSpecial(id) { continue }
            bytes.append(contentsOf: tokenBytes[id])
        }
        return bytes
    }

    /// The bytes of one token.
    public func bytes(of id: Int) -> [UInt8] {
        id >= 0 && id < tokenBytes.count ? tokenBytes[id] : []
    }

    /// The text a sequence of ids stands for (invalid UTF-8 is replaced by U+FFFD).
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        String(decoding: bytes(of: ids, skipSpecial: skipSpecial), as: UTF8.self)
    }

    // MARK: - Internals

    enum Segment: Equatable {
        case special(Int)
        case text(Substring)
    }

    /// Cuts `text` at special tokens (longest match first at each position).
    func segments(of text: String, parseSpecial: Bool) -> [Segment] {
        guard parseSpecial, !specials.isEmpty else { return text.isEmpty ? [] : [.text(text[...])] }
        var segments: [Segment] = []
        let utf8 = text.utf8
        var runStart = utf8.startIndex
        var index = utf8.startIndex
        outer: while index < utf8.endIndex {
            if specialStarts[Int(utf8[index])] {
                for special in specials where utf8[index...].starts(with: special.text) {
                    if runStart < index { segments.append(.text(text[runStart..<index])) }
                    segments.append(.special(Int(special.id)))
                    index = utf8.index(index, offsetBy: special.text.count)
                    runStart = index
                    continue outer
                }
            }
            index = utf8.index(after: index)
        }
        if runStart < utf8.endIndex { segments.append(.text(text[runStart..<utf8.endIndex])) }
        return segments
    }

    @inline(__always)
    private static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Encodes one pre-tokenized piece by rank-ordered merges.
    private func encodePiece(_ piece: Substring, into ids: inout [Int]) {
        var symbols: [Int32] = []
        symbols.reserveCapacity(piece.utf8.count)
        for byte in piece.utf8 {
            let id = byteIDs[Int(byte)]
            symbols.append(id >= 0 ? id : Int32(unknownID ?? 0))
        }
        // Repeatedly merge the best-ranked adjacent pair, leftmost first among equal ranks.
        while symbols.count > 1 {
            var bestRank = Int32.max
            var bestIndex = -1
            var bestResult: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                if let merge = merges[Self.pairKey(symbols[i], symbols[i + 1])], merge.rank < bestRank {
                    bestRank = merge.rank
                    bestIndex = i
                    bestResult = merge.result
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] = bestResult
            symbols.remove(at: bestIndex + 1)
        }
        for symbol in symbols { ids.append(Int(symbol)) }
    }
}

/// GPT-2's reversible map from bytes to printable characters (Radford et al. 2019, `bytes_to_unicode`):
/// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards in byte order.
enum ByteLevelAlphabet {
    static let byteToCharacter: [Character] = {
        var result = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                result[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                result[byte] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return result
    }()

    static let characterToByte: [Unicode.Scalar: UInt8] = {
        var result: [Unicode.Scalar: UInt8] = [:]
        for (byte, character) in byteToCharacter.enumerated() { result[character.unicodeScalars.first!] = UInt8(byte) }
        return result
    }()
}
