import CLVTestSupport
import CLVText
import Foundation
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
        #expect(texts.contains { $0.ids.count == MiniLMReference.shared.maxSeqLength })  // truncated long text
        #expect(texts.contains { $0.text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } })  // CJK
        #expect(texts.contains { $0.text.unicodeScalars.contains { $0.properties.isEmojiPresentation } })  // emoji
        #expect(texts.contains { $0.text.contains("é") })  // accents
    }

    /// Every code point up to U+31FFF (and the tag block), 40 to a text, against the reference's ids, compared
    /// through per-text hashes (fixture from tools/text/reference_wordpiece_codepoints.py).
    @Test func everyCodePointTokenizesLikeTheReference() throws {
        struct Fixture: Decodable {
            let ranges: [[UInt32]]
            let chunk: Int
            let hashes: [String]
        }
        let url = try #require(Bundle.module.url(forResource: "minilm_wordpiece_codepoints", withExtension: "json", subdirectory: "Resources"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let points = fixture.ranges.flatMap { $0[0]...$0[1] }.compactMap(Unicode.Scalar.init)
        let tokenizer = try MiniLMModels.tokenizer()
        var mismatched: [String] = []
        for (k, start) in stride(from: 0, to: points.count, by: fixture.chunk).enumerated() {
            var text = String.UnicodeScalarView()
            for (j, point) in points[start..<min(points.count, start + fixture.chunk)].enumerated() {
                if j > 0 { text.append(" ") }
                text.append(contentsOf: ["q", point, "q"])
            }
            var hash: UInt32 = 0x811C_9DC5  // FNV-1a over the ids' little-endian bytes
            for id in tokenizer.encode(String(text)) {
                for shift in stride(from: 0, to: 32, by: 8) { hash = (hash ^ UInt32((id >> shift) & 0xFF)) &* 0x0100_0193 }
            }
            if String(format: "%08x", hash) != fixture.hashes[k] {
                mismatched.append(String(format: "U+%04X…", points[start].value))
            }
        }
        #expect(fixture.hashes.count == (points.count + fixture.chunk - 1) / fixture.chunk)
        #expect(mismatched.isEmpty, "chunks starting at \(mismatched.prefix(10)) differ from the reference")
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
