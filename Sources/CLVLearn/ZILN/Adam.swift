import RealModule

/// Adam over one flat parameter vector (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1; β₁ = 0.9, β₂ = 0.999,
/// ε = 1e−8), in `Double` so that a seeded run is the same bit for bit on every machine.
struct FlatAdam {
    let learningRate: Double
    private var first: [Double]
    private var second: [Double]
    private var steps = 0

    init(count: Int, learningRate: Double) {
        self.learningRate = learningRate
        first = [Double](repeating: 0, count: count)
        second = [Double](repeating: 0, count: count)
    }

    mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        steps += 1
        let c1 = 1 - Double.pow(0.9, Double(steps)), c2 = 1 - Double.pow(0.999, Double(steps))
        for k in parameters.indices {
            first[k] = 0.9 * first[k] + 0.1 * gradient[k]
            second[k] = 0.999 * second[k] + 0.001 * gradient[k] * gradient[k]
            parameters[k] -= learningRate * (first[k] / c1) / ((second[k] / c2).squareRoot() + 1e-8)
        }
    }
}
