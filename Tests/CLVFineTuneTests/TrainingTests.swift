import CLVCore
import CLVNumerics
import CLVTestSupport
import CLVText
import Foundation
import Testing

@testable import CLVFineTune

/// The training loop on a tiny random BERT: it learns a task that needs attention over the whole sequence, a
/// seed reproduces a run bit for bit, and the optimiser pieces follow PyTorch's definitions.
@Suite struct TrainingTests {
    static let tiny = GradientCheckTests.tiny

    static func randomBase(seed: UInt64) -> BertWeights {
        let layout = ParameterLayout(configuration: tiny, headOutputs: 1)
        let flat = GradientCheckTests.randomParameters(layout, seed: seed).map { Float($0) * 0.5 }
        var weights = layout.encoderWeights(flat)
        weights.embeddingNormGamma = [Float](repeating: 1, count: tiny.hiddenSize)
        for l in weights.layers.indices {
            weights.layers[l].attentionNormGamma = [Float](repeating: 1, count: tiny.hiddenSize)
            weights.layers[l].outputNormGamma = [Float](repeating: 1, count: tiny.hiddenSize)
        }
        return weights
    }

    /// Label = whether token 10 occurs anywhere in a random sequence of 3–9 tokens: a bag-of-words task the
    /// mean-pooled encoder must learn to represent.
    static func examples(count: Int, seed: UInt64) -> [FineTuneExample] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let length = 3 + Int(random.next() % 7)
            var tokens = (0..<length).map { _ in 11 + Int(random.next() % 39) }
            let positive = i % 2 == 0
            if positive { tokens[Int(random.next() % UInt64(length))] = 10 }
            return FineTuneExample(tokens: [1] + tokens + [2], label: positive ? 1 : 0)
        }
    }

    @Test func learnsATaskAndKeepsTheBestEpoch() throws {
        var model = FineTunedModel(base: Self.randomBase(seed: 1), head: .classification(classes: 2), seed: 3)
        let training = Self.examples(count: 256, seed: 10), validation = Self.examples(count: 128, seed: 11)
        let before = FineTuner.evaluate(model, on: validation, threads: ParallelFor(threads: 1))
        let settings = FineTuneSettings(epochs: 8, batchSize: 16, learningRate: 3e-3, warmupFraction: 0.1, dropout: 0.1, seed: 5, patience: 8, shards: 2)
        let reports = try FineTuner.train(&model, training: training, validation: validation, settings: settings)
        let after = FineTuner.evaluate(model, on: validation, threads: ParallelFor(threads: 1))
        #expect(reports.count == 8)
        #expect(before.accuracy! < 0.7)
        #expect(after.accuracy! >= 0.95, "validation accuracy \(after.accuracy!)")
        // The model kept is the best epoch's.
        #expect(after.accuracy! == reports.compactMap(\.validationAccuracy).max())
        #expect(reports.last!.trainingLoss < reports.first!.trainingLoss)
    }

    @Test func averagingIsTheMeanOfEveryParameter() throws {
        let training = Self.examples(count: 32, seed: 22)
        var first = FineTunedModel(base: Self.randomBase(seed: 2), head: .classification(classes: 2), seed: 4), second = first
        _ = try FineTuner.train(&first, training: training, settings: FineTuneSettings(epochs: 1, batchSize: 8, learningRate: 1e-3, seed: 1, shards: 2))
        _ = try FineTuner.train(&second, training: training, settings: FineTuneSettings(epochs: 1, batchSize: 8, learningRate: 1e-3, seed: 2, shards: 2))
        let soup = FineTunedModel(averaging: [first, second])
        #expect(first.parameters != second.parameters)
        #expect(
            soup.parameters.indices.allSatisfy {
                abs(soup.parameters[$0] - (first.parameters[$0] + second.parameters[$0]) / 2) <= 1e-7 * max(1, abs(soup.parameters[$0]))
            })
        #expect(FineTunedModel(averaging: [first]).parameters == first.parameters)
        #expect(soup.head == first.head && soup.layout.count == first.layout.count)
    }

    @Test func pairsGiveEveryTextOneSameAndOneOtherLabelPartnerPerRound() {
        let labels: [Double] = [0, 1, 2, 0, 1, 0, 2, 3]  // label 3 has a single text: no positive pair for it
        let pairs = ContrastivePair.sampled(labels: labels, iterations: 4, seed: 7)
        #expect(pairs == ContrastivePair.sampled(labels: labels, iterations: 4, seed: 7))
        #expect(pairs != ContrastivePair.sampled(labels: labels, iterations: 4, seed: 8))
        for index in labels.indices {
            let own = pairs.filter { $0.first == index }
            #expect(own.filter(\.similar).count == (index == 7 ? 0 : 4))
            #expect(own.filter { !$0.similar }.count == 4)
        }
        #expect(pairs.allSatisfy { $0.first != $0.second && (labels[$0.first] == labels[$0.second]) == $0.similar })
    }

    @Test func theContrastiveStageSeparatesTheLabelsAndLeavesTheHead() throws {
        var model = FineTunedModel(base: Self.randomBase(seed: 1), head: .classification(classes: 2), seed: 3)
        let training = Self.examples(count: 128, seed: 30), held = Self.examples(count: 64, seed: 31)
        let heldPairs = ContrastivePair.sampled(labels: held.map(\.label), iterations: 2, seed: 1)
        func heldLoss(_ model: FineTunedModel) -> Double {
            BatchGradient.compute(
                parameters: model.parameters, layout: model.layout, examples: held, pairs: heldPairs, batch: Array(heldPairs.indices),
                shards: 1, dropout: 0, seed: 0, threads: ParallelFor(threads: 1), buffers: GradientBuffers(count: model.layout.count))
        }
        let before = heldLoss(model), head = model.headWeight
        let pairs = ContrastivePair.sampled(labels: training.map(\.label), iterations: 8, seed: 2)
        let settings = FineTuneSettings(epochs: 2, batchSize: 32, learningRate: 3e-3, seed: 5, shards: 2, headLearningRate: 1e-2)
        let reports = try FineTuner.trainContrastive(&model, examples: training, pairs: pairs, settings: settings)
        #expect(reports.count == 2)
        #expect(heldLoss(model) < 0.5 * before, "held-out pair loss \(before) → \(heldLoss(model))")
        #expect(model.headWeight == head)
    }

    @Test func aSeedReproducesARunBitForBit() throws {
        let training = Self.examples(count: 64, seed: 20)
        let settings = FineTuneSettings(epochs: 2, batchSize: 8, learningRate: 1e-3, dropout: 0.1, seed: 9, shards: 2)
        func run() throws -> [Float] {
            var model = FineTunedModel(base: Self.randomBase(seed: 2), head: .classification(classes: 2), seed: 4)
            _ = try FineTuner.train(&model, training: training, settings: settings)
            return model.parameters
        }
        let first = try run(), second = try run()
        #expect(first == second)
        var other = settings
        other.seed = 10
        var model = FineTunedModel(base: Self.randomBase(seed: 2), head: .classification(classes: 2), seed: 4)
        _ = try FineTuner.train(&model, training: training, settings: other)
        #expect(model.parameters != first)
    }

    @Test func scheduleWarmsUpThenDecaysLinearly() {
        // get_linear_schedule_with_warmup(num_warmup_steps=10, num_training_steps=100) at lr 1.
        let schedule = LinearSchedule(peak: 1, warmupSteps: 10, totalSteps: 100)
        #expect(schedule.rate(afterSteps: 0) == 0)
        #expect(schedule.rate(afterSteps: 5) == 0.5)
        #expect(schedule.rate(afterSteps: 10) == 1)
        #expect(schedule.rate(afterSteps: 55) == 0.5)
        #expect(schedule.rate(afterSteps: 100) == 0)
    }

    @Test func adamWStepMatchesTheFormula() {
        // One decayed weight and one bias, two steps, against torch.optim.AdamW's update written out in Double.
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: 1)
        var optimizer = AdamW<Double>(layout: layout, weightDecay: 0.1)
        var parameters = [Double](repeating: 0.5, count: layout.count)
        let weight = layout.headWeight, bias = layout.headBias
        var expectedWeight = 0.5, expectedBias = 0.5
        var m = (0.0, 0.0), v = (0.0, 0.0)
        for (t, g) in [0.3, -0.2].enumerated() {
            var gradient = [Double](repeating: 0, count: layout.count)
            gradient[weight] = g
            gradient[bias] = g
            optimizer.step(&parameters, gradient: gradient, learningRate: 0.01, threads: ParallelFor(threads: 2))
            let step = Double(t + 1)
            expectedWeight *= 1 - 0.01 * 0.1
            m.0 = 0.9 * m.0 + 0.1 * g
            v.0 = 0.999 * v.0 + 0.001 * g * g
            expectedWeight -= 0.01 / (1 - pow(0.9, step)) * m.0 / (v.0.squareRoot() / (1 - pow(0.999, step)).squareRoot() + 1e-8)
            m.1 = 0.9 * m.1 + 0.1 * g
            v.1 = 0.999 * v.1 + 0.001 * g * g
            expectedBias -= 0.01 / (1 - pow(0.9, step)) * m.1 / (v.1.squareRoot() / (1 - pow(0.999, step)).squareRoot() + 1e-8)
        }
        #expect(abs(parameters[weight] - expectedWeight) < 1e-15)
        #expect(abs(parameters[bias] - expectedBias) < 1e-15)
    }

    @Test func theHeadCanHaveItsOwnRate() {
        // With a factor of 10 the head's first Adam step is ten times the encoder's (|Δθ| ≈ lr for any gradient).
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: 1)
        var optimizer = AdamW<Double>(layout: layout, weightDecay: 0, headRateFactor: 10)
        var parameters = [Double](repeating: 0, count: layout.count)
        optimizer.step(&parameters, gradient: [Double](repeating: 0.5, count: layout.count), learningRate: 1e-3, threads: ParallelFor(threads: 1))
        #expect(abs(parameters[layout.headWeight] + 1e-2) < 1e-9)
        #expect(abs(parameters[layout.layers[0].qkvWeight] + 1e-3) < 1e-9)
    }

    @Test func layerWiseRateDecayShrinksTheStepsTowardsTheInput() {
        // ξ = 0.5 over the tiny model's L layers: the first Adam step (|Δθ| ≈ lr) is lr·ξ^(L−1−l) in layer l, lr·ξ^L
        // in the embeddings and their LayerNorm, and the head keeps its own factor.
        let layout = ParameterLayout(configuration: Self.tiny, headOutputs: 1)
        let layers = layout.layers.count
        var optimizer = AdamW<Double>(layout: layout, weightDecay: 0, headRateFactor: 10, layerRateDecay: 0.5)
        var parameters = [Double](repeating: 0, count: layout.count)
        optimizer.step(&parameters, gradient: [Double](repeating: 0.5, count: layout.count), learningRate: 1e-3, threads: ParallelFor(threads: 1))
        #expect(abs(parameters[layout.headWeight] + 1e-2) < 1e-9)
        for (l, layer) in layout.layers.enumerated() {
            let expected = 1e-3 * Foundation.pow(0.5, Double(layers - 1 - l))
            #expect(abs(parameters[layer.qkvWeight] + expected) < 1e-9 && abs(parameters[layer.outputNormBeta] + expected) < 1e-9)
        }
        let embeddings = 1e-3 * Foundation.pow(0.5, Double(layers))
        #expect(abs(parameters[layout.wordEmbeddings] + embeddings) < 1e-9 && abs(parameters[layout.embeddingNormGamma] + embeddings) < 1e-9)
        #expect(FineTuneSettings(layerRateDecay: 0).problem == "the layer-wise rate decay must be in (0, 1]")
    }

    @Test func tokenDropoutKeepsTheEndsAndLeavesOutItsShareOfTheRest() {
        var random = SplitMix64(seed: 3)
        let text = [101] + Array(1000..<1200) + [102]
        var inner = 0
        for _ in 0..<200 {
            let kept = TokenDropout.kept(text, dropping: 0.25, random: &random)
            #expect(kept.first == 101 && kept.last == 102)
            let middle = Array(kept.dropFirst().dropLast())
            #expect(!middle.isEmpty && middle.allSatisfy { (1000..<1200).contains($0) } && middle == middle.sorted())
            inner += middle.count
        }
        // 200 × 200 inner tokens, each kept with probability 0.75: 30,000 ± 4 sd of 87.
        #expect(abs(inner - 30_000) < 350, "\(inner) inner tokens kept")
        #expect(TokenDropout.kept([101, 7, 102], dropping: 0.99, random: &random) == [101, 7, 102])
        var (untouched, fresh) = (SplitMix64(seed: 3), SplitMix64(seed: 3))
        #expect(TokenDropout.kept(text, dropping: 0, random: &untouched) == text && untouched.next() == fresh.next())
    }

    @Test func clippingScalesToTheLimit() {
        var gradient: [Double] = [3, 4]
        let norm = clipGradientNorm(&gradient, maximum: 1)
        #expect(norm == 5)
        #expect(abs(gradient[0] - 3 / (5 + 1e-6)) < 1e-15 && abs(gradient[1] - 4 / (5 + 1e-6)) < 1e-15)
        var small: [Double] = [0.3, 0.4]
        _ = clipGradientNorm(&small, maximum: 1)
        #expect(small == [0.3, 0.4])
    }

    @Test func batchesCoverEveryExampleOnceAndShardsBalanceTokens() {
        var random = SplitMix64(seed: 1)
        let lengths = (0..<203).map { 2 + $0 % 31 }
        let batches = Batches.bucketed(lengths: lengths, batchSize: 16, random: &random)
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<203))
        #expect(batches.allSatisfy { $0.count <= 16 })
        let shards = Batches.shards(batches[0], lengths: lengths, count: 2)
        #expect(shards.count == 2 && shards.flatMap { $0 } == batches[0])
    }

    @Test func writtenEncoderReadsBackAsTheSameWeights() throws {
        let model = FineTunedModel(base: Self.randomBase(seed: 6), head: .classification(classes: 3), seed: 1)
        let directory = try TemporaryDirectory("finetune")
        let base = try TemporaryDirectory("finetune-base")
        _ = try base.write("vocab.txt", "[PAD]\n[UNK]\n")
        _ = try base.write("config.json", #"{"model_type": "bert"}"#)
        try FineTunedDirectory.write(
            model,
            head: FineTunedHeadFile(
                task: "intent", head: model.head, labels: ["a", "b", "c"], base: "tiny", settings: FineTuneSettings(), epochs: [],
                weight: model.headWeight, bias: model.headBias),
            base: base.url, maximumSequenceLength: 12, to: directory.url)
        let file = try SafetensorsFile(contentsOf: directory.url.appendingPathComponent("model.safetensors"))
        let read = try BertWeights(file: file, configuration: Self.tiny)
        #expect(read == model.encoderWeights)
        let head = try JSONDecoder().decode(FineTunedHeadFile.self, from: Data(contentsOf: directory.url.appendingPathComponent("head.json")))
        #expect(head.labels == ["a", "b", "c"] && head.weight == model.headWeight)
        #expect(FileManager.default.fileExists(atPath: directory.path("vocab.txt")))
    }

    @Test func labelSmoothingIsCrossEntropyAgainstTheSmoothedTarget() {
        // PyTorch's definition: (1 − ε)·(−log p_y) + ε·mean over classes of (−log p_c).
        let logits: [Double] = [1.5, -0.25, 0.75, 3]
        let (label, epsilon) = (2, 0.2)
        let logTotal = log(logits.map { exp($0) }.reduce(0, +))
        let negativeLogs = logits.map { logTotal - $0 }
        let expected = (1 - epsilon) * negativeLogs[label] + epsilon * negativeLogs.reduce(0, +) / 4
        var gradient = [Double](repeating: 0, count: 4)
        let loss = logits.withUnsafeBufferPointer { o in
            gradient.withUnsafeMutableBufferPointer { g in
                FineTuneHead.classification(classes: 4).loss(
                    outputs: o.baseAddress!, label: Double(label), weight: 1, gradient: g.baseAddress!, labelSmoothing: epsilon)
            }
        }
        #expect(abs(loss - expected) < 1e-12)
        #expect(abs(gradient.reduce(0, +)) < 1e-12)  // p − q sums to 0
    }

    @Test func theNormalizedHeadReadsTheEmbeddingScaledToLengthRootD() throws {
        let base = Self.randomBase(seed: 8)
        var model = FineTunedModel(base: base, head: .regression, seed: 0, normalizesEmbedding: true)
        let d = Self.tiny.hiddenSize
        for k in 0..<d { model.parameters[model.layout.headWeight + k] = k == 5 ? 1 : 0 }
        let sequences = GradientCheckTests.sequences
        let outputs = model.outputs(of: sequences, threads: ParallelFor(threads: 1))
        let pooled = try BertEncoder(weights: base).meanPooledStates(of: sequences)
        for s in sequences.indices {
            let row = pooled[(s * d)..<((s + 1) * d)]
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(abs(outputs[s][0] - Float(d).squareRoot() * pooled[s * d + 5] / norm) < 1e-5)
        }
    }

    @Test func trainingForwardEqualsTheInferenceEncoder() throws {
        // With dropout off the training pass's pooled states are BertEncoder's: compare through a regression
        // head whose weight picks one coordinate of the pooled embedding.
        let base = Self.randomBase(seed: 8)
        var model = FineTunedModel(base: base, head: .regression, seed: 0)
        let d = Self.tiny.hiddenSize
        for k in 0..<d { model.parameters[model.layout.headWeight + k] = k == 5 ? 1 : 0 }
        let sequences = GradientCheckTests.sequences
        let outputs = model.outputs(of: sequences, threads: ParallelFor(threads: 1))
        let pooled = try BertEncoder(weights: base).meanPooledStates(of: sequences)
        for s in sequences.indices { #expect(abs(outputs[s][0] - pooled[s * d + 5]) < 1e-5) }
    }
}
