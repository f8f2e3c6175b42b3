import CLVTestSupport
import Foundation
import RealModule
import Testing

@testable import CLVText

/// SmolLM2-135M-Instruct's forward pass against transformers' GGUF loader on CPU torch (fixture written by
/// `tools/text/reference_smollm2.py`).
@Suite struct SmolLM2ModelTests {
    /// Absolute tolerance on logits, from the acceptance criterion; observed differences are ~1e-4
    /// (float rounding in a different summation order, see `docs` in the report).
    static let logitTolerance = 1e-2

    @Test func nextTokenLogitsMatchTransformers() throws {
        let reference = try SmolLM2Fixtures.reference()
        let model = try SmolLM2Fixtures.model()
        #expect(reference.logits.count >= 5)
        for entry in reference.logits {
            let session = LlamaSession(model: model, capacity: entry.ids.count)
            let logits = try session.evaluate(entry.ids)
            #expect(Sampler.argmax(logits) == entry.argmax)
            for (id, value) in zip(entry.top_ids + entry.sample_ids, entry.top_values + entry.sample_values) {
                #expect(
                    Double(logits[id]).isApproximatelyEqual(to: value, absoluteTolerance: Self.logitTolerance),
                    "\(entry.kind) prompt of \(entry.ids.count) tokens, token \(id): \(logits[id]) vs \(value)")
            }
        }
    }

    @Test func greedyContinuationsMatchTransformers() throws {
        let reference = try SmolLM2Fixtures.reference()
        let generator = TextGenerator(model: try SmolLM2Fixtures.model())
        for entry in reference.greedy {
            let result = try generator.generate(
                prompt: entry.ids, options: GenerationOptions(maxTokens: entry.continuation.count, stopTokens: []))
            #expect(result.tokens == entry.continuation, "\(entry.kind): \(result.text.debugDescription) vs \(entry.text.debugDescription)")
            #expect(result.text == entry.text)
            #expect(result.stopReason == .maxTokens)
        }
    }

    @Test func incrementalEvaluationEqualsOneBatch() throws {
        // The cache must make token-by-token evaluation identical to evaluating the prompt at once.
        let model = try SmolLM2Fixtures.model()
        let ids = model.tokenizer.encode("Customers who bought this item also bought")
        let whole = try LlamaSession(model: model).evaluate(ids)
        let session = LlamaSession(model: model, capacity: ids.count)
        var last: [Float] = []
        for id in ids { last = try session.evaluate([id]) }
        #expect(last == whole)
        #expect(session.position == ids.count)
    }

    @Test func contextOverflowIsATypedError() throws {
        let model = try SmolLM2Fixtures.model()
        let session = LlamaSession(model: model, capacity: 4)
        try session.evaluate([1, 2, 3])
        #expect(throws: LlamaError.contextLengthExceeded(needed: 5, limit: 4)) { try session.evaluate([4, 5]) }
        #expect(session.position == 3)
        #expect(throws: LlamaError.invalidToken(49152, vocabularySize: 49152)) { try session.evaluate([49152]) }
        let generator = TextGenerator(model: model)
        #expect(throws: LlamaError.contextLengthExceeded(needed: 8200, limit: 8192)) {
            try generator.generate(prompt: [1, 2, 3, 4, 5, 6, 7, 8], options: GenerationOptions(maxTokens: 8192))
        }
        #expect(throws: LlamaError.contextLengthExceeded(needed: 13, limit: 10)) {
            try generator.generate(prompt: [1, 2, 3], options: GenerationOptions(maxTokens: 10, contextLimit: 10))
        }
    }

    @Test func aMissingModelSaysHowToFetchIt() throws {
        let empty = ModelDirectory(root: URL(fileURLWithPath: "/nonexistent/clvkit-models"))
        #expect {
            try LlamaModel.smolLM2(in: empty)
        } throws: { error in
            guard case .missing(model: .smolLM2, path: _)? = error as? ModelDirectoryError else { return false }
            return "\(error)".contains("make setup")
        }
    }

    @Test func chatRepliesStopAtEndOfTurn() throws {
        let model = try SmolLM2Fixtures.model()
        let generator = TextGenerator(model: model)
        let prompt = try generator.chatPrompt([.user("Say hello.")])
        var streamed: [GeneratedToken] = []
        let result = try generator.generate(prompt: prompt, options: GenerationOptions(maxTokens: 64)) { token in
            streamed.append(token)
            return true
        }
        #expect(result.stopReason == .stopToken)
        #expect(streamed.map(\.id) == result.tokens)
        #expect(streamed.map(\.text).joined() == result.text)
        #expect(!result.tokens.contains { model.stopTokens.contains($0) })
        #expect(model.stopTokens == [0, 2])  // <|endoftext|>, <|im_end|> (= EOS in this file)
    }

    @Test func seededSamplingIsReproducible() throws {
        let generator = TextGenerator(model: try SmolLM2Fixtures.model())
        let prompt = generator.rawPrompt("My favourite product is")
        let sampling = SamplingOptions(temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 42)
        let options = GenerationOptions(maxTokens: 12, sampling: sampling, stopTokens: [])
        let first = try generator.generate(prompt: prompt, options: options)
        let second = try generator.generate(prompt: prompt, options: options)
        #expect(first.tokens == second.tokens)
        #expect(first.tokens.count == 12)
        var other = options
        other.sampling.seed = 7
        let third = try generator.generate(prompt: prompt, options: other)
        #expect(third.tokens != first.tokens)
    }

    @Test func streamDeliversTheSameTokens() async throws {
        let generator = TextGenerator(model: try SmolLM2Fixtures.model())
        let prompt = generator.rawPrompt("Once upon a time")
        let options = GenerationOptions(maxTokens: 8, stopTokens: [])
        var ids: [Int] = []
        for try await token in generator.stream(prompt: prompt, options: options) { ids.append(token.id) }
        #expect(ids == (try generator.generate(prompt: prompt, options: options)).tokens)
    }
}

/// The sampler on small logit vectors with known answers.
@Suite struct SamplerTests {
    @Test func greedyTakesTheFirstMaximum() {
        var sampler = Sampler(options: .greedy)
        #expect(sampler.sample([0.5, 2, 2, -1], history: []) == 1)
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        // CTRL penalty 2: token 0 (3.0 → 1.5) falls below token 1 (2.0); token 2 (−0.5 → −1.0) stays last.
        var sampler = Sampler(options: SamplingOptions(repetitionPenalty: 2))
        #expect(sampler.sample([3, 2, -0.5], history: [0, 2]) == 1)
    }

    @Test func topKOneAndTinyTopPAreGreedy() {
        var rng = SplitMixForTest(seed: 3)
        let logits = (0..<50).map { _ in Float(rng.unit() * 10) }
        let best = Sampler.argmax(logits)
        for seed in 0..<20 as Range<UInt64> {
            var k1 = Sampler(options: SamplingOptions(temperature: 1, topK: 1, seed: seed))
            var p = Sampler(options: SamplingOptions(temperature: 1, topP: 1e-9, seed: seed))
            #expect(k1.sample(logits, history: []) == best)
            #expect(p.sample(logits, history: []) == best)
        }
    }

    @Test func samplingFrequenciesFollowTheSoftmax() {
        // Logits log(1), log(2), log(3) at temperature 1: probabilities 1/6, 2/6, 3/6.
        var sampler = Sampler(options: SamplingOptions(temperature: 1, seed: 1))
        let logits: [Float] = [0, Float(Foundation.log(2.0)), Float(Foundation.log(3.0))]
        var counts = [0, 0, 0]
        let n = 60000
        for _ in 0..<n { counts[sampler.sample(logits, history: [])] += 1 }
        for (i, expected) in [1.0 / 6, 2.0 / 6, 3.0 / 6].enumerated() {
            // 5 standard errors of a binomial proportion.
            let se = (expected * (1 - expected) / Double(n)).squareRoot()
            #expect(abs(Double(counts[i]) / Double(n) - expected) < 5 * se)
        }
    }

    @Test func invalidSettingsAreRejected() {
        #expect(throws: LlamaError.self) { try SamplingOptions(temperature: -1).validate() }
        #expect(throws: LlamaError.self) { try SamplingOptions(topP: 0).validate() }
        #expect(throws: LlamaError.self) { try SamplingOptions(repetitionPenalty: 0).validate() }
    }
}

/// A local generator for test inputs (CLVTestSupport's SplitMix64 would do; this avoids importing it here).
private struct SplitMixForTest {
    var inner: SplitMix64
    init(seed: UInt64) { inner = SplitMix64(seed: seed) }
    mutating func unit() -> Double { Double(inner.next() >> 11) * 0x1p-53 }
}
