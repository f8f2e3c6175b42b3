import Foundation

/// A BERT sentence encoder saved as a sentence-transformers model folder: what `clv finetune` writes and
/// `--encoder DIR` reads, and what Python loads with `SentenceTransformer(DIR)` (or the encoder alone with
/// transformers' `BertModel.from_pretrained(DIR)`).
///
/// The folder holds:
/// - `config.json`: the `BertConfig` (the base model's, with the sizes of the weights written);
/// - `model.safetensors`: F32 tensors under `BertModel`'s names (query, key and value separate), plus the base's
///   unused `pooler.*` tensors when it has them, so that transformers loads the file without warnings;
/// - `vocab.txt` and the base's other tokenizer files (`tokenizer.json`, `tokenizer_config.json`,
///   `special_tokens_map.json`) copied unchanged;
/// - `modules.json`, `sentence_bert_config.json` and `1_Pooling/config.json`: Transformer → mean pooling →
///   Normalize, the pipeline of ``SentenceEncoder``;
/// - optionally `head.safetensors`: whatever task head the caller passes (sentence-transformers ignores it).
///
/// An encoder read from a folder is named `finetuned-` and a 64-bit fingerprint of its `model.safetensors`:
/// classifiers and the embedding cache record that name, so vectors of different weights are never mixed,
/// wherever the folder is moved.
public struct SentenceTransformersDirectory: Sendable, Equatable {
    /// The folder.
    public let url: URL

    public init(url: URL) { self.url = url }

    /// The files the runtime needs.
    public static let requiredFiles = ["config.json", "model.safetensors", "vocab.txt"]

    /// The tokenizer files copied from the base when it has them (`vocab.txt` is required).
    public static let tokenizerFiles = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// Writes `weights` as a sentence-transformers folder at ``url`` (created if missing; files of the same names
    /// are replaced).
    ///
    /// - Parameters:
    ///   - weights: the encoder.
    ///   - base: the folder of the model the weights were fine-tuned from: its tokenizer files are copied, its
    ///     `config.json` is kept for everything but the sizes, and its `pooler.*` tensors are carried over.
    ///   - maximumSequenceLength: sentence-transformers' `max_seq_length` (256 for all-MiniLM-L6-v2).
    ///   - head: tensors of a task head to save beside the encoder as `head.safetensors`, or `nil`.
    /// - Throws: ``ModelExportError``.
    public func write(
        _ weights: BertWeights, base: URL, maximumSequenceLength: Int = 256, head: SafetensorsWriter? = nil
    ) throws(ModelExportError) {
        let c = weights.configuration
        guard (2...c.maximumPositions).contains(maximumSequenceLength) else {
            throw .invalidArgument("the maximum sequence length \(maximumSequenceLength) must be in 2...\(c.maximumPositions)")
        }
        let files = FileManager.default
        let vocabulary = base.appendingPathComponent("vocab.txt")
        guard files.fileExists(atPath: vocabulary.path) else { throw .baseFileMissing(path: vocabulary.path) }
        try create(url)
        try create(url.appendingPathComponent("1_Pooling"))
        try create(url.appendingPathComponent("2_Normalize"))

        var tensors = SafetensorsWriter()
        tensors.add(weights)
        let baseWeights = base.appendingPathComponent("model.safetensors")
        if files.fileExists(atPath: baseWeights.path), let file = try? SafetensorsFile(contentsOf: baseWeights) {
            // `BertModel` has a pooler that mean pooling never uses; keeping the base's avoids a "newly
            // initialised weights" warning in transformers and keeps the file a complete BertModel.
            let prefix = file.tensors["pooler.dense.weight"] == nil && file.tensors["bert.pooler.dense.weight"] != nil ? "bert." : ""
            for name in ["pooler.dense.weight", "pooler.dense.bias"] {
                if let info = file.tensors[prefix + name], let values = try? file.floats(prefix + name) {
                    tensors.add(name, shape: info.shape, values: values)
                }
            }
        }
        try write(tensors, "model.safetensors")
        if let head { try write(head, "head.safetensors") }

        try write(json: configurationJSON(c, base: base), "config.json")
        for name in Self.tokenizerFiles {
            let source = base.appendingPathComponent(name)
            guard files.fileExists(atPath: source.path) else { continue }
            let target = url.appendingPathComponent(name)
            guard source.standardizedFileURL != target.standardizedFileURL else { continue }
            do {
                if files.fileExists(atPath: target.path) { try files.removeItem(at: target) }
                try files.copyItem(at: source, to: target)
            } catch { throw .unwritable(path: target.path, reason: (error as NSError).localizedDescription) }
        }
        if !files.fileExists(atPath: url.appendingPathComponent("tokenizer_config.json").path) {
            // A bare vocab.txt base (a test model): say how to tokenise, as BERT's uncased tokenizers do.
            try write(
                json: [
                    "tokenizer_class": "BertTokenizer", "do_lower_case": true, "model_max_length": c.maximumPositions,
                    "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]",
                ], "tokenizer_config.json")
        }
        try write(
            json: [
                ["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
                ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
                ["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"],
            ], "modules.json")
        try write(json: ["max_seq_length": maximumSequenceLength, "do_lower_case": false], "sentence_bert_config.json")
        try write(
            json: [
                "word_embedding_dimension": c.hiddenSize, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true,
                "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false, "pooling_mode_weightedmean_tokens": false,
                "pooling_mode_lasttoken": false, "include_prompt": true,
            ], "1_Pooling/config.json")
    }

    /// The base's `config.json` with the sizes of `c`, or a fresh `BertConfig` when the base has none.
    private func configurationJSON(_ c: BertConfiguration, base: URL) throws(ModelExportError) -> [String: Any] {
        var json: [String: Any] = [:]
        let source = base.appendingPathComponent("config.json")
        if let data = FileManager.default.contents(atPath: source.path) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw .invalidArgument("\(source.path) is not a JSON object")
            }
            json = object
        }
        json["architectures"] = ["BertModel"]
        json["model_type"] = "bert"
        json["vocab_size"] = c.vocabularySize
        json["hidden_size"] = c.hiddenSize
        json["num_hidden_layers"] = c.layerCount
        json["num_attention_heads"] = c.headCount
        json["intermediate_size"] = c.intermediateSize
        json["max_position_embeddings"] = c.maximumPositions
        json["type_vocab_size"] = c.tokenTypeCount
        json["layer_norm_eps"] = Double(c.layerNormEpsilon)
        json["hidden_act"] = c.activation
        json["position_embedding_type"] = json["position_embedding_type"] ?? "absolute"
        json["pad_token_id"] = json["pad_token_id"] ?? 0
        return json
    }

    private func create(_ folder: URL) throws(ModelExportError) {
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw .unwritable(path: folder.path, reason: (error as NSError).localizedDescription)
        }
    }

    private func write(_ tensors: SafetensorsWriter, _ name: String) throws(ModelExportError) {
        do { try tensors.write(to: url.appendingPathComponent(name)) } catch {
            if case let .unwritable(path, reason) = error { throw .unwritable(path: path, reason: reason) }
            throw .unwritable(path: url.appendingPathComponent(name).path, reason: error.description)
        }
    }

    private func write(json: Any, _ name: String) throws(ModelExportError) {
        let target = url.appendingPathComponent(name)
        do {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try (data + Data("\n".utf8)).write(to: target, options: .atomic)
        } catch { throw .unwritable(path: target.path, reason: (error as NSError).localizedDescription) }
    }

    // MARK: - Reading

    /// What is wrong with the folder as an encoder, or `nil` when ``requiredFiles`` are there and the pooling is
    /// mean pooling (the only one ``SentenceEncoder`` computes).
    public func problem() -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            return "no such folder"
        }
        if let missing = Self.requiredFiles.first(where: { !FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }) {
            return "it has no \(missing)"
        }
        let pooling = url.appendingPathComponent("1_Pooling/config.json")
        if let data = FileManager.default.contents(atPath: pooling.path) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                return "1_Pooling/config.json is not a JSON object"
            }
            if json["pooling_mode_mean_tokens"] as? Bool != true {
                return "its pooling is not mean pooling (1_Pooling/config.json), the only one CLVKit computes"
            }
        }
        return nil
    }

    /// sentence-transformers' `max_seq_length` from `sentence_bert_config.json`, or `nil` when absent.
    public func maximumSequenceLength() -> Int? {
        guard let data = FileManager.default.contents(atPath: url.appendingPathComponent("sentence_bert_config.json").path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return json["max_seq_length"] as? Int
    }

    /// `finetuned-` and 16 hex digits: FNV-1a (64-bit) over the 8-byte words of `model.safetensors`.
    ///
    /// Not cryptographic (it tells weights apart, it does not authenticate them), and fast: a word at a time
    /// over the mapped file, about 0.1 s for MiniLM's 90 MB.
    /// - Throws: ``EncoderError/encoderFolder(path:reason:)`` when the file cannot be read.
    public func modelName() throws(EncoderError) -> String {
        let weights = url.appendingPathComponent("model.safetensors")
        guard let data = try? Data(contentsOf: weights, options: .alwaysMapped) else {
            throw .encoderFolder(path: url.path, reason: "cannot read model.safetensors")
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            let words = bytes.count / 8
            for w in 0..<words {
                hash = (hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self))) &* 0x100_0000_01b3
            }
            for b in (8 * words)..<bytes.count { hash = (hash ^ UInt64(bytes[b])) &* 0x100_0000_01b3 }
        }
        hash = (hash ^ UInt64(data.count)) &* 0x100_0000_01b3
        let hex = String(hash, radix: 16)
        return "finetuned-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A fine-tuned encoder could not be saved.
public enum ModelExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file of the base model the export needs is missing.
    case baseFileMissing(path: String)
    /// A file or folder could not be written.
    case unwritable(path: String, reason: String)
    /// An argument does not fit the model.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .baseFileMissing(path): "The base model has no \(path): point --base at a BERT model folder with vocab.txt (run `make setup` for MiniLM)."
        case let .unwritable(path, reason): "Cannot write \(path): \(reason). Check that the folder is writable and has space."
        case let .invalidArgument(reason): "Cannot save the encoder: \(reason)."
        }
    }
}
