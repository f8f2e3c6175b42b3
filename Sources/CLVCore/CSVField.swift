/// One CSV field as RFC 4180 writes it: quoted (with doubled quotes) only when it holds a separator, a quote or a
/// line break.
public enum CSVField {
    public static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        var out = "\""
        for character in text {
            if character == "\"" { out.append("\"") }
            out.append(character)
        }
        return out + "\""
    }

    /// Like ``quoted(_:)``, and a leading `=`, `+`, `-` or `@` is neutralised so spreadsheets do not run it as a
    /// formula (for exports people open in Excel).
    public static func spreadsheetSafe(_ text: String) -> String {
        guard let first = text.first, "=+-@".contains(first) else { return quoted(text) }
        return quoted("'" + text)
    }
}
