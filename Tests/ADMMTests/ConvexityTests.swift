import Testing
import Sparse
import QP
import KKT
import ADMM
import TestSupport

// The convexity check at setup: a P that is not positive semidefinite ends with `.nonConvex` and a
// direction d with dᵀPd < 0 (checked against P itself), never with `.solved` at a stationary point.

/// Upper triangle from dense symmetric entries (i ≤ j), zeros dropped except on the diagonal.
private func upper(_ dense: [[Double]]) throws -> CSCMatrix {
    let n = dense.count
    var pointers = [0], rows: [Int] = [], values: [Double] = []
    for j in 0..<n {
        for i in 0...j where dense[i][j] != 0 || i == j { rows.append(i); values.append(dense[i][j]) }
        pointers.append(rows.count)
    }
    return try CSCMatrix(rowCount: n, columnCount: n, columnPointers: pointers, rowIndices: rows, values: values)
}

/// −1 ≤ x ≤ 1 as rows of A = I, plus optional extra rows.
private func boxProblem(_ P: CSCMatrix, q: [Double]? = nil, extraRows: [([Double], Double, Double)] = []) throws -> QuadraticProgram {
    let n = P.columnCount
    var dense = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    var l = [Double](repeating: -1, count: n), u = [Double](repeating: 1, count: n)
    for (row, lo, hi) in extraRows { dense.append(row); l.append(lo); u.append(hi) }
    var pointers = [0], rows: [Int] = [], values: [Double] = []
    for j in 0..<n {
        for i in 0..<dense.count where dense[i][j] != 0 { rows.append(i); values.append(dense[i][j]) }
        pointers.append(rows.count)
    }
    let A = try CSCMatrix(rowCount: dense.count, columnCount: n, columnPointers: pointers, rowIndices: rows, values: values)
    return try QuadraticProgram(P: P, q: q ?? [Double](repeating: 0, count: n), A: A, l: l, u: u)
}

/// dᵀPd, and the check that d is a unit (‖·‖∞) direction.
private func curvature(_ P: CSCMatrix, _ d: [Double]) -> Double {
    let pd = P.symmetricUpperMultiply(d)
    return zip(d, pd).reduce(0) { $0 + $1.0 * $1.1 }
}

private func expectNonConvex(_ qp: QuadraticProgram, settings: SolverSettings = SolverSettings()) throws {
    let solution = try ADMMSolver(problem: qp, settings: settings).solve()
    #expect(solution.status == .nonConvex)
    let d = try #require(solution.negativeCurvatureDirection)
    #expect(abs(d.map(abs).max()! - 1) < 1e-12)
    let c = curvature(qp.P, d)
    #expect(c < 0)
    #expect(abs(c - (solution.negativeCurvature ?? .nan)) <= 1e-12 * max(1, abs(c)))
}

/// Tridiagonal 2 − s on the diagonal, −1 beside it: eigenvalues 2 − s − 2cos(kπ/(n+1)); not
/// diagonally dominant for s > 0, so only the factorization decides.
private func shiftedLaplacian(n: Int, shift s: Double) throws -> CSCMatrix {
    var dense = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        dense[i][i] = 2 - s
        if i + 1 < n { dense[i][i + 1] = -1; dense[i + 1][i] = -1 }
    }
    return try upper(dense)
}

@Suite struct ConvexityTests {
    @Test func saddleIsNonConvexNotSolved() throws {
        // The minimum over the box is −0.05 at ±(1, −1); (0, 0) is a saddle point.
        let qp = try boxProblem(upper([[1, 1.05], [1.05, 1]]))
        try expectNonConvex(qp)
    }

    @Test func smallNegativeEigenvalueAndFixedVariable() throws {
        // Eigenvalues 1 and −1e-3 in a rotated basis (no negative diagonal entry).
        let c = 0.6, s = 0.8, a = 1.0, b = -1e-3
        let p = [[a * c * c + b * s * s, (a - b) * c * s], [(a - b) * c * s, a * s * s + b * c * c]]
        #expect(p[0][0] > 0 && p[1][1] > 0)
        try expectNonConvex(boxProblem(upper(p)))
        // The same P with an equality row fixing x₁: the problem class needs P ⪰ 0 on ℝⁿ.
        try expectNonConvex(boxProblem(upper(p), extraRows: [([1, 0], 0.5, 0.5)]))
    }

    @Test func negativeDiagonalGivesCoordinateDirection() throws {
        let qp = try boxProblem(upper([[1, 0.1, 0], [0.1, -2, 0], [0, 0, 3]]))
        let solution = try ADMMSolver(problem: qp).solve()
        #expect(solution.status == .nonConvex)
        #expect(solution.negativeCurvatureDirection == [0, 1, 0])
        #expect(solution.negativeCurvature == -2)
    }

    @Test func factorizationDecidesNearTheThreshold() throws {
        // n = 40: λ_min = 2 − 2cos(π/41) − s ≈ 5.9e-3 − s.
        try expectNonConvex(boxProblem(shiftedLaplacian(n: 40, shift: 1e-2), q: [Double](repeating: 1, count: 40)))
        let convex = try boxProblem(shiftedLaplacian(n: 40, shift: 1e-3), q: [Double](repeating: 1, count: 40))
        let solution = try ADMMSolver(problem: convex, settings: tight()).solve()
        #expect(solution.status == .solved)
        #expect(solution.info.convexityCheck == .cholesky)
        let kkt = optimality(convex, solution.x, solution.y)
        #expect(kkt.dual < 1e-5 && kkt.primal < 1e-5)
    }

    @Test func onlyUndecidedBlocksAreFactorized() throws {
        // blkdiag(dominant, non-convex Laplacian block, rank-one PSD block): the direction lives in
        // the non-convex block only.
        let a = try shiftedLaplacian(n: 6, shift: 0).dense()
        let b = try shiftedLaplacian(n: 30, shift: 5e-2).dense()  // λ_min ≈ −0.04
        let c = [[1.0, 2], [2, 4]]
        let n = 38
        var dense = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (offset, block) in [(0, a), (6, b), (36, c)] {
            for i in block.indices { for j in block.indices { dense[offset + i][offset + j] = block[i][j] } }
        }
        let qp = try boxProblem(upper(dense))
        let solution = try ADMMSolver(problem: qp).solve()
        #expect(solution.status == .nonConvex)
        let d = try #require(solution.negativeCurvatureDirection)
        #expect(d[0..<6].allSatisfy { $0 == 0 } && d[36...].allSatisfy { $0 == 0 })
        #expect(curvature(qp.P, d) < 0)
        // The same blocks with the middle one convex: accepted.
        let convexB = try shiftedLaplacian(n: 30, shift: 1e-3).dense()
        for i in convexB.indices { for j in convexB.indices { dense[6 + i][6 + j] = convexB[i][j] } }
        let ok = try ADMMSolver(problem: boxProblem(upper(dense)), settings: tight()).solve()
        #expect(ok.status == .solved)
        #expect(ok.info.convexityCheck == .cholesky)
    }

    @Test("a large sparse block goes through the sparse factorization: λ_min = 2 − 2cos(π/201) − s ≈ 2.4e-4 − s")
    func sparseBlockPath() throws {
        let q = [Double](repeating: 1, count: 200)
        try expectNonConvex(boxProblem(shiftedLaplacian(n: 200, shift: 1e-3), q: q))
        let ok = try ADMMSolver(problem: boxProblem(shiftedLaplacian(n: 200, shift: 1e-4), q: q), settings: tight()).solve()
        #expect(ok.status == .solved)
        #expect(ok.info.convexityCheck == .cholesky)
    }

    @Test("a dense block of 150 columns (dense kernel): MᵀM of rank 100 shifted by ±s")
    func denseBlockPath() throws {
        var g = SeededGenerator(seed: 11)
        let b = 150, r = 100
        let m = (0..<r).map { _ in randomVector(count: b, using: &g) }
        var gram = [[Double]](repeating: [Double](repeating: 0, count: b), count: b)
        for i in 0..<b { for j in i..<b {
            var s = 0.0
            for k in 0..<r { s += m[k][i] * m[k][j] }
            gram[i][j] = s; gram[j][i] = s
        } }
        let scale = gram.joined().map(abs).max()!
        for sign in [-1.0, 1.0] {
            var p = gram
            for i in 0..<b { p[i][i] += sign * 1e-4 * scale }
            let qp = try boxProblem(upper(p))
            if sign < 0 {
                try expectNonConvex(qp)   // rank 100 < 150: λ_min(P) = −1e-4·max|P|
            } else {
                let solution = try ADMMSolver(problem: qp, settings: tight()).solve()
                #expect(solution.status == .solved)
                #expect(solution.info.convexityCheck == .cholesky)
            }
        }
    }

    @Test func singularPositiveSemidefiniteIsAccepted() throws {
        // Rank one (vvᵀ) and a random rank-deficient MᵀM: convex, not diagonally dominant.
        let v = [1.0, 2, 3]
        let rankOne = try boxProblem(upper(v.map { a in v.map { a * $0 } }), q: [1, -1, 0.5])
        let s1 = try ADMMSolver(problem: rankOne, settings: tight()).solve()
        #expect(s1.status == .solved)
        #expect(s1.info.convexityCheck == .cholesky)
        var g = SeededGenerator(seed: 7)
        let P = randomPSDUpper(n: 60, density: 0.05, shift: 0, using: &g)
        let qp = try boxProblem(P, q: randomVector(count: 60, using: &g))
        let s2 = try ADMMSolver(problem: qp, settings: tight()).solve()
        #expect(s2.status == .solved)
    }

    @Test func cheapPathsDecideZeroDiagonalAndDominantP() throws {
        let zero = try boxProblem(CSCMatrix.zeros(rowCount: 3, columnCount: 3), q: [1, 2, 3])
        #expect(try ADMMSolver(problem: zero).solve().info.convexityCheck == .zero)
        let diagonal = try boxProblem(upper([[1, 0], [0, 0]]), q: [1, 1])
        #expect(try ADMMSolver(problem: diagonal).solve().info.convexityCheck == .diagonal)
        let dominant = try boxProblem(shiftedLaplacian(n: 10, shift: 0), q: [Double](repeating: 1, count: 10))
        #expect(try ADMMSolver(problem: dominant).solve().info.convexityCheck == .gershgorin)
    }

    @Test func checkCanBeSwitchedOff() throws {
        var settings = SolverSettings()
        settings.checkConvexity = false
        // Without the check the saddle point passes (the documented cost of switching it off).
        let solution = try ADMMSolver(problem: boxProblem(upper([[1, 1.05], [1.05, 1]])), settings: settings).solve()
        #expect(solution.info.convexityCheck == nil)
        #expect(solution.status == .solved)
        // Without the check, a failed factorization of the ADMM system (P + σI + AᵀρA = diag(1.1, −0.9))
        // still reports non_convex (after a passed check it would be numerical_error).
        let failing = try ADMMSolver(problem: boxProblem(upper([[1, 0], [0, -1]])), settings: settings).solve()
        #expect(failing.status == .nonConvex)
        let solver = try ADMMSolver(problem: boxProblem(upper([[1, 0], [0, 1]])), settings: SolverSettings())
        var changed = solver.settings
        changed.checkConvexity = false
        #expect(throws: SolverError.settingNotUpdatable("checkConvexity")) { try solver.update(settings: changed) }
    }

    @Test func valueUpdatesAreRechecked() throws {
        let qp = try boxProblem(shiftedLaplacian(n: 20, shift: 1e-3), q: [Double](repeating: 1, count: 20))
        let solver = try ADMMSolver(problem: qp, settings: tight())
        #expect(solver.solve().status == .solved)
        let bad = try shiftedLaplacian(n: 20, shift: 0.1)
        try solver.update(PValues: bad.values)
        let s = solver.solve()
        #expect(s.status == .nonConvex)
        #expect(curvature(bad, try #require(s.negativeCurvatureDirection)) < 0)
        try solver.update(PValues: qp.P.values)
        #expect(solver.solve().status == .solved)
    }

    @Test("Maros–Meszaros VALUES: P has unit diagonal and λ_min = −1.27e-5 (numpy eigvalsh), so it is not convex at τ = 1e-6; at τ = 1e-4 it solves to the reference")
    func valuesIsSlightlyNonConvex() throws {
        let qp = try datasetModel("VALUES").program
        var settings = settingsAt1e6()
        try expectNonConvex(qp, settings: settings)
        settings.convexityTolerance = 1e-4
        let solution = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(solution.status == .solved)
        let reference = try referenceObjective("VALUES")
        #expect(abs(solution.info.objective - reference) <= 1e-6 * max(1, abs(reference)))
    }

    @Test func invalidToleranceIsRejected() throws {
        var settings = SolverSettings()
        settings.convexityTolerance = -1
        #expect(throws: SolverError.self) { try settings.validate() }
    }
}
