import Testing
import Sparse
import QP
import KKT
import ADMM
import TestSupport

// SolverSettings.method: the interior-point method run first, the automatic choice, and ADMM after a
// failed interior-point attempt.

@Test("method interior-point: solved with no ADMM iteration, optimality conditions and the same objective as ADMM",
      arguments: [UInt64(31), 32, 33])
func interiorPointFirstSolves(seed: UInt64) throws {
    let qp = try randomQP(n: 60, m: 50, seed: seed)
    var s = SolverSettings()
    s.epsAbs = 1e-7
    s.epsRel = 1e-7
    s.method = .interiorPoint
    let solution = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(solution.status == .solved && solution.info.method == .interiorPoint && solution.info.methodReason == "requested")
    #expect(solution.info.iterations == 0 && solution.info.interiorPoint == .succeeded && solution.info.interiorPointIterations > 0)
    let kkt = optimality(qp, solution.x, solution.y)
    #expect(kkt.primal <= 1e-6 && kkt.dual <= 1e-6 && kkt.complementarity <= 1e-6, "\(kkt)")
    s.method = .admm
    let reference = try ADMMSolver(problem: qp, settings: s).solve()
    try #require(reference.status == .solved)
    #expect(reference.info.method == .admm && reference.info.iterations > 0)
    #expect(abs(solution.info.objective - reference.info.objective) <= 1e-6 * max(1, abs(reference.info.objective)))
    // Run time adds up: the interior-point time is not also counted as solve time.
    #expect(solution.info.solveTime <= solution.info.interiorPointTime + 0.05)
}

@Test("method interior-point on an infeasible problem: the method returns the certificate itself, ADMM does not run")
func interiorPointFirstOnInfeasible() throws {
    let A = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [1, 1], A: A, l: [2, -.infinity], u: [.infinity, 1])
    var s = SolverSettings()
    s.method = .interiorPoint
    let solution = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(solution.status == .primalInfeasible && solution.primalInfeasibilityCertificate != nil)
    #expect(solution.info.method == .interiorPoint && solution.info.interiorPoint == .succeeded && solution.info.iterations == 0)
}

@Test("method auto: deterministic, reasoned by the row kinds and rows per variable, kept across parameter updates")
func automaticMethodChoice() throws {
    let qp = try randomQP(n: 40, m: 80, seed: 41)
    var s = SolverSettings()
    s.method = .automatic
    let a = try ADMMSolver(problem: qp, settings: s)
    let first = a.solve()
    #expect(first.status == .solved)
    #expect(first.info.methodReason.hasPrefix("row kinds:"), "\(first.info.methodReason)")
    // randomQP has one equality row in four: ADMM.
    #expect(first.info.method == .admm)
    let b = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(b.info.method == first.info.method && b.info.methodReason == first.info.methodReason)
    // Bound updates that turn every equality row into an inequality keep the method chosen at setup.
    let widened = (0..<qp.m).map { qp.l[$0] == qp.u[$0] ? qp.l[$0] - 1 : qp.l[$0] }
    try a.update(l: widened)
    let second = a.solve()
    #expect(second.status == .solved && second.info.method == .admm)
    // A new solver on the widened problem (inequalities only) runs the interior-point method first.
    let inequalities = try QuadraticProgram(P: qp.P, q: qp.q, A: qp.A, l: widened, u: qp.u)
    let c = try ADMMSolver(problem: inequalities, settings: s).solve()
    #expect(c.status == .solved && c.info.method == .interiorPoint && c.info.iterations == 0)
    #expect(c.info.methodReason.contains("100 %") && c.info.methodReason.contains("2.0 rows per variable"), "\(c.info.methodReason)")
    // Inequalities only but fewer than 1.5 rows per variable: ADMM.
    let wide = try randomQP(n: 80, m: 60, seed: 41)
    let open = try QuadraticProgram(P: wide.P, q: wide.q, A: wide.A,
                                    l: (0..<wide.m).map { wide.l[$0] == wide.u[$0] ? wide.l[$0] - 1 : wide.l[$0] }, u: wide.u)
    let d = try ADMMSolver(problem: open, settings: s).solve()
    #expect(d.status == .solved && d.info.method == .admm && d.info.iterations > 0)
    #expect(d.info.methodReason.contains("100 %") && d.info.methodReason.contains("0.75 rows per variable"), "\(d.info.methodReason)")
}

@Test("a time limit of 1e10 s (OSQP's 'none') is no limit, not a trap")
func hugeTimeLimitIsNoLimit() throws {
    let qp = try randomQP(n: 30, m: 20, seed: 5)
    var s = SolverSettings()
    s.timeLimit = 1e10
    let solution = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(solution.status == .solved)
    s.timeLimit = .greatestFiniteMagnitude
    #expect(try ADMMSolver(problem: qp, settings: s).solve().status == .solved)
}
