import CLVCore
import Foundation
import Testing

/// `GeneralNumberFormat` against glibc's `%.Pg` itself, on values across every binade the CSV outputs meet, ties,
/// powers of ten and the values next to them.
@Suite struct GeneralNumberFormatTests {
    static func expectSame(_ v: Double, _ digits: Int) {
        let expected = String(format: "%.\(digits)g", v)
        #expect(GeneralNumberFormat.string(v, significantDigits: digits) == expected, "\(v.debugDescription) at \(digits) digits")
    }

    @Test(arguments: [1, 2, 6, 8, 10, 15, 17])
    func equalsPrintfOnRandomValues(digits: Int) {
        var rng = SplitMix64(seed: UInt64(digits))
        for _ in 0..<100_000 {
            let magnitude = Double.random(in: -25...25, using: &rng)
            let v = pow(10, magnitude) * (Bool.random(using: &rng) ? 1 : -1)
            Self.expectSame(v, digits)
        }
    }

    /// Values that round to a tie or next to one: k/2ⁿ with few bits are exact halves at some digit count.
    @Test func tiesRoundToEvenOnTheExactValue() {
        for digits in 1...10 {
            for k in 1...4096 {
                for n in [1, 2, 3, 4, 8, 12] {
                    let v = Double(k) / Double(1 << n)
                    Self.expectSame(v, digits)
                    Self.expectSame(v.nextUp, digits)
                    Self.expectSame(v.nextDown, digits)
                }
            }
        }
    }

    @Test func powersOfTenAndTheirNeighbours() {
        for digits in [1, 3, 8, 10] {
            for e in -30...30 {
                let v = pow(10, Double(e))
                for w in [v, v.nextUp, v.nextDown, v * 0.99999999995, v * 1.00000000005, 9.5 * v, 9.9999999999 * v] {
                    Self.expectSame(w, digits)
                }
            }
        }
        for v in [
            0.0, -0.0, 1, -1, 0.5, 123_456_789, 1e-5, 0.0001, 99_999_999.5, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ] {
            Self.expectSame(v, 8)
        }
    }
}
