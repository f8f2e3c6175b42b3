import CLVCore
import Foundation

/// How the next token is chosen from the logits.
///
/// Applied in the order of Hugging Face's logits processors: repetition penalty, then temperature, top-k and
/// top-p; a temperature of 0 means greedy decoding (the arg-max, first index on ties).
public struct SamplingOptions: Sendable, Equatable, Codable {
    /// Softmax temperature; 0 is greedy.
    public var temperature: Double
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probabilities reach p (nucleus sampling, Holtzman et
    /// al. 2020, arXiv:1904.09751); 1 keeps all.
    public var topP: Double
    /// CTRL's repetition penalty (Keskar et al. 2019, arXiv:1909.05858): every token already in the sequence
    /// has its logit divided by this when positive, multiplied when negative; 1 is off.
    public var repetitionPenalty: Double
    /// The seed of the random generator; equal seeds give equal samples.
    public var seed: UInt64

    public init(temperature: Double = 0, topK: Int = 0, topP: Double = 1, repetitionPenalty: Double = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Greedy decoding.
    public static let greedy = SamplingOptions()

    /// Checks the ranges.
    /// - Throws: ``LlamaError/invalidSampling(_:)``.
    public func validate() throws(LlamaError) {
        guard temperature >= 0, temperature.isFinite else { throw .invalidSampling("temperature must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw .invalidSampling("top-k must be ≥ 0, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw .invalidSampling("top-p must be in (0, 1], got \(topP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw .invalidSampling("repetition penalty must be > 0, got \(repetitionPenalty)")
        }
    }
}

/// Chooses tokens from logits according to ``SamplingOptions``, with its own seeded random generator.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var generator: SplitMix64

    public init(options: SamplingOptions) {
        self.options = options
        generator = SplitMix64(seed: options.seed)
    }

    /// The next token.
    /// - Parameters:
    ///   - logits: one value per vocabulary entry.
    ///   - history: the tokens so far (prompt and reply), for the repetition penalty.
    public mutating func sample(_ logits: [Float], history: [Int]) -> Int {
        var logits = logits
        if options.repetitionPenalty != 1 {
            let penalty = Float(options.repetitionPenalty)
            for id in Set(history) where id >= 0 && id < logits.count {
                logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty
            }
        }
        if options.temperature == 0 { return Self.argmax(logits) }

        // Candidates by decreasing logit (stable: lower id first on ties). Tokens whose probability is below
        // e⁻⁴⁰ of the best one's (about 4e-18) are left out before sorting; they could never be drawn in practice.
        let inverseTemperature = 1 / options.temperature
        let best = Double(logits[Self.argmax(logits)])
        let floor = Float(best - 40 * options.temperature)
        var candidates = logits.indices.filter { logits[$0] >= floor }
        candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if options.topK > 0 && options.topK < candidates.count { candidates.removeSubrange(options.topK...) }

        let maximum = Double(logits[candidates[0]])
        var probabilities = candidates.map { Foundation.exp((Double(logits[$0]) - maximum) * inverseTemperature) }
        var total = probabilities.reduce(0, +)
        if options.topP < 1 {
            var cumulative = 0.0
            var keep = probabilities.count
            for (i, p) in probabilities.enumerated() {
                cumulative += p / total
                if cumulative >= options.topP {
                    keep = i + 1
                    break
                }
            }
            probabilities.removeSubrange(keep...)
            candidates.removeSubrange(keep...)
            total = probabilities.reduce(0, +)
        }
        let u = Double(generator.next() >> 11) * 0x1p-53 * total
        var cumulative = 0.0
        for (i, p) in probabilities.enumerated() {
            cumulative += p
            if u < cumulative { return candidates[i] }
        }
        return candidates[candidates.count - 1]
    }

    /// The index of the largest value (the first one on ties, as `torch.argmax`).
    public static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }
}
