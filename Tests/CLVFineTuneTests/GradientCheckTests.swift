import CLVCore
import CLVNumerics
import CLVText
import Foundation
import Testing

@testable import CLVFineTune

/// The hand-written backward pass against central finite differences of the loss, in Double precision, on a
/// tiny random BERT (2 layers, d = 16, 2 heads, vocabulary 50, sequences of 7, 5 and 3 tokens packed as a
/// padded batch of 7 would be masked), for every parameter tensor and each head, with and without dropout.
@Suite struct GradientCheckTests {
    static let tiny = BertConfiguration(
        vocabularySize: 50, hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32,
        maximumPositions: 12, tokenTypeCount: 2, layerNormEpsilon: 1e-12, activation: "gelu"
    )

    static let sequences: [[Int]] = [[1, 7, 23, 42, 9, 31, 2], [1, 14, 5, 48, 2], [1, 33, 2]]

    /// Random parameters with LayerNorm scales near 1, spread enough that no gradient is negligibly small.
    static func randomParameters(_ layout: ParameterLayout, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        var values = [Double](repeating: 0, count: layout.count)
        for tensor in layout.tensors {
            let isScale = tensor.name.hasSuffix("LayerNorm.weight")
            for k in tensor.offset..<(tensor.offset + tensor.count) {
                let u = Double(random.next() >> 11) * 0x1p-53 * 2 - 1
                values[k] = isScale ? 1 + 0.2 * u : (tensor.shape.count == 2 ? 0.4 * u : 0.1 * u)
            }
        }
        return values
    }

    /// Entries of a tensor the batch actually reaches (used rows of the embedding tables), a few per tensor.
    static func probes(_ tensor: ParameterLayout.Tensor, random: inout SplitMix64) -> [Int] {
        let d = tiny.hiddenSize
        let rows: [Int]
        switch tensor.name {
        case "embeddings.word_embeddings.weight": rows = Array(Set(sequences.flatMap { $0 })).sorted()
        case "embeddings.position_embeddings.weight": rows = Array(0..<7)
        case "embeddings.token_type_embeddings.weight": rows = [0]
        default: return (0..<6).map { _ in tensor.offset + Int(random.next() % UInt64(tensor.count)) }
        }
        return (0..<6).map { _ in
            tensor.offset + rows[Int(random.next() % UInt64(rows.count))] * d + Int(random.next() % UInt64(d))
        }
    }

    /// The largest relative error of the analytic gradient over each tensor's probes.
    static func worstErrors(
        head: FineTuneHead, labels: [Double], dropout: Double, shards: Int = 1, normalizesEmbedding: Bool = false, labelSmoothing: Double = 0
    ) -> [(String, Double)] {
        let layout = ParameterLayout(configuration: tiny, headOutputs: head.outputs)
        let examples = zip(sequences, labels).map { FineTuneExample(tokens: $0, label: $1) }
        return worstErrors(layout: layout) { p in
            BatchGradient.compute(
                parameters: p, layout: layout, head: head, normalizesEmbedding: normalizesEmbedding, labelSmoothing: labelSmoothing,
                examples: examples, batch: Array(examples.indices), shards: shards, dropout: dropout, seed: 99,
                threads: ParallelFor(threads: 1)
            )
        }
    }

    /// The largest relative error of the analytic gradient of `loss` over each tensor's probes.
    static func worstErrors(layout: ParameterLayout, loss: ([Double]) -> (Double, [Double])) -> [(String, Double)] {
        let parameters = randomParameters(layout, seed: 7)
        let analytic = loss(parameters).1
        var random = SplitMix64(seed: 3)
        let h = 1e-5
        return layout.tensors.map { tensor in
            var numerator = 0.0, denominator = 0.0
            for k in probes(tensor, random: &random) {
                var plus = parameters, minus = parameters
                plus[k] += h
                minus[k] -= h
                let numeric = (loss(plus).0 - loss(minus).0) / (2 * h)
                numerator = max(numerator, abs(numeric - analytic[k]))
                denominator = max(denominator, abs(numeric), abs(analytic[k]))
            }
            // The key bias adds q·b to a whole row of scores, which the softmax ignores: its true gradient is 0 and
            // both sides are rounding noise, so relative errors are taken against a floor of 1e-4 (the difference quotients carry ~1e-11 of rounding).
            return (tensor.name, numerator / max(denominator, 1e-4))
        }
    }

    static func expectSmall(_ errors: [(String, Double)], tolerance: Double = 1e-6) {
        #expect(errors.count == ParameterLayout(configuration: tiny, headOutputs: 1).tensors.count)
        for (name, error) in errors { #expect(error < tolerance, "\(name): relative error \(error)") }
    }

    @Test func classificationWithoutDropout() {
        Self.expectSmall(Self.worstErrors(head: .classification(classes: 4), labels: [2, 0, 3], dropout: 0))
    }

    @Test func classificationWithSeededDropout() {
        // The masks come from a fixed seed, so the loss is a smooth function of the parameters for the check.
        Self.expectSmall(Self.worstErrors(head: .classification(classes: 4), labels: [2, 0, 3], dropout: 0.1))
    }

    @Test func classificationOnTheNormalizedEmbeddingWithLabelSmoothing() {
        Self.expectSmall(
            Self.worstErrors(head: .classification(classes: 4), labels: [2, 0, 3], dropout: 0.1, normalizesEmbedding: true, labelSmoothing: 0.1))
    }

    @Test func regression() {
        Self.expectSmall(Self.worstErrors(head: .regression, labels: [0.5, -1.25, 2], dropout: 0))
    }

    @Test func ziln() {
        Self.expectSmall(Self.worstErrors(head: .ziln, labels: [0, 12.5, 3], dropout: 0))
    }

    /// SetFit's cosine loss on pairs, through every tensor; the head takes no part, so its gradient is exactly 0.
    @Test(arguments: [1, 2]) func contrastivePairsWithSeededDropout(shards: Int) {
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: 2)
        let examples = Self.sequences.map { FineTuneExample(tokens: $0, label: 0) }
        let pairs = [
            ContrastivePair(first: 0, second: 1, similar: true), ContrastivePair(first: 2, second: 0, similar: false),
            ContrastivePair(first: 1, second: 2, similar: true),
        ]
        func loss(_ p: [Double]) -> (Double, [Double]) {
            let buffers = GradientBuffers<Double>(count: layout.count)
            let loss = BatchGradient.compute(
                parameters: p, layout: layout, examples: examples, pairs: pairs, batch: [0, 1, 2], shards: shards, dropout: 0.1, seed: 5,
                threads: ParallelFor(threads: shards), buffers: buffers)
            return (loss, Array(UnsafeBufferPointer(start: buffers.total, count: layout.count)))
        }
        Self.expectSmall(Self.worstErrors(layout: layout, loss: loss))
        let gradient = loss(Self.randomParameters(layout, seed: 7)).1
        #expect(gradient[layout.headWeight..<(layout.headBias + 2)].allSatisfy { $0 == 0 })
    }

    @Test func twoShardsGiveTheGradientOfTheWholeBatch() {
        let head = FineTuneHead.classification(classes: 4)
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: head.outputs)
        let parameters = Self.randomParameters(layout, seed: 11)
        let examples = zip(Self.sequences, [1.0, 3, 0]).map { FineTuneExample(tokens: $0, label: $1) }
        let one = BatchGradient.compute(
            parameters: parameters, layout: layout, head: head, examples: examples, batch: [0, 1, 2], shards: 1, dropout: 0, seed: 1,
            threads: ParallelFor(threads: 1)
        )
        let two = BatchGradient.compute(
            parameters: parameters, layout: layout, head: head, examples: examples, batch: [0, 1, 2], shards: 2, dropout: 0, seed: 1,
            threads: ParallelFor(threads: 2)
        )
        #expect(abs(one.loss - two.loss) < 1e-12)
        let difference = zip(one.gradient, two.gradient).map { abs($0 - $1) }.max() ?? 0
        #expect(difference < 1e-12)
    }

    @Test func floatGradientsAgreeWithDouble() {
        // The Float path (sgemm, the encoder's fast exp and erf) is the one training runs.
        let head = FineTuneHead.classification(classes: 4)
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: head.outputs)
        let parameters = Self.randomParameters(layout, seed: 5)
        let examples = zip(Self.sequences, [2.0, 1, 0]).map { FineTuneExample(tokens: $0, label: $1) }
        let exact = BatchGradient.compute(
            parameters: parameters, layout: layout, head: head, examples: examples, batch: [0, 1, 2], shards: 1, dropout: 0, seed: 1,
            threads: ParallelFor(threads: 1)
        )
        let single = BatchGradient.compute(
            parameters: parameters.map { Float($0) }, layout: layout, head: head, examples: examples, batch: [0, 1, 2], shards: 1,
            dropout: 0, seed: 1, threads: ParallelFor(threads: 1)
        )
        #expect(abs(exact.loss - single.loss) < 1e-5 * abs(exact.loss))
        for tensor in layout.tensors {
            let range = tensor.offset..<(tensor.offset + tensor.count)
            var difference = 0.0, norm = 0.0
            for k in range {
                difference += pow(Double(single.gradient[k]) - exact.gradient[k], 2)
                norm += exact.gradient[k] * exact.gradient[k]
            }
            if tensor.name.hasSuffix("attention.self.key.bias") {
                // Zero in exact arithmetic (see worstErrors): Float's rounding noise must stay tiny.
                #expect(difference.squareRoot() < 1e-6, "\(tensor.name)")
                continue
            }
            #expect(norm > 0 && (difference / norm).squareRoot() < 1e-3, "\(tensor.name)")
        }
    }
}
