import CLVInsight
import RealModule

extension ZILNModel {
    /// The explanation of one customer's prediction (row `i` of `table`).
    ///
    /// - Linear model: exact Shapley values on the log-odds and on mu, which are linear in the standardised
    ///   features; the expected value, which is not linear, by integrated gradients.
    /// - MLP: integrated gradients from the mean customer (standardised features all 0) on all three outputs.
    public func explain(_ table: LearningTable, row i: Int, tolerance: Double = 0.005) throws(LearnError) -> LearnedExplanation {
        try checkFeatureSet(table.featureSet, against: featureSet)
        let z = try standardizer.transformed(table.features).row(i)
        var attributions: [Attribution] = []
        if isLinear {
            let d = z.count
            for (k, output) in [(0, ExplainedOutput.buyLogOdds), (1, .logSpend)] {
                let weights = network.parameters[(k * d)..<((k + 1) * d)]
                let bias = network.parameters[3 * d + k]
                let phi = zip(weights, z).map { $0 * $1 }
                attributions.append(
                    Attribution(output: output, method: .linearShapley, baseline: bias, value: bias + phi.reduce(0, +), contributions: phi))
            }
        } else {
            attributions.append(integratedGradients(z, .buyLogOdds, tolerance: tolerance))
            attributions.append(integratedGradients(z, .logSpend, tolerance: tolerance))
        }
        attributions.append(integratedGradients(z, .expectedValue, tolerance: tolerance))
        return LearnedExplanation(
            featureSet: featureSet, features: table.features.row(i), prediction: ZILNDistribution(outputs: network.outputs(z)), attributions: attributions)
    }

    /// An output and its gradient with respect to the standardised input.
    func outputAndGradient(_ z: [Double], _ output: ExplainedOutput) -> (Double, [Double]) {
        let a = z.withUnsafeBufferPointer { network.forward($0) }
        let o = a.last!
        // The output and its gradient with respect to the three raw outputs.
        let (value, outer): (Double, [Double]) =
            switch output {
            case .buyLogOdds: (o[0], [1, 0, 0])
            case .logSpend: (o[1], [0, 1, 0])
            case .expectedValue: Self.expectedValueAndGradient(o)
            }
        return (value, network.backward(a, outputGradient: outer, into: nil))
    }

    /// p · exp(mu + sigma²/2) and its gradient with respect to (logit, mu, raw scale).
    static func expectedValueAndGradient(_ o: [Double]) -> (Double, [Double]) {
        let p = sigmoid(o[0])
        let raw = softplus(o[2])
        let s = max(raw, ZILNLoss.minimumScale)
        let v = p * Double.exp(o[1] + s * s / 2)
        return (v, [v * (1 - p), v, raw > ZILNLoss.minimumScale ? v * s * sigmoid(o[2]) : 0])
    }

    /// Integrated gradients along the straight line from 0 (the training mean) to `z`, by the midpoint rule with
    /// the steps doubled until the contributions add up to within `tolerance` of the difference (at most 4096).
    func integratedGradients(_ z: [Double], _ output: ExplainedOutput, tolerance: Double) -> Attribution {
        let baseline = outputAndGradient([Double](repeating: 0, count: z.count), output).0
        let value = outputAndGradient(z, output).0
        var steps = 32
        var phi: [Double] = []
        while true {
            var sum = [Double](repeating: 0, count: z.count)
            for s in 0..<steps {
                let alpha = (Double(s) + 0.5) / Double(steps)
                let g = outputAndGradient(z.map { $0 * alpha }, output).1
                for j in sum.indices { sum[j] += g[j] }
            }
            phi = zip(sum, z).map { $0 / Double(steps) * $1 }
            let gap = abs(value - baseline - phi.reduce(0, +))
            if gap <= tolerance * max(abs(value - baseline), 1e-9) || steps >= 4096 { break }
            steps *= 2
        }
        return Attribution(output: output, method: .integratedGradients, baseline: baseline, value: value, contributions: phi)
    }
}

extension TwoStageBoostedModel {
    /// The explanation of one customer's prediction: TreeSHAP on the classifier's log-odds and on the regressor's
    /// log spend, each exact (the expected value, a product of the two stages, is not additive over trees).
    public func explain(_ table: LearningTable, row i: Int) throws(LearnError) -> LearnedExplanation {
        try checkFeatureSet(table.featureSet, against: featureSet)
        let x = table.features.row(i)
        func attribution(_ model: BoostedTrees, _ output: ExplainedOutput) -> Attribution {
            var phi = [Double](repeating: 0, count: x.count)
            for tree in model.trees {
                for (j, v) in tree.shapValues(x, features: x.count).enumerated() { phi[j] += v }
            }
            return Attribution(output: output, method: .treeSHAP, baseline: model.expectedScore, value: model.score(x), contributions: phi)
        }
        return LearnedExplanation(
            featureSet: featureSet, features: x, prediction: distribution(x),
            attributions: [attribution(classifier, .buyLogOdds), attribution(regressor, .logSpend)])
    }
}
