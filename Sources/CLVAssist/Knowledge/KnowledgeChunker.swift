import CLVCore
import Foundation

/// Cuts articles into passages at their Markdown headings, so that a retriever returns the section that answers
/// a question rather than a whole article.
///
/// - A heading line (`#` to `######`) starts a section; the text before the first heading is a section under the
///   article's title. A level-1 heading that repeats the title only names the article and starts nothing.
/// - Sections without text are dropped. Chunk ids are `article#n`, n counting the kept sections from 1.
public enum KnowledgeChunker {
    /// The passages of `article`, in order.
    public static func chunks(of article: KnowledgeArticle) -> [KnowledgeChunk] {
        var sections: [(heading: String, lines: [Substring])] = [(article.title, [])]
        var inFence = false
        for line in article.body.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { inFence.toggle() }
            if !inFence, let heading = headingText(trimmed) {
                if heading == article.title && sections.count == 1 && sections[0].lines.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    continue
                }
                sections.append((heading, []))
            } else {
                sections[sections.count - 1].lines.append(line)
            }
        }
        var chunks: [KnowledgeChunk] = []
        for section in sections {
            let text = section.lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            chunks.append(
                KnowledgeChunk(
                    id: "\(article.id)#\(chunks.count + 1)", articleID: article.id, title: article.title, heading: section.heading, text: text,
                    tags: article.tags, language: article.language))
        }
        return chunks
    }

    /// The text of an ATX heading (`## Return window` -> `Return window`), or nil for another line.
    static func headingText(_ line: String) -> String? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.first == " " || rest.first == "\t" else { return nil }
        let text = rest.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#")).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }
}
