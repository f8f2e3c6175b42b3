import Foundation
import Testing

@testable import CLVText

/// SmolLM2's byte-level BPE and ChatML template against llama.cpp and Hugging Face tokenizers (which agree id
/// for id on every fixture text; see `tools/text/reference_smollm2.py`).
@Suite struct SmolLM2TokenizerTests {
    @Test func idsEqualTheReferenceTokenizers() throws {
        let reference = try SmolLM2Fixtures.reference()
        let tokenizer = try SmolLM2Fixtures.model().tokenizer
        #expect(reference.texts.count >= 30)
        for entry in reference.texts {
            #expect(tokenizer.encode(entry.text) == entry.ids, "\(entry.text.debugDescription)")
        }
    }

    @Test func digitsAreSplitBeforeByteLevelPieces() throws {
        // The texts on which transformers' GGUF conversion (ByteLevel only) differs from SmolLM2's
        // Digits + ByteLevel pre-tokenizer: ours must side with llama.cpp and tokenizer.json.
        let reference = try SmolLM2Fixtures.reference()
        let tokenizer = try SmolLM2Fixtures.model().tokenizer
        let differing = reference.texts.filter { $0.transformers_gguf_ids != nil }
        #expect(!differing.isEmpty)
        for entry in differing {
            #expect(tokenizer.encode(entry.text) != entry.transformers_gguf_ids)
        }
        #expect(BPEPreTokenizer().split("a  1  b").map(String.init) == ["a", "  ", "1", " ", " b"])
    }

    @Test func decodingGivesBackTheText() throws {
        let reference = try SmolLM2Fixtures.reference()
        let tokenizer = try SmolLM2Fixtures.model().tokenizer
        for entry in reference.texts {
            #expect(tokenizer.decode(entry.ids) == entry.decoded)
            #expect(tokenizer.decode(entry.ids) == entry.text)
        }
    }

    @Test func chatPromptsRenderAndTokenizeLikeTheTemplate() throws {
        let reference = try SmolLM2Fixtures.reference()
        let model = try SmolLM2Fixtures.model()
        let template = try #require(model.chatTemplate)
        #expect(template.defaultSystemPrompt == reference.default_system_prompt)
        for chat in reference.chats {
            let messages = SmolLM2Fixtures.messages(chat.messages)
            #expect(template.render(messages) == chat.rendered)
            #expect(try template.tokenIDs(for: messages, tokenizer: model.tokenizer) == chat.ids)
            #expect(model.tokenizer.encode(chat.rendered) == chat.ids)
        }
    }

    @Test func specialTokenTextInAMessageStaysText() throws {
        let model = try SmolLM2Fixtures.model()
        let template = try #require(model.chatTemplate)
        let ids = try template.tokenIDs(for: [.user("<|im_end|>")], tokenizer: model.tokenizer)
        let end = try #require(model.tokenizer.id(of: "<|im_end|>"))
        // Two turns (system, user) close with <|im_end|>; the user's text does not add a third.
        #expect(ids.filter { $0 == end }.count == 2)
        #expect(model.tokenizer.encode("<|im_end|>") == [end])
        #expect(!model.tokenizer.encode("<|im_end|>", parseSpecial: false).contains(end))
    }

    @Test func streamingDetokenizerHoldsBackSplitCharacters() throws {
        let tokenizer = try SmolLM2Fixtures.model().tokenizer
        let text = "Café 🍰 日本語 ok"
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        var pieces: [String] = []
        for id in tokenizer.encode(text) { pieces.append(detokenizer.append(id)) }
        pieces.append(detokenizer.flush())
        #expect(pieces.joined() == text)
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
    }
}

/// Byte-level BPE and the chat template on tiny tables written by hand, with answers worked out by hand.
@Suite struct TinyBPETests {
    // ids:                 0               1    2    3    4     5      6    7
    static let tokens = ["<|im_start|>", "a", "b", "c", "ab", "abc", "Ġ", "Ġa"]
    static let types = [3, 1, 1, 1, 1, 1, 1, 1]
    // Lower rank merges first: "a b" before "Ġ a", so " ab" becomes Ġ + ab, never Ġa + b.
    static let merges = ["a b", "ab c", "Ġ a"]

    static func tokenizer() throws -> BPETokenizer {
        try BPETokenizer(
            tokens: tokens, tokenTypes: types, merges: merges, preTokenizer: BPEPreTokenizer(),
            bosID: nil, eosID: nil, unknownID: nil, addsBOS: false)
    }

    @Test func mergesFollowTheirRanks() throws {
        let tokenizer = try Self.tokenizer()
        #expect(tokenizer.encode("abc ab") == [5, 6, 4])
        #expect(tokenizer.encode(" a") == [7])
        #expect(tokenizer.encode("<|im_start|>ab") == [0, 4])
        #expect(tokenizer.decode([5, 6, 4]) == "abc ab")
    }

    @Test func inconsistentTablesAreRejected() {
        #expect(throws: BPETokenizerError.self) {
            try BPETokenizer(
                tokens: Self.tokens, tokenTypes: Self.types, merges: ["a z"], preTokenizer: BPEPreTokenizer(),
                bosID: nil, eosID: nil, unknownID: nil, addsBOS: false)
        }
        #expect(throws: BPETokenizerError.self) {
            try BPETokenizer(
                tokens: Self.tokens, tokenTypes: [1], merges: [], preTokenizer: BPEPreTokenizer(),
                bosID: nil, eosID: nil, unknownID: nil, addsBOS: false)
        }
    }

    @Test func chatTemplateErrorsAreTyped() throws {
        var writer = GGUFTestWriter()
        writer.metadata = [("general.architecture", .string("llama"))]
        #expect(throws: ChatTemplateError.missing) { try ChatTemplate(gguf: GGUFFile(contentsOf: writer.write())) }
        writer.metadata.append(("tokenizer.chat_template", .string("{{ bos_token }}[INST] {{ message }} [/INST]")))
        #expect(throws: ChatTemplateError.notChatML) { try ChatTemplate(gguf: GGUFFile(contentsOf: writer.write())) }
    }

    /// Expected pieces from Hugging Face tokenizers (Sequence[Digits(individual_digits), ByteLevel]) on these strings.
    @Test func pretokenizerFollowsGPT2Alternatives() {
        let split = { (text: String) in BPEPreTokenizer().split(text).map(String.init) }
        #expect(split("I'm here") == ["I", "'m", " here"])
        #expect(split("it'S") == ["it", "'", "S"])  // contractions are lower-case only, as in GPT-2
        #expect(split("a\n\nb") == ["a", "\n", "\n", "b"])
        #expect(split("x  ") == ["x", "  "])
        #expect(split("99 bottles") == ["9", "9", " bottles"])
    }
}
