import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The PyTorch fine-tuning fixture agrees with CLVText's forward pass: the same token ids, pooled states and
/// losses, so the gradients and AdamW steps in it belong to the computation CLVText runs.
@Suite struct TinyBERTFixtureTests {
    @Test func theVocabularyTokenisesTheTextsToTheFixturesIDs() throws {
        let batch = try FineTuneFixture.batch()
        let tokenizer = try WordPieceTokenizer(vocabularyURL: FineTuneFixture.tinyBERT.appendingPathComponent("vocab.txt"), maximumLength: 16)
        #expect(batch.texts.map { tokenizer.encode($0) } == batch.sequences)
    }

    @Test(arguments: ["classification", "regression"])
    func meanPooledStatesAndLossMatchPyTorch(task: String) throws {
        let batch = try FineTuneFixture.batch()
        let encoder = BertEncoder(weights: try FineTuneFixture.tinyWeights())
        let pooled = try encoder.meanPooledStates(of: batch.sequences)
        let forward = try SafetensorsFile(contentsOf: FineTuneFixture.folder.appendingPathComponent("\(task)/forward.safetensors"))
        let reference = try forward.floats("pooled", shape: [4, 16])
        // float32 against float64 through two layers: a few ulps of values of size ~1.
        for (a, b) in zip(pooled, reference) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b)), "\(a) vs \(b)") }

        let head = try SafetensorsFile(contentsOf: FineTuneFixture.folder.appendingPathComponent("\(task)/head.safetensors"))
        let classes = task == "classification" ? 3 : 1
        let w = try head.floats("head.weight", shape: [classes, 16]), b = try head.floats("head.bias", shape: [classes])
        var loss = 0.0
        for row in 0..<4 {
            let z = (0..<classes).map { c in Double(b[c]) + (0..<16).reduce(0.0) { $0 + Double(w[c * 16 + $1]) * Double(pooled[row * 16 + $1]) } }
            if task == "classification" {
                let labels = batch.classificationLabels
                let top = z.max()!
                loss += top + log(z.reduce(0.0) { $0 + exp($1 - top) }) - z[labels[row]]
            } else {
                let targets = batch.regressionTargets
                loss += (z[0] - targets[row]) * (z[0] - targets[row])
            }
        }
        loss /= 4
        let expected = try #require(batch.tasks[task]).loss
        #expect(abs(loss - expected) <= 1e-5 * expected, "loss \(loss), PyTorch \(expected)")
    }
}
