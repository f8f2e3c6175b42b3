import CLVCore
import Foundation

/// An interaction as a file line or an API request gives it, before validation and redaction.
public struct InteractionInput: Sendable, Equatable, Decodable {
    public var customer_id: String?
    public var kind: String?
    public var text: String?
    public var product_id: String?
    public var rating: Double?
    /// ISO 8601 date or date-time (the written local date and time count, as for orders), or Unix seconds.
    public var timestamp: String?
    public var interaction_id: String?

    public init(
        customer_id: String?, kind: String?, text: String?, product_id: String? = nil, rating: Double? = nil, timestamp: String? = nil,
        interaction_id: String? = nil
    ) {
        self.customer_id = customer_id
        self.kind = kind
        self.text = text
        self.product_id = product_id
        self.rating = rating
        self.timestamp = timestamp
        self.interaction_id = interaction_id
    }

    /// Longest text accepted, in UTF-8 bytes: a review or a chat turn, not a document.
    public static let maximumTextBytes = 32_768

    /// The interaction to store (its text redacted) and what redaction replaced, or why the input is rejected.
    /// - Parameter now: the time of an interaction without a timestamp (it does not enter the key, so re-importing
    ///   the same line is still a duplicate).
    public func validated(redactor: Redactor, now: Date) -> Result<(Interaction, Redaction), InteractionProblem> {
        guard let id = customer_id.map({ $0.trimmingCharacters(in: .whitespaces) }), !id.isEmpty else { return .failure(.missingCustomer) }
        guard id.unicodeScalars.count <= 256, !id.contains(where: \.isNewline) else { return .failure(.badIdentifier("customer_id")) }
        guard let kindText = kind?.trimmingCharacters(in: .whitespaces).lowercased(), let kind = InteractionKind(rawValue: kindText) else {
            return .failure(.unknownKind(kind ?? ""))
        }
        let raw = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if kind.requiresText, raw.isEmpty { return .failure(.missingText(kind)) }
        guard raw.utf8.count <= Self.maximumTextBytes else { return .failure(.textTooLong(raw.utf8.count)) }
        let product = product_id.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let product, product.unicodeScalars.count > 256 || product.contains(where: \.isNewline) { return .failure(.badIdentifier("product_id")) }
        if kind == .view, product == nil, raw.isEmpty { return .failure(.viewWithoutProduct) }
        if let rating, !(rating.isFinite && (1...5).contains(rating)) { return .failure(.badRating) }
        var moment: Date?
        if let stamp = timestamp?.trimmingCharacters(in: .whitespaces), !stamp.isEmpty {
            guard let parsed = Self.moment(stamp) else { return .failure(.badTimestamp) }
            moment = parsed
        }
        let sourceID = interaction_id.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let sourceID, sourceID.unicodeScalars.count > 256 { return .failure(.badIdentifier("interaction_id")) }

        let redaction = redactor.redact(raw)
        let customer = CustomerID(id)
        let key =
            sourceID.map { Interaction.sourceKey(customer: customer, interactionID: $0) }
            ?? Interaction.contentKey(customer: customer, kind: kind, timestamp: moment, product: product, text: redaction.text)
        let interaction = Interaction(
            key: key, customer: customer, kind: kind, text: redaction.text, product: product, rating: rating, timestamp: moment ?? now)
        return .success((interaction, redaction))
    }

    /// An ISO 8601 date or date-time (local wall-clock time, as orders read it), or Unix seconds.
    static func moment(_ text: String) -> Date? {
        if let seconds = Double(text), seconds.isFinite, text.allSatisfy({ $0.isNumber || $0 == "." }) {
            guard (-2_208_988_800...7_258_118_400).contains(seconds) else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
        guard let (day, second) = DateFormat.iso8601.parse(text), (1900...2200).contains(day.components.year) else { return nil }
        return Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400 + Double(second ?? 0))
    }
}

/// Why an interaction was rejected: one line a person can act on.
public enum InteractionProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case missingCustomer
    case badIdentifier(String)
    case unknownKind(String)
    case missingText(InteractionKind)
    case textTooLong(Int)
    case viewWithoutProduct
    case badRating
    case badTimestamp
    case invalidEncoding
    case notJSONObject

    /// A short, stable category for counting.
    public var category: String {
        switch self {
        case .missingCustomer: "missing customer id"
        case .badIdentifier: "bad identifier"
        case .unknownKind: "unknown kind"
        case .missingText: "missing text"
        case .textTooLong: "text too long"
        case .viewWithoutProduct: "view without product"
        case .badRating: "bad rating"
        case .badTimestamp: "unparseable timestamp"
        case .invalidEncoding: "invalid UTF-8"
        case .notJSONObject: "not a JSON object"
        }
    }

    public var description: String {
        switch self {
        case .missingCustomer: "missing customer_id"
        case let .badIdentifier(field): "\(field) must be 1 to 256 bytes on one line"
        case let .unknownKind(kind):
            "kind '\(kind)' is not one of \(InteractionKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .missingText(kind): "a \(kind.rawValue) needs its text"
        case let .textTooLong(bytes): "text is \(bytes) bytes; at most \(InteractionInput.maximumTextBytes) are accepted"
        case .viewWithoutProduct: "a view needs a product_id or a text"
        case .badRating: "rating must be a number from 1 to 5"
        case .badTimestamp: "timestamp must be an ISO 8601 date or date-time (years 1900 to 2200) or Unix seconds"
        case .invalidEncoding: "not valid UTF-8 text; re-export the file as UTF-8"
        case .notJSONObject: "not a JSON object on one line"
        }
    }
}
