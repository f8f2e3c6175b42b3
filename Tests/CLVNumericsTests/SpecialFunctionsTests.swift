import CLVNumerics
import RealModule
import Testing

/// Special functions against closed forms from Abramowitz & Stegun (1964) and values printed there.
@Suite struct SpecialFunctionsTests {
    @Test func digammaMatchesAbramowitzStegun() {
        // A&S 6.3.2: ψ(1) = −γ; 6.3.3: ψ(1/2) = −γ − 2 log 2; Euler's γ = 0.57721 56649 01532 86061.
        let gamma = 0.5772156649015328606
        #expect(digamma(1).isApproximatelyEqual(to: -gamma, relativeTolerance: 1e-13))
        #expect(digamma(0.5).isApproximatelyEqual(to: -gamma - 2 * Double.log(2), relativeTolerance: 1e-13))
        // ψ(x + 1) = ψ(x) + 1/x (A&S 6.3.5) across the shift threshold.
        for x in [0.3, 2.7, 5.9, 12.5] {
            #expect(digamma(x + 1).isApproximatelyEqual(to: digamma(x) + 1 / x, relativeTolerance: 1e-13))
        }
    }

    /// Sixteen series with shared coefficients: the closed forms lane by lane, and nil beyond the series' range.
    @Test func hypergeometricSeriesAtSixteenArgumentsMatchesClosedForms() {
        var z = SIMD16<Double>.zero
        for lane in 1..<16 { z[lane] = -0.85 + Double(lane) * 0.11 }
        let f = hypergeometric2F1Series(0.7, 2.3, 2.3, z)!
        let g = hypergeometric2F1Series(1, 1, 2, z)!
        for lane in 0..<16 {
            #expect(f[lane].isApproximatelyEqual(to: Double.pow(1 - z[lane], -0.7), relativeTolerance: 1e-13), "z = \(z[lane])")
            let log = z[lane] == 0 ? 1 : -Double.log(onePlus: -z[lane]) / z[lane]
            #expect(g[lane].isApproximatelyEqual(to: log, relativeTolerance: 1e-13), "z = \(z[lane])")
            #expect(f[lane].isApproximatelyEqual(to: hypergeometric2F1(0.7, 2.3, 2.3, z[lane]), relativeTolerance: 1e-14))
        }
        z[3] = 0.95
        #expect(hypergeometric2F1Series(0.7, 2.3, 2.3, z) == nil)
    }

    @Test(arguments: [0.1, 0.5, 0.85, 0.95, 0.999, -0.5, -3.0, -40.0])
    func hypergeometricMatchesClosedForms(z: Double) {
        // A&S 15.1.3: ₂F₁(1, 1; 2; z) = −log(1 − z) / z. c − a − b = 0 is the degenerate case of the 1 − z
        // transformation (documented accuracy 1e-9 beyond z = 0.995, and for z < −199 after Pfaff).
        #expect(hypergeometric2F1(1, 1, 2, z).isApproximatelyEqual(to: -Double.log(onePlus: -z) / z, relativeTolerance: 1e-9))
        // A&S 15.1.8: ₂F₁(a, b; b; z) = (1 − z)^(−a).
        #expect(hypergeometric2F1(0.7, 2.3, 2.3, z).isApproximatelyEqual(to: Double.pow(1 - z, -0.7), relativeTolerance: 1e-10))
        // A&S 15.1.4: ₂F₁(1/2, 1; 3/2; −x²) = arctan(x) / x, with z = −x² ≤ 0.
        if z < 0 {
            let x = (-z).squareRoot()
            #expect(hypergeometric2F1(0.5, 1, 1.5, z).isApproximatelyEqual(to: Double.atan(x) / x, relativeTolerance: 1e-10))
        }
    }

    @Test func dualNumbersGiveExactDerivatives() {
        // d/dx log Γ(x) = ψ(x); d/dx log(1 + eˣ) = logistic(x).
        let x = Dual.variable(2.5, index: 0)
        #expect(Dual.logGamma(x).gradient[0].isApproximatelyEqual(to: digamma(2.5), relativeTolerance: 1e-14))
        let y = Dual.logAddExp(x, Dual(constant: 0))
        #expect(y.gradient[0].isApproximatelyEqual(to: 1 / (1 + Double.exp(-2.5)), relativeTolerance: 1e-14))
    }

    @Test func gaussLegendreIsExactForPolynomials() {
        // A 10-point rule integrates degree 19 exactly: ∫₀¹ x¹⁹ dx = 1/20.
        let rule = GaussLegendre(points: 10)
        let value: Double = rule.integrate(from: 0, to: 1) { Double.pow($0, 19) }
        #expect(value.isApproximatelyEqual(to: 0.05, relativeTolerance: 1e-13))
    }
}

@Suite struct OptimizerTests {
    @Test func bfgsFindsTheRosenbrockMinimum() {
        // Rosenbrock (1960): f = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1).
        let result = BFGS().minimize(from: [-1.2, 1]) { v in
            let (x, y) = (v[0], v[1])
            let f = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
            return (f, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        }
        #expect(result.converged)
        #expect(result.x[0].isApproximatelyEqual(to: 1, relativeTolerance: 1e-6))
        #expect(result.x[1].isApproximatelyEqual(to: 1, relativeTolerance: 1e-6))
    }

    @Test func hessianInverseOfAKnownMatrix() throws {
        // f = ½ xᵀAx has Hessian A; inverse of [[4, 2], [2, 3]] is [[3, −2], [−2, 4]] / 8.
        let h = Hessian.byCentralDifferences(at: [0.3, -0.2]) { v in [4 * v[0] + 2 * v[1], 2 * v[0] + 3 * v[1]] }
        let inv = try #require(Hessian.inverseOfPositiveDefinite(h))
        #expect(inv[0][0].isApproximatelyEqual(to: 3.0 / 8, relativeTolerance: 1e-8))
        #expect(inv[0][1].isApproximatelyEqual(to: -2.0 / 8, relativeTolerance: 1e-8))
        #expect(inv[1][1].isApproximatelyEqual(to: 4.0 / 8, relativeTolerance: 1e-8))
        #expect(Hessian.inverseOfPositiveDefinite([[1, 2], [2, 1]]) == nil)
    }
}
