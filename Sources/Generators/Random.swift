// Seeded random numbers whose values depend only on the seed: the bits come from SplitMix64 and
// every conversion to doubles and integers is written here, never left to the standard library
// (whose mapping from random bits to values may change between versions). Used by the problem
// generators of this module, the test support target and the benchmarks.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator whose output depends only on the seed.
///
/// Use it for reproducible data: `var g = SeededGenerator(seed: 42)`. Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A double uniform in [0, 1) with 53 random bits (machine independent).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A double uniform in [lower, upper) (machine independent).
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// An integer uniform in 0..<bound (bound > 0), by rejection (machine independent, unbiased).
    public mutating func nextIndex(below bound: Int) -> Int {
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let r = next()
            if r < limit { return Int(r % b) }
        }
    }

    /// A standard normal N(0, 1) by Marsaglia's polar method.
    ///
    /// Draws pairs (a, b) uniform in [−1, 1)² (two `nextUnit()` each) until 0 < s = a² + b² < 1,
    /// then returns a·√(−2 ln s / s). The method yields two independent normals per accepted pair;
    /// the second, b·√(…), is discarded because a protocol extension has nowhere to keep it, so a
    /// call consumes 2 × 4/π ≈ 2.55 uniforms on average. Only +, −, ×, ÷, `sqrt` (correctly rounded
    /// in IEEE 754) and the C library's `log` are used, so the values are the same on every machine
    /// with IEEE doubles and the same `log` (glibc's is correctly rounded in practice).
    public mutating func nextNormal() -> Double {
        while true {
            let a = 2 * nextUnit() - 1
            let b = 2 * nextUnit() - 1
            let s = a * a + b * b
            if s > 0 && s < 1 {
                return a * (-2 * log(s) / s).squareRoot()
            }
        }
    }
}
