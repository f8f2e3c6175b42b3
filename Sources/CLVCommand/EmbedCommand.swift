import ArgumentParser
import CLVText
import Foundation

/// `clv embed`: sentence embeddings with all-MiniLM-L6-v2 or multilingual-e5-small, computed locally.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with MiniLM (English) or e5-small (multilingual), 384 dimensions, offline.",
        discussion: """
            Give the texts as arguments, or --input FILE with one text a line (--input - reads stdin). \
            --embedding-model minilm (the default) is English only: texts longer than 256 tokens are truncated, \
            as sentence-transformers does. e5-small embeds Chinese and ~100 other languages; it prefixes each \
            text with "query: " or "passage: " (--role) and embeds long texts whole, in 510-token windows.

            JSON: {"model": "all-MiniLM-L6-v2", "dimensions": 384, "embeddings": [[...], ...]}, one vector \
            per text in input order. CSV: a header index,e0,...,e383, then one row per text. Vectors of the \
            two models are not comparable with each other.

            The model is read from $CLV_MODELS (default ~/.cache/clvkit/models); `make setup` fetches it.
            """
    )

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv
    }

    @Option(help: "Output format.")
    var format: Format = .json

    @Option(name: .long, help: ArgumentHelp("Read texts from FILE, one a line ('-' for stdin).", valueName: "FILE"))
    var input: String?

    /// The embedding models, by the names `EmbeddingModelChoice` gives them.
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case minilm
        case e5Small = "e5-small"
    }

    @OptionGroup var embedding: EmbeddingOptions

    @Option(help: "For e5-small: query (queries, similarity, classification) or passage (documents to search).")
    var role: Role = .query

    /// `EmbeddingRole` as an option value.
    enum Role: String, ExpressibleByArgument, CaseIterable {
        case query, passage
    }

    @Option(help: "Texts per forward pass (minilm).")
    var batchSize: Int = 32

    @Option(help: "Threads to use (default: every core).")
    var threads: Int?

    @Argument(help: "Texts to embed.")
    var texts: [String] = []

    func validate() throws {
        if input != nil && !texts.isEmpty { throw ValidationError("Give texts as arguments or with --input, not both.") }
        if input == nil && texts.isEmpty { throw ValidationError("Give at least one text, or --input FILE.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
    }

    func run() throws {
        let texts = try input.map(Self.readLines) ?? self.texts
        let choice = embedding.choice
        if let warning = choice.warning(embedding: texts) { FileHandle.standardError.write(Data("clv: \(warning)\n".utf8)) }
        let encoder: any TextEmbeddingModel
        switch choice {
        case .minilm:
            var settings = SentenceEncoder.Settings(batchSize: batchSize)
            if let threads { settings.threads = threads }
            encoder =
                try embedding.encoderFolder.map { try SentenceEncoder(encoderFolder: URL(fileURLWithPath: $0), settings: settings) }
                ?? SentenceEncoder(settings: settings)
        case .e5Small:
            var settings = E5SentenceEncoder.Settings()
            if let threads { settings.threads = threads }
            encoder = try E5SentenceEncoder(settings: settings)
        }
        let embeddings = try encoder.embed(texts, role: role == .passage ? .passage : .query)
        var out = ""
        switch format {
        case .json:
            out.reserveCapacity(embeddings.count * encoder.dimensions * 12 + 100)
            out += #"{"model": "\#(encoder.modelName)", "dimensions": \#(encoder.dimensions), "embeddings": ["#
            for (i, vector) in embeddings.enumerated() {
                if i > 0 { out += ", " }
                out += "["
                out += vector.map { "\($0)" }.joined(separator: ", ")
                out += "]"
            }
            out += "]}\n"
        case .csv:
            out += "index," + (0..<encoder.dimensions).map { "e\($0)" }.joined(separator: ",") + "\n"
            for (i, vector) in embeddings.enumerated() {
                out += "\(i)," + vector.map { "\($0)" }.joined(separator: ",") + "\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The lines of a file (or stdin for "-"); a final newline does not start another text.
    static func readLines(_ path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw EmbedInputError("Cannot read --input \(path): check that the file exists and is readable.")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EmbedInputError("--input \(path) is not UTF-8 text: convert it to UTF-8 first.")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw EmbedInputError("--input \(path) has no lines to embed.") }
        return lines
    }
}

/// The `--input` file cannot be used (exit code 1, one line).
struct EmbedInputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
