import Testing
import Sparse
import QP
import ADMM
import Implicit

// A derivative is never computed at a point the solver did not reach as a minimum: on a non-convex P
// (found by the convexity check) the differentiator and the batched layer refuse with typed errors.

/// min ½xᵀPx over −1 ≤ x ≤ 1 with P = [[1, b], [b, 1]]: convex for |b| ≤ 1, a saddle at 0 otherwise.
private func boxQP(offDiagonal b: Double) throws -> QuadraticProgram {
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 3], rowIndices: [0, 0, 1], values: [1, b, 1])
    return try QuadraticProgram(P: P, q: [0.3, -0.2], A: CSCMatrix.identity(2), l: [-1, -1], u: [1, 1])
}

@Suite struct NonConvexDerivativeTests {
    @Test func differentiatorRefusesANonConvexProblem() throws {
        let solver = try ADMMSolver(problem: boxQP(offDiagonal: 1.05))
        let solution = solver.solve()
        #expect(solution.status == .nonConvex)
        for allow in [false, true] {
            #expect(throws: DerivativeError.notSolved(.nonConvex)) {
                _ = try Differentiator(solver: solver, solution: solution,
                                       settings: DifferentiationSettings(rule: .kkt, allowInaccurate: allow))
            }
        }
    }

    @Test func layerNamesTheNonConvexItem() throws {
        let base = try boxQP(offDiagonal: 0.5)
        let layer = QPLayer(base: base, workers: 2)
        let good = QPParameters(PValues: base.P.values, q: base.q, AValues: base.A.values, l: base.l, u: base.u)
        var bad = good
        bad.PValues = [1, 1.05, 1]
        #expect(try layer.forward([good, good]).allSatisfy { $0.status == .solved })
        #expect(throws: QPLayerError.derivative(item: 1, .notSolved(.nonConvex))) {
            _ = try layer.forward([good, bad, good])
        }
    }
}

@Suite struct FlushToZeroDerivativeTests {
    @Test("gradients with and without flush-to-zero agree; the caller's mode is left as it was")
    func gradientsUnchanged() throws {
        let qp = try implicitRandomQP(n: 40, m: 30, seed: 11)
        var results: [Gradients] = []
        for flush in [true, false] {
            var settings = tightSettings()
            settings.flushToZero = flush
            let (solver, solution) = try solved(qp, settings)
            #expect(solution.status == .solved)
            let (g, _) = try Differentiator(solver: solver, solution: solution).adjoint(dx: [Double](repeating: 1, count: qp.n))
            #expect(!FlushToZero.isEnabledOnCurrentThread)
            results.append(g)
        }
        let scale = max(1, maxAbs(results[1].dq))
        #expect(maxAbs(zip(results[0].dq, results[1].dq).map { $0 - $1 }) <= 1e-7 * scale)
        #expect(maxAbs(zip(results[0].dl, results[1].dl).map { $0 - $1 }) <= 1e-7 * scale)
        #expect(maxAbs(zip(results[0].du, results[1].du).map { $0 - $1 }) <= 1e-7 * scale)
    }
}
