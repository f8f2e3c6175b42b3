@_exported import RealModule

extension Double {
    /// True when `self` equals a value published to `decimals` decimal places, i.e. |Δ| ≤ half a unit in the last place
    /// (plus a hair for binary rounding).
    public func matchesPublished(_ published: Double, decimals: Int) -> Bool {
        let halfUnit = 0.5 * Double.pow(10, -Double(decimals))
        return abs(self - published) <= halfUnit * (1 + 1e-9) + 1e-12
    }

    /// True when `self` equals a value published to `digits` significant digits.
    public func matchesPublished(_ published: Double, significantDigits digits: Int) -> Bool {
        guard published != 0 else { return self == 0 }
        let exponent = Int(Double.log10(abs(published)).rounded(.down))
        return matchesPublished(published, decimals: digits - 1 - exponent)
    }
}
