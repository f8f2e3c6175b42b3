/// What can go wrong in the assistant's pure parts; each message says how to fix it.
public enum AssistError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidIndex(String)
    case emptyKnowledgeBase
    case invalidPolicy(String)
    case unreadableModel(String)
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .invalidIndex(reason): "Knowledge index: \(reason)."
        case .emptyKnowledgeBase: "The knowledge base is empty: run `clv kb ingest knowledge-base/` first."
        case let .invalidPolicy(reason): "Routing policy: \(reason)."
        case let .unreadableModel(reason): "Intent model: \(reason)."
        case let .invalidParameter(reason): "\(reason)."
        }
    }
}
