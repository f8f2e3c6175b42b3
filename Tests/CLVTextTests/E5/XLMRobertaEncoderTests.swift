import CLVTestSupport
import Foundation
import Testing

@testable import CLVText

/// The encoder's fast path (Q4_0 matrix kernels, packed windows, worker pool) against a naive float64 forward
/// pass written from the architecture's definition, on a tiny model the test writes.
@Suite struct XLMRobertaEncoderTests {
    /// Naive post-LN BERT over the writer's exact weights: LN(word + position + type₀); per layer
    /// LN(x + Attn(x)), LN(h + W₂ GELU(W₁h + b₁) + b₂); mean over the window's tokens.
    static func naive(_ writer: E5TestWriter, window: [Int]) -> [Double] {
        let d = writer.hidden, ff = writer.intermediate, heads = writer.heads, hd = d / heads, n = window.count
        func w(_ name: String) -> [Double] { writer.values(name).map(Double.init) }
        let epsilon = Double(writer.epsilon)
        func layerNorm(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> [Double] {
            let count = Double(x.count)
            let mean: Double = x.reduce(0, +) / count
            var variance: Double = 0
            for value in x { variance += (value - mean) * (value - mean) }
            let inverse: Double = 1 / (variance / count + epsilon).squareRoot()
            var out: [Double] = []
            for i in x.indices { out.append((x[i] - mean) * inverse * gamma[i] + beta[i]) }
            return out
        }
        func linear(_ x: [Double], _ weight: [Double], _ bias: [Double]) -> [Double] {
            var out = bias
            for r in bias.indices {
                for c in x.indices { out[r] += weight[r * x.count + c] * x[c] }
            }
            return out
        }
        let word = w("emb.word"), position = w("emb.pos"), type = w("emb.type")
        var x: [[Double]] = []
        for t in 0..<n {
            var sum = [Double](repeating: 0, count: d)
            for j in 0..<d { sum[j] = word[window[t] * d + j] + position[t * d + j] + type[j] }
            x.append(layerNorm(sum, w("emb.ln.w"), w("emb.ln.b")))
        }
        for l in 0..<writer.layers {
            let p = "l\(l)."
            let q = x.map { linear($0, w(p + "q.w"), w(p + "q.b")) }
            let k = x.map { linear($0, w(p + "k.w"), w(p + "k.b")) }
            let v = x.map { linear($0, w(p + "v.w"), w(p + "v.b")) }
            var context = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
            for h in 0..<heads {
                for i in 0..<n {
                    var scores = [Double](repeating: 0, count: n)
                    for j in 0..<n {
                        for c in 0..<hd { scores[j] += q[i][h * hd + c] * k[j][h * hd + c] }
                        scores[j] /= Double(hd).squareRoot()
                    }
                    let top = scores.max()!
                    let e = scores.map { Foundation.exp($0 - top) }
                    let total = e.reduce(0, +)
                    for j in 0..<n { for c in 0..<hd { context[i][h * hd + c] += e[j] / total * v[j][h * hd + c] } }
                }
            }
            x = (0..<n).map { t in
                let attended = linear(context[t], w(p + "ao.w"), w(p + "ao.b"))
                return layerNorm((0..<d).map { x[t][$0] + attended[$0] }, w(p + "aln.w"), w(p + "aln.b"))
            }
            x = x.map { h in
                let up = linear(h, w(p + "fi.w"), w(p + "fi.b")).map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
                precondition(up.count == ff)
                let down = linear(up, w(p + "fo.w"), w(p + "fo.b"))
                return layerNorm((0..<d).map { h[$0] + down[$0] }, w(p + "oln.w"), w(p + "oln.b"))
            }
        }
        var mean = [Double](repeating: 0, count: d)
        for row in x { for j in 0..<d { mean[j] += row[j] / Double(n) } }
        return mean
    }

    @Test func packedWindowsMatchANaiveForwardPass() throws {
        let directory = try TemporaryDirectory("xlmr")
        var writer = E5TestWriter()
        writer.layers = 2
        writer = E5TestWriter(rebuilding: writer)
        let encoder = try XLMRobertaEncoder(file: E5File(contentsOf: writer.write(directory.url)))
        let windows = [[0, 7, 2], [0, 5, 6, 8, 13, 9, 11, 2], [0, 2], [0, 4, 4, 3, 12, 2]]
        for threads in [1, 2, 3] {
            let pooled = try encoder.meanPooledStates(of: windows, threads: threads)
            for (s, window) in windows.enumerated() {
                let expected = Self.naive(writer, window: window)
                for j in 0..<writer.hidden {
                    // Float arithmetic over 64-term sums of O(1) values after LayerNorm: ~1e-6 absolute.
                    #expect(
                        Double(pooled[s * writer.hidden + j]).isApproximatelyEqual(to: expected[j], absoluteTolerance: 2e-5),
                        "window \(s), component \(j), \(threads) threads")
                }
            }
        }
    }

    @Test func rejectsWindowsTheModelCannotTake() throws {
        let directory = try TemporaryDirectory("xlmr")
        let encoder = try XLMRobertaEncoder(file: E5File(contentsOf: E5TestWriter().write(directory.url)))
        #expect(throws: EncoderError.invalidTokenSequence(index: 1, reason: "it is empty")) {
            try encoder.meanPooledStates(of: [[0, 2], []], threads: 1)
        }
        #expect(throws: EncoderError.invalidTokenSequence(index: 0, reason: "9 tokens exceed the maximum length 8")) {
            try encoder.meanPooledStates(of: [Array(repeating: 4, count: 9)], threads: 1)
        }
        #expect(throws: EncoderError.invalidTokenSequence(index: 0, reason: "id 14 is outside the vocabulary 0..<14")) {
            try encoder.meanPooledStates(of: [[0, 14, 2]], threads: 1)
        }
    }
}
