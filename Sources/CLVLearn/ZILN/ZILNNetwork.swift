import RealModule

/// The weights of a ZILN network: fully connected ReLU layers ending in three linear outputs (logit, mu, raw
/// scale). With no hidden layer it is the linear ZILN model.
///
/// All weights live in one flat array, layer after layer, each layer's `outputs × inputs` weights (row-major) then
/// its `outputs` biases: Adam updates it as one vector and the JSON stores it as one list.
public struct ZILNNetwork: Sendable, Equatable, Codable {
    /// Layer widths from the input to the output: `[d, hidden…, 3]`.
    public let widths: [Int]
    public internal(set) var parameters: [Double]

    init(widths: [Int], parameters: [Double]) {
        precondition(widths.count >= 2 && widths.last == 3 && parameters.count == Self.parameterCount(widths), "ZILNNetwork: shape")
        self.widths = widths
        self.parameters = parameters
    }

    static func parameterCount(_ widths: [Int]) -> Int { zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 } }

    /// Where layer `l`'s weights start in ``parameters``.
    func offset(layer l: Int) -> Int { zip(widths.prefix(l + 1), widths.dropFirst().prefix(l)).reduce(0) { $0 + $1.0 * $1.1 + $1.1 } }

    var layerCount: Int { widths.count - 1 }
    var hiddenLayers: [Int] { Array(widths.dropFirst().dropLast()) }

    /// Each layer's activations for one input (index 0 is the input, the last the three outputs).
    func forward(_ x: UnsafeBufferPointer<Double>) -> [[Double]] {
        var activations: [[Double]] = [Array(x)]
        activations.reserveCapacity(widths.count)
        parameters.withUnsafeBufferPointer { p in
            for l in 0..<layerCount {
                let n = widths[l], m = widths[l + 1], base = offset(layer: l)
                let input = activations[l]
                var out = [Double](repeating: 0, count: m)
                for o in 0..<m {
                    var s = p[base + m * n + o]
                    let row = base + o * n
                    for i in 0..<n { s += p[row + i] * input[i] }
                    // ReLU on hidden layers, identity on the output.
                    out[o] = l < layerCount - 1 ? max(s, 0) : s
                }
                activations.append(out)
            }
        }
        return activations
    }

    /// The three outputs for one (standardised) input.
    func outputs(_ x: [Double]) -> ZILNOutputs {
        let a = x.withUnsafeBufferPointer { forward($0) }.last!
        return ZILNOutputs(logit: a[0], mu: a[1], rawScale: a[2])
    }

    /// Back-propagates `outputGradient` (∂loss/∂outputs) through the activations of one forward pass, adding the
    /// weight gradient into `gradient` and returning ∂loss/∂input.
    @discardableResult
    func backward(_ activations: [[Double]], outputGradient: [Double], into gradient: UnsafeMutableBufferPointer<Double>?) -> [Double] {
        var delta = outputGradient
        parameters.withUnsafeBufferPointer { p in
            for l in stride(from: layerCount - 1, through: 0, by: -1) {
                let n = widths[l], m = widths[l + 1], base = offset(layer: l)
                let input = activations[l]
                if let g = gradient {
                    for o in 0..<m where delta[o] != 0 {
                        let row = base + o * n
                        for i in 0..<n { g[row + i] += delta[o] * input[i] }
                        g[base + m * n + o] += delta[o]
                    }
                }
                var previous = [Double](repeating: 0, count: n)
                for o in 0..<m where delta[o] != 0 {
                    let row = base + o * n
                    for i in 0..<n { previous[i] += delta[o] * p[row + i] }
                }
                // Through the ReLU of the layer below (the input layer has none).
                if l > 0 { for i in 0..<n where input[i] <= 0 { previous[i] = 0 } }
                delta = previous
            }
        }
        return delta
    }
}
