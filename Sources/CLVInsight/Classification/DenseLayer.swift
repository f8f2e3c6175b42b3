import Foundation

/// One fully connected layer, `y = W·x + b`, with `W` stored `outputs × inputs`, row-major.
///
/// Saved as JSON with the weights as base64 of little-endian IEEE-754 `Float32` values: exact (a decimal rendering
/// could round), and a third the size of decimal text.
public struct DenseLayer: Sendable, Equatable, Codable {
    /// The input width.
    public let inputs: Int
    /// The output width.
    public let outputs: Int
    /// `outputs × inputs` weights, row-major.
    public internal(set) var weights: [Float]
    /// `outputs` biases.
    public internal(set) var bias: [Float]

    init(inputs: Int, outputs: Int, weights: [Float], bias: [Float]) {
        precondition(weights.count == inputs * outputs && bias.count == outputs, "DenseLayer: shape")
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
    }

    private enum CodingKeys: String, CodingKey { case inputs, outputs, weights, bias }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try container.decode(Int.self, forKey: .inputs)
        outputs = try container.decode(Int.self, forKey: .outputs)
        weights = try Self.floats(container.decode(String.self, forKey: .weights), key: .weights, in: container)
        bias = try Self.floats(container.decode(String.self, forKey: .bias), key: .bias, in: container)
        guard inputs > 0, outputs > 0, weights.count == inputs * outputs, bias.count == outputs else {
            throw DecodingError.dataCorruptedError(
                forKey: .weights, in: container, debugDescription: "a \(outputs)x\(inputs) layer with \(weights.count) weights and \(bias.count) biases"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(Self.base64(weights), forKey: .weights)
        try container.encode(Self.base64(bias), forKey: .bias)
    }

    static func base64(_ values: [Float]) -> String {
        var bytes = Data(capacity: values.count * 4)
        for v in values {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return bytes.base64EncodedString()
    }

    private static func floats(_ text: String, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws -> [Float] {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64 of Float32 values")
        }
        var out = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for i in out.indices {
                var bits: UInt32 = 0
                for b in 0..<4 { bits |= UInt32(raw[i * 4 + b]) << (8 * UInt32(b)) }
                out[i] = Float(bitPattern: bits)
            }
        }
        return out
    }
}
