/// A WordPiece vocabulary could not be loaded.
public enum WordPieceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The vocabulary file could not be read.
    case unreadable(path: String, reason: String)
    /// A token the tokenizer needs (`[CLS]`, `[SEP]`, `[UNK]`, `[PAD]`) is not in the vocabulary.
    case missingSpecialToken(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "Cannot read the WordPiece vocabulary \(path): \(reason). Re-run `make setup` to fetch the model."
        case let .missingSpecialToken(token):
            "The vocabulary has no \(token) token: it is not a BERT WordPiece vocabulary."
        }
    }
}
