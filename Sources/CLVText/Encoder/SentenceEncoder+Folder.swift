import Foundation

extension SentenceEncoder {
    /// Loads a BERT sentence encoder from a sentence-transformers folder (``SentenceTransformersDirectory``):
    /// the encoder `clv finetune` writes, used with `--encoder DIR`.
    ///
    /// The embeddings are computed as for all-MiniLM-L6-v2 (WordPiece, BERT, mean pooling, L2 normalisation); the
    /// longest sequence is the folder's `max_seq_length` (at most the model's positions) when `settings` keeps the
    /// default, and the model's name is
    /// ``SentenceTransformersDirectory/modelName()``.
    /// - Throws: ``EncoderError/encoderFolder(path:reason:)`` when the folder is missing, lacks a file, or pools
    ///   other than by mean; another ``EncoderError`` when a file is unusable.
    public init(encoderFolder url: URL, settings: Settings = Settings()) throws(EncoderError) {
        let folder = SentenceTransformersDirectory(url: url)
        if let problem = folder.problem() { throw .encoderFolder(path: url.path, reason: problem) }
        let configuration = try BertConfiguration(contentsOf: url.appendingPathComponent("config.json"))
        let weights: BertWeights
        do {
            weights = try BertWeights(file: SafetensorsFile(contentsOf: url.appendingPathComponent("model.safetensors")), configuration: configuration)
        } catch { throw .weights(error) }
        var settings = settings
        if settings.maximumLength == Settings().maximumLength {
            settings.maximumLength = min(folder.maximumSequenceLength() ?? settings.maximumLength, configuration.maximumPositions)
        }
        let tokenizer: WordPieceTokenizer
        do {
            tokenizer = try WordPieceTokenizer(vocabularyURL: url.appendingPathComponent("vocab.txt"), maximumLength: settings.maximumLength)
        } catch { throw .vocabulary(error) }
        try self.init(modelName: try folder.modelName(), tokenizer: tokenizer, encoder: BertEncoder(weights: weights), settings: settings)
    }
}
