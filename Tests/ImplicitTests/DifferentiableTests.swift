import Testing
import _Differentiation
import Sparse
import QP
import ADMM
import Implicit
import TestSupport

@differentiable(reverse)
func squaredDistance(_ x: [Double], _ target: [Double]) -> Double {
    var s = 0.0
    for i in withoutDerivative(at: 0..<x.count) {
        let d = x[i] - withoutDerivative(at: target[i])
        s += d * d
    }
    return s
}

@Test("Swift AD: gradient(at:in:) through solveQP equals the adjoint")
func swiftADMatchesAdjoint() throws {
    let qp = try implicitRandomQP(n: 12, m: 10, seed: 51)
    let structure = QPStructure(P: qp.P.pattern, A: qp.A.pattern, settings: tightSettings())
    let data = QPData(PValues: qp.P.values, q: qp.q, AValues: qp.A.values, l: qp.l, u: qp.u)
    let target = [Double](repeating: 0.5, count: qp.n)
    let grad = gradient(at: data) { d in squaredDistance(solveQP(d, structure: structure), target) }
    let (solver, solution) = try solved(qp)
    let dx = (0..<qp.n).map { 2 * (solution.x[$0] - target[$0]) }
    let (reference, _) = try Differentiator(solver: solver, solution: solution).adjoint(dx: dx)
    #expect(maxAbsDifference(grad.q, reference.dq) <= 1e-9 * max(1, maxAbs(reference.dq)))
    #expect(maxAbsDifference(grad.PValues, reference.dP.values) <= 1e-9 * max(1, maxAbs(reference.dP.values)))
    #expect(maxAbsDifference(grad.AValues, reference.dA.values) <= 1e-9 * max(1, maxAbs(reference.dA.values)))
    #expect(maxAbsDifference(grad.u.map { $0.isFinite ? $0 : 0 }, reference.du) <= 1e-9 * max(1, maxAbs(reference.du)))
}

@Test("Swift AD: learning q of a small box-constrained QP by gradient descent reaches the target")
func swiftADLearnsLinearTerm() throws {
    // min ½‖x‖² + qᵀx s.t. 0 ≤ x ≤ 1; learn q so that x* = target (interior), starting from q = 0.
    let n = 4
    let P = CSCMatrix.identity(n)
    let A = CSCMatrix.identity(n)
    let structure = QPStructure(P: P.pattern, A: A.pattern, settings: tightSettings())
    var data = QPData(PValues: P.values, q: [Double](repeating: 0, count: n), AValues: A.values,
                      l: [Double](repeating: 0, count: n), u: [Double](repeating: 1, count: n))
    let target = [0.2, 0.4, 0.6, 0.8]
    let initial = squaredDistance(solveQP(data, structure: structure), target)
    for _ in 0..<60 {
        let g = gradient(at: data) { d in squaredDistance(solveQP(d, structure: structure), target) }
        for j in 0..<n { data.q[j] -= 0.4 * g.q[j] }
    }
    let final = squaredDistance(solveQP(data, structure: structure), target)
    #expect(final < 1e-6 * initial, "loss \(initial) → \(final)")
}
