import CLVCore
import CLVNumerics
import CLVText
import Foundation

/// A BERT encoder with a head on its mean-pooled embedding, as one flat parameter vector that training updates.
public struct FineTunedModel: Sendable {
    /// The encoder's shape.
    public var configuration: BertConfiguration { layout.configuration }
    /// What the head predicts.
    public let head: FineTuneHead
    /// Whether the head reads the pooled embedding's direction (a cosine classifier) instead of the raw mean: scaled
    /// to length √d, so each coordinate has unit root mean square, as the LayerNorm outputs a new head is
    /// initialised for (at unit length the logits start near 0 and the softmax barely separates: BANKING77 10-shot
    /// dev draw 11, 0.822 against 0.847 for the raw mean).
    public let normalizesEmbedding: Bool
    let layout: ParameterLayout
    var parameters: [Float]

    /// A pretrained encoder with a new head, initialised as Hugging Face initialises a linear layer of a BERT
    /// model: weights from N(0, 0.02²) (`initializer_range`), biases 0.
    ///
    /// - Parameters:
    ///   - seed: seeds the head's initial weights.
    ///   - normalizesEmbedding: see ``normalizesEmbedding``.
    public init(base: BertWeights, head: FineTuneHead, seed: UInt64, normalizesEmbedding: Bool = false) {
        self.head = head
        self.normalizesEmbedding = normalizesEmbedding
        layout = ParameterLayout(configuration: base.configuration, headOutputs: head.outputs)
        parameters = layout.flatten(base)
        var random = SplitMix64(seed: seed ^ 0x4845_4144)  // "HEAD"
        for k in layout.headWeight..<(layout.headWeight + head.outputs * base.configuration.hiddenSize) {
            parameters[k] = Float(0.02 * Self.standardNormal(&random))
        }
    }

    init(layout: ParameterLayout, head: FineTuneHead, parameters: [Float], normalizesEmbedding: Bool = false) {
        self.layout = layout
        self.head = head
        self.normalizesEmbedding = normalizesEmbedding
        self.parameters = parameters
    }

    /// The uniform average of the parameters of `models`, fine-tuned from one pretrained encoder with the same head
    /// and differing only in their runs' seeds: a model soup (Wortsman et al. 2022, "Model soups: averaging weights of
    /// multiple fine-tuned models improves accuracy without increasing inference time", arXiv:2203.05482). Runs from
    /// the same start stay in one basin of the loss, so their mean is one model of the same size that keeps most of
    /// an ensemble's gain.
    public init(averaging models: [FineTunedModel]) {
        precondition(!models.isEmpty, "FineTunedModel(averaging:) needs a model")
        let first = models[0]
        precondition(
            models.allSatisfy { $0.layout.count == first.layout.count && $0.head == first.head && $0.normalizesEmbedding == first.normalizesEmbedding },
            "FineTunedModel(averaging:): models of different shapes")
        var sum = [Double](repeating: 0, count: first.parameters.count)
        for model in models {
            for (k, value) in model.parameters.enumerated() { sum[k] += Double(value) }
        }
        let share = 1 / Double(models.count)
        self.init(layout: first.layout, head: first.head, parameters: sum.map { Float($0 * share) }, normalizesEmbedding: first.normalizesEmbedding)
    }

    /// The encoder's weights, for ``BertEncoder`` / ``SentenceEncoder`` and for saving.
    public var encoderWeights: BertWeights { layout.encoderWeights(parameters) }

    /// The head's `[outputs, d]` weight and `[outputs]` bias.
    public var headWeight: [Float] { Array(parameters[layout.headWeight..<(layout.headWeight + head.outputs * configuration.hiddenSize)]) }
    public var headBias: [Float] { Array(parameters[layout.headBias..<(layout.headBias + head.outputs)]) }

    /// Every tensor by its Hugging Face name (`embeddings.word_embeddings.weight`, …, `head.weight`), with its shape.
    public var namedTensors: [(name: String, shape: [Int], values: [Float])] {
        layout.tensors.map { ($0.name, $0.shape, Array(parameters[$0.offset..<($0.offset + $0.count)])) }
    }

    /// The head's raw outputs for each sequence (logits; the regression value; ZILN's logit, μ, raw scale), no
    /// dropout, in order.
    ///
    /// - Parameters:
    ///   - sequences: token ids, each non-empty and within the position table.
    ///   - threads: batches run in parallel, each with the BLAS thread count the process has set.
    public func outputs(of sequences: [[Int]], batchSize: Int = 64, threads: ParallelFor = .allCores) -> [[Float]] {
        let order = (0..<sequences.count).sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        let batches = stride(from: 0, to: order.count, by: max(1, batchSize)).map { Array(order[$0..<min(order.count, $0 + batchSize)]) }
        var results = [[Float]](repeating: [], count: sequences.count)
        let n = head.outputs
        var perBatch = [[[Float]]](repeating: [], count: batches.count)
        parameters.withUnsafeBufferPointer { w in
            let w = w.baseAddress!
            perBatch.withUnsafeMutableBufferPointer { out in
                threads.run(count: batches.count) { b in
                    var random = SplitMix64(seed: 0)
                    let pass = TrainingPass<Float>(
                        parameters: w, layout: layout, sequences: batches[b].map { sequences[$0] }, dropout: 0,
                        normalizesPooled: normalizesEmbedding, random: &random
                    )
                    out[b] = (0..<batches[b].count).map { s in Array(UnsafeBufferPointer(start: pass.outputs + s * n, count: n)) }
                }
            }
        }
        for (b, batch) in batches.enumerated() {
            for (s, index) in batch.enumerated() { results[index] = perBatch[b][s] }
        }
        return results
    }

    /// A standard normal draw (Box–Muller).
    static func standardNormal(_ random: inout SplitMix64) -> Double {
        let u1 = (Double(random.next() >> 11) + 1) * 0x1p-53
        let u2 = Double(random.next() >> 11) * 0x1p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// The loss of a batch and its gradient, the batch split into shards that run in parallel.
enum BatchGradient {
    /// `(mean loss over the batch, gradient of that mean)` at `parameters`; `normalizesEmbedding` and
    /// `labelSmoothing` as ``FineTunedModel/normalizesEmbedding`` and ``FineTuneSettings/labelSmoothing``.
    ///
    /// Each shard draws its dropout masks from its own generator, seeded from `seed` and the shard's index, and
    /// the shards' gradients are added in shard order: the result depends on the seed and the number of shards,
    /// never on which thread ran which shard.
    static func compute<S: TrainingScalar>(
        parameters: [S], layout: ParameterLayout, head: FineTuneHead, normalizesEmbedding: Bool = false, labelSmoothing: S = 0,
        examples: [FineTuneExample], batch: [Int], shards shardCount: Int, dropout: S, tokenDropout: Double = 0, seed: UInt64,
        threads: ParallelFor
    ) -> (loss: Double, gradient: [S]) {
        let buffers = GradientBuffers<S>(count: layout.count)
        let loss = compute(
            parameters: parameters, layout: layout, head: head, normalizesEmbedding: normalizesEmbedding, labelSmoothing: labelSmoothing,
            examples: examples, batch: batch, shards: shardCount, dropout: dropout, tokenDropout: tokenDropout, seed: seed, threads: threads,
            buffers: buffers
        )
        return (loss, Array(UnsafeBufferPointer(start: buffers.total, count: layout.count)))
    }

    /// ``compute(parameters:layout:head:normalizesEmbedding:labelSmoothing:examples:batch:shards:dropout:seed:threads:)`` into reused buffers (one per
    /// shard; ``GradientBuffers/total`` holds the batch's gradient afterwards): a training run allocates them once, instead of
    /// paging in fresh zeroed memory for every shard of every step (a quarter of the run's time in the kernel).
    static func compute<S: TrainingScalar>(
        parameters: [S], layout: ParameterLayout, head: FineTuneHead, normalizesEmbedding: Bool = false, labelSmoothing: S = 0,
        examples: [FineTuneExample], batch: [Int], shards shardCount: Int, dropout: S, tokenDropout: Double = 0, seed: UInt64,
        threads: ParallelFor, buffers: GradientBuffers<S>
    ) -> Double {
        let shards = Batches.shards(batch, lengths: examples.map(\.tokens.count), count: shardCount)
        let weight = 1 / S(batch.count)
        return sum(parameters: parameters, layout: layout, shards: shards.count, seed: seed, threads: threads, buffers: buffers) {
            index, w, gradient, random in
            let members = shards[index]
            let sequences = members.map { TokenDropout.kept(examples[$0].tokens, dropping: tokenDropout, random: &random) }
            let pass = TrainingPass<S>(
                parameters: w, layout: layout, sequences: sequences, dropout: dropout, normalizesPooled: normalizesEmbedding, random: &random
            )
            return pass.lossAndGradient(
                parameters: w, head: head, labels: members.map { examples[$0].label }, weight: weight, labelSmoothing: labelSmoothing,
                gradient: gradient)
        }
    }

    /// The mean contrastive loss of a batch of `pairs` (indices into `pairs`) and its gradient in `buffers`
    /// (``TrainingPass/pairLossAndGradient(parameters:targets:weight:gradient:)``); both texts of a pair always run
    /// in the same shard, and shards balance the pairs' tokens.
    static func compute<S: TrainingScalar>(
        parameters: [S], layout: ParameterLayout, examples: [FineTuneExample], pairs: [ContrastivePair], batch: [Int],
        shards shardCount: Int, dropout: S, seed: UInt64, threads: ParallelFor, buffers: GradientBuffers<S>
    ) -> Double {
        let pairLengths = pairs.map { examples[$0.first].tokens.count + examples[$0.second].tokens.count }
        let shards = Batches.shards(batch, lengths: pairLengths, count: shardCount)
        let weight = 1 / S(batch.count)
        return sum(parameters: parameters, layout: layout, shards: shards.count, seed: seed, threads: threads, buffers: buffers) {
            index, w, gradient, random in
            let members = shards[index].map { pairs[$0] }
            let pass = TrainingPass<S>(
                parameters: w, layout: layout, sequences: members.flatMap { [examples[$0.first].tokens, examples[$0.second].tokens] },
                dropout: dropout, random: &random
            )
            return pass.pairLossAndGradient(parameters: w, targets: members.map { $0.similar ? 1 : 0 }, weight: weight, gradient: gradient)
        }
    }

    /// Runs `shard(index, parameters, gradient, random)` for every shard at once, each into its own zeroed buffer with
    /// its own generator seeded from `seed` and its index, then adds the buffers into the first in shard order;
    /// returns the sum of the shards' losses.
    private static func sum<S: TrainingScalar>(
        parameters: [S], layout: ParameterLayout, shards: Int, seed: UInt64, threads: ParallelFor, buffers: GradientBuffers<S>,
        shard: (Int, UnsafePointer<S>, UnsafeMutablePointer<S>, inout SplitMix64) -> Double
    ) -> Double {
        buffers.reserve(shards)
        var losses = [Double](repeating: 0, count: shards)
        parameters.withUnsafeBufferPointer { w in
            let w = w.baseAddress!
            let gradients = buffers.shards
            losses.withUnsafeMutableBufferPointer { losses in
                threads.run(count: shards) { s in
                    var random = SplitMix64(seed: seed &+ UInt64(s) &* 0x9E37_79B9_7F4A_7C15)
                    gradients[s].update(repeating: 0, count: layout.count)
                    losses[s] = shard(s, w, gradients[s], &random)
                }
            }
            if shards > 1 {
                let chunk = 1 << 18
                let chunks = (layout.count + chunk - 1) / chunk
                let out = gradients[0]
                threads.run(count: chunks) { c in
                    for s in 1..<shards {
                        let g = gradients[s]
                        for k in (c * chunk)..<min(layout.count, (c + 1) * chunk) { out[k] += g[k] }
                    }
                }
            }
        }
        return losses.reduce(0, +)
    }
}

/// Word-piece dropout, a data augmentation for small training sets: each step sees every text with some of its
/// tokens left out at random, as EDA's random deletion does with words (Wei & Zou 2019, arXiv:1901.11196).
enum TokenDropout {
    /// `tokens` without each inner token with probability `probability`; the first and last ([CLS] and [SEP]) always
    /// stay, and so does one inner token when all would go. At probability 0 the generator is not used.
    static func kept(_ tokens: [Int], dropping probability: Double, random: inout SplitMix64) -> [Int] {
        guard probability > 0, tokens.count > 2 else { return tokens }
        let inner = tokens[1..<(tokens.count - 1)]
        var kept = inner.filter { _ in Double(random.next() >> 11) * 0x1p-53 >= probability }
        if kept.isEmpty { kept = [inner[inner.startIndex + Int(random.next() % UInt64(inner.count))]] }
        return [tokens[0]] + kept + [tokens[tokens.count - 1]]
    }
}

/// Gradient memory for the shards of a batch, allocated once for a training run.
final class GradientBuffers<S: TrainingScalar> {
    let count: Int
    private(set) var shards: [UnsafeMutablePointer<S>] = []

    init(count: Int) { self.count = count }

    /// Makes sure there are at least `n` buffers.
    func reserve(_ n: Int) {
        while shards.count < n {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: count)
            shards.append(pointer)
        }
    }

    /// The first shard's buffer, which holds the whole batch's gradient after ``BatchGradient``.
    var total: UnsafeMutablePointer<S> { shards[0] }

    deinit {
        for pointer in shards { pointer.deallocate() }
    }
}
