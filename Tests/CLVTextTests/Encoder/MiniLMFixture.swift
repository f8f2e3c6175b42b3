import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The reference token ids and embeddings of all-MiniLM-L6-v2, written by `tools/text/reference_embeddings.py`
/// (sentence-transformers with Hugging Face's fast BertTokenizer, CPU torch).
struct MiniLMReference: Decodable, Sendable {
    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        let ids: [Int]
        let embedding: [Float]
        var testDescription: String { String(text.prefix(40)) }
    }

    let model: String
    let maxSeqLength: Int
    let decimals: Int
    let texts: [Entry]

    enum CodingKeys: String, CodingKey {
        case model, decimals, texts
        case maxSeqLength = "max_seq_length"
    }

    /// The committed fixture.
    static let shared: MiniLMReference = {
        guard let url = Bundle.module.url(forResource: "minilm_reference", withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url),
            let fixture = try? JSONDecoder().decode(MiniLMReference.self, from: data)
        else { preconditionFailure("Tests/CLVTextTests/Resources/minilm_reference.json is missing or malformed: run tools/text/reference_embeddings.py") }
        return fixture
    }()
}

/// Models shared by the encoder tests, loaded once per process (the weights are 90 MB).
enum MiniLMModels {
    /// The model directory, or `MissingTestData` naming `make setup`.
    static func directory() throws -> ModelDirectory {
        for file in KnownModel.miniLM.requiredFiles { _ = try TestData.model(KnownModel.miniLM.rawValue, file) }
        return ModelDirectory(root: TestData.modelsDirectory)
    }

    private static let loaded: Result<SentenceEncoder, any Error> = Result { try SentenceEncoder(directory: directory()) }

    /// The sentence encoder over the fetched model.
    static func encoder() throws -> SentenceEncoder { try loaded.get() }

    /// The tokenizer over the fetched vocabulary.
    static func tokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyURL: TestData.model(KnownModel.miniLM.rawValue, "vocab.txt"))
    }
}

/// Cosine similarity in Double.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}
