// Number formatting for the solver's log, without Foundation.

package func fmt(_ v: Double, _ width: Int = 10) -> String {
    let s: String
    if v.isNaN { s = "nan" } else if v.isInfinite { s = v > 0 ? "inf" : "-inf" } else {
        s = formatScientific(v, digits: width >= 12 ? 6 : 2)
    }
    return pad(s, width)
}

package func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// d.ddde±xx formatting without Foundation.
package func formatScientific(_ v: Double, digits: Int) -> String {
    if v == 0 { return "0." + String(repeating: "0", count: digits) + "e+00" }
    var e = Int((abs(v)).log10Floor)
    var mant = abs(v) / pow10(e)
    let factor = pow10(digits)
    var rounded = (mant * factor).rounded() / factor
    if rounded >= 10 { e += 1; mant = abs(v) / pow10(e); rounded = (mant * factor).rounded() / factor }
    let intPart = Int(rounded)
    var frac = Int(((rounded - Double(intPart)) * factor).rounded())
    if frac >= Int(factor) { frac = Int(factor) - 1 }
    var fracStr = String(frac)
    while fracStr.count < digits { fracStr = "0" + fracStr }
    let expStr = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    return (v < 0 ? "-" : "") + "\(intPart)." + fracStr + "e" + expStr
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

private extension Double {
    var log10Floor: Double {
        var e = 0.0
        var v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}
