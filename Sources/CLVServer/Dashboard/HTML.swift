import Foundation

/// A fragment of HTML that is safe to emit: built only from literal markup and values passed through ``escape(_:)``.
///
/// Every view returns `HTML`; data reaches a page only through string interpolation of an `HTML` value, whose
/// interpolation of anything that is not already `HTML` escapes it. So a customer id of `<script>` is shown as text.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(unsafe markup: String) { text = markup }
    init(stringLiteral value: String) { text = value }
    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    var description: String { text }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        /// Already-safe markup.
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        /// A chart, as its inline markup.
        mutating func appendInterpolation(_ figure: ChartFigure) { text += figure.html.text }
        /// Any other value: escaped.
        mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += HTML.escape(value.description) }
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        mutating func appendInterpolation(_ fragments: [HTML]) { for f in fragments { text += f.text } }
    }

    /// The one escaping helper: `& < > " '` become entities, safe in text and in quoted attribute values.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func join(_ fragments: [HTML], separator: HTML = "") -> HTML {
        HTML(unsafe: fragments.map(\.text).joined(separator: separator.text))
    }
}

/// Percent-encoding for a value placed in a URL query or path segment (then HTML-escaped by interpolation).
func urlComponent(_ value: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

/// Number formatting for people: thousands separators, fixed decimals, short money.
enum Format {
    static func integer(_ value: Int) -> String { grouped(String(abs(value)), negative: value < 0) }

    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "–" }
        let text = String(format: "%.\(decimals)f", abs(value))
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = grouped(String(parts[0]), negative: value < 0 && text.contains(where: { $0 != "0" && $0 != "." }))
        return parts.count > 1 ? whole + "." + parts[1] : whole
    }

    static func money(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "–" }
        return (value < 0 ? "−$" : "$") + number(abs(value), decimals: decimals)
    }

    /// A contribution: always with its sign.
    static func signed(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return "–" }
        return (value < 0 ? "" : "+") + number(value, decimals: decimals)
    }

    static func percent(_ share: Double, decimals: Int = 0) -> String { number(share * 100, decimals: decimals) + "%" }

    private static func grouped(_ digits: String, negative: Bool) -> String {
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (negative ? "−" : "") + out
    }
}
