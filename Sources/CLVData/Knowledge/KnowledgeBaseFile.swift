import CLVCore
import Foundation

/// Reads knowledge-base articles: Markdown files with front matter, or a CSV of `id,title,body,tags,language`.
///
/// A Markdown article starts with front matter between two `---` lines:
/// ```
/// ---
/// id: en-returns
/// title: Returning an item
/// tags: returns, return label
/// language: en
/// ---
/// # Returning an item
/// ## Return window
/// ...
/// ```
/// `id`, `title` and `language` are required, `tags` (comma-separated, brackets allowed) optional. In a CSV the
/// tags are separated by `;` or `,` and the body may hold Markdown headings (quoted, with line breaks).
public enum KnowledgeBaseFile {
    /// The articles of a `.md` or `.csv` file, or of every such file in a directory (recursively, by path).
    /// - Throws: ``IngestError`` naming the file and what is missing; two articles with one id are an error.
    public static func read(_ url: URL) throws(IngestError) -> [KnowledgeArticle] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .unreadable(path: url.path, reason: "no such file or directory")
        }
        let files: [URL]
        if isDirectory.boolValue {
            let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
            files = (enumerator?.allObjects as? [URL] ?? []).filter { ["md", "csv"].contains($0.pathExtension.lowercased()) }
                .sorted { $0.path < $1.path }
            guard !files.isEmpty else { throw .empty(path: url.path) }
        } else {
            files = [url]
        }
        var articles: [KnowledgeArticle] = []
        var seen: [String: String] = [:]
        for file in files {
            let read = try file.pathExtension.lowercased() == "csv" ? readCSV(file) : [readMarkdown(file)]
            for article in read {
                if let first = seen[article.id] {
                    throw .unreadable(path: file.path, reason: "article id '\(article.id)' is also used in \(first): ids must be unique")
                }
                seen[article.id] = file.path
                articles.append(article)
            }
        }
        return articles
    }

    /// One Markdown article.
    public static func readMarkdown(_ url: URL) throws(IngestError) -> KnowledgeArticle {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: "not UTF-8 text (\((error as NSError).localizedDescription))")
        }
        return try parseMarkdown(text, path: url.path)
    }

    /// An article from Markdown text with front matter; `path` names it in errors.
    public static func parseMarkdown(_ text: String, path: String) throws(IngestError) -> KnowledgeArticle {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
            let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
        else { throw .unreadable(path: path, reason: "no front matter: start the file with ---, id:, title:, language:, ---") }
        var fields: [String: String] = [:]
        for line in lines[1..<end] where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw .unreadable(path: path, reason: "front matter line '\(line)' is not 'key: value'")
            }
            fields[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = lines[(end + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return try article(fields: fields, body: body, path: path)
    }

    private static func article(fields: [String: String], body: String, path: String) throws(IngestError) -> KnowledgeArticle {
        func required(_ key: String) throws(IngestError) -> String {
            guard let value = fields[key].map(unquoted), !value.isEmpty else {
                throw .missingColumn("'\(key)'", available: fields.keys.sorted(), path: path, remedy: "Add it to the article's front matter")
            }
            return value
        }
        let id = try required("id")
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw .unreadable(path: path, reason: "article id '\(id)' may hold only letters, digits, '-', '_' and '.'")
        }
        guard !body.isEmpty else { throw .unreadable(path: path, reason: "article '\(id)' has no body") }
        let tags = (fields["tags"] ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
            .split(whereSeparator: { $0 == "," || $0 == ";" }).map { unquoted($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
        return KnowledgeArticle(id: id, title: try required("title"), body: body, tags: tags, language: try required("language").lowercased())
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else { return text }
        return String(text.dropFirst().dropLast())
    }

    /// The articles of a CSV with `id,title,body,tags,language` columns (a header line first; `tags` optional).
    public static func readCSV(_ url: URL) throws(IngestError) -> [KnowledgeArticle] {
        do {
            var reader = try DelimitedReader(url: url, separator: .byte(UInt8(ascii: ",")))
            guard try reader.next() else { throw IngestError.empty(path: url.path) }
            let columns = reader.columnPositions(lowercased: true)
            let names = ["id", "title", "body", "language"]
            guard names.allSatisfy({ columns[$0] != nil }) else {
                throw IngestError.missingColumn(
                    "'id', 'title', 'body' and 'language'", available: columns.sorted { $0.value < $1.value }.map(\.key), path: url.path,
                    remedy: "A knowledge-base CSV needs the header id,title,body,tags,language")
            }
            var articles: [KnowledgeArticle] = []
            while try reader.next() {
                if reader.fields.count == 1 && reader.record.isEmpty { continue }
                var fields: [String: String] = [:]
                for (name, index) in columns where index < reader.fields.count {
                    fields[name] = reader.withField(index, FieldParsing.string)
                }
                let body = (fields.removeValue(forKey: "body") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                articles.append(try article(fields: fields, body: body, path: "\(url.path) line \(reader.lineNumber)"))
            }
            return articles
        } catch let error as IngestError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}
