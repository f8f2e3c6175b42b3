import RealModule

/// Gauss–Legendre quadrature nodes and weights on [−1, 1], computed once by Newton's method on Pₙ.
///
/// An n-point rule integrates polynomials of degree 2n − 1 exactly (Abramowitz & Stegun 25.4.29). Used as the
/// documented fallback for ₂F₁ terms of the Pareto/NBD likelihood and for P(X(t) = n) of the Pareto/NBD, whose
/// integrands are smooth and bounded on their intervals.
public struct GaussLegendre: Sendable, Equatable {
    public let nodes: [Double]
    public let weights: [Double]

    /// Builds an `n`-point rule (n ≥ 1).
    public init(points n: Int) {
        precondition(n >= 1, "Gauss-Legendre needs at least one point")
        var nodes = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        for i in 0..<(n + 1) / 2 {
            // Newton's method on Pₙ from Tricomi's initial guess; Pₙ and Pₙ₋₁ by the three-term recurrence.
            var x = Double.cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 1.0
            for _ in 0..<100 {
                var previous = 1.0, current = x
                for k in stride(from: 2, through: n, by: 1) {
                    let next = ((2 * Double(k) - 1) * x * current - (Double(k) - 1) * previous) / Double(k)
                    previous = current
                    current = next
                }
                derivative = n == 1 ? 1 : Double(n) * (x * current - previous) / (x * x - 1)
                let dx = current / derivative
                x -= dx
                if abs(dx) < 1e-15 { break }
            }
            let w = 2 / ((1 - x * x) * derivative * derivative)
            nodes[i] = -x
            nodes[n - 1 - i] = x
            weights[i] = w
            weights[n - 1 - i] = w
        }
        self.nodes = nodes
        self.weights = weights
    }

    /// ∫ₗᵘ f(x) dx with this rule mapped onto [l, u].
    @inlinable public func integrate<T: DifferentiableScalar>(from l: Double, to u: Double, _ f: (Double) -> T) -> T {
        let half = 0.5 * (u - l), mid = 0.5 * (u + l)
        var sum = T(constant: 0)
        for i in nodes.indices { sum = sum + f(mid + half * nodes[i]) * weights[i] }
        return sum * half
    }
}
