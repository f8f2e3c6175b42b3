import CLVAssist
import CLVText
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The local SmolLM2-135M-Instruct as the assistant's answer model: greedy, in process, offline.
public struct LocalAnswerModel: AnswerModel {
    public let generator: TextGenerator
    public var name: String { "SmolLM2-135M-Instruct" }
    public var isExternal: Bool { false }

    public init(generator: TextGenerator) { self.generator = generator }

    /// The model from the models directory.
    /// - Throws: when it was not fetched (`make setup`).
    public static func load(
        directory: ModelDirectory = ModelDirectory(), threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws
        -> LocalAnswerModel
    {
        LocalAnswerModel(generator: TextGenerator(model: try LlamaModel.smolLM2(in: directory), threads: threads))
    }

    public func complete(_ messages: [ChatMessage], maxTokens: Int) async throws -> String {
        let prompt = try generator.chatPrompt(messages)
        return try generator.generate(prompt: prompt, options: GenerationOptions(maxTokens: maxTokens)).text
    }
}

/// Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp's server, hosted APIs).
///
/// It only ever receives what the assistant's prompt holds, which is built from redacted text; the key comes from
/// an environment variable, never from a flag or a file, so it stays out of shell histories and logs.
public struct OpenAICompatibleModel: AnswerModel {
    /// The base URL, e.g. `http://localhost:11434/v1`; `/chat/completions` is appended.
    public let baseURL: URL
    public let model: String
    let apiKey: String?
    public var name: String { model }
    public var isExternal: Bool { true }
    public var timeout: TimeInterval = 60

    public init(baseURL: URL, model: String, apiKey: String?) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }

    /// What went wrong talking to the endpoint (the key is never part of a message).
    public struct EndpointError: Error, CustomStringConvertible {
        public let description: String
    }

    struct Request: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
        }

        var model: String
        var messages: [Message]
        var max_tokens: Int
        var temperature: Double
    }

    struct Reply: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message
        }

        var choices: [Choice]
    }

    public func complete(_ messages: [ChatMessage], maxTokens: Int) async throws -> String {
        var request = URLRequest(url: baseURL.appendingPathComponent("chat/completions"), timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey, !apiKey.isEmpty { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONEncoder().encode(
            Request(model: model, messages: messages.map { .init(role: $0.role.rawValue, content: $0.content) }, max_tokens: maxTokens, temperature: 0))
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw EndpointError(description: "Cannot reach \(baseURL.absoluteString): \((error as NSError).localizedDescription). Check --llm-url.")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw EndpointError(description: "\(baseURL.absoluteString) answered HTTP \(status): check --llm-url, --llm-model and the key variable.")
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data), let content = reply.choices.first?.message.content else {
            throw EndpointError(description: "\(baseURL.absoluteString) did not answer like an OpenAI-compatible chat-completions endpoint.")
        }
        return content
    }
}
