import Testing
import Sparse
import QP
import ADMM
import Implicit
import TestSupport

@Test("derivatives after the interior-point method: the kkt rule equals the one after ADMM; the fixed-point rule is refused with a typed error")
func derivativesAfterInteriorPoint() throws {
    let qp = try implicitRandomQP(n: 40, m: 32, seed: 91)
    var s = SolverSettings()
    s.method = .interiorPoint
    let ipSolver = try ADMMSolver(problem: qp, settings: s)
    let ip = ipSolver.solve()
    try #require(ip.status == .solved && ip.info.iterations == 0)
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
    #expect(throws: DerivativeError.self) {
        _ = try Differentiator(solver: ipSolver, solution: ip, settings: DifferentiationSettings(rule: .fixedPoint))
    }
}
