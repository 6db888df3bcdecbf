import Testing
import Sparse
import QP
import ADMM
import Implicit
import TestSupport

/// A solver with `method = .interiorPoint` and its solution, which the method alone reached.
func solvedByInteriorPoint(_ qp: QuadraticProgram) throws -> (ADMMSolver, Solution) {
    var s = SolverSettings()
    s.method = .interiorPoint
    let solver = try ADMMSolver(problem: qp, settings: s)
    let solution = solver.solve()
    try #require(solution.status == .solved && solution.info.iterations == 0)
    return (solver, solution)
}

@Test("derivatives after the interior-point method: the kkt rule equals the one after ADMM; the fixed-point rule runs ADMM from the interior-point solution and equals the one after ADMM")
func derivativesAfterInteriorPoint() throws {
    let qp = try implicitRandomQP(n: 40, m: 32, seed: 91)
    let (ipSolver, ip) = try solvedByInteriorPoint(qp)
    var s = ipSolver.settings
    s.method = .admm
    let admmSolver = try ADMMSolver(problem: qp, settings: s)
    let admm = admmSolver.solve()
    try #require(admm.status == .solved)
    let dx = (0..<qp.n).map { Double($0 % 5) - 2 }
    let (a, infoA) = try Differentiator(solver: ipSolver, solution: ip).adjoint(dx: dx)
    let (b, _) = try Differentiator(solver: admmSolver, solution: admm).adjoint(dx: dx)
    #expect(infoA.activeSetCertified)
    #expect(maxAbsDifference(a.dq, b.dq) <= 1e-7 * max(1, maxAbs(b.dq)))
    #expect(maxAbsDifference(a.du, b.du) <= 1e-7 * max(1, maxAbs(b.du)) && maxAbsDifference(a.dl, b.dl) <= 1e-7 * max(1, maxAbs(b.dl)))
    // The fixed-point rule: an ADMM iterate warm-started from the interior-point solution (a few
    // iterations), then the same derivative as after an ADMM solve, to the forward accuracy.
    let fixedPoint = DifferentiationSettings(rule: .fixedPoint)
    let fpIP = try Differentiator(solver: ipSolver, solution: ip, settings: fixedPoint)
    let (c, _) = try fpIP.adjoint(dx: dx)
    let (d, _) = try Differentiator(solver: admmSolver, solution: admm, settings: fixedPoint).adjoint(dx: dx)
    #expect(ipSolver.settings.method == .interiorPoint)
    #expect(maxAbsDifference(c.dq, d.dq) <= 1e-4 * max(1, maxAbs(d.dq)), "\(maxAbsDifference(c.dq, d.dq))")
    #expect(maxAbsDifference(c.du, d.du) <= 1e-4 * max(1, maxAbs(d.du)))
    // The solver's method choice is kept: its next solve starts with the interior-point method again.
    #expect(ipSolver.solve().info.iterations == 0)
}

@Test("the fixed-point rule after the interior-point method: ADMM warm-started from its solution stops within its first termination interval")
func fixedPointAfterInteriorPointIsFewIterations() throws {
    let (solver, ip) = try solvedByInteriorPoint(try implicitRandomQP(n: 60, m: 50, seed: 92))
    let s = solver.settings
    let admm = solver.admmIterate()
    #expect(admm.status == .solved)
    #expect(admm.info.iterations >= 1 && admm.info.iterations <= s.checkTermination, "\(admm.info.iterations) iterations")
    #expect(admm.info.interiorPoint == .notRun && admm.info.method == .admm)
    #expect(maxAbsDifference(admm.x, ip.x) <= 1e-2 * max(1, maxAbs(ip.x)))
}
