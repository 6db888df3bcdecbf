#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exact decimal number ±digits × 10^exponent, used for the few computations where rounding
/// each operand to a double first would lose the last bit (range bounds of QPS files).
///
/// `digits` are base-10 digits, least significant first, with no zero at either end (empty means 0).
/// Cost is linear in the number of digits per operation; the exact value of a double has at most
/// 767 significant digits.
struct ExactDecimal: Equatable {
    private(set) var negative: Bool
    private(set) var digits: [UInt8]
    private(set) var exponent: Int

    private init(negative: Bool, digits: [UInt8], exponent: Int) {
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
        normalize()
    }

    /// The exact value of a finite double (−0 and +0 give 0).
    init(_ x: Double) {
        negative = x < 0
        digits = []
        exponent = 0
        guard x != 0, x.isFinite else { negative = false; return }
        var m: UInt64
        var e2: Int
        if x.exponentBitPattern == 0 {
            m = x.significandBitPattern
            e2 = -1074
        } else {
            m = x.significandBitPattern | (1 << 52)
            e2 = Int(x.exponentBitPattern) - 1075
        }
        let zeros = m.trailingZeroBitCount
        m >>= UInt64(zeros)
        e2 += zeros
        while m > 0 {
            digits.append(UInt8(m % 10))
            m /= 10
        }
        if e2 >= 0 {
            var remaining = e2
            while remaining > 0 {
                let step = min(remaining, 28)
                multiply(by: UInt64(1) << UInt64(step))
                remaining -= step
            }
        } else {
            // m·2^e2 = m·5^(−e2)·10^e2
            var remaining = -e2
            while remaining > 0 {
                let step = min(remaining, 13)
                var factor: UInt64 = 1
                for _ in 0..<step { factor *= 5 }
                multiply(by: factor)
                remaining -= step
            }
            exponent = e2
        }
        normalize()
    }

    /// Parses `[+|-]digits[.digits][(e|E|d|D)[+|-]digits]` (at least one mantissa digit).
    /// Returns nil for anything else, or for a decimal exponent beyond ±100000.
    init?<C: Collection>(parsing text: C) where C.Element == UInt8 {
        var negative = false
        var mantissa: [UInt8] = []   // most significant first
        var fractionDigits = 0
        var seenPoint = false
        var index = text.startIndex
        if index < text.endIndex, text[index] == 0x2B || text[index] == 0x2D {
            negative = text[index] == 0x2D
            index = text.index(after: index)
        }
        while index < text.endIndex {
            let c = text[index]
            if c >= 0x30 && c <= 0x39 {
                mantissa.append(c - 0x30)
                if seenPoint { fractionDigits += 1 }
            } else if c == 0x2E && !seenPoint {
                seenPoint = true
            } else {
                break
            }
            index = text.index(after: index)
        }
        guard !mantissa.isEmpty else { return nil }
        var exponent = 0
        if index < text.endIndex {
            let c = text[index]
            guard c == 0x65 || c == 0x45 || c == 0x64 || c == 0x44 else { return nil }
            index = text.index(after: index)
            var exponentNegative = false
            if index < text.endIndex, text[index] == 0x2B || text[index] == 0x2D {
                exponentNegative = text[index] == 0x2D
                index = text.index(after: index)
            }
            var count = 0
            while index < text.endIndex {
                let d = text[index]
                guard d >= 0x30 && d <= 0x39 else { return nil }
                exponent = exponent * 10 + Int(d - 0x30)
                guard exponent <= 100_000 else { return nil }
                count += 1
                index = text.index(after: index)
            }
            guard count > 0 else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        self.init(negative: negative, digits: mantissa.reversed(), exponent: exponent - fractionDigits)
    }

    var isZero: Bool { digits.isEmpty }

    /// The same number with the sign flipped.
    static prefix func - (x: ExactDecimal) -> ExactDecimal {
        var y = x
        if !y.isZero { y.negative.toggle() }
        return y
    }

    /// |x|.
    var magnitude: ExactDecimal {
        var y = self
        y.negative = false
        return y
    }

    /// The exact sum.
    static func + (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal {
        if a.isZero { return b }
        if b.isZero { return a }
        let e = min(a.exponent, b.exponent)
        let x = [UInt8](repeating: 0, count: a.exponent - e) + a.digits
        let y = [UInt8](repeating: 0, count: b.exponent - e) + b.digits
        if a.negative == b.negative {
            return ExactDecimal(negative: a.negative, digits: add(x, y), exponent: e)
        }
        switch compare(x, y) {
        case 0: return ExactDecimal(negative: false, digits: [], exponent: 0)
        case 1: return ExactDecimal(negative: a.negative, digits: subtract(x, y), exponent: e)
        default: return ExactDecimal(negative: b.negative, digits: subtract(y, x), exponent: e)
        }
    }

    static func - (a: ExactDecimal, b: ExactDecimal) -> ExactDecimal { a + (-b) }

    /// Plain text with every digit, `[-]DDDD[eN]`, readable by strtod and by `init(parsing:)`.
    var text: String {
        if isZero { return "0" }
        var s = negative ? "-" : ""
        s.reserveCapacity(digits.count + 8)
        for d in digits.reversed() { s.unicodeScalars.append(UnicodeScalar(d + 0x30)) }
        if exponent != 0 { s += "e\(exponent)" }
        return s
    }

    /// The double nearest to this number (ties to even), as strtod rounds.
    var doubleValue: Double {
        text.withCString { strtod($0, nil) }
    }

    // MARK: Digit arithmetic (least significant digit first)

    private mutating func multiply(by factor: UInt64) {
        var carry: UInt64 = 0
        for k in 0..<digits.count {
            let v = UInt64(digits[k]) * factor + carry
            digits[k] = UInt8(v % 10)
            carry = v / 10
        }
        while carry > 0 {
            digits.append(UInt8(carry % 10))
            carry /= 10
        }
    }

    private mutating func normalize() {
        while let last = digits.last, last == 0 { digits.removeLast() }
        var zeros = 0
        while zeros < digits.count && digits[zeros] == 0 { zeros += 1 }
        if zeros > 0 {
            digits.removeFirst(zeros)
            exponent += zeros
        }
        if digits.isEmpty {
            negative = false
            exponent = 0
        }
    }

    private static func add(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(max(x.count, y.count) + 1)
        var carry: UInt8 = 0
        for k in 0..<max(x.count, y.count) {
            let s = (k < x.count ? x[k] : 0) + (k < y.count ? y[k] : 0) + carry
            result.append(s % 10)
            carry = s / 10
        }
        if carry > 0 { result.append(carry) }
        return result
    }

    /// x − y for x ≥ y.
    private static func subtract(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(x.count)
        var borrow: Int = 0
        for k in 0..<x.count {
            var d = Int(x[k]) - borrow - (k < y.count ? Int(y[k]) : 0)
            if d < 0 {
                d += 10
                borrow = 1
            } else {
                borrow = 0
            }
            result.append(UInt8(d))
        }
        return result
    }

    /// Compares magnitudes of digit arrays without leading (most significant) zeros: −1, 0 or 1.
    private static func compare(_ x: [UInt8], _ y: [UInt8]) -> Int {
        var a = x.count, b = y.count
        while a > 0 && x[a - 1] == 0 { a -= 1 }
        while b > 0 && y[b - 1] == 0 { b -= 1 }
        if a != b { return a < b ? -1 : 1 }
        var k = a - 1
        while k >= 0 {
            if x[k] != y[k] { return x[k] < y[k] ? -1 : 1 }
            k -= 1
        }
        return 0
    }
}

/// How a QPS range bound is computed, shared by the reader and the writer so that they agree.
enum RangeArithmetic {
    /// The double nearest to the exact decimal value b ± |R| of the texts in the file, where
    /// `rhs` and `range` are those texts rounded to doubles (|R| < 1e20 and |b| < 1e20; larger values
    /// are infinite and never reach here). A missing RHS is an empty `rhsText` (b = 0).
    ///
    /// Fast path: with s = fl(b + r) and its exact error e (TwoSum), the exact sum differs from s by
    /// at most |e| + ½ulp(b) + ½ulp(r); if that is below half the gap to s's neighbours, s is the
    /// answer. Otherwise the sum is formed exactly in decimal. Returns nil if a text does not parse.
    static func bound<R: Collection, S: Collection>(rhs: Double, rhsText: R, range: Double, rangeText: S,
                                                    subtract: Bool) -> Double?
    where R.Element == UInt8, S.Element == UInt8 {
        let r = subtract ? -abs(range) : abs(range)
        let s = rhs + r
        if !s.isFinite { return s }
        let bb = s - r
        let rr = s - bb
        let e = (rhs - bb) + (r - rr)
        let gap = min(s.nextUp - s, s - s.nextDown)
        if abs(e) + rhs.ulp + r.ulp < 0.25 * gap { return s }
        let b = rhsText.isEmpty ? ExactDecimal(0) : ExactDecimal(parsing: rhsText)
        guard let b, let rangeValue = ExactDecimal(parsing: rangeText) else { return nil }
        let sum = subtract ? b - rangeValue.magnitude : b + rangeValue.magnitude
        return sum.doubleValue
    }
}
