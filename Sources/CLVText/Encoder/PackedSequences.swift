/// Token sequences packed into one `T × d` matrix without padding, the batching of both encoders
/// (``BertEncoder``, ``XLMRobertaEncoder``): where each sequence's rows start, and the checks and mean pooling
/// they share.
struct PackedSequences {
    /// Tokens per sequence.
    let lengths: [Int]
    /// The first row of each sequence.
    let starts: [Int]
    /// All tokens, T.
    let total: Int

    init(_ sequences: [[Int]]) {
        lengths = sequences.map(\.count)
        var starts = [Int](repeating: 0, count: sequences.count)
        for s in 1..<max(1, sequences.count) { starts[s] = starts[s - 1] + lengths[s - 1] }
        self.starts = starts
        total = lengths.reduce(0, +)
    }

    /// Checks that every sequence can go through a model.
    /// - Throws: ``EncoderError/invalidTokenSequence(index:reason:)`` for an empty sequence, one longer than
    ///   `maximumLength`, or an id outside `0..<vocabularySize`.
    static func validate(_ sequences: [[Int]], vocabularySize: Int, maximumLength: Int) throws(EncoderError) {
        for (index, sequence) in sequences.enumerated() {
            if sequence.isEmpty { throw .invalidTokenSequence(index: index, reason: "it is empty") }
            if sequence.count > maximumLength {
                throw .invalidTokenSequence(index: index, reason: "\(sequence.count) tokens exceed the maximum length \(maximumLength)")
            }
            if let bad = sequence.first(where: { $0 < 0 || $0 >= vocabularySize }) {
                throw .invalidTokenSequence(index: index, reason: "id \(bad) is outside the vocabulary 0..<\(vocabularySize)")
            }
        }
    }

    /// The mean of each sequence's rows of `x` (row stride `d`), `[sequences × d]` row-major.
    func meanPool(_ x: UnsafePointer<Float>, width d: Int) -> [Float] {
        var pooled = [Float](repeating: 0, count: lengths.count * d)
        for s in lengths.indices {
            let inverse = 1 / Float(lengths[s])
            for t in starts[s]..<(starts[s] + lengths[s]) {
                let row = x + t * d
                for j in 0..<d { pooled[s * d + j] += row[j] }
            }
            for j in 0..<d { pooled[s * d + j] *= inverse }
        }
        return pooled
    }
}
