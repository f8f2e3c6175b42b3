/// A sentence encoder could not be loaded, or an embedding request could not finish.
public enum EncoderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A model file is missing (the message names the command that fetches it).
    case model(ModelDirectoryError)
    /// The weights file is unreadable or does not match the configuration.
    case weights(WeightsError)
    /// The vocabulary is unreadable or not a BERT vocabulary.
    case vocabulary(WordPieceError)
    /// An E5S1 model file (multilingual-e5-small) is unreadable or does not match its header.
    case modelFile(E5FileError)
    /// `config.json` is unreadable or describes an unsupported model.
    case invalidConfiguration(path: String, reason: String)
    /// The encoder's own settings are inconsistent with the model.
    case invalidSettings(String)
    /// A token-id sequence given to the encoder cannot be embedded.
    case invalidTokenSequence(index: Int, reason: String)
    /// The surrounding task was cancelled between batches.
    case cancelled
    /// A fine-tuned encoder folder (`--encoder DIR`) is missing or is not a sentence-transformers BERT folder.
    case encoderFolder(path: String, reason: String)

    public var description: String {
        switch self {
        case let .model(error): error.description
        case let .weights(error): error.description
        case let .vocabulary(error): error.description
        case let .modelFile(error): error.description
        case let .invalidConfiguration(path, reason): "Model configuration \(path) is unusable: \(reason)."
        case let .invalidSettings(reason): "Invalid encoder settings: \(reason)."
        case let .invalidTokenSequence(index, reason):
            "Token sequence \(index) cannot be embedded: \(reason). Use the model's tokenizer (WordPieceTokenizer.encode, SentencePieceTokenizer.windows) to make the ids."
        case .cancelled: "Embedding was cancelled before it finished; no partial results are returned."
        case let .encoderFolder(path, reason):
            "\(path) is not a fine-tuned encoder folder (\(reason)): pass the --out folder of `clv finetune`, or a sentence-transformers BERT folder."
        }
    }
}
