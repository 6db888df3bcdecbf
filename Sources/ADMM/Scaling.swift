import Sparse

/// Modified Ruiz equilibration with cost scaling (the OSQP method).
///
/// The scaled problem is P̄ = c·D P D, q̄ = c·D q, Ā = E A D, l̄ = E l, ū = E u; the solution maps back
/// as x = D x̄, y = E ȳ / c. Each pass computes D_k = 1/√(column ∞-norms of [P; A]) and
/// E_k = 1/√(row ∞-norms of A), with norms below 1e-4 replaced by 1 and above 1e4 clipped to 1e4,
/// rescales the data, then c_k = 1/max(mean column ∞-norm of P, ‖q‖∞) (the same limits).
/// Cost O(passes·(nnz(P) + nnz(A) + n + m)).
struct Scaling {
    var D: [Double]
    var E: [Double]
    var Dinv: [Double]
    var Einv: [Double]
    var c: Double
    var cinv: Double

    /// Ruiz equilibration clamps row and column norms to [1e-4, 1e4] before taking 1/√norm (OSQP's
    /// limits): empty or tiny rows do not get huge scale factors.
    static let minimumNorm = 1e-4
    static let maximumNorm = 1e4

    static func identity(n: Int, m: Int) -> Scaling {
        Scaling(D: .init(repeating: 1, count: n), E: .init(repeating: 1, count: m),
                Dinv: .init(repeating: 1, count: n), Einv: .init(repeating: 1, count: m), c: 1, cinv: 1)
    }

    @inline(__always)
    static func limit(_ v: Double) -> Double {
        v < minimumNorm ? 1 : (v > maximumNorm ? maximumNorm : v)
    }

    /// Computes the scaling and scales P (upper triangle), q and A in place.
    static func equilibrate(P: inout CSCMatrix, q: inout [Double], A: inout CSCMatrix, passes: Int) -> Scaling {
        let n = P.columnCount, m = A.rowCount
        var s = Scaling.identity(n: n, m: m)
        for _ in 0..<passes {
            // D_k from the column ∞-norms of [P; A] (P symmetric, stored upper), E_k from the row
            // ∞-norms of A.
            var dk = P.symmetricUpperColumnInfinityNorms()
            let aColumns = A.columnInfinityNorms()
            for j in 0..<n { dk[j] = 1 / limit(max(dk[j], aColumns[j])).squareRoot() }
            var ek = A.rowInfinityNorms()
            for i in 0..<m { ek[i] = 1 / limit(ek[i]).squareRoot() }
            scale(P: &P, q: &q, A: &A, d: dk, e: ek, c: 1)
            for j in 0..<n { s.D[j] *= dk[j] }
            for i in 0..<m { s.E[i] *= ek[i] }
            // Cost scaling.
            let colNorms = P.symmetricUpperColumnInfinityNorms()
            let meanNorm = n > 0 ? limit(colNorms.reduce(0, +) / Double(n)) : 1
            let ck = 1 / limit(max(meanNorm, limit(infinityNorm(q))))
            for p in 0..<P.values.count { P.values[p] *= ck }
            for j in 0..<n { q[j] *= ck }
            s.c *= ck
        }
        for j in 0..<n { s.Dinv[j] = 1 / s.D[j] }
        for i in 0..<m { s.Einv[i] = 1 / s.E[i] }
        s.cinv = 1 / s.c
        return s
    }

    /// P ← c·diag(d) P diag(d), q ← c·d∘q, A ← diag(e) A diag(d).
    static func scale(P: inout CSCMatrix, q: inout [Double], A: inout CSCMatrix, d: [Double], e: [Double], c: Double) {
        let n = P.columnCount
        for j in 0..<n {
            for p in P.pattern.range(ofColumn: j) { P.values[p] *= c * d[P.rowIndices[p]] * d[j] }
            for p in A.pattern.range(ofColumn: j) { A.values[p] *= e[A.rowIndices[p]] * d[j] }
            q[j] *= c * d[j]
        }
    }

    /// Scales new values of P (on P's pattern) with the existing D and c.
    func scaledPValues(_ P: CSCMatrix) -> [Double] {
        var v = P.values
        for j in 0..<P.columnCount {
            for p in P.pattern.range(ofColumn: j) { v[p] *= c * D[P.rowIndices[p]] * D[j] }
        }
        return v
    }

    /// Scales new values of A (on A's pattern) with the existing E and D.
    func scaledAValues(_ A: CSCMatrix) -> [Double] {
        var v = A.values
        for j in 0..<A.columnCount {
            for p in A.pattern.range(ofColumn: j) { v[p] *= E[A.rowIndices[p]] * D[j] }
        }
        return v
    }
}
