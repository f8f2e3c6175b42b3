import ArgumentParser
import CLVData
import CLVInsight
import CLVPipeline
import CLVText
import Foundation

/// The embedding model of the commands that read customers' words.
struct EmbeddingOptions: ParsableArguments {
    @Option(
        name: .customLong("embedding-model"),
        help: "Embedding model: minilm (English) or e5-small (multilingual, Chinese included); default $CLV_EMBEDDING_MODEL, else minilm.")
    var explicitModel: Embed.Model?

    @Option(
        name: .customLong("encoder"),
        help: ArgumentHelp(
            "A fine-tuned encoder folder (the --out of `clv finetune`) to embed with instead of the stock model.", valueName: "DIR"))
    var encoderFolder: String?

    /// The stock model; `minilm` with `--encoder` (a fine-tuned BERT reads what MiniLM reads, English).
    var choice: EmbeddingModelChoice {
        if encoderFolder != nil { return .minilm }
        return explicitModel.flatMap { EmbeddingModelChoice(rawValue: $0.rawValue) } ?? (try? EmbeddingModelChoice.installationDefault()) ?? .minilm
    }

    var embeddingModel: Embed.Model { Embed.Model(rawValue: choice.rawValue)! }

    func validate() throws {
        if encoderFolder != nil, explicitModel != nil {
            throw ValidationError("Give --embedding-model or --encoder, not both: the fine-tuned encoder replaces the embedding model.")
        }
        if explicitModel == nil, encoderFolder == nil {
            do { _ = try EmbeddingModelChoice.installationDefault() } catch { throw ValidationError("\(error)") }
        }
    }

    /// The embedding model: the fine-tuned encoder of `--encoder`, else the chosen stock model.
    func load() throws -> any TextEmbeddingModel {
        if let encoderFolder { return try SentenceEncoder(encoderFolder: URL(fileURLWithPath: encoderFolder)) }
        return try choice.load()
    }

    /// The model behind the store's embedding cache, with a progress line while it embeds.
    func embedder(cache: any EmbeddingCache) throws -> CachedEmbedder {
        CachedEmbedder(model: try load(), cache: cache)
    }
}

/// Runs an embedding step with a progress bar on stderr, then says what the cache saved.
func withEmbeddingProgress<T>(_ label: String, _ body: (@escaping (Int, Int) -> Void) async throws -> (T, CachedEmbedder.Outcome)) async throws -> T {
    let line = ProgressLine(label: label)
    let (value, outcome) = try await body { done, total in line.update(fraction: total > 0 ? Double(done) / Double(total) : 1, detail: "\(done)/\(total) texts")
    }
    line.finish()
    progress(
        outcome.misses == 0
            ? "Embedding cache: all \(outcome.hits) texts were cached; nothing new embedded."
            : "Embedding cache: \(outcome.hits) cached, \(outcome.misses) embedded now.")
    return value
}

/// Where the sentiment classifier shipped with CLVKit lives, per embedding model.
enum SentimentModels {
    static func defaultURL(for choice: EmbeddingModelChoice) -> URL {
        ModelDirectory().root.appendingPathComponent("sentiment").appendingPathComponent("\(choice.rawValue).json")
    }

    /// - Parameter modelName: the name of the embedding model the classifier's inputs come from.
    static func load(_ path: String?, choice: EmbeddingModelChoice, modelName: String) throws -> EmbeddingClassifier {
        let url = path.map { URL(fileURLWithPath: $0) } ?? defaultURL(for: choice)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw UserError(
                path == nil
                    ? "No sentiment model for \(choice.rawValue) at \(url.path): run `make setup`, or train one with `clv sentiment train --data FILE.csv --out MODEL`."
                    : "Cannot read the sentiment model \(url.path): check the path.")
        }
        let model = try EmbeddingClassifier(jsonData: data)
        guard model.embeddingModel == modelName else {
            throw UserError(
                "The sentiment model \(url.path) was trained on \(model.embeddingModel) vectors, not \(modelName): use the --embedding-model or --encoder it was trained with."
            )
        }
        return model
    }
}
