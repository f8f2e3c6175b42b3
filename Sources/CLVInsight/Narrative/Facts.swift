/// What a generated text may say: an ordered list of labelled values, each written as it should be shown.
///
/// The values are text (`"gold"`, `"1234.50"`, `"83%"`, `"2011-12-09"`), so the facts a model reads and the
/// facts its reply is checked against are the same characters.
public struct Facts: Sendable, Equatable, Codable {
    /// One labelled value.
    public struct Fact: Sendable, Equatable, Codable {
        public var label: String
        public var value: String

        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    /// The facts, in the order they are shown.
    public var items: [Fact]

    public init(_ items: [Fact] = []) { self.items = items }

    /// Facts from (label, value) pairs, in order.
    public init(_ pairs: [(String, String)]) { items = pairs.map { Fact(label: $0.0, value: $0.1) } }

    /// Appends one fact.
    public mutating func append(_ label: String, _ value: String) { items.append(Fact(label: label, value: value)) }

    public var isEmpty: Bool { items.isEmpty }

    /// The value of the first fact with this label.
    public func value(of label: String) -> String? { items.first { $0.label == label }?.value }

    /// The facts as a Markdown bullet list, one `- label: value` a line.
    public var bulletList: String { items.map { "- \($0.label): \($0.value)" }.joined(separator: "\n") }
}
