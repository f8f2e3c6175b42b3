/// A customer's pseudonymous identifier, as it appears in the source data.
///
/// A typed wrapper so that a customer id can never be confused with an order id or a product id.
public struct CustomerID: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Integer ids first, in numeric order ("9" before "10"), then the others lexicographically.
    public static func < (lhs: CustomerID, rhs: CustomerID) -> Bool {
        switch (Int(lhs.rawValue), Int(rhs.rawValue)) {
        case let (l?, r?): l < r || (l == r && lhs.rawValue < rhs.rawValue)
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): lhs.rawValue < rhs.rawValue
        }
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
