import CLVText
import Foundation

// Usage: GenerateBench TOKENS THREADS PROMPT
// Greedy reply of exactly TOKENS tokens (stop tokens ignored) to PROMPT as a chat turn; prints one JSON line with
// the decode rate (prefill excluded) and the generated ids.
let arguments = CommandLine.arguments
precondition(arguments.count == 4, "usage: GenerateBench TOKENS THREADS PROMPT")
let count = Int(arguments[1])!, threads = Int(arguments[2])!, prompt = arguments[3]

let model = try LlamaModel.smolLM2()
let generator = TextGenerator(model: model, threads: threads)
let ids = try generator.chatPrompt([.user(prompt)])
// Warm-up: page the weights in (llama.cpp's loader reads them before its timer starts too).
_ = try generator.generate(prompt: ids, options: GenerationOptions(maxTokens: 2, stopTokens: []))
let result = try generator.generate(prompt: ids, options: GenerationOptions(maxTokens: count, stopTokens: []))
precondition(result.tokens.count == count, "generated \(result.tokens.count) tokens, expected \(count)")
let line: [String: Any] = [
    "prompt_tokens": ids.count, "tokens": result.tokens.count,
    "prompt_seconds": result.promptSeconds, "generation_seconds": result.generationSeconds,
    // Tokens after the first over the time to make them, counted as on the llama.cpp side.
    "tokens_per_second": Double(count - 1) / result.generationSeconds, "ids": result.tokens, "text": result.text,
]
FileHandle.standardOutput.write(try JSONSerialization.data(withJSONObject: line) + Data("\n".utf8))
