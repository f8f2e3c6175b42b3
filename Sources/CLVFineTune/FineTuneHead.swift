import CLVLearn

/// What a fine-tuned encoder is trained to predict from its mean-pooled sentence embedding, by a linear layer.
public enum FineTuneHead: Sendable, Equatable, Codable {
    /// Softmax over `classes` labels, cross-entropy loss; labels are class indices `0..<classes`.
    case classification(classes: Int)
    /// One number, squared-error loss (PyTorch's `MSELoss`).
    case regression
    /// Customer value: the zero-inflated lognormal loss of the learned CLV model (``ZILNLoss``), labels ≥ 0.
    case ziln

    /// Outputs of the linear layer.
    public var outputs: Int {
        switch self {
        case let .classification(classes): classes
        case .regression: 1
        case .ziln: 3
        }
    }

    /// What is wrong with `label` for this head, or `nil`.
    public func problem(label: Double) -> String? {
        switch self {
        case let .classification(classes):
            label == label.rounded() && label >= 0 && label < Double(classes) ? nil : "class \(label) is not in 0..<\(classes)"
        case .regression: label.isFinite ? nil : "the target \(label) is not a finite number"
        case .ziln: label.isFinite && label >= 0 ? nil : "the value \(label) is not a finite number ≥ 0"
        }
    }

    /// The loss of one example and, into `gradient`, `weight` times its derivative by each output.
    ///
    /// - Parameter labelSmoothing: ε of label smoothing for classification (Szegedy et al. 2016, as PyTorch's
    ///   `CrossEntropyLoss(label_smoothing:)`): the target puts 1 − ε + ε/K on the label and ε/K on every other
    ///   class, so the loss is −Σ q_c log p_c and its gradient p − q. Ignored by the other heads.
    func loss<S: TrainingScalar>(
        outputs o: UnsafePointer<S>, label: Double, weight: S, gradient g: UnsafeMutablePointer<S>, labelSmoothing: S = 0
    ) -> Double {
        switch self {
        case let .classification(classes):
            let y = Int(label)
            var maximum = o[0]
            for c in 1..<classes { maximum = max(maximum, o[c]) }
            var total: S = 0
            for c in 0..<classes { total += S.exponential(o[c] - maximum) }
            let spread = labelSmoothing / S(classes)
            var expected: S = 0
            for c in 0..<classes {
                let target = spread + (c == y ? 1 - labelSmoothing : 0)
                expected += target * o[c]
                g[c] = weight * (S.exponential(o[c] - maximum) / total - target)
            }
            return Double(S.logarithm(total) + maximum - expected)
        case .regression:
            let difference = o[0] - S(label)
            g[0] = weight * 2 * difference
            return Double(difference * difference)
        case .ziln:
            let (loss, d) = ZILNLoss.lossAndGradient(ZILNOutputs(logit: Double(o[0]), mu: Double(o[1]), rawScale: Double(o[2])), label: label)
            g[0] = weight * S(d.0)
            g[1] = weight * S(d.1)
            g[2] = weight * S(d.2)
            return loss
        }
    }
}
