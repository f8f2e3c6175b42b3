import RealModule

/// A real scalar that likelihoods can be written over once and evaluated either as plain `Double` (values only)
/// or as ``Dual`` (values and exact first derivatives, forward mode).
///
/// Only the operations the CLV likelihoods need are required. Every conformer must agree with `Double` on
/// ``value``.
public protocol DifferentiableScalar: Sendable {
    /// A constant (all derivatives zero).
    init(constant: Double)
    /// The value, without derivatives.
    var value: Double { get }

    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self
    static func + (lhs: Self, rhs: Double) -> Self
    static func * (lhs: Self, rhs: Double) -> Self
    static func / (lhs: Self, rhs: Double) -> Self

    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// log(1 + x), accurate for small x.
    static func log(onePlus x: Self) -> Self
    /// Exponential.
    static func exp(_ x: Self) -> Self
    /// log Γ(x) for x > 0.
    static func logGamma(_ x: Self) -> Self
}

extension DifferentiableScalar {
    @inlinable public static func - (lhs: Self, rhs: Double) -> Self { lhs + (-rhs) }
    @inlinable public static func + (lhs: Double, rhs: Self) -> Self { rhs + lhs }
    @inlinable public static func * (lhs: Double, rhs: Self) -> Self { rhs * lhs }
    @inlinable public static func - (lhs: Double, rhs: Self) -> Self { (-rhs) + lhs }
    @inlinable public static func / (lhs: Double, rhs: Self) -> Self { Self(constant: lhs) / rhs }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
    @inlinable public static func logBeta(_ a: Self, _ b: Self) -> Self {
        logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// log(eᵃ + eᵇ) without overflow.
    @inlinable public static func logAddExp(_ a: Self, _ b: Self) -> Self {
        if a.value >= b.value { return a + log(onePlus: exp(b - a)) }
        return b + log(onePlus: exp(a - b))
    }

    /// log(eᵃ − eᵇ) for a > b, without overflow or cancellation when a ≫ b.
    @inlinable public static func logSubExp(_ a: Self, _ b: Self) -> Self {
        a + log(onePlus: -exp(b - a))
    }
}

extension Double: DifferentiableScalar {
    @inlinable public init(constant: Double) { self = constant }
    @inlinable public var value: Double { self }
}

/// A dual number with up to four partial derivatives: forward-mode automatic differentiation for the likelihoods
/// of models with at most four parameters.
///
/// `Dual.variable(v, index: i)` seeds ∂/∂θᵢ = 1. Every operation applies the chain rule, so a likelihood written
/// over ``DifferentiableScalar`` returns its exact gradient in ``gradient`` (no finite differences).
public struct Dual: DifferentiableScalar, Hashable {
    public var value: Double
    public var gradient: SIMD4<Double>

    @inlinable public init(value: Double, gradient: SIMD4<Double>) {
        self.value = value
        self.gradient = gradient
    }

    @inlinable public init(constant: Double) { self.init(value: constant, gradient: .zero) }

    /// The independent variable number `index` (0..<4) with value `value`.
    @inlinable public static func variable(_ value: Double, index: Int) -> Dual {
        var g = SIMD4<Double>.zero
        g[index] = 1
        return Dual(value: value, gradient: g)
    }

    @inlinable public static func + (l: Dual, r: Dual) -> Dual { Dual(value: l.value + r.value, gradient: l.gradient + r.gradient) }
    @inlinable public static func - (l: Dual, r: Dual) -> Dual { Dual(value: l.value - r.value, gradient: l.gradient - r.gradient) }
    @inlinable public static func * (l: Dual, r: Dual) -> Dual {
        Dual(value: l.value * r.value, gradient: l.gradient * r.value + r.gradient * l.value)
    }
    @inlinable public static func / (l: Dual, r: Dual) -> Dual {
        let q = l.value / r.value
        return Dual(value: q, gradient: (l.gradient - r.gradient * q) / r.value)
    }
    @inlinable public static prefix func - (x: Dual) -> Dual { Dual(value: -x.value, gradient: -x.gradient) }
    @inlinable public static func + (l: Dual, r: Double) -> Dual { Dual(value: l.value + r, gradient: l.gradient) }
    @inlinable public static func * (l: Dual, r: Double) -> Dual { Dual(value: l.value * r, gradient: l.gradient * r) }
    @inlinable public static func / (l: Dual, r: Double) -> Dual { Dual(value: l.value / r, gradient: l.gradient / r) }

    @inlinable public static func log(_ x: Dual) -> Dual { Dual(value: Double.log(x.value), gradient: x.gradient / x.value) }
    @inlinable public static func log(onePlus x: Dual) -> Dual {
        Dual(value: Double.log(onePlus: x.value), gradient: x.gradient / (1 + x.value))
    }
    @inlinable public static func exp(_ x: Dual) -> Dual {
        let e = Double.exp(x.value)
        return Dual(value: e, gradient: x.gradient * e)
    }
    @inlinable public static func logGamma(_ x: Dual) -> Dual {
        Dual(value: Double.logGamma(x.value), gradient: x.gradient * digamma(x.value))
    }
}
