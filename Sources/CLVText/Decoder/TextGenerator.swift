import Dispatch
import Foundation

/// What to generate and when to stop.
public struct GenerationOptions: Sendable, Equatable {
    /// The most tokens to generate.
    public var maxTokens: Int
    /// How to choose each token.
    public var sampling: SamplingOptions
    /// Tokens that end the reply (not included in it); nil means the model's own (`<|im_end|>`, EOS).
    public var stopTokens: Set<Int>?
    /// The positions to make room for; nil means prompt + `maxTokens`, within the model's context length.
    public var contextLimit: Int?

    public init(maxTokens: Int = 256, sampling: SamplingOptions = .greedy, stopTokens: Set<Int>? = nil, contextLimit: Int? = nil) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopTokens = stopTokens
        self.contextLimit = contextLimit
    }
}

/// One generated token, as it comes.
public struct GeneratedToken: Sendable, Equatable {
    /// Its id.
    public let id: Int
    /// The text it completes: its bytes plus any left over from earlier tokens, up to the last whole UTF-8
    /// character (often empty in the middle of a multi-byte character).
    public let text: String
    /// 0 for the first generated token.
    public let index: Int
}

/// A finished generation.
public struct GenerationResult: Sendable, Equatable {
    /// Why generation ended.
    public enum StopReason: String, Sendable, Equatable, Codable {
        case stopToken, maxTokens, cancelled
    }

    /// The generated ids (without the stop token).
    public let tokens: [Int]
    /// Their text.
    public let text: String
    public let promptTokenCount: Int
    public let stopReason: StopReason
    /// Seconds spent on the prompt (prefill) and on generating tokens.
    public let promptSeconds: Double
    public let generationSeconds: Double

    /// Generated tokens per second, prefill excluded (the first token's logits come from the prefill).
    public var tokensPerSecond: Double { generationSeconds > 0 ? Double(tokens.count) / generationSeconds : 0 }
}

/// Generates text with a ``LlamaModel``: chat replies in the model's template or continuations of plain text,
/// token by token, through a callback or an `AsyncThrowingStream`.
public struct TextGenerator: Sendable {
    public let model: LlamaModel
    /// Threads per matrix-vector product.
    public let threads: Int

    public init(model: LlamaModel, threads: Int = 2) {
        self.model = model
        self.threads = threads
    }

    /// The prompt ids of a conversation in the model's chat template, ending with the assistant's turn.
    /// - Throws: ``LlamaError/chatTemplate(_:)`` when the model has no ChatML template.
    public func chatPrompt(_ messages: [ChatMessage]) throws(LlamaError) -> [Int] {
        guard let template = model.chatTemplate else { throw .chatTemplate(model.chatTemplateError ?? .missing) }
        do { return try template.tokenIDs(for: messages, tokenizer: model.tokenizer) } catch { throw .chatTemplate(error) }
    }

    /// The prompt ids of plain text to continue.
    public func rawPrompt(_ text: String) -> [Int] {
        model.tokenizer.encode(text)
    }

    /// Generates after `prompt`, calling `onToken` with each token as soon as it is chosen.
    /// - Parameters:
    ///   - prompt: the prompt's token ids.
    ///   - options: length, sampling and stop tokens.
    ///   - onToken: called for each token; return false to stop early.
    /// - Returns: the whole reply with timings.
    /// - Throws: ``LlamaError/contextLengthExceeded(needed:limit:)`` when prompt + `maxTokens` exceed the context
    ///   (checked before any work), and the errors of ``SamplingOptions/validate()`` and ``LlamaSession/evaluate(_:)``.
    public func generate(
        prompt: [Int], options: GenerationOptions = GenerationOptions(), onToken: (GeneratedToken) -> Bool = { _ in true }
    ) throws(LlamaError) -> GenerationResult {
        guard !prompt.isEmpty else { throw .emptyPrompt }
        guard options.maxTokens >= 0 else { throw .invalidSampling("max tokens must be ≥ 0, got \(options.maxTokens)") }
        try options.sampling.validate()
        let contextLength = model.configuration.contextLength
        let limit = min(options.contextLimit ?? contextLength, contextLength)
        // The last generated token is never fed back, so prompt + maxTokens − 1 positions are evaluated.
        let needed = prompt.count + max(options.maxTokens - 1, 0)
        guard needed <= limit else { throw .contextLengthExceeded(needed: prompt.count + options.maxTokens, limit: limit) }

        let session = LlamaSession(model: model, capacity: max(needed, 1), threads: threads)
        let stops = options.stopTokens ?? model.stopTokens
        var sampler = Sampler(options: options.sampling)
        var detokenizer = StreamingDetokenizer(tokenizer: model.tokenizer)
        var history = prompt
        var generated: [Int] = []
        var text = ""
        var stopReason = GenerationResult.StopReason.maxTokens
        let clock = ContinuousClock()

        let start = clock.now
        var logits = options.maxTokens > 0 ? try session.evaluate(prompt) : []
        let prefilled = clock.now
        while generated.count < options.maxTokens {
            let token = sampler.sample(logits, history: history)
            if stops.contains(token) {
                stopReason = .stopToken
                break
            }
            generated.append(token)
            history.append(token)
            let piece = detokenizer.append(token)
            text += piece
            if !onToken(GeneratedToken(id: token, text: piece, index: generated.count - 1)) {
                stopReason = .cancelled
                break
            }
            if generated.count < options.maxTokens { logits = try session.evaluate([token]) }
        }
        let tail = detokenizer.flush()
        text += tail
        let end = clock.now
        return GenerationResult(
            tokens: generated, text: text, promptTokenCount: prompt.count, stopReason: stopReason,
            promptSeconds: Self.seconds(prefilled - start), generationSeconds: Self.seconds(end - prefilled)
        )
    }

    /// Generates after `prompt` as an asynchronous sequence of tokens; the work runs on a dispatch thread.
    /// Cancelling the consuming task (or dropping the stream) stops generation after the current token.
    public func stream(prompt: [Int], options: GenerationOptions = GenerationOptions()) -> AsyncThrowingStream<GeneratedToken, any Error> {
        AsyncThrowingStream { continuation in
            let generator = self
            DispatchQueue.global(qos: .userInitiated).async {
                do {
                    _ = try generator.generate(prompt: prompt, options: options) { token in
                        if case .terminated = continuation.yield(token) { return false }
                        return true
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// Turns token ids into text as they come, holding back the bytes of a UTF-8 character split across tokens.
/// Control tokens (such as `<|im_end|>`) produce no text.
public struct StreamingDetokenizer: Sendable {
    public let tokenizer: BPETokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    /// The text completed by one more token.
    public mutating func append(_ id: Int) -> String {
        if tokenizer.isSpecial(id) { return "" }
        pending.append(contentsOf: tokenizer.bytes(of: id))
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is held back (an incomplete character becomes U+FFFD).
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// The length of `bytes` without a trailing incomplete UTF-8 sequence.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && bytes[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return n }
        let lead = bytes[i]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return continuation + 1 < length ? i : n
    }
}
