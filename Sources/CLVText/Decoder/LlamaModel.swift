import Foundation

/// A Llama-architecture decoder (Touvron et al. 2023, arXiv:2302.13971) with its tokenizer and chat template,
/// its weights used in place from a memory-mapped GGUF file.
///
/// Each layer is pre-norm attention then a pre-norm SwiGLU feed-forward block, both residual:
///
///     h = x + W_o · Attention(RoPE(W_q·n), RoPE(W_k·n), W_v·n),  n = RMSNorm(x)·g_attn
///     y = h + W_down · (SiLU(W_gate·m) ⊙ W_up·m),                m = RMSNorm(h)·g_ffn
///
/// with RMSNorm(x) = x / √(mean(x²) + ε) (Zhang & Sennrich 2019, arXiv:1910.07467), SwiGLU (Shazeer 2020,
/// arXiv:2002.05202), rotary position embeddings (Su et al. 2021, arXiv:2104.09864) and grouped-query attention.
/// The logits are `W_emb · RMSNorm(y_L)·g_out`, the token embedding reused as the output layer when the file has
/// no `output.weight` (tied embeddings, as in SmolLM2).
///
/// GGUF files store W_q and W_k rows in llama.cpp's permuted order (each head's two halves interleaved), so RoPE
/// here rotates adjacent pairs (2i, 2i+1) with angle `pos·base^(−2i/d_head)`; this equals Hugging Face's
/// rotate-half RoPE on the unpermuted weights.
///
/// The value is immutable and `Sendable`: any number of ``LlamaSession``s can run on one model.
public struct LlamaModel: Sendable {
    public let configuration: LlamaConfiguration
    public let tokenizer: BPETokenizer
    /// The chat template, when the file has a ChatML one.
    public let chatTemplate: ChatTemplate?
    /// Why there is no chat template (nil when there is one).
    public let chatTemplateError: ChatTemplateError?

    struct Layer: Sendable {
        let attentionNorm: [Float]
        let query: QuantizedMatrix
        let key: QuantizedMatrix
        let value: QuantizedMatrix
        let attentionOutput: QuantizedMatrix
        let feedForwardNorm: [Float]
        let gate: QuantizedMatrix
        let up: QuantizedMatrix
        let down: QuantizedMatrix
    }

    let tokenEmbedding: GGUFTensor
    let layers: [Layer]
    let outputNorm: [Float]
    let output: QuantizedMatrix

    /// Loads a GGUF model file.
    /// - Throws: ``LlamaError`` naming the missing or inconsistent part.
    public init(contentsOf url: URL) throws(LlamaError) {
        let file: GGUFFile
        do { file = try GGUFFile(contentsOf: url) } catch { throw .weights(error) }
        try self.init(file: file)
    }

    /// Loads SmolLM2-135M-Instruct from the models directory.
    /// - Throws: ``ModelDirectoryError`` (wrapped in the thrown error's description) when the model was not fetched.
    public static func smolLM2(in directory: ModelDirectory = ModelDirectory()) throws -> LlamaModel {
        let url = try directory.file(KnownModel.smolLM2.requiredFiles[0], of: .smolLM2)
        return try LlamaModel(contentsOf: url)
    }

    /// Builds the model from an open GGUF file.
    public init(file: GGUFFile) throws(LlamaError) {
        let config = try LlamaConfiguration(gguf: file)
        configuration = config
        do { tokenizer = try BPETokenizer(gguf: file) } catch { throw .tokenizer(error) }
        // A model without a ChatML template can still continue plain text; `TextGenerator.chatPrompt` reports why.
        do {
            chatTemplate = try ChatTemplate(gguf: file)
            chatTemplateError = nil
        } catch {
            chatTemplate = nil
            chatTemplateError = error
        }
        let d = config.embeddingLength, kv = config.keyValueLength, ff = config.feedForwardLength
        do {
            func norm(_ name: String) throws(GGUFError) -> [Float] {
                try file.tensor(name, shape: [d]).dequantized()
            }
            tokenEmbedding = try file.tensor("token_embd.weight", shape: [d, config.vocabularySize])
            var layers: [Layer] = []
            for i in 0..<config.layerCount {
                let p = "blk.\(i)."
                layers.append(
                    Layer(
                        attentionNorm: try norm(p + "attn_norm.weight"),
                        query: try QuantizedMatrix(file, p + "attn_q.weight", columns: d, rows: d),
                        key: try QuantizedMatrix(file, p + "attn_k.weight", columns: d, rows: kv),
                        value: try QuantizedMatrix(file, p + "attn_v.weight", columns: d, rows: kv),
                        attentionOutput: try QuantizedMatrix(file, p + "attn_output.weight", columns: d, rows: d),
                        feedForwardNorm: try norm(p + "ffn_norm.weight"),
                        gate: try QuantizedMatrix(file, p + "ffn_gate.weight", columns: d, rows: ff),
                        up: try QuantizedMatrix(file, p + "ffn_up.weight", columns: d, rows: ff),
                        down: try QuantizedMatrix(file, p + "ffn_down.weight", columns: ff, rows: d)
                    ))
            }
            self.layers = layers
            outputNorm = try norm("output_norm.weight")
            output =
                file.tensorInfo("output.weight") == nil
                ? try QuantizedMatrix(tokenEmbedding)
                : try QuantizedMatrix(file, "output.weight", columns: d, rows: config.vocabularySize)
        } catch {
            throw .weights(error)
        }
    }

    /// The ids that end a reply: end-of-sequence, and `<|im_end|>` (end of a chat turn) and `<|endoftext|>`
    /// (end of a document) when the vocabulary has them, as llama.cpp's end-of-generation set.
    public var stopTokens: Set<Int> {
        var stops: Set<Int> = []
        if let eos = tokenizer.eosID { stops.insert(eos) }
        for text in [ChatTemplate.endToken, "<|endoftext|>"] {
            if let id = tokenizer.id(of: text), tokenizer.isSpecial(id) { stops.insert(id) }
        }
        return stops
    }
}
