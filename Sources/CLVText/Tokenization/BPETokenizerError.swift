/// Why a byte-level BPE tokenizer could not be built from a model file.
public enum BPETokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `tokenizer.ggml.model` names another kind of tokenizer (SentencePiece `llama`, WordPiece `bert`...).
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer rule this implementation does not know.
    case unsupportedPreTokenizer(String)
    /// The vocabulary, token types and merges disagree with one another.
    case inconsistentTables(String)
    /// A tokenizer metadata key is missing or has the wrong type.
    case metadata(GGUFError)

    public var description: String {
        switch self {
        case let .unsupportedModel(model):
            "The GGUF tokenizer is '\(model)', not byte-level BPE ('gpt2'): use a model with a GPT-2 style tokenizer."
        case let .unsupportedPreTokenizer(pre):
            "The GGUF pre-tokenizer '\(pre)' is not supported (supported: smollm, gpt2, starcoder, refact): use a SmolLM2 GGUF file."
        case let .inconsistentTables(reason):
            "The GGUF tokenizer tables are inconsistent (\(reason)): fetch the model again (`make setup`)."
        case let .metadata(error):
            error.description
        }
    }
}
