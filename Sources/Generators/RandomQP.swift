// The "Random QP" and "Eq QP" classes of the OSQP benchmarks (osqp_benchmarks
// problem_classes/random_qp.py and eq_qp.py) and their sparse variants.

import Sparse
import QP

/// random / random-sparse (size n):
///
///     minimize ½xᵀPx + qᵀx  subject to  Ax ≤ u        (l = −∞)
///
/// with P = MMᵀ + 10⁻²I, M = sprandn(n, n, 0.15), q ~ N(0, 1)ⁿ, A = sprandn(10n, n, 0.15),
/// u = A·v + δ with a fictitious solution v ~ N(0, 1)ⁿ and δ ~ U[0, 1)ᵐ, so v is feasible (the witness).
/// Draw order as in OSQP: M, q, A, v, δ.
///
/// Deviations: "sprandn" puts exactly round(0.15·rows) entries in every column (scipy draws the
/// positions globally). random-sparse uses M with 3 entries per column and A with 3 entries per
/// row (A is drawn as Aᵀ with 3 entries per column); P = MMᵀ then has about 9 entries per column,
/// but the KKT matrix of this class fills in under AMD/METIS (fine up to about 10⁴ variables).
func randomQP<G: RandomNumberGenerator>(n: Int, sparse: Bool, using g: inout G) throws(QPError) -> GeneratedParts {
    let m = 10 * n
    let (P, q, A) = costAndConstraints(n: n, m: m, sparse: sparse, using: &g)
    let v = g.normals(n)
    let av = A.multiply(v)
    let u = av.map { $0 + g.nextUnit() }
    let l = repeated(-.infinity, m)
    return GeneratedParts(program: try QuadraticProgram(P: P, q: q, A: A, l: l, u: u), witness: v)
}

/// eq / eq-sparse (size n):
///
///     minimize ½xᵀPx + qᵀx  subject to  Ax = b
///
/// with P, q as in `randomQP`, A = sprandn(⌊n/2⌋, n, 0.15) and b = A·x̂ for x̂ ~ N(0, 1)ⁿ (the
/// witness), so the rows are consistent. Draw order as in OSQP: M, q, A, x̂. Sparse variant and
/// deviations as in `randomQP`.
func equalityQP<G: RandomNumberGenerator>(n: Int, sparse: Bool, using g: inout G) throws(QPError) -> GeneratedParts {
    let m = n / 2
    let (P, q, A) = costAndConstraints(n: n, m: m, sparse: sparse, using: &g)
    let x = g.normals(n)
    let b = A.multiply(x)
    return GeneratedParts(program: try QuadraticProgram(P: P, q: q, A: A, l: b, u: b), witness: x)
}

/// P = MMᵀ + 10⁻²I (upper triangle), q ~ N(0, 1)ⁿ and the m×n matrix A, drawn in that order.
private func costAndConstraints<G: RandomNumberGenerator>(n: Int, m: Int, sparse: Bool, using g: inout G)
    -> (CSCMatrix, [Double], CSCMatrix) {
    let density = 0.15, perColumn = 3
    let M = sparse ? randomColumns(rows: n, columns: n, perColumn: perColumn, using: &g)
                   : sprandn(rows: n, columns: n, density: density, using: &g)
    let P = gramUpper(M, shift: 1e-2)
    let q = g.normals(n)
    let A = sparse ? randomColumns(rows: n, columns: m, perColumn: perColumn, using: &g).transposed()
                   : sprandn(rows: m, columns: n, density: density, using: &g)
    return (P, q, A)
}
