import CLVCore
import Foundation

/// What a customer did when they wrote or looked at something.
public enum InteractionKind: String, Sendable, Codable, CaseIterable, Hashable {
    case search, view, review, chat, note

    /// Whether the kind carries words a customer wrote (a view may have no text at all).
    public var requiresText: Bool { self != .view }
}

/// One interaction as stored: its text already redacted.
public struct Interaction: Sendable, Equatable, Codable {
    /// Stable key of the source record: storing it twice is a no-op.
    public var key: Int64
    public var customer: CustomerID
    public var kind: InteractionKind
    /// Redacted text; empty for a view without words.
    public var text: String
    public var product: String?
    /// The customer's rating (1 to 5), for reviews.
    public var rating: Double?
    public var timestamp: Date

    public init(key: Int64, customer: CustomerID, kind: InteractionKind, text: String, product: String?, rating: Double?, timestamp: Date) {
        self.key = key
        self.customer = customer
        self.kind = kind
        self.text = text
        self.product = product
        self.rating = rating
        self.timestamp = timestamp
    }

    /// The calendar day (UTC) of the interaction.
    public var day: CalendarDay { CalendarDay(daysSinceEpoch: Int((timestamp.timeIntervalSince1970 / 86_400).rounded(.down))) }

    /// The key of the cached embedding of this interaction's text.
    public var textHash: TextHash { TextHash(of: text) }

    /// The key of an interaction posted or imported without an id of its own: the same customer, kind, moment,
    /// product and text are the same interaction, however often they arrive.
    public static func contentKey(customer: CustomerID, kind: InteractionKind, timestamp: Date?, product: String?, text: String) -> Int64 {
        var key = RowKey(seed: RowKey.of("interaction"))
        for part in [customer.rawValue, kind.rawValue, product ?? ""] {
            var copy = part
            copy.withUTF8 { key.combine($0) }
        }
        key.combine(timestamp.map { UInt64(bitPattern: Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? UInt64.max)
        var body = text
        body.withUTF8 { key.combine($0) }
        return Int64(bitPattern: key.state)
    }

    /// The key of an interaction with the source's own id: unique per customer.
    public static func sourceKey(customer: CustomerID, interactionID: String) -> Int64 {
        var key = RowKey(seed: RowKey.of("interaction-id"))
        for part in [customer.rawValue, interactionID] {
            var copy = part
            copy.withUTF8 { key.combine($0) }
        }
        return Int64(bitPattern: key.state)
    }
}

/// The key of a text in the embedding cache: the first 128 bits of its SHA-256, as 32 hex digits.
public struct TextHash: Sendable, Hashable, Codable, CustomStringConvertible {
    public let hex: String

    public init(of text: String) { hex = String(SHA256.hash(Array(text.utf8)).prefix(16).hexString) }

    public init?(hex: String) {
        guard hex.utf8.count == 32, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        self.hex = hex
    }

    public var description: String { hex }
}

/// A product of the catalogue.
public struct Product: Sendable, Equatable, Codable {
    public var id: String
    public var title: String?
    public var description: String?
    public var category: String?
    public var price: Double?

    public init(id: String, title: String? = nil, description: String? = nil, category: String? = nil, price: Double? = nil) {
        self.id = id
        self.title = title
        self.description = description
        self.category = category
        self.price = price
    }

    /// The words a model reads for this product: its title, and its description when that says more.
    public var text: String? {
        switch (title, description) {
        case let (t?, d?) where d != t && !d.isEmpty: "\(t). \(d)"
        case let (t?, _): t
        case let (nil, d?): d
        case (nil, nil): nil
        }
    }
}
