/// Why a decoder model could not be loaded or could not continue.
public enum LlamaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The GGUF file is for another architecture than Llama.
    case unsupportedArchitecture(String)
    /// The metadata is inconsistent (head counts that do not divide the width...).
    case invalidConfiguration(String)
    /// A tensor or metadata key is missing, misshapen or of an unsupported type.
    case weights(GGUFError)
    /// The tokenizer could not be read.
    case tokenizer(BPETokenizerError)
    /// The chat prompt could not be built.
    case chatTemplate(ChatTemplateError)
    /// The prompt plus the tokens to generate do not fit in the context window.
    case contextLengthExceeded(needed: Int, limit: Int)
    /// A token id outside the vocabulary was fed to the model.
    case invalidToken(Int, vocabularySize: Int)
    /// The prompt has no tokens.
    case emptyPrompt
    /// A sampling parameter is out of range.
    case invalidSampling(String)

    public var description: String {
        switch self {
        case let .unsupportedArchitecture(name):
            "The GGUF model's architecture is '\(name)'; CLVKit runs Llama models: use SmolLM2-135M-Instruct."
        case let .invalidConfiguration(reason):
            "The GGUF model's hyper-parameters are inconsistent (\(reason)): fetch the model again (`make setup`)."
        case let .weights(error):
            error.description
        case let .tokenizer(error):
            error.description
        case let .chatTemplate(error):
            error.description
        case let .contextLengthExceeded(needed, limit):
            "The prompt and reply need \(needed) positions but the context holds \(limit): shorten the prompt or lower --max-tokens."
        case let .invalidToken(id, size):
            "Token id \(id) is outside the vocabulary of \(size) tokens: encode text with the model's own tokenizer."
        case .emptyPrompt:
            "The prompt is empty: give some text to continue."
        case let .invalidSampling(reason):
            "Invalid sampling settings: \(reason)."
        }
    }
}
