import Testing
import Sparse
import QP
import ADMM
import Implicit
import Generators

// Crossover robustness at degenerate vertices of the decision-focused portfolio QP
// (examples/portfolio_dfl.py), differentiated through `QPLayer` as the example does.

/// The portfolio QP of examples/portfolio_dfl.py with N assets and k factors: variables (x, f),
/// P = blkdiag(γ·diag(d), γ·I), rows [Fᵀ −I] = 0 (k), 1ᵀx = 1, 0 ≤ x ≤ x_max (N); q = (−μ, 0).
/// F has density ½ with U[0, 1) loadings (as scipy's `sp.random`), d ~ U[0.01, 0.05).
func dflPortfolio(assets N: Int, factors k: Int, xMax: Double, gamma: Double, mu: [Double],
                  using g: inout SeededGenerator) throws -> QuadraticProgram {
    var columnPointers = [0], rows: [Int] = [], values: [Double] = []
    for j in 0..<N {
        for f in 0..<k where g.nextUnit() < 0.5 { rows.append(f); values.append(g.nextUnit()) }
        rows.append(k); values.append(1)
        rows.append(k + 1 + j); values.append(1)
        columnPointers.append(rows.count)
    }
    for f in 0..<k { rows.append(f); values.append(-1); columnPointers.append(rows.count) }
    let m = k + 1 + N, n = N + k
    let A = try CSCMatrix(rowCount: m, columnCount: n, columnPointers: columnPointers, rowIndices: rows, values: values)
    let d = (0..<N).map { _ in g.nextUniform(0.01, 0.05) }
    let P = try CSCMatrix(rowCount: n, columnCount: n, columnPointers: Array(0...n), rowIndices: Array(0..<n),
                          values: d.map { gamma * $0 } + [Double](repeating: gamma, count: k))
    let l = [Double](repeating: 0, count: k) + [1] + [Double](repeating: 0, count: N)
    let u = [Double](repeating: 0, count: k) + [1] + [Double](repeating: xMax, count: N)
    return try QuadraticProgram(P: P, q: dflCost(mu, factors: k), A: A, l: l, u: u)
}

func dflCost(_ mu: [Double], factors k: Int) -> [Double] { mu.map { -$0 } + [Double](repeating: 0, count: k) }

/// (seed, item): batch items of the example's size (N = 120, k = 8, x_max = 0.1, γ = 2, returns
/// μ ~ N(0, 0.35²), ε = 1e-7) whose solution is a degenerate vertex — every x_j at a bound, ten at
/// x_max so that 1ᵀx = 1 holds with all 129 rows tight on 128 variables — and whose
/// complementarity guess takes all of them as active: item (98, 6) after an accepted polish (one
/// multiplier at rounding level, with the sign that reads as active), item (26, 1) after a rejected
/// polish (all multipliers of the right sign, ≥ 2e-3). The solve on those dependent rows returned
/// the minimum-norm multipliers, wrong-signed on about 50 rows; releasing them all left the vertex
/// and the iteration cycled (not certified, and (98, 6) had an ambiguous row: backward threw).
let degenerateVertexItems: [(seed: UInt64, item: Int)] = [(98, 6), (26, 1)]

@Test("crossover certifies the degenerate portfolio vertex a QPLayer item returns (unique x, 129 tight rows on 128 variables): no ambiguous rows, no re-solve",
      arguments: degenerateVertexItems.indices)
func crossoverCertifiesDegeneratePortfolioVertex(index: Int) throws {
    let (seed, item) = degenerateVertexItems[index]
    let N = 120, k = 8
    var g = SeededGenerator(seed: seed)
    let mus = (0...item).map { _ in (0..<N).map { _ in 0.35 * g.nextNormal() } }
    var gp = SeededGenerator(seed: 1000 + seed)
    // The layer's base (its Ruiz scaling) is the batch's first item, as the C API's layer sets it.
    let base = try dflPortfolio(assets: N, factors: k, xMax: 0.1, gamma: 2, mu: mus[0], using: &gp)
    var settings = SolverSettings()
    settings.epsAbs = 1e-7
    settings.epsRel = 1e-7
    let layer = QPLayer(base: base, solverSettings: settings, workers: 1)
    let data = QPData(PValues: base.P.values, q: dflCost(mus[item], factors: k), AValues: base.A.values, l: base.l, u: base.u)
    let solution = try #require(try layer.forward([data]).first)
    try #require(solution.status == .solved)
    // The point: P ≻ 0 (unique x), every row tight (LICQ fails: 129 rows, 128 variables).
    let qp = try QuadraticProgram(P: base.P, q: data.q, A: base.A, l: base.l, u: base.u)
    let ax = qp.A.multiply(solution.x)
    let tight = (0..<qp.m).filter { min(ax[$0] - qp.l[$0], qp.u[$0] - ax[$0]) <= 1e-9 }.count
    #expect(tight == qp.m && qp.m == qp.n + 1, "\(tight) tight rows")
    let results = try layer.backwardReportingFailures(dx: [[Double](repeating: 1, count: qp.n)])
    let info: BackwardInfo
    switch results[0] {
    case .success(let r): info = r.info
    case .failure(let e):
        Issue.record("backward failed: \(e)")
        return
    }
    #expect(info.activeSetCertified && info.ambiguousRows == 0 && !info.activeSetAmbiguous)
    #expect(!info.crossoverResolved)
    // The crossover point is the returned one (the unique x) up to the forward accuracy.
    #expect(info.distanceToReturnedPoint <= 1e-6)
    // The certified multipliers keep every row of the vertex: all tight rows are classified active
    // (or weakly active, multiplier at rounding level), none inactive, and the point is reported
    // degenerate (dependent active rows, or a weakly active row beside independent ones).
    #expect(info.inactive == 0 && info.upperActive + info.lowerActive + info.equality + info.weaklyActive == qp.m)
    #expect(info.degenerate)
}
