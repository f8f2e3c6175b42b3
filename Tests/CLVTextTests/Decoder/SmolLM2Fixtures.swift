import CLVTestSupport
import Foundation

@testable import CLVText

/// The SmolLM2 reference outputs (`Resources/smollm2_reference.json`, written by
/// `tools/text/reference_smollm2.py` from llama.cpp, Hugging Face tokenizers and transformers) and the model.
enum SmolLM2Fixtures {
    struct Reference: Decodable {
        struct Text: Decodable {
            let text: String
            let ids: [Int]
            let decoded: String
            let transformers_gguf_ids: [Int]?
        }
        struct Message: Decodable {
            let role: String
            let content: String
        }
        struct Chat: Decodable {
            let messages: [Message]
            let rendered: String
            let ids: [Int]
        }
        struct Logits: Decodable {
            let kind: String
            let ids: [Int]
            let argmax: Int
            let top_ids: [Int]
            let top_values: [Double]
            let sample_ids: [Int]
            let sample_values: [Double]
        }
        struct Greedy: Decodable {
            let kind: String
            let ids: [Int]
            let continuation: [Int]
            let margins: [Double]
            let text: String
        }
        struct Dequantized: Decodable {
            let tensor: String
            let type: String
            let row: Int
            let values: [Double]
        }
        let default_system_prompt: String
        let texts: [Text]
        let chats: [Chat]
        let logits: [Logits]
        let greedy: [Greedy]
        let dequantized: [Dequantized]
    }

    static func reference() throws -> Reference {
        guard let url = Bundle.module.url(forResource: "smollm2_reference", withExtension: "json", subdirectory: "Resources")
        else { throw FixtureMissing() }
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func modelURL() throws -> URL {
        try TestData.model(KnownModel.smolLM2.rawValue, KnownModel.smolLM2.requiredFiles[0])
    }

    /// The model, loaded once per test process (immutable and Sendable, shared by every test).
    static let loaded: Result<LlamaModel, any Error> = Result { try LlamaModel(contentsOf: modelURL()) }

    static func model() throws -> LlamaModel { try loaded.get() }

    static func messages(_ chat: [Reference.Message]) -> [ChatMessage] {
        chat.map { ChatMessage(role: ChatMessage.Role(rawValue: $0.role)!, content: $0.content) }
    }
}

/// The fixture is not in the test bundle (regenerate it with `tools/text/reference_smollm2.py`).
struct FixtureMissing: Error, CustomStringConvertible {
    var description: String { "Tests/CLVTextTests/Resources/smollm2_reference.json is missing: run tools/text/reference_smollm2.py." }
}
