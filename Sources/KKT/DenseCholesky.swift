/// Cholesky factorization A = UᵀU of a small dense symmetric matrix, single-threaded.
///
/// For the convexity test's small blocks: no analysis, no BLAS threads to wake. Dot-product
/// (left-looking) form over contiguous columns with four-wide SIMD accumulators (≈ 6 GFlop/s on one
/// core of the machines we measured, for orders 128–400); b³/3 flops, b² doubles.
enum DenseCholesky {
    /// Factorizes in place the upper triangle of the column-major b×b matrix `a` (a[j·b + i], i ≤ j;
    /// the strict lower triangle is not read). Returns false at the first pivot that is not positive
    /// (then `a` holds a partial factor).
    static func factorUpper(_ a: UnsafeMutableBufferPointer<Double>, order b: Int) -> Bool {
        guard b > 0, let base = a.baseAddress, a.count >= b * b else { return b == 0 }
        for j in 0..<b {
            let cj = base + j * b
            for i in 0...j {
                let ci = base + i * b
                var acc = SIMD4<Double>(repeating: 0)
                var k = 0
                while k + 4 <= i {
                    let x = UnsafeRawPointer(ci + k).loadUnaligned(as: SIMD4<Double>.self)
                    let y = UnsafeRawPointer(cj + k).loadUnaligned(as: SIMD4<Double>.self)
                    acc += x * y
                    k += 4
                }
                var s = cj[i] - acc.sum()
                while k < i { s -= ci[k] * cj[k]; k += 1 }
                if i < j {
                    cj[i] = s / ci[i]
                } else {
                    guard s > 0 else { return false }
                    cj[j] = s.squareRoot()
                }
            }
        }
        return true
    }
}
