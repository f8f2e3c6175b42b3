import Foundation

/// A CSV of labelled texts (`text,label`, a header line first) for training and evaluating classifiers.
public enum LabeledTextFile {
    /// The file's (text, label) pairs, and the lines rejected (empty text or label).
    /// - Parameters:
    ///   - labelColumn: the name of the label column (BANKING77 calls it `category`).
    ///   - textColumn: the name of the text column.
    /// - Throws: ``IngestError`` when the file cannot be read or lacks the text or label column.
    public static func read(
        _ url: URL, labelColumn: String = "label", textColumn: String = "text",
        columnRemedy: String = "Name the label column with --label-column; the text column must be called text"
    ) throws(IngestError) -> (examples: [(text: String, label: String)], rejected: [Int]) {
        do {
            var reader = try DelimitedReader(url: url, separator: .byte(UInt8(ascii: ",")))
            guard try reader.next() else { throw IngestError.empty(path: url.path) }
            let columns = reader.columnPositions(lowercased: true)
            guard let text = columns[textColumn.lowercased()], let label = columns[labelColumn.lowercased()] else {
                throw IngestError.missingColumn(
                    "'\(textColumn)' and '\(labelColumn)'", available: columns.sorted { $0.value < $1.value }.map(\.key), path: url.path,
                    remedy: columnRemedy)
            }
            var examples: [(String, String)] = []
            var rejected: [Int] = []
            while try reader.next() {
                guard reader.fields.count > max(text, label), FieldParsing.isValidUTF8(reader.record),
                    let t = reader.withField(text, FieldParsing.string), let l = reader.withField(label, FieldParsing.string)
                else {
                    if !(reader.fields.count == 1 && reader.record.isEmpty) { rejected.append(reader.lineNumber) }
                    continue
                }
                examples.append((t, l))
            }
            return (examples, rejected)
        } catch let error as IngestError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}
