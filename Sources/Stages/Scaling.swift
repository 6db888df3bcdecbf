import Sparse

/// Modified Ruiz equilibration with cost scaling (the OSQP method).
///
/// The scaled problem is P̄ = c·D P D, q̄ = c·D q, Ā = E A D, l̄ = E l, ū = E u; the solution maps back
/// as x = D x̄, y = E ȳ / c. Each pass computes D_k = 1/√(column ∞-norms of [P; A]) and
/// E_k = 1/√(row ∞-norms of A), with norms below 1e-4 replaced by 1 and above 1e4 clipped to 1e4,
/// rescales the data, then c_k = 1/max(mean column ∞-norm of P, ‖q‖∞) (the same limits).
/// Cost O(passes·(nnz(P) + nnz(A) + n + m)).
package struct Scaling {
    package var D: [Double]
    package var E: [Double]
    package var Dinv: [Double]
    package var Einv: [Double]
    package var c: Double
    package var cinv: Double

    /// Ruiz equilibration clamps row and column norms to [1e-4, 1e4] before taking 1/√norm (OSQP's
    /// limits): empty or tiny rows do not get huge scale factors.
    static let minimumNorm = 1e-4
    static let maximumNorm = 1e4

    package static func identity(n: Int, m: Int) -> Scaling {
        Scaling(D: .init(repeating: 1, count: n), E: .init(repeating: 1, count: m),
                Dinv: .init(repeating: 1, count: n), Einv: .init(repeating: 1, count: m), c: 1, cinv: 1)
    }

    @inline(__always)
    package static func limit(_ v: Double) -> Double {
        v < minimumNorm ? 1 : (v > maximumNorm ? maximumNorm : v)
    }

    /// Computes the scaling and scales P (upper triangle), q and A in place.
    ///
    /// Each pass sweeps A and P once: the scaling of a pass and the norms the next pass needs are
    /// computed together (`CSCMatrix.scaleComputingInfinityNorms`), and P's norms after the cost
    /// factor c_k > 0 are the scaled norms times c_k exactly (rounding is monotone), so the result is
    /// bit-identical to computing every norm afresh.
    package static func equilibrate(P: inout CSCMatrix, q: inout [Double], A: inout CSCMatrix, passes: Int) -> Scaling {
        let n = P.columnCount, m = A.rowCount
        var s = Scaling.identity(n: n, m: m)
        // Norms of the current data: P's symmetric column norms, A's column and row norms.
        var pColumns = P.symmetricUpperColumnInfinityNorms()
        var aColumns = A.columnInfinityNorms()
        var aRows = A.rowInfinityNorms()
        var dk = [Double](repeating: 1, count: n), ek = [Double](repeating: 1, count: m)
        for _ in 0..<passes {
            // D_k from the column ∞-norms of [P; A] (P symmetric, stored upper), E_k from the row
            // ∞-norms of A.
            for j in 0..<n { dk[j] = 1 / limit(max(pColumns[j], aColumns[j])).squareRoot() }
            for i in 0..<m { ek[i] = 1 / limit(aRows[i]).squareRoot() }
            dk.withUnsafeBufferPointer { d in
                ek.withUnsafeBufferPointer { e in
                    aColumns.withUnsafeMutableBufferPointer { ac in
                        aRows.withUnsafeMutableBufferPointer { A.scaleComputingInfinityNorms(rows: e, columns: d, columnNorms: ac, rowNorms: $0) }
                    }
                }
                pColumns.withUnsafeMutableBufferPointer { P.scaleSymmetricUpperComputingInfinityNorms(d, norms: $0) }
            }
            for j in 0..<n { q[j] *= dk[j] }
            for j in 0..<n { s.D[j] *= dk[j] }
            for i in 0..<m { s.E[i] *= ek[i] }
            // Cost scaling.
            let meanNorm = n > 0 ? limit(pColumns.reduce(0, +) / Double(n)) : 1
            let ck = 1 / limit(max(meanNorm, limit(infinityNorm(q))))
            P.values.withUnsafeMutableBufferPointer { v in for p in 0..<v.count { v[p] *= ck } }
            for j in 0..<n { q[j] *= ck; pColumns[j] *= ck }
            s.c *= ck
        }
        for j in 0..<n { s.Dinv[j] = 1 / s.D[j] }
        for i in 0..<m { s.Einv[i] = 1 / s.E[i] }
        s.cinv = 1 / s.c
        return s
    }

    /// Scales new values of P (on P's pattern) with the existing D and c.
    package func scaledPValues(_ P: CSCMatrix) -> [Double] {
        var v = P.values
        for j in 0..<P.columnCount {
            for p in P.pattern.range(ofColumn: j) { v[p] *= c * D[P.rowIndices[p]] * D[j] }
        }
        return v
    }

    /// Scales new values of A (on A's pattern) with the existing E and D.
    package func scaledAValues(_ A: CSCMatrix) -> [Double] {
        var v = A.values
        for j in 0..<A.columnCount {
            for p in A.pattern.range(ofColumn: j) { v[p] *= E[A.rowIndices[p]] * D[j] }
        }
        return v
    }
}
