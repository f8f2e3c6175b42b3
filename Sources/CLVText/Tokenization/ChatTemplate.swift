import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// Who speaks.
    public enum Role: String, Sendable, Equatable, Codable, CaseIterable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

/// The ChatML prompt format of SmolLM2 (its GGUF `tokenizer.chat_template`), rendered without a Jinja engine.
///
/// The template puts each message as `<|im_start|>ROLE\nCONTENT<|im_end|>\n`; when the first message is not a
/// system message it first inserts the model's default system prompt, and with `addGenerationPrompt` it ends
/// with `<|im_start|>assistant\n` for the model to continue:
///
/// ```
/// <|im_start|>system
/// You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
/// <|im_start|>user
/// Hi<|im_end|>
/// <|im_start|>assistant
/// ```
///
/// ``tokenIDs(for:addGenerationPrompt:tokenizer:)`` inserts `<|im_start|>` and `<|im_end|>` as tokens and
/// encodes everything between them as ordinary text, so text in a message that merely looks like a special
/// token cannot open or close a turn; for any other text the ids equal those of tokenizing ``render(_:addGenerationPrompt:)``.
public struct ChatTemplate: Sendable, Equatable {
    public static let startToken = "<|im_start|>"
    public static let endToken = "<|im_end|>"
    /// SmolLM2-Instruct's default system prompt, as written in its chat template.
    public static let smolLM2DefaultSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The system prompt used when the conversation does not start with a system message (nil: none).
    public let defaultSystemPrompt: String?

    public init(defaultSystemPrompt: String? = ChatTemplate.smolLM2DefaultSystemPrompt) {
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// Reads the template from GGUF metadata (`tokenizer.chat_template`) and checks that it is ChatML.
    /// - Throws: ``ChatTemplateError/notChatML`` when the file's template is another format, or
    ///   ``ChatTemplateError/missing`` when it has none.
    public init(gguf file: GGUFFile) throws(ChatTemplateError) {
        guard let template = file.metadata["tokenizer.chat_template"]?.stringValue else { throw .missing }
        guard template.contains(Self.startToken), template.contains(Self.endToken),
            template.contains("message['role']"), template.contains("message['content']")
        else { throw .notChatML }
        // The default system prompt is the literal between "<|im_start|>system\n" and "<|im_end|>".
        let marker = Self.startToken + "system\n"
        if let start = template.range(of: marker), let end = template.range(of: Self.endToken, range: start.upperBound..<template.endIndex) {
            defaultSystemPrompt = String(template[start.upperBound..<end.lowerBound])
        } else {
            defaultSystemPrompt = nil
        }
    }

    /// The pieces of the prompt in order: template special tokens and the text between them.
    public enum Segment: Sendable, Equatable {
        case special(String)
        case text(String)
    }

    /// The prompt as segments.
    public func segments(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> [Segment] {
        var segments: [Segment] = []
        func turn(_ role: String, _ content: String) {
            segments.append(.special(Self.startToken))
            segments.append(.text(role + "\n" + content))
            segments.append(.special(Self.endToken))
            segments.append(.text("\n"))
        }
        if let first = messages.first, first.role != .system, let defaultSystemPrompt {
            turn(ChatMessage.Role.system.rawValue, defaultSystemPrompt)
        }
        for message in messages { turn(message.role.rawValue, message.content) }
        if addGenerationPrompt {
            segments.append(.special(Self.startToken))
            segments.append(.text(ChatMessage.Role.assistant.rawValue + "\n"))
        }
        return segments
    }

    /// The prompt as one string, exactly as the Jinja template renders it.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        segments(messages, addGenerationPrompt: addGenerationPrompt).map { segment in
            switch segment {
            case let .special(text), let .text(text): text
            }
        }.joined()
    }

    /// The prompt's token ids.
    /// - Throws: ``ChatTemplateError/specialTokenMissing(_:)`` when the vocabulary lacks `<|im_start|>` or `<|im_end|>`.
    public func tokenIDs(
        for messages: [ChatMessage], addGenerationPrompt: Bool = true, tokenizer: BPETokenizer
    ) throws(ChatTemplateError) -> [Int] {
        var ids: [Int] = []
        if tokenizer.addsBOS, let bos = tokenizer.bosID { ids.append(bos) }
        for segment in segments(messages, addGenerationPrompt: addGenerationPrompt) {
            switch segment {
            case let .special(text):
                guard let id = tokenizer.id(of: text) else { throw .specialTokenMissing(text) }
                ids.append(id)
            case let .text(text):
                tokenizer.encodeOrdinary(text[...], into: &ids)
            }
        }
        return ids
    }
}

/// Why a chat prompt could not be built.
public enum ChatTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case notChatML
    case specialTokenMissing(String)

    public var description: String {
        switch self {
        case .missing: "The GGUF file has no tokenizer.chat_template: use --raw to continue plain text."
        case .notChatML: "The GGUF chat template is not ChatML (<|im_start|>...<|im_end|>): use --raw, or a SmolLM2 model file."
        case let .specialTokenMissing(token): "The vocabulary has no \(token) token: the model file does not use ChatML; use --raw."
        }
    }
}
