/// Replaces personal data in free text (reviews, chats, searches, notes) with typed placeholders, before the text
/// is stored, embedded, logged or sent to a model.
///
/// What it finds, and how it avoids the numbers a shop's text is full of:
/// - e-mail addresses, plus-addressing and subdomains included;
/// - phone numbers: international (`+44 20 7946 0958`, `+8613812345678`, `0044 …`), UK and Chinese national
///   (`020 7946 0958`, `07700 900123`, `010-12345678`), Chinese mobiles (`13812345678`), North American with
///   separators (`(415) 555-0132`, `415-555-0132`, `415.555.0132`); a phone shape introduced as an order, invoice or
///   reference number (`order #07700900123`, `订单号13812345678`) is left alone;
/// - payment card numbers (13–19 digits, Luhn-checked), Chinese resident ID numbers (MOD 11-2 checksum and a real
///   birth date) and IBANs (mod 97): a checksum, not a length, decides, so an order number of the same length stays;
/// - street address lines (`221B Baker Street`), UK postcodes (`SW1A 1AA`) and Chinese street addresses
///   (`北京市朝阳区建国路88号`).
///
/// Digits may be full-width (`１３８１２３４５６７８`), as Chinese text often writes them. Prices, dates, times,
/// SKUs, quantities, years, versions and percentages have none of these shapes, and a token must stand on its
/// own: `SKU-4111111111111111` and `v1.2.3` are left whole.
///
/// Redaction is idempotent, `redacted(redacted(x)) == redacted(x)`: placeholders contain nothing any matcher reads,
/// and a text is scanned again until nothing changes. Text between matches, emoji and CJK included, is copied byte
/// for byte.
///
/// ```swift
/// let redactor = Redactor()
/// redactor.redacted("Call me on 07700 900123 or mail jane+shop@example.co.uk")
/// // "Call me on [PHONE] or mail [EMAIL]"
/// ```
public struct Redactor: Sendable, Hashable {
    /// The kinds this redactor replaces; the others pass through.
    public let kinds: Set<RedactionKind>
    private let mask: UInt8

    /// - Parameter kinds: what to replace; every kind unless told otherwise, because privacy is the default and
    ///   turning a kind off should be a decision someone wrote down.
    public init(kinds: Set<RedactionKind> = Set(RedactionKind.allCases)) {
        self.kinds = kinds
        self.mask = kinds.reduce(0) { $0 | $1.bit }
    }

    /// Redacts `text` and counts what it replaced.
    ///
    /// - Complexity: O(n) in the UTF-8 length of `text`, with a bounded look-ahead at each digit, capital letter,
    ///   `@`, `+` and `(`. A text with nothing to redact is scanned once and returned as it is, without a copy; a
    ///   text with matches is scanned once more, to confirm that nothing is left.
    public func redact(_ text: String) -> Redaction {
        var utf8 = text
        guard var result = utf8.withUTF8({ RedactionScanner(bytes: $0, kinds: mask).run() }) else { return Redaction(text: text, counts: [:]) }
        // A match's boundary checks read its neighbours, and a neighbour that was itself replaced reads differently:
        // in `x+4111111111111111+4111111111111111` the first card is glued to the second until the second becomes
        // `[CARD]`. Scanning again until nothing changes makes `redact` idempotent by construction; it terminates
        // because every match removes characters no placeholder contains, and usually the second scan finds nothing.
        for _ in 0..<8 {
            guard let again = result.text.withUnsafeBufferPointer({ RedactionScanner(bytes: $0, kinds: mask).run() }) else { break }
            result.text = again.text
            result.counts.merge(again.counts, uniquingKeysWith: +)
        }
        return Redaction(text: String(decoding: result.text, as: UTF8.self), counts: result.counts)
    }

    /// The redacted text alone, for callers that do not report counts.
    public func redacted(_ text: String) -> String { redact(text).text }
}
