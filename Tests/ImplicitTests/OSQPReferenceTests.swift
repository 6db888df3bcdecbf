import Testing
import Foundation
import Sparse
import QP
import ADMM
import Implicit
import TestSupport

let implicitDatasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("datasets/implicit")

struct OSQPCase: Decodable {
    struct Matrix: Decodable { var colptr: [Int]; var rowind: [Int]; var values: [Double] }
    var seed: Int, n: Int, m: Int
    var P: Matrix, A: Matrix
    var q: [Double], l: [Double?], u: [Double?], x: [Double], y: [Double], dx: [Double]
    var dq: [Double], dl: [Double], du: [Double], dP: [[Double]], dA: [[Double]]
}
struct OSQPReference: Decodable { var osqp: String; var cases: [OSQPCase] }

@Test("kkt adjoint agrees with OSQP 1.1.3 adjoint_derivative_* on committed reference data")
func osqpReferenceAgreement() throws {
    let data = try Data(contentsOf: implicitDatasets.appendingPathComponent("osqp_adjoint_reference.json"))
    let reference = try JSONDecoder().decode(OSQPReference.self, from: data)
    #expect(reference.osqp == "1.1.3")
    #expect(reference.cases.count == 3)
    for c in reference.cases {
        let P = try CSCMatrix(rowCount: c.n, columnCount: c.n, columnPointers: c.P.colptr, rowIndices: c.P.rowind, values: c.P.values)
        let A = try CSCMatrix(rowCount: c.m, columnCount: c.n, columnPointers: c.A.colptr, rowIndices: c.A.rowind, values: c.A.values)
        let qp = try QuadraticProgram(P: P, q: c.q, A: A, l: c.l.map { $0 ?? -.infinity }, u: c.u.map { $0 ?? .infinity })
        let (solver, solution) = try solved(qp)
        try #require(solution.status == .solved)
        #expect(maxAbsDifference(solution.x, c.x) <= 1e-7)
        let (g, _) = try Differentiator(solver: solver, solution: solution).adjoint(dx: c.dx)
        let scale = max(1, maxAbs(c.dq))
        #expect(maxAbsDifference(g.dq, c.dq) <= 1e-6 * scale, "seed \(c.seed) dq")
        // OSQP reports dl, du for every row; ours route equality rows by the sign of y.
        for i in 0..<c.m {
            let ours = g.dl[i] + g.du[i], theirs = c.dl[i] + c.du[i]
            #expect(abs(ours - theirs) <= 1e-6 * scale, "seed \(c.seed) row \(i): bounds \(g.dl[i]), \(g.du[i]) vs \(c.dl[i]), \(c.du[i])")
        }
        // dP: OSQP gives the symmetric-matrix gradient; ours is per stored value (off-diagonal doubled).
        for j in 0..<c.n {
            for p in P.pattern.range(ofColumn: j) {
                let i = P.rowIndices[p]
                let expected = i == j ? c.dP[i][j] : c.dP[i][j] + c.dP[j][i]
                #expect(abs(g.dP.values[p] - expected) <= 1e-6 * scale, "seed \(c.seed) dP[\(i),\(j)]")
            }
            for p in A.pattern.range(ofColumn: j) {
                let i = A.rowIndices[p]
                #expect(abs(g.dA.values[p] - c.dA[i][j]) <= 1e-6 * scale, "seed \(c.seed) dA[\(i),\(j)]")
            }
        }
    }
}
