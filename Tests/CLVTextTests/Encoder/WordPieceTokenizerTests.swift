import CLVTestSupport
import CLVText
import Testing

/// Token ids against Hugging Face's fast BertTokenizer (fixture from tools/text/reference_embeddings.py).
@Suite struct WordPieceTokenizerTests {
    @Test(arguments: MiniLMReference.shared.texts)
    func idsMatchReferenceTokenizer(entry: MiniLMReference.Entry) throws {
        let tokenizer = try MiniLMModels.tokenizer()
        #expect(tokenizer.encode(entry.text) == entry.ids)
    }

    @Test func fixtureCoversTheCasesTheIssueNames() {
        let texts = MiniLMReference.shared.texts
        #expect(texts.count >= 30)
        #expect(texts.contains { $0.ids.count == MiniLMReference.shared.maxSeqLength })   // truncated long text
        #expect(texts.contains { $0.text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } })  // CJK
        #expect(texts.contains { $0.text.unicodeScalars.contains { $0.properties.isEmojiPresentation } })    // emoji
        #expect(texts.contains { $0.text.contains("é") })                                                     // accents
    }

    @Test func truncationKeepsTheStartAndBothSpecialTokens() throws {
        let tokenizer = try MiniLMModels.tokenizer()
        let long = String(repeating: "gift box ", count: 300)
        let ids = tokenizer.encode(long)
        #expect(ids.count == 256)
        #expect(ids.first == tokenizer.classifierID && ids.last == tokenizer.separatorID)
        #expect(Array(ids[1..<255]) == Array(tokenizer.pieceIDs(long).prefix(254)))
    }

    @Test func wordsLongerThanTheLimitBecomeUnknown() throws {
        let tokenizer = try MiniLMModels.tokenizer()
        #expect(tokenizer.encode(String(repeating: "a", count: 101)) == [tokenizer.classifierID, tokenizer.unknownID, tokenizer.separatorID])
        #expect(tokenizer.encode(String(repeating: "a", count: 100)).count > 3)
    }

    @Test func basicTokenizerNormalisesLikeBERT() {
        let basic = BasicTokenizer()
        #expect(basic.normalize("Crème\tBRÛLÉE\u{200B}!") == "creme brulee!")
        #expect(basic.words("don't stop!").map { String(String.UnicodeScalarView($0)) } == ["don", "'", "t", "stop", "!"])
        #expect(basic.words("中文ab").map { String(String.UnicodeScalarView($0)) } == ["中", "文", "ab"])
    }
}
