import Testing
import Sparse
import QP
import KKT
import ADMM
import Implicit
import TestSupport

// MARK: - Helpers

/// A random sparse QP whose rows cycle through: equality (l = u), lower-bounded, upper-bounded,
/// two-sided. A strong linear term pushes the solution onto many bounds.
func implicitRandomQP(n: Int, m: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    let P = randomPSDUpper(n: n, density: min(1, 3.0 / Double(n)), shift: 0.1, using: &g)
    let A = randomSparse(rows: m, columns: n, density: min(1, 4.0 / Double(n)), using: &g)
    let x0 = (0..<n).map { _ in g.nextUniform(-1, 1) }
    let ax = A.multiply(x0)
    let (l, u) = cyclingRowBounds(around: ax, minGap: 0.1, using: &g)
    let q = (0..<n).map { _ in g.nextUniform(-10, 10) }
    return try QuadraticProgram(P: P, q: q, A: A, l: l, u: u)
}

func tightSettings(eps: Double = 1e-10, polish: Bool = true) -> SolverSettings {
    var s = SolverSettings()
    s.epsAbs = eps
    s.epsRel = eps
    s.polish = polish
    s.maxIterations = 200_000
    return s
}

func solved(_ qp: QuadraticProgram, _ settings: SolverSettings = tightSettings()) throws -> (ADMMSolver, Solution) {
    let solver = try ADMMSolver(problem: qp, settings: settings)
    let solution = solver.solve()
    return (solver, solution)
}

func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for k in 0..<a.count where a[k].isFinite && b[k].isFinite { s += a[k] * b[k] }
    return s
}

/// qp + h·d (d on the patterns of P and A; infinite bounds untouched).
func perturbed(_ qp: QuadraticProgram, _ d: Gradients, _ h: Double) throws -> QuadraticProgram {
    var P = qp.P, A = qp.A
    for k in 0..<P.values.count { P.values[k] += h * d.dP.values[k] }
    for k in 0..<A.values.count { A.values[k] += h * d.dA.values[k] }
    let q = (0..<qp.n).map { qp.q[$0] + h * d.dq[$0] }
    let l = (0..<qp.m).map { qp.l[$0].isFinite ? qp.l[$0] + h * d.dl[$0] : qp.l[$0] }
    let u = (0..<qp.m).map { qp.u[$0].isFinite ? qp.u[$0] + h * d.du[$0] : qp.u[$0] }
    return try QuadraticProgram(P: P, q: q, A: A, l: l, u: u)
}

/// Central difference of L = dxᵀx* + dyᵀy* along d.
func centralDifference(_ qp: QuadraticProgram, _ d: Gradients, dx: [Double], dy: [Double], h: Double = 1e-6) throws -> Double {
    let (_, plus) = try solved(perturbed(qp, d, h))
    let (_, minus) = try solved(perturbed(qp, d, -h))
    try #require(plus.status == .solved && minus.status == .solved)
    return (dot(dx, plus.x) + dot(dy, plus.y) - dot(dx, minus.x) - dot(dy, minus.y)) / (2 * h)
}

enum Group: CaseIterable { case q, l, u, equalityBounds, P, A }

/// A random direction in one group of the data. Equality rows move l and u together; inequality
/// bounds move one side at a time.
func direction(_ group: Group, _ qp: QuadraticProgram, using g: inout SeededGenerator) -> Gradients {
    var d = Gradients.zeros(like: qp.P, qp.A)
    func isEq(_ i: Int) -> Bool { qp.l[i] == qp.u[i] }
    switch group {
    case .q: d.dq = randomVector(count: qp.n, using: &g)
    case .l: for i in 0..<qp.m where qp.l[i].isFinite && !isEq(i) { d.dl[i] = g.nextUniform(-1, 1) }
    case .u: for i in 0..<qp.m where qp.u[i].isFinite && !isEq(i) { d.du[i] = g.nextUniform(-1, 1) }
    case .equalityBounds:
        for i in 0..<qp.m where isEq(i) { let v = g.nextUniform(-1, 1); d.dl[i] = v; d.du[i] = v }
    case .P: d.dP.values = randomVector(count: qp.P.nonzeroCount, using: &g)
    case .A: d.dA.values = randomVector(count: qp.A.nonzeroCount, using: &g)
    }
    return d
}

func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }

// MARK: - .kkt: finite differences

@Test("kkt adjoint matches central finite differences for dq, dl, du, dP, dA on every row type", arguments: [1, 2, 3, 4] as [UInt64])
func kktAdjointFiniteDifferences(seed: UInt64) throws {
    let qp = try implicitRandomQP(n: 14 + Int(seed) * 3, m: 16 + Int(seed) * 2, seed: seed)
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    var g = SeededGenerator(seed: 100 + seed)
    let dx = randomVector(count: qp.n, using: &g)
    let dy = randomVector(count: qp.m, using: &g)
    let (grad, info) = try diff.adjoint(dx: dx, dy: dy)
    #expect(info.converged, "backward residual \(info.residual)")
    #expect(info.upperActive > 0 && info.lowerActive > 0 && info.equality > 0 && info.inactive > 0, "row coverage: \(info)")
    #expect(info.upperActive + info.lowerActive + info.equality + info.weaklyActive + info.inactive == qp.m)
    for group in Group.allCases {
        let d = direction(group, qp, using: &g)
        let fd = try centralDifference(qp, d, dx: dx, dy: dy)
        let ad = grad.dot(d)
        #expect(abs(fd - ad) <= 1e-6 * max(1, abs(fd)), "seed \(seed) \(group): FD \(fd) vs adjoint \(ad)")
    }
}

@Test("kkt JVP matches central finite differences of x* and y*", arguments: [5, 6] as [UInt64])
func kktJVPFiniteDifferences(seed: UInt64) throws {
    let qp = try implicitRandomQP(n: 20, m: 16, seed: seed)
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    // y* is unique (and its finite difference meaningful) when the active rows are independent.
    let (_, counts) = try diff.adjoint(dx: [Double](repeating: 0, count: qp.n))
    try #require(counts.upperActive + counts.lowerActive + counts.equality < qp.n)
    var g = SeededGenerator(seed: 200 + seed)
    for group in Group.allCases {
        let d = direction(group, qp, using: &g)
        let (dx, dy, _) = try diff.jvp(d)
        let h = 1e-6
        let (_, plus) = try solved(perturbed(qp, d, h))
        let (_, minus) = try solved(perturbed(qp, d, -h))
        let fdx = (0..<qp.n).map { (plus.x[$0] - minus.x[$0]) / (2 * h) }
        let fdy = (0..<qp.m).map { (plus.y[$0] - minus.y[$0]) / (2 * h) }
        let scale = max(1, maxAbs(fdx), maxAbs(fdy))
        #expect(maxAbsDifference(dx, fdx) <= 1e-6 * scale, "\(group) dx")
        #expect(maxAbsDifference(dy, fdy) <= 1e-6 * scale, "\(group) dy")
    }
}

// MARK: - Adjointness, reuse, errors

@Test("⟨VJP(dx, dy), d⟩ = ⟨(dx, dy), JVP(d)⟩ for both rules", arguments: [DerivativeRule.kkt, .fixedPoint])
func vjpJvpAdjointness(rule: DerivativeRule) throws {
    for seed in [7, 8] as [UInt64] {
        let qp = try implicitRandomQP(n: 25, m: 30, seed: seed)
        let (solver, solution) = try solved(qp)
        try #require(solution.status == .solved)
        let diff = try Differentiator(solver: solver, solution: solution, settings: DifferentiationSettings(rule: rule))
        var g = SeededGenerator(seed: 300 + seed)
        let dx = randomVector(count: qp.n, using: &g)
        let dy = randomVector(count: qp.m, using: &g)
        var d = Gradients.zeros(like: qp.P, qp.A)
        d.dq = randomVector(count: qp.n, using: &g)
        d.dl = randomVector(count: qp.m, using: &g)
        d.du = randomVector(count: qp.m, using: &g)
        d.dP.values = randomVector(count: qp.P.nonzeroCount, using: &g)
        d.dA.values = randomVector(count: qp.A.nonzeroCount, using: &g)
        let (grad, _) = try diff.adjoint(dx: dx, dy: dy)
        let (jx, jy, _) = try diff.jvp(d)
        let lhs = grad.dot(d)
        let rhs = dot(dx, jx) + dot(dy, jy)
        let tolerance = rule == .kkt ? 1e-10 : 1e-8
        #expect(abs(lhs - rhs) <= tolerance * max(1, abs(lhs)), "\(rule) seed \(seed): \(lhs) vs \(rhs)")
    }
}

@Test("forward + backward use one symbolic analysis; several right-hand sides share one numeric factorization")
func factorizationReuse() throws {
    let qp = try implicitRandomQP(n: 30, m: 35, seed: 11)
    // Without polishing the `.kkt` rule factorizes its derivative matrix once (with polishing it can
    // reuse the polish's factorization: see `backwardReusesPolishFactorization`).
    let (solver, solution) = try solved(qp, tightSettings(polish: false))
    let before = try #require(solver.profile)
    let diff = try Differentiator(solver: solver, solution: solution)
    var g = SeededGenerator(seed: 11)
    let (_, first) = try diff.adjoint(dx: randomVector(count: qp.n, using: &g))
    let (_, second) = try diff.adjoint(dx: randomVector(count: qp.n, using: &g))
    let (_, _, third) = try diff.jvp(dq: randomVector(count: qp.n, using: &g))
    let after = try #require(solver.profile)
    #expect(after.symbolicAnalyses == 1)
    #expect(first.symbolicAnalysesTotal == 1 && third.symbolicAnalysesTotal == 1)
    #expect(after.numericFactorizations == before.numericFactorizations + 1)
    // The one numeric factorization is the crossover's (at `init`); the derivative matrix is its factor.
    #expect(first.crossoverFactorizations + first.numericFactorizations == 1 && first.activeSetCertified)
    #expect(second.factorizationReused && third.factorizationReused)

    let fixed = try Differentiator(solver: solver, solution: solution, settings: DifferentiationSettings(rule: .fixedPoint))
    let (_, fp) = try fixed.adjoint(dx: randomVector(count: qp.n, using: &g))
    let end = try #require(solver.profile)
    #expect(fp.factorizationReused && fp.numericFactorizations == 0)
    #expect(end.numericFactorizations == after.numericFactorizations)
    #expect(end.symbolicAnalyses == 1)
}

@Test("a status that is not solved throws a typed error unless the caller opts in")
func unsolvedStatusThrows() throws {
    let qp = try implicitRandomQP(n: 20, m: 24, seed: 12)
    var settings = SolverSettings()
    settings.maxIterations = 5
    settings.polish = false
    settings.interiorPointFallback = false
    let (solver, solution) = try solved(qp, settings)
    try #require(solution.status != .solved)
    #expect(throws: DerivativeError.notSolved(solution.status)) {
        _ = try Differentiator(solver: solver, solution: solution)
    }
    let diff = try Differentiator(solver: solver, solution: solution, settings: DifferentiationSettings(allowInaccurate: true))
    let (_, info) = try diff.adjoint(dx: [Double](repeating: 1, count: qp.n))
    #expect(info.forwardStatus == solution.status)

    // Infeasible: never a gradient, even when opting in.
    let A = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    let bad = try QuadraticProgram(P: CSCMatrix.identity(2), q: [1, 1], A: A, l: [2, -.infinity], u: [.infinity, 1])
    let (s2, sol2) = try solved(bad, SolverSettings())
    try #require(sol2.status.isInfeasible)
    #expect(throws: DerivativeError.notSolved(sol2.status)) {
        _ = try Differentiator(solver: s2, solution: sol2, settings: DifferentiationSettings(allowInaccurate: true))
    }
}

// MARK: - Degenerate conventions

@Test("weakly active constraint: counted, released (derivative on the face where it is inactive)")
func weaklyActiveConvention() throws {
    // min ½‖x‖² − x₁ s.t. x₀ ≤ 0: the unconstrained optimum x = (0, 1) lies on the bound with y = 0.
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 1], rowIndices: [0], values: [1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [0, -1], A: A, l: [-.infinity], u: [0])
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    let (grad, info) = try diff.adjoint(dx: [1, 0])
    #expect(info.weaklyActive == 1 && info.upperActive == 0)
    // Released face: x₀ = −q₀ ⇒ ∂x₀/∂q₀ = −1, ∂x₀/∂u₀ = 0.
    #expect(abs(grad.dq[0] + 1) <= 1e-9)
    #expect(abs(grad.du[0]) <= 1e-12)
    // It is the one-sided derivative for q₀ increasing (the constraint stays released).
    var d = Gradients.zeros(like: qp.P, qp.A)
    d.dq[0] = 1
    let (_, plus) = try solved(perturbed(qp, d, 1e-6))
    #expect(abs((plus.x[0] - solution.x[0]) / 1e-6 - grad.dq[0]) <= 1e-5)
    let jac = try diff.jacobian()
    #expect(abs(jac.dxdq[0][0] + 1) <= 1e-9 && abs(jac.dxdu[0][0]) <= 1e-12)
}

/// min ½‖x‖² + qᵀx, x ∈ ℝ³, with the row x₀ + x₁ ≤ 1 twice; both copies are active at the solution.
func duplicatedActiveRowProblem() throws -> QuadraticProgram {
    let A = try CSCMatrix(rowCount: 2, columnCount: 3, columnPointers: [0, 2, 4, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    return try QuadraticProgram(P: CSCMatrix.identity(3), q: [-2, -1, 0.5], A: A, l: [-.infinity, -.infinity], u: [1, 1])
}

@Test("rank-deficient active set (duplicated active row): dx is unique and matches finite differences")
func rankDeficientActiveRows() throws {
    // min ½‖x‖² + qᵀx with the same row twice, both active at the upper bound.
    let qp = try duplicatedActiveRowProblem()
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    var d = Gradients.zeros(like: qp.P, qp.A)
    d.dq = [0.3, -0.7, 1.1]
    let (dx, _, info) = try diff.jvp(d)
    #expect(info.upperActive == 2)
    #expect(info.converged, "residual \(info.residual)")
    let h = 1e-6
    let (_, plus) = try solved(perturbed(qp, d, h))
    let (_, minus) = try solved(perturbed(qp, d, -h))
    let fdx = (0..<3).map { (plus.x[$0] - minus.x[$0]) / (2 * h) }
    #expect(maxAbsDifference(dx, fdx) <= 1e-6, "\(dx) vs \(fdx)")
}

@Test("dense Jacobian agrees with the JVP")
func jacobianMatchesJVP() throws {
    let qp = try implicitRandomQP(n: 10, m: 12, seed: 21)
    let (solver, solution) = try solved(qp)
    let diff = try Differentiator(solver: solver, solution: solution)
    let jac = try diff.jacobian()
    var g = SeededGenerator(seed: 21)
    let dq = randomVector(count: qp.n, using: &g)
    let (dx, _, _) = try diff.jvp(dq: dq)
    #expect(maxAbsDifference(denseMultiply(jac.dxdq, dq), dx) <= 1e-10)
}

// MARK: - Fixed point

@Test("fixed-point rule agrees with kkt better at a tight forward tolerance than at a loose one")
func fixedPointConvergesToKKT() throws {
    let qp = try implicitRandomQP(n: 20, m: 24, seed: 31)
    let (refSolver, refSolution) = try solved(qp)
    let reference = try Differentiator(solver: refSolver, solution: refSolution)
    var g = SeededGenerator(seed: 31)
    let dx = randomVector(count: qp.n, using: &g)
    let dy = randomVector(count: qp.m, using: &g)
    let (kktGrad, _) = try reference.adjoint(dx: dx, dy: dy)
    func error(at eps: Double) throws -> Double {
        let (s, sol) = try solved(qp, tightSettings(eps: eps, polish: false))
        let fp = try Differentiator(solver: s, solution: sol, settings: DifferentiationSettings(rule: .fixedPoint, allowInaccurate: true))
        let (grad, info) = try fp.adjoint(dx: dx, dy: dy)
        #expect(info.converged)
        return max(maxAbsDifference(grad.dq, kktGrad.dq), maxAbsDifference(grad.dl, kktGrad.dl), maxAbsDifference(grad.du, kktGrad.du),
                   maxAbsDifference(grad.dP.values, kktGrad.dP.values), maxAbsDifference(grad.dA.values, kktGrad.dA.values))
    }
    let loose = try error(at: 1e-3)
    let tight = try error(at: 1e-9)
    #expect(tight < loose, "tight \(tight), loose \(loose)")
    #expect(tight <= 1e-5)
}

// MARK: - Batched layer

func layerBatch(_ qp: QuadraticProgram, count: Int, seed: UInt64) -> [QPParameters] {
    var g = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        QPParameters(PValues: qp.P.values.map { $0 * (1 + 0.01 * g.nextUniform(-1, 1)) },
                     q: qp.q.map { $0 + g.nextUniform(-1, 1) },
                     AValues: qp.A.values.map { $0 * (1 + 0.01 * g.nextUniform(-1, 1)) },
                     l: qp.l, u: qp.u)
    }
}

@Test("QPLayer: concurrent batch equals sequential work bit for bit; one symbolic analysis per batch")
func layerBatchEqualsSequential() throws {
    let qp = try implicitRandomQP(n: 20, m: 16, seed: 41)
    let batch = layerBatch(qp, count: 6, seed: 41)
    let parallel = QPLayer(base: qp, solverSettings: tightSettings(), workers: 2)
    let sequential = QPLayer(base: qp, solverSettings: tightSettings(), workers: 1)
    let sp = try parallel.forward(batch)
    let ss = try sequential.forward(batch)
    #expect(parallel.symbolicAnalyses == 1 && sequential.symbolicAnalyses == 1)
    var g = SeededGenerator(seed: 42)
    let dx = (0..<batch.count).map { _ in randomVector(count: qp.n, using: &g) }
    let bp = try parallel.backward(dx: dx)
    let bs = try sequential.backward(dx: dx)
    for k in 0..<batch.count {
        #expect(sp[k].status == .solved)
        #expect(bitwiseEqual(sp[k].x, ss[k].x) && bitwiseEqual(sp[k].y, ss[k].y), "item \(k)")
        #expect(bp[k].gradients == bs[k].gradients, "item \(k)")
        // And each item agrees with a standalone solve + adjoint of that item.
        let item = try QuadraticProgram(P: CSCMatrix(uncheckedPattern: qp.P.pattern, values: batch[k].PValues), q: batch[k].q,
                                        A: CSCMatrix(uncheckedPattern: qp.A.pattern, values: batch[k].AValues), l: batch[k].l, u: batch[k].u)
        let (solver, solution) = try solved(item)
        let (reference, _) = try Differentiator(solver: solver, solution: solution).adjoint(dx: dx[k])
        #expect(maxAbsDifference(reference.dq, bp[k].gradients.dq) <= 1e-7 * max(1, maxAbs(reference.dq)))
    }
}

@Test("activity thresholds follow the accuracy reached: a polished ε = 1e-3 solve differentiates like a 1e-10 solve")
func thresholdsFollowReachedAccuracy() throws {
    for seed: UInt64 in [51, 52, 53] {
        let qp = try implicitRandomQP(n: 40, m: 32, seed: seed)
        let (looseSolver, loose) = try solved(qp, tightSettings(eps: 1e-3))
        let (tightSolver, tight) = try solved(qp, tightSettings(eps: 1e-10))
        try #require(loose.info.polish == .succeeded && loose.status == .solved && tight.status == .solved)
        var g = SeededGenerator(seed: seed)
        let dx = randomVector(count: qp.n, using: &g)
        let (a, infoA) = try Differentiator(solver: looseSolver, solution: loose).adjoint(dx: dx)
        let (b, _) = try Differentiator(solver: tightSolver, solution: tight).adjoint(dx: dx)
        #expect(infoA.dualActivityTolerance < 1e-6, "τ = \(infoA.dualActivityTolerance)")
        #expect(maxAbsDifference(a.dq, b.dq) <= 1e-6 * max(1, maxAbs(b.dq)), "seed \(seed)")
        #expect(maxAbsDifference(a.dl, b.dl) <= 1e-6 * max(1, maxAbs(b.dl)) && maxAbsDifference(a.du, b.du) <= 1e-6 * max(1, maxAbs(b.du)))
    }
}

@Test("after an accepted polish with the same active rows, the backward pass needs no factorization")
func backwardReusesPolishFactorization() throws {
    for seed: UInt64 in [61, 62, 63] {
        let qp = try implicitRandomQP(n: 40, m: 32, seed: seed)
        let (solver, solution) = try solved(qp)
        try #require(solution.info.polish == .succeeded && solver.polishFactorization != nil)
        let before = try #require(solver.profile)
        var g = SeededGenerator(seed: seed)
        let dx = randomVector(count: qp.n, using: &g)
        let (reused, info) = try Differentiator(solver: solver, solution: solution).adjoint(dx: dx)
        let after = try #require(solver.profile)
        #expect(info.factorizationReused && info.numericFactorizations == 0 && info.converged)
        #expect(after.numericFactorizations == before.numericFactorizations)
        // Same gradients as a derivative matrix factorized for the purpose (no polish to reuse).
        let (plainSolver, plain) = try solved(qp, tightSettings(polish: false))
        let (fresh, freshInfo) = try Differentiator(solver: plainSolver, solution: plain).adjoint(dx: dx)
        #expect(freshInfo.crossoverFactorizations + freshInfo.numericFactorizations == 1)
        #expect(maxAbsDifference(reused.dq, fresh.dq) <= 1e-6 * max(1, maxAbs(fresh.dq)), "seed \(seed)")
        #expect(maxAbsDifference(reused.dA.values, fresh.dA.values) <= 1e-6 * max(1, maxAbs(fresh.dA.values)))
    }
}

@Test("inconsistent derivative system (duplicated active row, one bound perturbed): minimum-norm least squares as the convention, the one-sided derivative by default")
func leastSquaresFallbackOnInconsistentSystem() throws {
    // The same row twice, both active at u = 1. Moving only the first bound makes the linearized
    // active constraints a·dx = t and a·dx = 0 inconsistent; the convention (one-sided JVP off)
    // returns the minimum-norm least-squares solution, whose a·dx is the average t/2 (the two rows
    // carry the same scaling).
    let qp = try duplicatedActiveRowProblem()
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    var convention = DifferentiationSettings()
    convention.oneSidedJVP = false
    let diff = try Differentiator(solver: solver, solution: solution, settings: convention)
    var d = Gradients.zeros(like: qp.P, qp.A)
    let t = 0.3
    d.du = [t, 0]
    let (dx, _, info) = try diff.jvp(d)
    #expect(info.upperActive == 2)
    #expect(info.leastSquaresIterations > 0)
    #expect(info.converged, "normal equations not met: residual \(info.residual)")
    #expect(abs(dx[0] + dx[1] - t / 2) <= 1e-8, "a·dx = \(dx[0] + dx[1])")
    #expect(abs(dx[0] - dx[1]) <= 1e-8 && abs(dx[2]) <= 1e-8, "\(dx)")
    // A consistent right-hand side on the same singular system needs no fallback.
    d.du = [t, t]
    let (dx2, _, info2) = try diff.jvp(d)
    #expect(info2.leastSquaresIterations == 0 && info2.converged)
    #expect(abs(dx2[0] + dx2[1] - t) <= 1e-8)
    // By default the exact one-sided derivative: x = min of the two bounds, so raising one bound
    // leaves a·x at the other (a·dx = 0) and lowering it drags a·x along (a·dx = −t).
    let oneSided = try Differentiator(solver: solver, solution: solution)
    for (du, expected) in [([t, 0.0], 0.0), ([-t, 0.0], -t)] {
        d.du = du
        let (dx3, _, info3) = try oneSided.jvp(d)
        #expect(info3.oneSided && info3.converged)
        #expect(abs(dx3[0] + dx3[1] - expected) <= 1e-7, "du \(du): a·dx = \(dx3[0] + dx3[1])")
        let fd = try forwardDifference(qp, solution, d)
        #expect(maxAbsDifference(dx3, fd.dx) <= 1e-5, "\(dx3) vs \(fd.dx)")
    }
}
