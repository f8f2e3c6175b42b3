import CLVText
import Foundation
import HTTPTypes
import Hummingbird

/// The local language models, loaded on first use.
actor LanguageModels {
    private let directory: ModelDirectory
    private var encoder: SentenceEncoder?

    init(directory: ModelDirectory) { self.directory = directory }

    func sentenceEncoder() throws -> SentenceEncoder {
        if let encoder { return encoder }
        let loaded = try SentenceEncoder(directory: directory)
        encoder = loaded
        return loaded
    }
}

/// OpenAI-compatible language endpoints served by the local models.
enum LanguageRoutes {
    struct EmbeddingRequest: Decodable, Sendable {
        enum Input: Decodable, Sendable {
            case one(String)
            case many([String])

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
            }

            var texts: [String] {
                switch self {
                case let .one(text): [text]
                case let .many(texts): texts
                }
            }
        }

        var input: Input
        var model: String?
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(RouteSpec(
            method: .post, path: "/v1/embeddings", roles: .readers,
            summary: "Sentence embeddings (OpenAI-compatible) from the local all-MiniLM-L6-v2: 384 dimensions, unit length.",
            tag: "language", requestBody: "EmbeddingRequest", responses: [200: "Embeddings", 422: "Invalid request", 503: "Model not installed"]
        )) { request, context in
            let body = try await JSON.decode(EmbeddingRequest.self, from: request, context: context)
            let texts = body.input.texts
            guard !texts.isEmpty, texts.count <= 256 else { throw APIError.unprocessable("Field 'input' must be a string or 1 to 256 strings.") }
            if let model = body.model, model != KnownModel.miniLM.rawValue, model != "text-embedding-local" {
                throw APIError.unprocessable("Field 'model' must be \(KnownModel.miniLM.rawValue) (the local embedding model).")
            }
            let encoder: SentenceEncoder
            do { encoder = try await services.language.sentenceEncoder() } catch {
                throw APIError.unavailable("The embedding model is not available (\(error)).")
            }
            let vectors = try encoder.embed(texts)
            let tokens = texts.reduce(0) { $0 + encoder.tokenizer.encode($1).count }
            return JSON.response(object: [
                "object": "list", "model": encoder.modelName,
                "data": vectors.enumerated().map { i, v in ["object": "embedding", "index": i, "embedding": v.map(Double.init)] as [String: Any] },
                "usage": ["prompt_tokens": tokens, "total_tokens": tokens],
            ])
        }
    }
}
