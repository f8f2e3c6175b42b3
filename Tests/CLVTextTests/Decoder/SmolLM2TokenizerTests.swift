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
