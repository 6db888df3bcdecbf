// The "Lasso", "Huber" and "SVM" classes of the OSQP benchmarks (osqp_benchmarks
// problem_classes/lasso.py, huber.py, svm.py) and their banded sparse variants.
//
// Dense classes: n features, m = 100n data rows, data matrix Ad = sprandn(m, n, 0.15) (exactly
// round(0.15·m) entries per column; scipy draws the positions globally).
// Sparse variants: m = n data rows (huber-sparse: m = 2n) and a banded Ad (row i has 8 consecutive
// entries around column i·n/m, values N(0, 1)/√8; see `bandedTransposed`), so every column of A has
// a bounded number of entries and the KKT matrix is banded up to a permutation. Huber uses m = 2n
// because with m = n the square banded Ad (whose condition number grows quickly with n) fits b
// exactly: the optimum is a zero residual and ADMM stalls on it (10⁴ features: no 1e-3 solution in
// 10⁴ iterations, against 75 iterations with m = 2n). Because the rows of a banded Ad have
// norm ≈ 1 instead of ≈ √(0.15n), the true coefficients are not divided by √n there (OSQP divides
// them by √n to keep Ad·x_true of order 1; unscaled they do the same for the band).

import Sparse
import QP

/// The data matrix Ad (m × n) of a dense or banded regression class.
private func dataMatrix<G: RandomNumberGenerator>(rows m: Int, features n: Int, sparse: Bool,
                                                  using g: inout G) -> CSCMatrix {
    sparse ? bandedTransposed(rows: m, columns: n, width: ProblemClass.bandWidth, using: &g).transposed()
           : sprandn(rows: m, columns: n, density: 0.15, using: &g)
}

/// lasso / lasso-sparse (size n features):
///
///     minimize   yᵀy + λ·1ᵀt
///     subject to Ad·x − y = b,  x − t ≤ 0,  x + t ≥ 0
///
/// in variables (x, y, t) ∈ ℝⁿ⁺ᵐ⁺ⁿ: P = blkdiag(0, 2I_m, 0), q = (0, 0, λ1), rows
/// [Ad −I 0; I 0 −I; I 0 I] with l = (b, −∞, 0), u = (b, 0, +∞). Data: x_true = 1[U > 0.5]·N(0,1)/√n
/// (n uniforms, then n normals; no /√n in the sparse variant), b = Ad·x_true + N(0, 1)ᵐ,
/// λ = λmax/5 with λmax = ‖Adᵀb‖∞. Draw order Ad, uniforms, normals, noise as in OSQP.
/// Witness: (x_true, Ad·x_true − b, |x_true|).
func lasso<G: RandomNumberGenerator>(features n: Int, sparse: Bool, using g: inout G) throws(QPError) -> GeneratedParts {
    let m = sparse ? n : 100 * n
    let ad = dataMatrix(rows: m, features: n, sparse: sparse, using: &g)
    let mask = g.units(n)
    let scale = sparse ? 1 : 1 / Double(n).squareRoot()
    let xTrue = (0..<n).map { j in
        let z = g.nextNormal() * scale
        return mask[j] > 0.5 ? z : 0
    }
    let adx = ad.multiply(xTrue)
    let b = adx.map { $0 + g.nextNormal() }
    let lambdaMax = maxAbsTransposeProduct(ad, b)
    let lambda = lambdaMax / 5

    let P = diagonalMatrix(repeated(0, n) + repeated(2, m)
                               + repeated(0, n))
    let q = repeated(0, n + m) + repeated(lambda, n)
    var a = ColumnAssembler(rowCount: m + 2 * n, columns: 2 * n + m, entries: ad.nonzeroCount + 4 * n + m)
    for j in 0..<n {                       // x_j
        a.append(column: j, of: ad)
        a.append(row: m + j, 1)
        a.append(row: m + n + j, 1)
        a.endColumn()
    }
    for i in 0..<m {                       // y_i
        a.append(row: i, -1)
        a.endColumn()
    }
    for j in 0..<n {                       // t_j
        a.append(row: m + j, -1)
        a.append(row: m + n + j, 1)
        a.endColumn()
    }
    let l = b + repeated(-.infinity, n) + repeated(0, n)
    let u = b + repeated(0, n) + repeated(.infinity, n)
    let y = zip(adx, b).map { $0 - $1 }
    let program = try QuadraticProgram(P: P, q: q, A: a.build(), l: l, u: u)
    return GeneratedParts(program: program, witness: xTrue + y + xTrue.map { abs($0) },
                          lasso: LassoInstance(lambda: lambda, lambdaMax: lambdaMax,
                                               penaltyColumns: (n + m)..<(2 * n + m)))
}

/// huber / huber-sparse (size n features; m = 100n, sparse m = 2n): Huber fitting as the QP of
/// OSQP's huber.py,
///
///     minimize   ½zᵀz + 1ᵀ(r + s)
///     subject to Ad·x − z − r + s = b,  r ≥ 0,  s ≥ 0
///
/// in variables (x, z, r, s) ∈ ℝⁿ⁺³ᵐ: P = blkdiag(0, I_m, 0, 0), q = (0, 0, 1, 1), rows
/// [Ad −I −I I; 0 0 I 0; 0 0 0 I] with l = (b, 0, 0), u = (b, +∞, +∞). Data: x_true = N(0,1)ⁿ/√n
/// (no /√n in the sparse variant), outlier mask 1[U < 0.95], b = Ad·x_true + 0.5·N(0,1)·mask +
/// 10·U[0,1)·(1 − mask); draw order Ad, x_true, mask, normals, uniforms as in OSQP.
/// Deviation: density 0.15 as in the OSQP paper and the other classes (the stored huber.py uses 0.5).
/// Witness: x = x_true, z = 0, r = max(Ad·x − b, 0), s = max(b − Ad·x, 0).
func huber<G: RandomNumberGenerator>(features n: Int, sparse: Bool, using g: inout G) throws(QPError) -> GeneratedParts {
    let m = sparse ? 2 * n : 100 * n
    let ad = dataMatrix(rows: m, features: n, sparse: sparse, using: &g)
    let scale = sparse ? 1 : 1 / Double(n).squareRoot()
    let xTrue = (0..<n).map { _ in g.nextNormal() * scale }
    let inlier = g.units(m).map { $0 < 0.95 ? 1.0 : 0.0 }
    let small = g.normals(m)
    let large = g.units(m)
    let adx = ad.multiply(xTrue)
    let b: [Double] = (0..<m).map { i in
        let noise: Double = inlier[i] == 1 ? 0.5 * small[i] : 10 * large[i]
        return adx[i] + noise
    }

    let P = diagonalMatrix(repeated(0, n) + repeated(1, m)
                               + repeated(0, 2 * m))
    let q = repeated(0, n + m) + repeated(1, 2 * m)
    var a = ColumnAssembler(rowCount: 3 * m, columns: n + 3 * m, entries: ad.nonzeroCount + 5 * m)
    for j in 0..<n {                       // x_j
        a.append(column: j, of: ad)
        a.endColumn()
    }
    for i in 0..<m {                       // z_i
        a.append(row: i, -1)
        a.endColumn()
    }
    for i in 0..<m {                       // r_i
        a.append(row: i, -1)
        a.append(row: m + i, 1)
        a.endColumn()
    }
    for i in 0..<m {                       // s_i
        a.append(row: i, 1)
        a.append(row: 2 * m + i, 1)
        a.endColumn()
    }
    let l = b + repeated(0, 2 * m)
    let u = b + repeated(.infinity, 2 * m)
    let residual = zip(adx, b).map { $0 - $1 }
    var witness = xTrue
    witness += repeated(0, m)
    witness += residual.map { max($0, 0) }
    witness += residual.map { max(-$0, 0) }
    return GeneratedParts(program: try QuadraticProgram(P: P, q: q, A: a.build(), l: l, u: u), witness: witness)
}

/// svm / svm-sparse (size n features): the hinge-loss SVM QP of OSQP's svm.py,
///
///     minimize   ½xᵀx + (γ/2)·1ᵀt         (γ = 1)
///     subject to diag(b)·A_svm·x − t ≤ −1,  t ≥ 0
///
/// in variables (x, t) ∈ ℝⁿ⁺ᵐ: P = blkdiag(I_n, 0), q = (0, γ/2·1), rows [diag(b)A_svm −I; 0 I] with
/// l = (−∞, 0), u = (−1, +∞). Dense: two classes of N = m/2 rows, b = (+1, −1), A_svm =
/// [A₊/√n + pattern(A₊)/n; A₋/√n − pattern(A₋)/n] with A₊, A₋ = sprandn(N, n, 0.15) drawn in that
/// order. Sparse: the banded Ad (values N(0,1)/√8) with labels alternating +1 (even rows), −1 (odd
/// rows) — stacking the classes would tie each class to a band of features — and the class offset
/// ±1/8 (the band width) on the pattern in place of ±1/n.
/// Witness: x = 0, t = 1 (every first-block row is then exactly −1).
func svm<G: RandomNumberGenerator>(features n: Int, sparse: Bool, using g: inout G) throws(QPError) -> GeneratedParts {
    let m: Int
    var data: CSCMatrix // diag(b)·A_svm
    if sparse {
        m = n
        let w = ProblemClass.bandWidth
        var rowsOfAd = bandedTransposed(rows: m, columns: n, width: w, using: &g) // column i = row i
        for i in 0..<m {
            let label: Double = i % 2 == 0 ? 1 : -1
            for p in rowsOfAd.pattern.range(ofColumn: i) {
                // b·(a ± 1/w) with the sign of the class: b·a + 1/w.
                rowsOfAd.values[p] = label * rowsOfAd.values[p] + 1 / Double(w)
            }
        }
        data = rowsOfAd.transposed()
    } else {
        m = 100 * n
        let half = m / 2
        let upper = sprandn(rows: half, columns: n, density: 0.15, using: &g)
        let lower = sprandn(rows: half, columns: n, density: 0.15, using: &g)
        let rootN = Double(n).squareRoot(), invN = 1 / Double(n)
        var b = ColumnAssembler(rowCount: m, columns: n, entries: upper.nonzeroCount + lower.nonzeroCount)
        for j in 0..<n {
            // +1·(a/√n + 1/n) on the first class, −1·(a/√n − 1/n) on the second.
            for p in upper.pattern.range(ofColumn: j) { b.append(row: upper.rowIndices[p], upper.values[p] / rootN + invN) }
            for p in lower.pattern.range(ofColumn: j) { b.append(row: half + lower.rowIndices[p], -(lower.values[p] / rootN - invN)) }
            b.endColumn()
        }
        data = b.build()
    }
    let P = diagonalMatrix(repeated(1, n) + repeated(0, m))
    let q = repeated(0, n) + repeated(0.5, m)
    var a = ColumnAssembler(rowCount: 2 * m, columns: n + m, entries: data.nonzeroCount + 2 * m)
    for j in 0..<n {
        a.append(column: j, of: data)
        a.endColumn()
    }
    for i in 0..<m {
        a.append(row: i, -1)
        a.append(row: m + i, 1)
        a.endColumn()
    }
    let l = repeated(-.infinity, m) + repeated(0, m)
    let u = repeated(-1, m) + repeated(.infinity, m)
    let witness = repeated(0, n) + repeated(1, m)
    return GeneratedParts(program: try QuadraticProgram(P: P, q: q, A: a.build(), l: l, u: u), witness: witness)
}
