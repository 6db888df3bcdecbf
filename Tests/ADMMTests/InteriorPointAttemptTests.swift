import Testing
import Foundation
import Sparse
import QP
import KKT
@testable import ADMM
@testable import Stages
import TestSupport

// The interior-point method's attempts, each alone: the one loop under each attempt's policy
// (regularization schedule, slack elimination per row or per side, refinement target, proximal
// centres, step lengths) reaches the optimum on every row kind.

/// `randomQP` (equality, lower, upper and two-sided rows) with every seventh row made free.
func randomQPWithFreeRows(n: Int, m: Int, seed: UInt64) throws -> QuadraticProgram {
    let qp = try randomQP(n: n, m: m, seed: seed)
    var l = qp.l, u = qp.u
    for i in stride(from: 6, to: m, by: 7) { l[i] = -.infinity; u[i] = .infinity }
    return try QuadraticProgram(P: qp.P, q: qp.q, A: qp.A, l: l, u: u)
}

@Test("each interior-point attempt alone solves QPs with equality, one-sided, two-sided and free rows: optimality conditions and ADMM's objective",
      arguments: InteriorPointAttempt.allCases, [UInt64(41), 42])
func interiorPointAttemptAloneSolves(attempt: InteriorPointAttempt, seed: UInt64) throws {
    let qp = try randomQPWithFreeRows(n: 60, m: 56, seed: seed)
    var s = SolverSettings()
    s.epsAbs = 1e-7
    s.epsRel = 1e-7
    s.method = .interiorPoint
    let solver = try ADMMSolver(problem: qp, settings: s)
    solver.interiorPoint.attempts = [attempt]
    let solution = solver.solve()
    #expect(solution.status == .solved && solution.info.interiorPoint == .succeeded && solution.info.iterations == 0,
            "\(attempt): \(solution.status), interior point \(solution.info.interiorPoint), ADMM iterations \(solution.info.iterations)")
    let kkt = optimality(qp, solution.x, solution.y)
    #expect(kkt.primal <= 1e-6 && kkt.dual <= 1e-6 && kkt.complementarity <= 1e-6, "\(attempt): \(kkt)")
    s.method = .admm
    let reference = try ADMMSolver(problem: qp, settings: s).solve()
    try #require(reference.status == .solved)
    #expect(abs(solution.info.objective - reference.info.objective) <= 1e-6 * max(1, abs(reference.info.objective)),
            "\(attempt): objective \(solution.info.objective), ADMM \(reference.info.objective)")
}

/// The largest residual of each equation family of a Newton direction, relative to its terms.
struct DirectionResiduals: CustomStringConvertible {
    var stationarity = 0.0, equality = 0.0, constraint = 0.0, complementarity = 0.0
    var worst: Double { max(stationarity, equality, constraint, complementarity) }
    var description: String {
        "stationarity \(stationarity), equality \(equality), constraint \(constraint), complementarity \(complementarity)"
    }
    /// |Σ terms| / (1 + Σ |terms|), maximized into `field`.
    static func relative(_ terms: [Double]) -> Double {
        abs(terms.reduce(0, +)) / (1 + terms.reduce(0) { $0 + abs($1) })
    }
}

@Test("each interior-point attempt's direction solves its Newton equations: stationarity with ρ(x − ζ), rows relaxed by δ towards the centres, linearized complementarity",
      arguments: InteriorPointAttempt.allCases, [UInt64(51), 52])
func interiorPointAttemptDirectionSolvesItsEquations(attempt: InteriorPointAttempt, seed: UInt64) throws {
    let qp = try randomQPWithFreeRows(n: 40, m: 42, seed: seed)
    let solver = try ADMMSolver(problem: qp, settings: SolverSettings())
    let data = InteriorPointData(problem: solver.scaled)
    let rows = data.rows, n = data.n, m = data.m
    var g = SeededGenerator(seed: seed)
    // An interior iterate with z/s on both sides of 1 (both recovery branches), and centres apart from it.
    func positive() -> Double { pow(10, Double.random(in: -1...1, using: &g)) }
    let x = (0..<n).map { _ in Double.random(in: -1...1, using: &g) }
    var it = InteriorPointIterate(x: x, ax: data.A.multiply(x), yEq: [Double](repeating: 0, count: m),
                                  sl: [Double](repeating: 0, count: m), zl: [Double](repeating: 0, count: m),
                                  su: [Double](repeating: 0, count: m), zu: [Double](repeating: 0, count: m))
    var rcl = [Double](repeating: 0, count: m), rcu = rcl
    for i in 0..<m {
        if rows.isEquality[i] { it.yEq[i] = Double.random(in: -1...1, using: &g) }
        if rows.hasL[i] { it.sl[i] = positive(); it.zl[i] = positive(); rcl[i] = -it.sl[i] * it.zl[i] * positive() }
        if rows.hasU[i] { it.su[i] = positive(); it.zu[i] = positive(); rcu[i] = -it.su[i] * it.zu[i] * positive() }
    }
    var res = InteriorPointResiduals(n: n, m: m)
    res.evaluate(at: it, data)
    var centre: ProximalCentres?
    if attempt.movesCentres {
        var c = ProximalCentres(it)
        for j in 0..<n { c.x[j] += Double.random(in: -1...1, using: &g) }
        for i in 0..<m { c.yEq[i] += Double.random(in: -1...1, using: &g); c.zl[i] *= positive(); c.zu[i] *= positive() }
        centre = c
    }
    let regularization = attempt.regularization(solver.interiorPoint.settings)
    let rhoP = regularization.primal, delta = regularization.dual
    var newton = InteriorPointNewtonSystem(elimination: attempt.elimination, rows: rows, n: n)
    let matrix = KKTParameters(sigma: rhoP, rho: newton.weights(at: it, dual: delta))
    let system = try LinearSystemFactory.make(P: data.P, A: data.A, parameters: matrix, requiring: InteriorPointMethod.capabilities)
    let (exact, kept) = attempt.refinement(factorized: matrix, dual: delta, newton, at: it)
    newton.setResiduals(res, at: it, centre: centre, primal: rhoP, dual: delta)
    let d = try newton.solve(system, refiningAgainst: exact, complementarity: rcl, rcu, at: it, A: data.A, delta: kept).step

    // The equations, with the regularization the method keeps (σ of the operator refined against, δ kept).
    let sigma = exact.sigma
    let zeta = centre?.x ?? it.x, lambda = centre?.yEq ?? it.yEq, nuL = centre?.zl ?? it.zl, nuU = centre?.zu ?? it.zu
    let dy = (0..<m).map { i in rows.isEquality[i] ? d.dyEq[i] : d.dzu[i] - d.dzl[i] }
    let pdx = data.P.symmetricUpperMultiply(d.dx), atdy = data.A.transposeMultiply(dy), adx = data.A.multiply(d.dx)
    var r = DirectionResiduals()
    for j in 0..<n {
        r.stationarity = max(r.stationarity, DirectionResiduals.relative([pdx[j], sigma * d.dx[j], atdy[j], res.rd[j], sigma * (it.x[j] - zeta[j])]))
    }
    for i in 0..<m {
        if rows.isEquality[i] {
            r.equality = max(r.equality, DirectionResiduals.relative([adx[i], -kept * d.dyEq[i], res.req[i], kept * (lambda[i] - it.yEq[i])]))
            continue
        }
        // Per row: the row relaxed by δ·dy; per side: each side relaxed by δ·dz towards its centre.
        let perRow = attempt.elimination == .perRow
        if rows.hasL[i] {
            let relaxation = perRow ? [-kept * dy[i]] : [kept * d.dzl[i], -kept * (nuL[i] - it.zl[i])]
            r.constraint = max(r.constraint, DirectionResiduals.relative([adx[i], -d.dsl[i], res.rpl[i]] + relaxation))
            r.complementarity = max(r.complementarity, DirectionResiduals.relative([it.zl[i] * d.dsl[i], it.sl[i] * d.dzl[i], -rcl[i]]))
        }
        if rows.hasU[i] {
            let relaxation = perRow ? [-kept * dy[i]] : [-kept * d.dzu[i], kept * (nuU[i] - it.zu[i])]
            r.constraint = max(r.constraint, DirectionResiduals.relative([adx[i], d.dsu[i], res.rpu[i]] + relaxation))
            r.complementarity = max(r.complementarity, DirectionResiduals.relative([it.zu[i] * d.dsu[i], it.su[i] * d.dzu[i], -rcu[i]]))
        }
    }
    #expect(r.worst <= 1e-10, "\(attempt): \(r)")
}
