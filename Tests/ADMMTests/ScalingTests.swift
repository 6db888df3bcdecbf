import Testing
import Sparse
@testable import ADMM
@testable import Stages
import TestSupport

/// Ruiz equilibration with fused sweeps gives bit for bit what the textbook passes give (every norm
/// recomputed from the scaled data, three sweeps per pass).
@Suite struct ScalingTests {
    /// The straightforward algorithm (OSQP's): per pass, norms of the current data, then scaling.
    func reference(P: inout CSCMatrix, q: inout [Double], A: inout CSCMatrix, passes: Int) -> (D: [Double], E: [Double], c: Double) {
        let n = P.columnCount, m = A.rowCount
        var D = [Double](repeating: 1, count: n), E = [Double](repeating: 1, count: m), c = 1.0
        for _ in 0..<passes {
            var dk = P.symmetricUpperColumnInfinityNorms()
            let aColumns = A.columnInfinityNorms()
            for j in 0..<n { dk[j] = 1 / Scaling.limit(max(dk[j], aColumns[j])).squareRoot() }
            var ek = A.rowInfinityNorms()
            for i in 0..<m { ek[i] = 1 / Scaling.limit(ek[i]).squareRoot() }
            for j in 0..<n {
                for p in P.pattern.range(ofColumn: j) { P.values[p] *= 1 * dk[P.rowIndices[p]] * dk[j] }
                for p in A.pattern.range(ofColumn: j) { A.values[p] *= ek[A.rowIndices[p]] * dk[j] }
                q[j] *= 1 * dk[j]
            }
            for j in 0..<n { D[j] *= dk[j] }
            for i in 0..<m { E[i] *= ek[i] }
            let colNorms = P.symmetricUpperColumnInfinityNorms()
            let meanNorm = n > 0 ? Scaling.limit(colNorms.reduce(0, +) / Double(n)) : 1
            let ck = 1 / Scaling.limit(max(meanNorm, Scaling.limit(infinityNorm(q))))
            for p in 0..<P.values.count { P.values[p] *= ck }
            for j in 0..<n { q[j] *= ck }
            c *= ck
        }
        return (D, E, c)
    }

    @Test(arguments: [(40, 60, UInt64(1)), (200, 30, 2), (1, 5, 3), (50, 0, 4)] as [(Int, Int, UInt64)])
    func fusedPassesAreBitIdentical(n: Int, m: Int, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        // Badly scaled data (entries over 10 orders of magnitude) so that the limits are hit too.
        var P = randomPSDUpper(n: n, density: 0.1, shift: 1, using: &g)
        var A = randomSparse(rows: m, columns: n, density: 0.2, using: &g)
        for p in 0..<P.values.count { P.values[p] *= Double(1 << (p % 17)) }
        for p in 0..<A.values.count { A.values[p] *= p % 3 == 0 ? 1e5 : (p % 3 == 1 ? 1e-5 : 1) }
        var q = (0..<n).map { Double($0 % 7) - 3 }
        var (P2, A2, q2) = (P, A, q)
        let s = Scaling.equilibrate(P: &P, q: &q, A: &A, passes: 10)
        let r = reference(P: &P2, q: &q2, A: &A2, passes: 10)
        #expect(P.values == P2.values && A.values == A2.values && q == q2)
        #expect(s.D == r.D && s.E == r.E && s.c == r.c)
        #expect(s.Dinv == r.D.map { 1 / $0 } && s.Einv == r.E.map { 1 / $0 } && s.cinv == 1 / r.c)
    }
}
