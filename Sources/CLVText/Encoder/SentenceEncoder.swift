import CLVNumerics
import Foundation

/// Sentence embeddings with all-MiniLM-L6-v2: text → WordPiece ids → BERT → mean pooling → L2 normalisation,
/// the pipeline of sentence-transformers (Reimers & Gurevych 2019, "Sentence-BERT", arXiv:1908.10084, §3).
///
/// ```swift
/// let encoder = try SentenceEncoder()                 // reads $CLV_MODELS/all-MiniLM-L6-v2
/// let vectors = try encoder.embed(["red star card holder", "blue polkadot passport cover"])
/// // vectors[i].count == 384, each of unit length; cosine similarity is a dot product.
/// ```
///
/// **Threads.** Texts are sorted by token count (longest first) and cut into batches of at most
/// ``Settings/batchSize`` similar-length texts; the batches run in parallel on ``Settings/threads`` threads
/// (``ParallelFor``), each with single-threaded OpenBLAS. Batches are independent, so this needs no
/// synchronisation inside the forward pass, keeps every core busy in the non-BLAS kernels too (LayerNorm,
/// softmax, GELU), and avoids OpenBLAS's per-call thread hand-off, which costs more than it saves on the small
/// (tens to hundreds of rows) matrices of short texts. OpenBLAS's thread count is process-wide, so the executable
/// sets it (`clv` sets one thread at start, ``BLAS/setThreadCount(_:)``); a library never does. An embedding does
/// not depend on the thread count or on which other texts are in the same call, apart from float rounding in the
/// last bits.
public struct SentenceEncoder: Sendable {
    /// How the work is split.
    public struct Settings: Sendable, Equatable {
        /// Most texts in one packed forward pass (sentence-transformers' `batch_size`).
        public var batchSize: Int
        /// Threads used at once.
        public var threads: Int
        /// Longest token sequence, `[CLS]` and `[SEP]` included; longer texts are truncated
        /// (sentence-transformers' `max_seq_length`, 256 for all-MiniLM-L6-v2).
        public var maximumLength: Int

        /// Batches of 32 on every core, 256 tokens at most.
        public init(batchSize: Int = 32, threads: Int = ParallelFor.allCores.threads, maximumLength: Int = 256) {
            self.batchSize = batchSize
            self.threads = threads
            self.maximumLength = maximumLength
        }
    }

    /// The model's name, as reported by the CLI.
    public let modelName: String
    /// Text to ids.
    public let tokenizer: WordPieceTokenizer
    /// Ids to token states.
    public let encoder: BertEncoder
    /// Batching and threads.
    public let settings: Settings

    /// Dimension of the embeddings (384).
    public var dimensions: Int { encoder.configuration.hiddenSize }

    /// Loads all-MiniLM-L6-v2 from a model directory.
    ///
    /// - Parameters:
    ///   - directory: where the models are (`$CLV_MODELS`, default `~/.cache/clvkit/models`).
    ///   - settings: batching and threads.
    /// - Throws: ``EncoderError/model(_:)`` when a file is missing (the message names `make setup`), or another
    ///   ``EncoderError`` when a file is unusable.
    public init(directory: ModelDirectory = ModelDirectory(), settings: Settings = Settings()) throws(EncoderError) {
        let model = KnownModel.miniLM
        let files: (config: URL, weights: URL, vocabulary: URL)
        do {
            files = (
                try directory.file("config.json", of: model), try directory.file("model.safetensors", of: model),
                try directory.file("vocab.txt", of: model)
            )
        } catch { throw .model(error) }
        let configuration = try BertConfiguration(contentsOf: files.config)
        let weights: BertWeights
        do {
            weights = try BertWeights(file: SafetensorsFile(contentsOf: files.weights), configuration: configuration)
        } catch { throw .weights(error) }
        let tokenizer: WordPieceTokenizer
        do {
            tokenizer = try WordPieceTokenizer(vocabularyURL: files.vocabulary, maximumLength: settings.maximumLength)
        } catch { throw .vocabulary(error) }
        try self.init(modelName: model.rawValue, tokenizer: tokenizer, encoder: BertEncoder(weights: weights), settings: settings)
    }

    /// An encoder from parts.
    /// - Throws: ``EncoderError/invalidSettings(_:)`` if the settings or vocabulary do not fit the model.
    public init(modelName: String, tokenizer: WordPieceTokenizer, encoder: BertEncoder, settings: Settings) throws(EncoderError) {
        guard settings.batchSize >= 1, settings.threads >= 1 else {
            throw .invalidSettings("batch size and threads must be at least 1 (got \(settings.batchSize), \(settings.threads))")
        }
        guard settings.maximumLength >= 2, settings.maximumLength <= encoder.configuration.maximumPositions,
            tokenizer.maximumLength <= encoder.configuration.maximumPositions
        else {
            throw .invalidSettings("maximum length \(settings.maximumLength) must be in 2...\(encoder.configuration.maximumPositions)")
        }
        guard tokenizer.vocabulary.count <= encoder.configuration.vocabularySize else {
            throw .invalidSettings("the vocabulary has \(tokenizer.vocabulary.count) tokens, the model only \(encoder.configuration.vocabularySize)")
        }
        self.modelName = modelName
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.settings = settings
    }

    /// Unit-length embeddings of `texts`, in order.
    ///
    /// - Parameter texts: any strings; each is truncated to ``Settings/maximumLength`` tokens.
    /// - Returns: one 384-dimensional vector per text (an empty text embeds `[CLS] [SEP]`).
    /// - Throws: ``EncoderError/cancelled`` if the current task is cancelled (checked between rounds of batches).
    /// - Complexity: O(n·L·d·(d + I)) for n texts of about L tokens.
    public func embed(_ texts: [String]) throws(EncoderError) -> [[Float]] {
        let ids = texts.map { tokenizer.encode($0) }
        let flat = try embed(tokenIDs: ids)
        let d = dimensions
        return (0..<texts.count).map { Array(flat[($0 * d)..<(($0 + 1) * d)]) }
    }

    /// Unit-length embeddings of already tokenised sequences, row-major `[ids.count × dimensions]`.
    ///
    /// - Parameter ids: token ids as ``WordPieceTokenizer/encode(_:)`` returns them.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)`` for an empty or over-long sequence or an
    ///   id outside the vocabulary; ``EncoderError/cancelled``.
    public func embed(tokenIDs ids: [[Int]]) throws(EncoderError) -> [Float] {
        let d = dimensions
        let n = ids.count
        guard n > 0 else { return [] }
        try encoder.validate(ids, maximumLength: settings.maximumLength)
        // Longest first: similar lengths share a batch, and the costliest batches start first.
        let order = (0..<n).sorted { (ids[$0].count, $1) > (ids[$1].count, $0) }
        let threads = ParallelFor(threads: settings.threads)
        let batch = max(1, min(settings.batchSize, (n + threads.threads - 1) / threads.threads))
        let batchCount = (n + batch - 1) / batch
        var output = [Float](repeating: 0, count: n * d)
        // Batches run in rounds of a few per thread; cancellation is checked on the calling thread (the only
        // one that belongs to the task) between rounds.
        let round = 4 * threads.threads
        var first = 0
        output.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            while first < batchCount, !Task.isCancelled {
                let count = min(round, batchCount - first)
                let base = first
                threads.run(count: count) { offset in
                    let b = base + offset
                    let members = Array(order[(b * batch)..<min(n, (b + 1) * batch)])
                    let pooled = encoder.validatedMeanPooledStates(of: members.map { ids[$0] })
                    // Each batch writes only the rows of its own texts.
                    for (row, index) in members.enumerated() {
                        Self.normalize(pooled, row: row, width: d, into: out + index * d)
                    }
                }
                first += count
            }
        }
        guard first == batchCount else { throw .cancelled }
        return output
    }

    /// `v / ‖v‖₂` (sentence-transformers' `Normalize`, which divides by max(‖v‖, 1e-12)).
    private static func normalize(_ pooled: [Float], row: Int, width d: Int, into out: UnsafeMutablePointer<Float>) {
        var squares: Float = 0
        for j in 0..<d { squares += pooled[row * d + j] * pooled[row * d + j] }
        let inverse = 1 / max(squares.squareRoot(), 1e-12)
        for j in 0..<d { out[j] = pooled[row * d + j] * inverse }
    }
}
