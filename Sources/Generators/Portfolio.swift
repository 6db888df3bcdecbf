// The "Portfolio" class of the OSQP benchmarks (osqp_benchmarks problem_classes/portfolio.py) and
// its sparse sector-factor variant.

import Sparse
import QP

/// portfolio (size k factors, n = 100k assets): the factor-model Markowitz problem
///
///     minimize   xᵀDx + yᵀy − μᵀx/γ
///     subject to 1ᵀx = 1,  Fᵀx − y = 0,  0 ≤ x ≤ 1
///
/// in variables (x, y) ∈ ℝⁿ⁺ᵏ, i.e. P = blkdiag(2D, 2I), q = (−μ/γ, 0), rows [1ᵀ 0; Fᵀ −I; I 0]
/// with l = (1, 0, 0), u = (1, 0, 1). F = sprandn(n, k, 0.5), D = diag(U[0,1)ⁿ·√k), μ ~ N(0, 1)ⁿ,
/// γ = 1; draw order F, D, μ as in OSQP. Witness: x = 1/n, y = Fᵀx.
/// Deviation: exactly round(0.5·n) loadings per factor (scipy draws positions globally).
func portfolio<G: RandomNumberGenerator>(factors k: Int, using g: inout G) throws(QPError) -> GeneratedParts {
    let n = 100 * k
    let F = sprandn(rows: n, columns: k, density: 0.5, using: &g)
    let sqrtK = Double(k).squareRoot()
    let d = (0..<n).map { _ in g.nextUnit() * sqrtK }
    let mu = g.normals(n)
    return try factorPortfolio(loadings: F.transposed(), idiosyncratic: d, mu: mu)
}

/// portfolio-sparse (size n assets): the same formulation with a sparse sector factor model.
/// There are S = max(1, n/100) sectors, contiguous blocks of assets (asset i is in sector ⌊i·S/n⌋),
/// and K = S + 1 factors: factor 0 is the market, factor 1 + s is sector s. Asset i loads on the
/// market, on its own sector and on the next one ((s + 1) mod S; only its own when S = 1), loadings
/// N(0, 1), drawn asset after asset. D = diag(U[0,1)ⁿ·√3) (√ of the factors per asset, where OSQP
/// uses √k), then μ ~ N(0, 1)ⁿ. A has at most 5 entries per asset column; the two dense rows (budget
/// and market) and the chain of sectors keep the KKT factor sparse.
func sectorPortfolio<G: RandomNumberGenerator>(assets n: Int, using g: inout G) throws(QPError) -> GeneratedParts {
    let sectors = ProblemClass.sectorCount(assets: n)
    let factors = sectors + 1
    // Fᵀ (factors × n): column i holds the loadings of asset i.
    var ft = ColumnAssembler(rowCount: factors, columns: n, entries: 3 * n)
    for i in 0..<n {
        let s = i * sectors / n
        var rows = [0, 1 + s]
        if sectors > 1 { rows.append(1 + (s + 1) % sectors) }
        rows.sort()
        for r in rows { ft.append(row: r, g.nextNormal()) }
        ft.endColumn()
    }
    let scale = Double(sectors > 1 ? 3 : 2).squareRoot()
    let d = (0..<n).map { _ in g.nextUnit() * scale }
    let mu = g.normals(n)
    return try factorPortfolio(loadings: ft.build(), idiosyncratic: d, mu: mu)
}

/// The OSQP portfolio QP for loadings Fᵀ (k × n, column i = loadings of asset i), D and μ (γ = 1).
private func factorPortfolio(loadings ft: CSCMatrix, idiosyncratic d: [Double], mu: [Double]) throws(QPError) -> GeneratedParts {
    let k = ft.rowCount, n = ft.columnCount
    let m = 1 + k + n
    let P = diagonalMatrix(d.map { 2 * $0 } + repeated(2, k))
    let q = mu.map { -$0 } + repeated(0, k)
    var a = ColumnAssembler(rowCount: m, columns: n + k, entries: ft.nonzeroCount + 2 * n + k)
    for i in 0..<n {
        a.append(row: 0, 1)
        a.append(column: i, of: ft, rowOffset: 1)
        a.append(row: 1 + k + i, 1)
        a.endColumn()
    }
    for f in 0..<k {
        a.append(row: 1 + f, -1)
        a.endColumn()
    }
    let l = [1.0] + repeated(0, k + n)
    let u = [1.0] + repeated(0, k) + repeated(1, n)
    let x = repeated(1 / Double(n), n)
    let y = ft.multiply(x)
    return GeneratedParts(program: try QuadraticProgram(P: P, q: q, A: a.build(), l: l, u: u), witness: x + y)
}
