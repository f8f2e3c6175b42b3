import Foundation

/// C's `%.Pg` (P significant digits, trailing zeros dropped, exponent form below 1e-4 and from 10^P), written as
/// bytes without `String(format:)`: that call costs about a microsecond per number, which was most of the time
/// of writing a million rows of predictions.
///
/// The result is the same text as glibc's, digit for digit: the value is scaled by an exact power of ten and the
/// one rounding to an integer is decided on the exact product (the rounding error of the multiplication comes from
/// one fused multiply-add), ties to even as printf rounds them. Values whose scaling needs a power of ten beyond
/// 10²² (not exact in binary), or more than 15 digits, go to `String(format:)`.
public enum GeneralNumberFormat {
    /// Powers of ten that are exact in binary64.
    private static let exactPowersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }

    /// `String(format: "%.{digits}g", value)`.
    public static func string(_ value: Double, significantDigits digits: Int) -> String {
        var bytes: [UInt8] = []
        append(value, significantDigits: digits, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `%.{digits}g` of `value` to `out`.
    public static func append(_ value: Double, significantDigits digits: Int, to out: inout [UInt8]) {
        let p = max(1, digits)
        if value == 0 {
            out.append(contentsOf: value.sign == .minus ? Array("-0".utf8) : [UInt8(ascii: "0")])
            return
        }
        guard value.isFinite, p <= 15, let (mantissa, exponent) = rounded(value.magnitude, digits: p) else {
            out.append(contentsOf: String(format: "%.\(p)g", value).utf8)
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { digitBytes in
            var m = mantissa
            for i in stride(from: p - 1, through: 0, by: -1) {
                digitBytes[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            }
            // Trailing zeros are dropped (the first digit always stays).
            var last = p - 1
            while last > 0, digitBytes[last] == UInt8(ascii: "0") { last -= 1 }
            if exponent < -4 || exponent >= p {
                out.append(digitBytes[0])
                if last > 0 {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: digitBytes[1...last])
                }
                out.append(UInt8(ascii: "e"))
                out.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
                let e = abs(exponent)
                if e < 10 { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: String(e).utf8)
            } else if exponent >= 0 {
                out.append(contentsOf: digitBytes[0...exponent])
                if last > exponent {
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: digitBytes[(exponent + 1)...last])
                }
            } else {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                for _ in 0..<(-exponent - 1) { out.append(UInt8(ascii: "0")) }
                out.append(contentsOf: digitBytes[0...last])
            }
        }
    }

    /// The `digits`-digit integer mantissa of positive finite `a` rounded to nearest (ties to even on the exact
    /// value) and the decimal exponent of its first digit, or `nil` when the scaling is not exact.
    private static func rounded(_ a: Double, digits p: Int) -> (mantissa: Int, exponent: Int)? {
        let lowest = Int(exactPowersOfTen[p - 1]), limit = Int(exactPowersOfTen[p])
        // log10 may be one off next to a power of ten; the checks below move the exponent.
        var e = Int(log10(a).rounded(.down))
        for _ in 0..<3 {
            let k = p - 1 - e
            guard k >= 0, k < exactPowersOfTen.count else { return nil }
            let scale = exactPowersOfTen[k]
            let product = a * scale
            // product + error is a · 10ᵏ exactly (10ᵏ is exact and the product is far above the subnormals).
            let error = (-product).addingProduct(a, scale)
            var m = product.rounded(.toNearestOrAwayFromZero)
            if product - m == -0.5 {
                // A tie for the rounded product: the error says which side the exact value is on.
                if error < 0 || (error == 0 && m.truncatingRemainder(dividingBy: 2) != 0) { m -= 1 }
            }
            let mantissa = Int(m)
            if mantissa >= limit {
                e += 1
            } else if mantissa < lowest {
                e -= 1
            } else {
                return (mantissa, e)
            }
        }
        return nil
    }
}
