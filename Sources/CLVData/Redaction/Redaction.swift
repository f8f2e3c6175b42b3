/// A kind of personal data that ``Redactor`` replaces, and the placeholder that stands in for it.
///
/// The raw value is a stable lower-case name for counters, logs and JSON; the placeholder is what a reader (or a
/// language model) sees in the text, typed so that "call me on [PHONE]" still reads as a sentence and a model can
/// still tell an address from a card number.
public enum RedactionKind: String, CaseIterable, Sendable, Hashable, Codable {
    case email
    case phone
    case card
    case idNumber = "id_number"
    case iban
    case address
    case postcode

    /// The text that replaces a match, such as `[EMAIL]`.
    ///
    /// Placeholders contain no digits, no `@` and no lower case, so no matcher fires inside one or takes one into
    /// a match.
    public var placeholder: String {
        switch self {
        case .email: "[EMAIL]"
        case .phone: "[PHONE]"
        case .card: "[CARD]"
        case .idNumber: "[ID_NUMBER]"
        case .iban: "[IBAN]"
        case .address: "[ADDRESS]"
        case .postcode: "[POSTCODE]"
        }
    }

    /// One bit per kind, for the redactor's set of enabled kinds.
    var bit: UInt8 {
        switch self {
        case .email: 1
        case .phone: 2
        case .card: 4
        case .idNumber: 8
        case .iban: 16
        case .address: 32
        case .postcode: 64
        }
    }
}

/// A text with its personal data replaced by placeholders, and how many of each kind were replaced.
///
/// The counts let ingestion report (and audit) what it removed without ever keeping what it removed.
public struct Redaction: Sendable, Hashable {
    /// The text with every match replaced by its kind's ``RedactionKind/placeholder``.
    public var text: String
    /// Matches replaced, by kind; a kind with no match has no entry.
    public var counts: [RedactionKind: Int]

    public init(text: String, counts: [RedactionKind: Int]) {
        self.text = text
        self.counts = counts
    }

    /// All matches replaced, of every kind.
    public var total: Int { counts.values.reduce(0, +) }

    /// Whether nothing was found: ``text`` is the input unchanged.
    public var isUnchanged: Bool { counts.isEmpty }
}
