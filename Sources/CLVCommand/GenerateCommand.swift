import ArgumentParser
import CLVText
import Foundation

/// `clv generate`: a reply from SmolLM2-135M-Instruct, generated locally and streamed as it comes.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with SmolLM2-135M-Instruct (GGUF, offline), streaming the reply.",
        discussion: """
            By default PROMPT is one user turn in the model's chat template (with its default system prompt \
            unless --system is given) and the assistant's reply streams to stdout; --raw continues PROMPT as \
            plain text.

            Temperature 0 (the default) is greedy decoding; otherwise tokens are sampled with --top-k, --top-p \
            and --seed.

            JSON: {"text": ..., "tokens": N, "tokens_per_second": X}, printed when the reply is complete.

            The model is read from $CLV_MODELS (default ~/.cache/clvkit/models); `make setup` fetches it.
            """
    )

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: ArgumentHelp("System prompt (chat mode only).", valueName: "S"))
    var system: String?

    @Option(help: ArgumentHelp("The most tokens to generate.", valueName: "N"))
    var maxTokens: Int = 256

    @Option(help: ArgumentHelp("Sampling temperature; 0 is greedy.", valueName: "T"))
    var temperature: Double = 0

    @Option(help: ArgumentHelp("Nucleus sampling: keep the most likely tokens up to this total probability.", valueName: "P"))
    var topP: Double = 1

    @Option(help: ArgumentHelp("Keep only the K most likely tokens (0: all).", valueName: "K"))
    var topK: Int = 0

    @Option(help: ArgumentHelp("Penalty for tokens already in the text (1: none).", valueName: "R"))
    var repetitionPenalty: Double = 1

    @Option(help: ArgumentHelp("Random seed for sampling.", valueName: "N"))
    var seed: UInt64 = 0

    @Flag(help: "Continue PROMPT as plain text instead of answering it as a chat turn.")
    var raw = false

    @Option(help: "Output format.")
    var format: Format = .text

    @Option(help: "Threads for the matrix products (default: every core).")
    var threads: Int?

    @Argument(help: "The user's message, or with --raw the text to continue.")
    var prompt: String

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if temperature < 0 || !temperature.isFinite { throw ValidationError("--temperature must be 0 or more.") }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1].") }
        if topK < 0 { throw ValidationError("--top-k must be 0 or more.") }
        if !(repetitionPenalty > 0) { throw ValidationError("--repetition-penalty must be more than 0.") }
        if raw && system != nil { throw ValidationError("--system applies to chat mode; drop it or drop --raw.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if prompt.isEmpty { throw ValidationError("Give a non-empty PROMPT.") }
    }

    func run() throws {
        let model = try LlamaModel.smolLM2()
        let generator = TextGenerator(model: model, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let promptIDs: [Int]
        if raw {
            promptIDs = generator.rawPrompt(prompt)
        } else {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            promptIDs = try generator.chatPrompt(messages)
        }
        let options = GenerationOptions(
            maxTokens: maxTokens,
            sampling: SamplingOptions(temperature: temperature, topK: topK, topP: topP, repetitionPenalty: repetitionPenalty, seed: seed)
        )
        let stdout = FileHandle.standardOutput
        let streaming = format == .text
        let result = try generator.generate(prompt: promptIDs, options: options) { token in
            if streaming && !token.text.isEmpty { stdout.write(Data(token.text.utf8)) }
            return true
        }
        switch format {
        case .text:
            stdout.write(Data("\n".utf8))
        case .json:
            let text = String(decoding: try JSONEncoder().encode(result.text), as: UTF8.self)
            let rate = (result.tokensPerSecond * 100).rounded() / 100
            stdout.write(Data(#"{"text": \#(text), "tokens": \#(result.tokens.count), "tokens_per_second": \#(rate)}"#.utf8 + [0x0A]))
        }
    }
}
