import CLVText
import Foundation

// Usage:
//   GenerateBench TOKENS THREADS PROMPT
//     Greedy reply of exactly TOKENS tokens (stop tokens ignored) to PROMPT as a chat turn; prints one JSON line
//     with the decode rate (prefill excluded) and the generated ids.
//   GenerateBench --logits FIXTURE.json
//     For each logits prompt of the reference fixture, the largest |Δ| between CLVKit's logits and the reference
//     (transformers) over the fixture's ids; prints one JSON line.
let arguments = CommandLine.arguments
let model = try LlamaModel.smolLM2()

if arguments.count == 3 && arguments[1] == "--logits" {
    let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: arguments[2]))) as! [String: Any]
    var deltas: [Double] = []
    var sameArgmax = true
    for entry in fixture["logits"] as! [[String: Any]] {
        let ids = entry["ids"] as! [Int]
        let logits = try LlamaSession(model: model, capacity: ids.count).evaluate(ids)
        let refIDs = (entry["top_ids"] as! [Int]) + (entry["sample_ids"] as! [Int])
        let refValues = (entry["top_values"] as! [Double]) + (entry["sample_values"] as! [Double])
        deltas.append(zip(refIDs, refValues).map { abs(Double(logits[$0]) - $1) }.max()!)
        sameArgmax = sameArgmax && Sampler.argmax(logits) == entry["argmax"] as! Int
    }
    let line: [String: Any] = ["max_abs_delta_per_prompt": deltas, "same_argmax": sameArgmax]
    FileHandle.standardOutput.write(try JSONSerialization.data(withJSONObject: line) + Data("\n".utf8))
    exit(0)
}

precondition(arguments.count == 4, "usage: GenerateBench TOKENS THREADS PROMPT | GenerateBench --logits FIXTURE.json")
let count = Int(arguments[1])!, threads = Int(arguments[2])!, prompt = arguments[3]
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
