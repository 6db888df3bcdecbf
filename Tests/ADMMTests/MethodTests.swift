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

@Test("method interior-point on an infeasible problem: the attempt fails and ADMM, run after it, returns the certificate")
func interiorPointFirstThenADMMOnInfeasible() throws {
    let A = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [1, 1], A: A, l: [2, -.infinity], u: [.infinity, 1])
    var s = SolverSettings()
    s.method = .interiorPoint
    let solution = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(solution.status == .primalInfeasible && solution.primalInfeasibilityCertificate != nil)
    #expect(solution.info.method == .interiorPoint && solution.info.interiorPoint == .failed && solution.info.iterations > 0)
}

@Test("method auto: deterministic, reasoned by the cost model, kept across parameter updates, reset by a tolerance change")
func automaticMethodChoice() throws {
    let qp = try randomQP(n: 80, m: 60, seed: 41)
    var s = SolverSettings()
    s.method = .automatic
    let a = try ADMMSolver(problem: qp, settings: s)
    let first = a.solve()
    #expect(first.status == .solved)
    #expect(first.info.methodReason.hasPrefix("cost model:"), "\(first.info.methodReason)")
    #expect(first.info.method == .admm || first.info.method == .interiorPoint)
    // A second solver on the same problem chooses the same.
    let b = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(b.info.method == first.info.method && b.info.methodReason == first.info.methodReason)
    // A parametric update keeps the method (and its factorizations).
    try a.update(q: qp.q.map { $0 + 0.1 })
    let second = a.solve()
    #expect(second.status == .solved && second.info.method == first.info.method)
    // Different tolerances are a new choice (the model depends on ε).
    s.epsAbs = 1e-9
    s.epsRel = 1e-9
    try a.update(settings: s)
    let third = a.solve()
    #expect(third.info.methodReason != first.info.methodReason)
}

@Test("cost model: ADMM iterations grow by the per-decade factor below ε = 1e-3")
func costModelIterations() {
    #expect(MethodCostModel.admmIterations(epsilon: 1e-3) == MethodCostModel.admmIterationsAt1e3)
    #expect(MethodCostModel.admmIterations(epsilon: 1e-2) == MethodCostModel.admmIterationsAt1e3)
    #expect(MethodCostModel.admmIterations(epsilon: 1e-6)
            == MethodCostModel.admmIterationsAt1e3 * MethodCostModel.admmIterationsPerDecade * MethodCostModel.admmIterationsPerDecade
               * MethodCostModel.admmIterationsPerDecade)
}
