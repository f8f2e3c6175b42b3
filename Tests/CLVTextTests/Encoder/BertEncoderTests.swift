import CLVTestSupport
import CLVText
import Foundation
import Testing

/// The packed, BLAS-backed BERT forward pass against a naive Double-precision transcription of the equations,
/// on a tiny random BERT written to a safetensors file here; and shape checks against the real configuration.
@Suite struct BertEncoderTests {
    static let tiny = BertConfiguration(
        vocabularySize: 40, hiddenSize: 32, layerCount: 2, headCount: 4, intermediateSize: 48,
        maximumPositions: 16, tokenTypeCount: 2, layerNormEpsilon: 1e-12, activation: "gelu"
    )

    /// Every tensor of a `BertModel` checkpoint with the given configuration, random but seeded.
    static func randomTensors(_ c: BertConfiguration, seed: UInt64) -> [(name: String, shape: [Int], values: [Float])] {
        var rng = SplitMix64(seed: seed)
        func tensor(_ name: String, _ shape: [Int], center: Float = 0, spread: Float = 0.5) -> (String, [Int], [Float]) {
            (name, shape, (0..<shape.reduce(1, *)).map { _ in center + Float.random(in: -spread...spread, using: &rng) })
        }
        let d = c.hiddenSize, i = c.intermediateSize
        var tensors = [
            tensor("embeddings.word_embeddings.weight", [c.vocabularySize, d]),
            tensor("embeddings.position_embeddings.weight", [c.maximumPositions, d]),
            tensor("embeddings.token_type_embeddings.weight", [c.tokenTypeCount, d]),
            tensor("embeddings.LayerNorm.weight", [d], center: 1, spread: 0.2),
            tensor("embeddings.LayerNorm.bias", [d], spread: 0.1),
        ]
        for l in 0..<c.layerCount {
            let p = "encoder.layer.\(l)."
            for part in ["query", "key", "value"] {
                tensors.append(tensor(p + "attention.self.\(part).weight", [d, d], spread: 0.3))
                tensors.append(tensor(p + "attention.self.\(part).bias", [d], spread: 0.1))
            }
            tensors += [
                tensor(p + "attention.output.dense.weight", [d, d], spread: 0.3),
                tensor(p + "attention.output.dense.bias", [d], spread: 0.1),
                tensor(p + "attention.output.LayerNorm.weight", [d], center: 1, spread: 0.2),
                tensor(p + "attention.output.LayerNorm.bias", [d], spread: 0.1),
                tensor(p + "intermediate.dense.weight", [i, d], spread: 0.3),
                tensor(p + "intermediate.dense.bias", [i], spread: 0.1),
                tensor(p + "output.dense.weight", [d, i], spread: 0.3),
                tensor(p + "output.dense.bias", [d], spread: 0.1),
                tensor(p + "output.LayerNorm.weight", [d], center: 1, spread: 0.2),
                tensor(p + "output.LayerNorm.bias", [d], spread: 0.1),
            ]
        }
        return tensors
    }

    /// A safetensors file holding `tensors` as F32.
    static func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])]) throws -> URL {
        var entries: [String] = []
        var data: [UInt8] = []
        for t in tensors {
            let begin = data.count
            data += SafetensorsFileTests.littleEndianBytes(t.values.map(\.bitPattern))
            entries.append(#""\#(t.name)":{"dtype":"F32","shape":\#(t.shape),"data_offsets":[\#(begin),\#(data.count)]}"#)
        }
        return try SafetensorsFileTests.write(SafetensorsFileTests.file(header: "{" + entries.joined(separator: ",") + "}", data: data))
    }

    /// BERT as written in the papers, one token and one head at a time, in Double; mean-pooled.
    static func naiveMeanPooled(_ sequence: [Int], _ t: [String: [Float]], _ c: BertConfiguration) -> [Double] {
        let d = c.hiddenSize, heads = c.headCount, dh = c.headSize, n = sequence.count
        func w(_ name: String) -> [Double] { t[name]!.map(Double.init) }
        func linear(_ x: [[Double]], _ weight: [Double], _ bias: [Double], out: Int) -> [[Double]] {
            x.map { row -> [Double] in
                (0..<out).map { o -> Double in
                    var sum = bias[o]
                    for i in 0..<row.count { sum += row[i] * weight[o * row.count + i] }
                    return sum
                }
            }
        }
        func layerNorm(_ x: [[Double]], _ gamma: [Double], _ beta: [Double]) -> [[Double]] {
            x.map { row -> [Double] in
                let mean = row.reduce(0, +) / Double(row.count)
                let variance = row.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)
                let inverse = 1 / (variance + Double(c.layerNormEpsilon)).squareRoot()
                return row.indices.map { i -> Double in (row[i] - mean) * inverse * gamma[i] + beta[i] }
            }
        }
        let word = w("embeddings.word_embeddings.weight"), position = w("embeddings.position_embeddings.weight")
        let type = w("embeddings.token_type_embeddings.weight")
        var x: [[Double]] = sequence.enumerated().map { p, id -> [Double] in
            (0..<d).map { j -> Double in word[id * d + j] + position[p * d + j] + type[j] }
        }
        x = layerNorm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        for l in 0..<c.layerCount {
            let p = "encoder.layer.\(l)."
            let q = linear(x, w(p + "attention.self.query.weight"), w(p + "attention.self.query.bias"), out: d)
            let k = linear(x, w(p + "attention.self.key.weight"), w(p + "attention.self.key.bias"), out: d)
            let v = linear(x, w(p + "attention.self.value.weight"), w(p + "attention.self.value.bias"), out: d)
            var context = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
            for h in 0..<heads {
                let columns = (h * dh)..<((h + 1) * dh)
                for i in 0..<n {
                    let scores = (0..<n).map { j -> Double in
                        var dot = 0.0
                        for col in columns { dot += q[i][col] * k[j][col] }
                        return dot / Double(dh).squareRoot()
                    }
                    let top = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for j in 0..<n { for col in columns { context[i][col] += weights[j] / total * v[j][col] } }
                }
            }
            let attention = linear(context, w(p + "attention.output.dense.weight"), w(p + "attention.output.dense.bias"), out: d)
            let afterAttention: [[Double]] = zip(x, attention).map { a, b -> [Double] in zip(a, b).map(+) }
            x = layerNorm(afterAttention, w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias"))
            let hidden = linear(x, w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias"), out: c.intermediateSize)
                .map { row -> [Double] in row.map { v -> Double in 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot())) } }
            let output = linear(hidden, w(p + "output.dense.weight"), w(p + "output.dense.bias"), out: d)
            let afterFeedForward: [[Double]] = zip(x, output).map { a, b -> [Double] in zip(a, b).map(+) }
            x = layerNorm(afterFeedForward, w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"))
        }
        return (0..<d).map { j -> Double in x.reduce(0.0) { $0 + $1[j] } / Double(n) }
    }

    @Test func packedBatchMatchesNaiveForwardPass() throws {
        let tensors = Self.randomTensors(Self.tiny, seed: 2019)
        let url = try Self.safetensors(tensors)
        defer { try? FileManager.default.removeItem(at: url) }
        let encoder = BertEncoder(weights: try BertWeights(file: SafetensorsFile(contentsOf: url), configuration: Self.tiny))
        // Different lengths in one packed call: attention must stay inside each sequence.
        let sequences = [[1, 5, 9, 2], [1, 39, 2], [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 2], [7]]
        let pooled = try encoder.meanPooledStates(of: sequences)
        let table = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) })
        for (s, sequence) in sequences.enumerated() {
            let expected = Self.naiveMeanPooled(sequence, table, Self.tiny)
            let got = pooled[(s * 32)..<((s + 1) * 32)]
            // Float accumulation over ≤ 48 terms and 2 layers against Double, plus the exp and erf approximations
            // (< 2e-7): about 1e-6 on O(1) LayerNorm outputs (8e-7 seen). Any wiring or masking bug is ≫ 1e-3.
            let largest = zip(got, expected).map { abs(Double($0) - $1) }.max()!
            #expect(largest < 1e-5, "sequence \(s): largest difference \(largest)")
        }
    }

    @Test func sequencesLongerThanThePositionTableAreRejected() throws {
        let url = try Self.safetensors(Self.randomTensors(Self.tiny, seed: 3))
        defer { try? FileManager.default.removeItem(at: url) }
        let encoder = BertEncoder(weights: try BertWeights(file: SafetensorsFile(contentsOf: url), configuration: Self.tiny))
        let error = #expect(throws: EncoderError.self) { try encoder.meanPooledStates(of: [[1, 2], [Int](repeating: 3, count: 17)]) }
        guard case .invalidTokenSequence(index: 1, _) = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func weightsOfAnotherShapeAreRejected() throws {
        let url = try Self.safetensors(Self.randomTensors(Self.tiny, seed: 1))
        defer { try? FileManager.default.removeItem(at: url) }
        var wider = Self.tiny
        wider.hiddenSize = 64
        #expect(throws: WeightsError.shapeMismatch(name: "embeddings.word_embeddings.weight", expected: [40, 64], found: [40, 32])) {
            try BertWeights(file: SafetensorsFile(contentsOf: url), configuration: wider)
        }
        var deeper = Self.tiny
        deeper.layerCount = 3
        #expect(throws: WeightsError.tensorMissing(name: "encoder.layer.2.attention.self.query.weight")) {
            try BertWeights(file: SafetensorsFile(contentsOf: url), configuration: deeper)
        }
    }

    @Test func readsTheMiniLMConfiguration() throws {
        let configuration = try BertConfiguration(contentsOf: TestData.model("all-MiniLM-L6-v2", "config.json"))
        #expect(configuration == .miniLML6)
    }

    @Test func unsupportedConfigurationsAreRejected() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clv-bert-config-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(
            #"{"vocab_size":10,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8,"max_position_embeddings":8,"type_vocab_size":1,"layer_norm_eps":1e-12,"hidden_act":"relu"}"#
                .utf8
        ).write(to: url)
        let error = #expect(throws: EncoderError.self) { try BertConfiguration(contentsOf: url) }
        #expect(error?.description.contains("relu") == true)
    }
}
