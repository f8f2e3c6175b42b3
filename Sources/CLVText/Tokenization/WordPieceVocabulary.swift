import Foundation

/// A WordPiece vocabulary: token strings and their ids (the line number in `vocab.txt`).
///
/// Lookups compare the UTF-8 bytes exactly, as the reference tokenizer does; Swift's `String` equality would
/// treat canonically equivalent spellings as one token.
public struct WordPieceVocabulary: Sendable, Equatable {
    /// The tokens, indexed by id.
    public let tokens: [String]
    private let ids: [[UInt8]: Int]

    /// A vocabulary over the given tokens; the id of a token is its index (the first one wins for a duplicate).
    public init(tokens: [String]) {
        self.tokens = tokens
        var ids: [[UInt8]: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[Array(token.utf8)] == nil { ids[Array(token.utf8)] = id }
        self.ids = ids
    }

    /// Reads `vocab.txt`: one token a line.
    /// - Throws: ``WordPieceError/unreadable(path:reason:)``.
    public init(contentsOf url: URL) throws(WordPieceError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: url.path, reason: "the file is not UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        self.init(tokens: lines)
    }

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// The id of a token given as UTF-8 bytes, or `nil`.
    public func id(utf8 bytes: [UInt8]) -> Int? { ids[bytes] }

    /// The id of a token, or `nil`.
    public func id(of token: String) -> Int? { ids[Array(token.utf8)] }
}
