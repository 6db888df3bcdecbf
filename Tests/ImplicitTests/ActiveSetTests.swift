import Testing
import Sparse
import QP
import KKT
import ADMM
import Implicit
import Generators
import TestSupport

// Active-set identification that does not degrade with the forward accuracy, the ambiguity signal,
// and degeneracy detection (issue 18).

/// Generated instances on which the activity threshold τ = 10·a·(1 + max(1, ‖y‖∞)) of a default
/// (ε = 1e-3) solve released genuinely active rows.
let looseInstances: [(ProblemClass, Int, UInt64)] = [(.randomSparse, 200, 1), (.random, 50, 1)]

func generated(_ c: ProblemClass, _ size: Int, _ seed: UInt64) throws -> QuadraticProgram {
    try generate(c, size: size, seed: seed).program
}

/// ‖a − b‖₂ / ‖b‖₂.
func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    var num = 0.0, den = 0.0
    for k in 0..<b.count { num += (a[k] - b[k]) * (a[k] - b[k]); den += b[k] * b[k] }
    return (num / max(den, .leastNormalMagnitude)).squareRoot()
}

@Test("crossover: a default-tolerance solve differentiates like the exact solution (dq, dl, du vs ε = 1e-9 and finite differences)",
      arguments: looseInstances.indices)
func crossoverMatchesExactSolutionMap(index: Int) throws {
    let (c, size, seed) = looseInstances[index]
    let qp = try generated(c, size, seed)
    let (looseSolver, loose) = try solved(qp, SolverSettings())
    let (tightSolver, tight) = try solved(qp, tightSettings(eps: 1e-9))
    try #require(loose.status == .solved && tight.status == .solved)
    let dx = [Double](repeating: 1, count: qp.n)
    let (a, info) = try Differentiator(solver: looseSolver, solution: loose).adjoint(dx: dx)
    let (b, _) = try Differentiator(solver: tightSolver, solution: tight).adjoint(dx: dx)
    #expect(info.activeSetCertified && info.ambiguousRows == 0 && !info.activeSetAmbiguous)
    #expect(info.crossoverRounds >= 1)
    // The point differentiated is the exact solution, within the forward error of the returned one.
    #expect(info.distanceToReturnedPoint <= 1e-1)
    #expect(relativeError(a.dq, b.dq) <= 1e-7, "\(c.rawValue) \(size): dq off by \(relativeError(a.dq, b.dq))")
    #expect(relativeError(a.du, b.du) <= 1e-7 && relativeError(a.dl, b.dl) <= 1e-7)
    // Central finite differences of the exact solution map along a random direction in q.
    var g = SeededGenerator(seed: seed)
    var d = Gradients.zeros(like: qp.P, qp.A)
    d.dq = randomVector(count: qp.n, using: &g)
    let fd = try centralDifference(qp, d, dx: dx, dy: [Double](repeating: 0, count: qp.m), h: 1e-5)
    let scale = b.dq.reduce(0) { $0 + $1 * $1 }.squareRoot() * d.dq.reduce(0) { $0 + $1 * $1 }.squareRoot()
    #expect(abs(dot(a.dq, d.dq) - fd) <= 1e-6 * scale, "⟨dq, d⟩ = \(dot(a.dq, d.dq)), FD \(fd)")
}

@Test("crossover from an unconverged point (20 ADMM iterations, no polish) still reaches the exact active set")
func crossoverFromUnconvergedPoint() throws {
    let qp = try implicitRandomQP(n: 60, m: 70, seed: 81)
    var s = SolverSettings()
    s.maxIterations = 20
    s.polish = false
    s.interiorPointFallback = false
    let (solver, rough) = try solved(qp, s)
    try #require(rough.status == .maxIterations)
    let (tightSolver, tight) = try solved(qp, tightSettings())
    var ds = DifferentiationSettings(allowInaccurate: true)
    ds.crossoverMaxRounds = 50
    var g = SeededGenerator(seed: 81)
    let dx = randomVector(count: qp.n, using: &g)
    let (a, info) = try Differentiator(solver: solver, solution: rough, settings: ds).adjoint(dx: dx)
    let (b, _) = try Differentiator(solver: tightSolver, solution: tight).adjoint(dx: dx)
    #expect(info.activeSetCertified, "rounds \(info.crossoverRounds)")
    #expect(relativeError(a.dq, b.dq) <= 1e-7 && relativeError(a.dA.values, b.dA.values) <= 1e-7
            && relativeError(a.dP.values, b.dP.values) <= 1e-7)
}

@Test("without crossover, rows inside both complementarity bands are counted and adjoint/jvp throw unless allowed")
func ambiguousRowsThrowUnlessAllowed() throws {
    let qp = try generated(.randomSparse, 200, 1)
    // ADMM's point at the default tolerance (`auto` would solve this inequality-only problem by the
    // interior-point method and its polish, which leaves no row in both bands).
    var admm = SolverSettings()
    admm.method = .admm
    let (solver, loose) = try solved(qp, admm)
    try #require(loose.status == .solved)
    var ds = DifferentiationSettings()
    ds.crossover = false
    let d = try Differentiator(solver: solver, solution: loose, settings: ds)
    let dx = [Double](repeating: 1, count: qp.n)
    let result = Result { () throws(DerivativeError) in try d.adjoint(dx: dx) }
    guard case .failure(let error) = result, case .ambiguousActiveSet(let rows, let allowed) = error else {
        Issue.record("adjoint did not throw ambiguousActiveSet: \(result)")
        return
    }
    #expect(rows > 0 && allowed == 0)
    #expect(throws: DerivativeError.ambiguousActiveSet(rows: rows, allowed: 0)) { _ = try d.jvp(dq: dx) }
    #expect(DerivativeError.ambiguousActiveSet(rows: rows, allowed: 0).description.contains("\(rows) constraint rows"))
    // Allowed explicitly, or by a large enough limit: returned, and flagged.
    ds.allowAmbiguous = true
    let (_, flagged) = try Differentiator(solver: solver, solution: loose, settings: ds).adjoint(dx: dx)
    #expect(flagged.activeSetAmbiguous && flagged.ambiguousRows == rows && !flagged.activeSetCertified)
    ds.allowAmbiguous = false
    ds.maxAmbiguousRows = rows
    let (_, limited) = try Differentiator(solver: solver, solution: loose, settings: ds).adjoint(dx: dx)
    #expect(limited.ambiguousRows == rows)
    // An exact point has no ambiguous rows, with or without crossover.
    let (tightSolver, tight) = try solved(qp, tightSettings(eps: 1e-9))
    ds.maxAmbiguousRows = 0
    let (_, exact) = try Differentiator(solver: tightSolver, solution: tight, settings: ds).adjoint(dx: dx)
    #expect(exact.ambiguousRows == 0 && !exact.activeSetAmbiguous)
}

@Test("degeneracy: dependent active rows (duplicated row; an LP vertex with 3 active rows in 2 variables) are reported")
func degeneracyDetection() throws {
    // Duplicated active row: rank 1, two active rows.
    let dup = try duplicatedActiveRowProblem()
    let (s1, sol1) = try solved(dup)
    let (_, i1) = try Differentiator(solver: s1, solution: sol1).adjoint(dx: [1, 0, 0])
    #expect(i1.activeRows == 2 && i1.multipliersUnique == false && i1.degenerate)
    // min −x₀ − x₁ s.t. x₀ ≤ 1, x₁ ≤ 1, x₀ + x₁ ≤ 2, x₀ − x₁ ≤ 0: all four tight at (1, 1).
    let A = try CSCMatrix(rowCount: 4, columnCount: 2, columnPointers: [0, 3, 6], rowIndices: [0, 2, 3, 1, 2, 3],
                          values: [1, 1, 1, 1, 1, -1])
    let lp = try QuadraticProgram(P: CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 0, 0], rowIndices: [], values: []),
                                  q: [-1, -1], A: A, l: [-.infinity, -.infinity, -.infinity, -.infinity], u: [1, 1, 2, 0])
    let (s2, sol2) = try solved(lp)
    try #require(sol2.status == .solved)
    let (_, i2) = try Differentiator(solver: s2, solution: sol2).adjoint(dx: [1, 0])
    #expect(i2.activeRows + i2.weaklyActive >= 3 && i2.degenerate, "\(i2.activeRows) active, \(i2.weaklyActive) weakly active")
    // A generic random QP: independent active rows, unique multipliers, not degenerate.
    let qp = try implicitRandomQP(n: 40, m: 32, seed: 91)
    let (s3, sol3) = try solved(qp)
    let (_, i3) = try Differentiator(solver: s3, solution: sol3).adjoint(dx: [Double](repeating: 1, count: qp.n))
    #expect(i3.activeRows > 0 && i3.multipliersUnique == true && !i3.degenerate)
}

/// One-sided forward difference of (x*, y*) along d: (sol(θ + h·d) − sol(θ)) / h.
func forwardDifference(_ qp: QuadraticProgram, _ base: Solution, _ d: Gradients, h: Double = 1e-6) throws -> (dx: [Double], dy: [Double]) {
    let (_, plus) = try solved(perturbed(qp, d, h))
    try #require(plus.status == .solved)
    return ((0..<qp.n).map { (plus.x[$0] - base.x[$0]) / h }, (0..<qp.m).map { (plus.y[$0] - base.y[$0]) / h })
}

@Test("one-sided JVP at a weakly active bound: the directional-derivative QP matches forward differences in both directions")
func oneSidedJVPAtWeaklyActiveBound() throws {
    // min ½‖x‖² − x₁ s.t. x₀ ≤ 0: x = (0, 1) on the bound with y = 0.
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 1], rowIndices: [0], values: [1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [0, -1], A: A, l: [-.infinity], u: [0])
    let (solver, solution) = try solved(qp)
    let diff = try Differentiator(solver: solver, solution: solution)
    // (direction, expected ∂x₀): q₀ up releases the row (x₀ = −q₀); q₀ down is blocked by it;
    // u₀ down drags x₀ along; u₀ up leaves it.
    let cases: [(dq: [Double], du: [Double], expected: Double)] = [([1, 0], [0], -1), ([-1, 0], [0], 0), ([0, 0], [-1], -1), ([0, 0], [1], 0)]
    for c in cases {
        var d = Gradients.zeros(like: qp.P, qp.A)
        d.dq = c.dq
        d.du = c.du
        let (dx, _, info) = try diff.jvp(d)
        #expect(info.oneSided && info.weaklyActive == 1 && !info.differentiable)
        #expect(abs(dx[0] - c.expected) <= 1e-9, "direction \(c): dx₀ = \(dx[0])")
        let fd = try forwardDifference(qp, solution, d)
        #expect(maxAbsDifference(dx, fd.dx) <= 1e-5, "\(dx) vs \(fd.dx)")
    }
}

@Test("one-sided JVP with a weakly active row beside a strongly active one: random directions in P, q, A, l, u, both signs")
func oneSidedJVPRandomDirections() throws {
    // min ½‖x − (1, 1)‖² s.t. x₀ + x₁ ≤ 1 (y = ½), x₀ − x₁ ≤ 0 (tight, y = 0), −5 ≤ x₀ ≤ 5 (inactive).
    let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 3, 5], rowIndices: [0, 1, 2, 0, 1], values: [1, 1, 1, 1, -1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [-1, -1], A: A, l: [-.infinity, -.infinity, -5], u: [1, 0, 5])
    let (solver, solution) = try solved(qp)
    let diff = try Differentiator(solver: solver, solution: solution)
    var g = SeededGenerator(seed: 123)
    var enforcedSeen = Set<Int>()
    for _ in 0..<6 {
        var d = Gradients.zeros(like: qp.P, qp.A)
        d.dP.values = randomVector(count: qp.P.nonzeroCount, using: &g)
        d.dq = randomVector(count: 2, using: &g)
        d.dA.values = randomVector(count: qp.A.nonzeroCount, using: &g)
        d.dl = [0, 0, g.nextUniform(-1, 1)]
        d.du = randomVector(count: 3, using: &g)
        for sign in [1.0, -1.0] {
            let s = scaled(d, sign)
            let (dx, dy, info) = try diff.jvp(s)
            #expect(info.oneSided && info.converged)
            enforcedSeen.insert(info.enforcedWeaklyActive)
            let fd = try forwardDifference(qp, solution, s)
            #expect(maxAbsDifference(dx, fd.dx) <= 1e-5, "dx \(dx) vs \(fd.dx)")
            #expect(maxAbsDifference(dy, fd.dy) <= 1e-5, "dy \(dy) vs \(fd.dy)")
        }
    }
    // Both branches of the weakly active row were exercised.
    #expect(enforcedSeen == [0, 1])
}

@Test("crossover without polishing: an unpolished ε = 1e-3 ADMM point differentiates like the exact solution",
      arguments: [(ProblemClass.control, 10, UInt64(4)), (.svm, 20, 3)].indices)
func crossoverWithoutPolish(index: Int) throws {
    let (c, size, seed) = [(ProblemClass.control, 10, UInt64(4)), (.svm, 20, 3)][index]
    let qp = try generated(c, size, seed)
    var s = SolverSettings()
    s.polish = false
    let (looseSolver, loose) = try solved(qp, s)
    let (tightSolver, tight) = try solved(qp, tightSettings(eps: 1e-9))
    try #require(loose.status == .solved && tight.status == .solved)
    var g = SeededGenerator(seed: seed)
    let dx = randomVector(count: qp.n, using: &g)
    let (a, info) = try Differentiator(solver: looseSolver, solution: loose).adjoint(dx: dx)
    let (b, _) = try Differentiator(solver: tightSolver, solution: tight).adjoint(dx: dx)
    #expect(info.activeSetCertified && info.ambiguousRows == 0)
    #expect(relativeError(a.dq, b.dq) <= 1e-7, "\(c.rawValue): dq off by \(relativeError(a.dq, b.dq))")
    #expect(relativeError(a.dA.values, b.dA.values) <= 1e-6 && relativeError(a.du, b.du) <= 1e-7 && relativeError(a.dl, b.dl) <= 1e-7)
}

/// min −3x₀ − 2x₁ s.t. x₀ ≤ 1, x₁ ≤ 1, x₀ + x₁ ≤ 2: a degenerate vertex (1, 1) with three active rows
/// in two variables (multipliers not unique; the minimum-norm ones, (4, 1, 5)/3, are all positive).
/// x₀ = min(u₀, u₂) is differentiable there; x₁ = min(u₁, u₂ − x₀) is not.
func degenerateVertexLP() throws -> QuadraticProgram {
    let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 2, 1, 2], values: [1, 1, 1, 1])
    return try QuadraticProgram(P: CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 0, 0], rowIndices: [], values: []),
                                q: [-3, -2], A: A, l: [-.infinity, -.infinity, -.infinity], u: [1, 1, 2])
}

@Test("VJP at a degenerate vertex: the true gradient where the loss is differentiable (pieces agree), the flagged convention where not")
func vjpAtDegenerateVertex() throws {
    let lp = try degenerateVertexLP()
    let (solver, solution) = try solved(lp)
    try #require(solution.status == .solved)
    // The enumeration (the null-space test, which decides first by default, is off here; it is
    // tested on the same vertex in `vjpAtDependentRowsWithoutEnumeration`).
    var enumerate = DifferentiationSettings()
    enumerate.maxDependentTightRows = 0
    let diff = try Differentiator(solver: solver, solution: solution, settings: enumerate)
    // One-sided differences of x along each u_i, both directions.
    func oneSided(_ i: Int, _ sign: Double) throws -> [Double] {
        var d = Gradients.zeros(like: lp.P, lp.A)
        d.du[i] = sign
        return try forwardDifference(lp, solution, d).dx.map { sign * $0 }
    }
    let plus = try (0..<3).map { try oneSided($0, 1) }, minus = try (0..<3).map { try oneSided($0, -1) }
    // L = x₀: one-sided derivatives agree, (1, 0, 0).
    let (g0, i0) = try diff.adjoint(dx: [1, 0])
    // All three rows active with their minimum-norm multipliers: dependent rows.
    #expect(i0.degenerate && i0.upperActive == 3 && i0.multipliersUnique == false)
    #expect(i0.differentiable && i0.pieces == 2, "pieces \(i0.pieces)")
    for i in 0..<3 {
        #expect(abs(plus[i][0] - minus[i][0]) <= 1e-5)
        #expect(abs(g0.du[i] - plus[i][0]) <= 1e-6, "du[\(i)] = \(g0.du[i]), FD \(plus[i][0])")
    }
    // Without the enumeration the convention is the minimum-norm adjoint, (2, −1, 1)/3: not a gradient.
    var conventionOnly = DifferentiationSettings()
    conventionOnly.maxPieceRows = 0
    conventionOnly.maxDependentTightRows = 0
    let (gc, ic) = try Differentiator(solver: solver, solution: solution, settings: conventionOnly).adjoint(dx: [1, 0])
    #expect(!ic.differentiable && ic.pieces == 0)
    #expect(maxAbsDifference(gc.du, [2.0 / 3, -1.0 / 3, 1.0 / 3]) <= 1e-6, "\(gc.du)")
    // The q-gradient of x₀ is 0 on both pieces (a vertex moves only with the bounds).
    #expect(maxAbs(g0.dq) <= 1e-9)
    // L = x₁: the one-sided derivatives along u₀ differ (0 and −1): not differentiable, flagged.
    #expect(abs(plus[0][1] - minus[0][1]) > 0.5)
    let (_, i1) = try diff.adjoint(dx: [0, 1])
    #expect(!i1.differentiable && i1.pieces == 2 && i1.degenerate)
    // The pieces were enumerated by the first call; this one only solves.
    #expect(i0.numericFactorizations > 0 && i1.numericFactorizations == 0)
}

@Test("VJP at a weakly active bound: two pieces with different gradients, the released convention, flagged")
func vjpAtWeaklyActiveBoundIsFlagged() throws {
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 1], rowIndices: [0], values: [1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [0, -1], A: A, l: [-.infinity], u: [0])
    let (solver, solution) = try solved(qp)
    let (g, info) = try Differentiator(solver: solver, solution: solution).adjoint(dx: [1, 0])
    #expect(!info.differentiable && info.weaklyActive == 1)
    #expect(abs(g.dq[0] + 1) <= 1e-9 && abs(g.du[0]) <= 1e-12)
    // L = x₁ does not see the row: both pieces agree, a true gradient.
    let (g1, info1) = try Differentiator(solver: solver, solution: solution).adjoint(dx: [0, 1])
    #expect(info1.differentiable)
    #expect(abs(g1.dq[1] + 1) <= 1e-9 && abs(g1.du[0]) <= 1e-12)
}

/// A random direction in every part of the data (P, q, A, l, u), times `sign`.
func randomDirection(_ qp: QuadraticProgram, using g: inout SeededGenerator) -> Gradients {
    var d = Gradients.zeros(like: qp.P, qp.A)
    d.dP.values = randomVector(count: qp.P.nonzeroCount, using: &g)
    d.dq = randomVector(count: qp.n, using: &g)
    d.dA.values = randomVector(count: qp.A.nonzeroCount, using: &g)
    d.dl = (0..<qp.m).map { qp.l[$0].isFinite ? g.nextUniform(-1, 1) : 0 }
    d.du = (0..<qp.m).map { qp.u[$0].isFinite ? g.nextUniform(-1, 1) : 0 }
    return d
}

func scaled(_ d: Gradients, _ s: Double) -> Gradients {
    var r = d
    r.dP.values = d.dP.values.map { s * $0 }
    r.dq = d.dq.map { s * $0 }
    r.dA.values = d.dA.values.map { s * $0 }
    r.dl = d.dl.map { s * $0 }
    r.du = d.du.map { s * $0 }
    return r
}

@Test("one-sided JVP with dependent active rows (degenerate LP vertex, duplicated rows, three tight rows in two variables): matches forward differences in random directions, both signs",
      arguments: 0..<3)
func oneSidedJVPWithDependentRows(index: Int) throws {
    let qp: QuadraticProgram
    switch index {
    case 0:
        qp = try degenerateVertexLP()
    case 1:
        // min ½‖x − (2, 2)‖² s.t. x₀ ≤ 1 (twice), x₁ ≤ 1: the duplicated rows share one multiplier.
        let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 2, 3], rowIndices: [0, 1, 2], values: [1, 1, 1])
        qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [-2, -2], A: A, l: [-.infinity, -.infinity, -.infinity], u: [1, 1, 1])
    default:
        // min ½‖x − (2, 2)‖² s.t. x₀ ≤ 1, x₁ ≤ 1, x₀ + x₁ ≤ 2, −5 ≤ x₀ − x₁ ≤ 5: three tight rows in two variables.
        let A = try CSCMatrix(rowCount: 4, columnCount: 2, columnPointers: [0, 3, 6], rowIndices: [0, 2, 3, 1, 2, 3], values: [1, 1, 1, 1, 1, -1])
        qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [-2, -2], A: A, l: [-.infinity, -.infinity, -.infinity, -5], u: [1, 1, 2, 5])
    }
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    var g = SeededGenerator(seed: 77 + UInt64(index))
    for _ in 0..<5 {
        let d = randomDirection(qp, using: &g)
        for sign in [1.0, -1.0] {
            let s = scaled(d, sign)
            let (dx, _, info) = try diff.jvp(s)
            #expect(info.multipliersUnique == false && info.oneSided && info.converged)
            let fd = try forwardDifference(qp, solution, s)
            #expect(maxAbsDifference(dx, fd.dx) <= 1e-5, "case \(index): dx \(dx) vs \(fd.dx)")
        }
    }
    // The minimum-norm convention (one-sided JVP off) differs from the one-sided derivative somewhere.
    var off = DifferentiationSettings()
    off.oneSidedJVP = false
    let plain = try Differentiator(solver: solver, solution: solution, settings: off)
    var differs = false
    var g2 = SeededGenerator(seed: 5)
    for _ in 0..<5 {
        let d = randomDirection(qp, using: &g2)
        let a = try plain.jvp(d), b = try diff.jvp(d)
        #expect(!a.info.oneSided)
        if maxAbsDifference(a.dx, b.dx) > 1e-4 { differs = true }
    }
    #expect(differs)
}

@Test("VJP with many weakly active rows (12, beyond the piece enumeration): the orthogonality test finds the true gradient where L is differentiable and flags it where not, checked with one-sided differences")
func vjpWithManyWeaklyActiveRows() throws {
    // min ½‖x‖² − x₁₂ − x₁₃ s.t. x_k ≤ 0 (k < 12): x = (0, …, 0, 1, 1) with every bound tight and y = 0;
    // one strongly active row x₁₂ + x₁₃ ≤ 1 beside them (its multiplier ½ > 0).
    let n = 14, weak = 12
    var cp = [0], ri: [Int] = [], vals: [Double] = []
    for j in 0..<n {
        if j < weak { ri.append(j); vals.append(1) } else { ri.append(weak); vals.append(1) }
        cp.append(ri.count)
    }
    let A = try CSCMatrix(rowCount: weak + 1, columnCount: n, columnPointers: cp, rowIndices: ri, values: vals)
    var q = [Double](repeating: 0, count: n)
    q[12] = -1; q[13] = -1
    let qp = try QuadraticProgram(P: CSCMatrix.identity(n), q: q, A: A, l: [Double](repeating: -.infinity, count: weak + 1),
                                  u: [Double](repeating: 0, count: weak) + [1])
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    // L = x₁₂ − x₁₃ does not see the weak rows: differentiable; L = x₀ + x₁₂ does (x₀ = min(0, −q₀)).
    var smooth = [Double](repeating: 0, count: n), kinked = smooth
    smooth[12] = 1; smooth[13] = -1
    kinked[0] = 1; kinked[12] = 1
    let diff = try Differentiator(solver: solver, solution: solution)
    let (gs, infoS) = try diff.adjoint(dx: smooth)
    #expect(infoS.weaklyActive == weak && infoS.multipliersUnique == true && infoS.pieces == 0)
    #expect(infoS.differentiable)
    let (_, infoK) = try diff.adjoint(dx: kinked)
    #expect(!infoK.differentiable && infoK.degenerate)
    // The smooth loss: the gradient agrees with one-sided differences in both directions along q and u.
    var g = SeededGenerator(seed: 12)
    for _ in 0..<3 {
        var d = Gradients.zeros(like: qp.P, qp.A)
        d.dq = randomVector(count: n, using: &g)
        d.du = randomVector(count: weak + 1, using: &g)
        let predicted = dot(gs.dq, d.dq) + dot(gs.du, d.du)
        for sign in [1.0, -1.0] {
            let fd = try forwardDifference(qp, solution, scaled(d, sign))
            #expect(abs(sign * dot(smooth, fd.dx) - predicted) <= 1e-5, "FD \(sign * dot(smooth, fd.dx)) vs \(predicted)")
        }
    }
    // The kinked loss: one-sided derivatives along q₀ differ (−1 and 0).
    var d0 = Gradients.zeros(like: qp.P, qp.A)
    d0.dq[0] = 1
    let up = try forwardDifference(qp, solution, d0), down = try forwardDifference(qp, solution, scaled(d0, -1))
    #expect(abs(dot(kinked, up.dx) + dot(kinked, down.dx)) > 0.5)
}

/// min −3x₀ − 2x₁ s.t. x₀ ≤ 1, then `copies` copies each of x₁ ≤ 1 and x₀ + x₁ ≤ 2: a degenerate
/// vertex (1, 1) with 1 + 2·copies tight rows in two variables (copies = 1: `degenerateVertexLP`).
func degenerateVertexLP(copies: Int) throws -> QuadraticProgram {
    let m = 1 + 2 * copies
    var col0: [Int] = [0], col1: [Int] = []
    for c in 0..<copies { col1.append(1 + c); col0.append(1 + copies + c); col1.append(1 + copies + c) }
    col0.sort(); col1.sort()
    let A = try CSCMatrix(rowCount: m, columnCount: 2, columnPointers: [0, col0.count, col0.count + col1.count],
                          rowIndices: col0 + col1, values: [Double](repeating: 1, count: col0.count + col1.count))
    return try QuadraticProgram(P: CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 0, 0], rowIndices: [], values: []),
                                q: [-3, -2], A: A, l: [Double](repeating: -.infinity, count: m),
                                u: [1] + [Double](repeating: 1, count: copies) + [Double](repeating: 2, count: copies))
}

@Test("VJP at dependent tight rows without enumeration (11 tight rows in 2 variables; the 3-row vertex with enumeration off): true gradient where differentiable, checked with one-sided differences, flagged where not",
      arguments: [1, 5])
func vjpAtDependentRowsWithoutEnumeration(copies: Int) throws {
    let lp = try degenerateVertexLP(copies: copies)
    let (solver, solution) = try solved(lp)
    try #require(solution.status == .solved)
    var settings = DifferentiationSettings()
    settings.maxPieceRows = 0
    let diff = try Differentiator(solver: solver, solution: solution, settings: settings)
    // L = x₀ = min(u₀, u_sum − x₁, …): differentiable here, gradient e₀ in u.
    let (g, info) = try diff.adjoint(dx: [1, 0])
    #expect(info.multipliersUnique == false && info.pieces == 0)
    #expect(info.differentiable)
    var expected = [Double](repeating: 0, count: lp.m)
    expected[0] = 1
    #expect(maxAbsDifference(g.du, expected) <= 1e-7, "\(g.du)")
    #expect(maxAbs(g.dq) <= 1e-9)
    var gen = SeededGenerator(seed: UInt64(copies))
    for _ in 0..<3 {
        var d = Gradients.zeros(like: lp.P, lp.A)
        d.du = randomVector(count: lp.m, using: &gen)
        d.dq = randomVector(count: 2, using: &gen)
        d.dA.values = randomVector(count: lp.A.nonzeroCount, using: &gen)
        let predicted = dot(g.du, d.du) + dot(g.dq, d.dq) + dot(g.dA.values, d.dA.values)
        for sign in [1.0, -1.0] {
            let fd = try forwardDifference(lp, solution, scaled(d, sign))
            #expect(abs(sign * fd.dx[0] - predicted) <= 1e-5, "one-sided \(sign * fd.dx[0]) vs \(predicted)")
        }
    }
    // L = x₁: one-sided derivatives along u₀ are 0 and −1: flagged, not a gradient.
    let (_, info1) = try diff.adjoint(dx: [0, 1])
    #expect(!info1.differentiable && info1.degenerate)
    var d0 = Gradients.zeros(like: lp.P, lp.A)
    d0.du[0] = 1
    let up = try forwardDifference(lp, solution, d0), down = try forwardDifference(lp, solution, scaled(d0, -1))
    #expect(abs(up.dx[1] + down.dx[1]) > 0.5)
}

@Test("VJP at ten duplicated rows (QP): L = x₁ (independent row) is differentiable, L = x₀ = min of the ten bounds is flagged")
func vjpAtDuplicatedRows() throws {
    // min ½‖x − (2, 2)‖² s.t. x₀ ≤ 1 ten times, x₁ ≤ 1.
    let copies = 10
    let A = try CSCMatrix(rowCount: copies + 1, columnCount: 2, columnPointers: [0, copies, copies + 1],
                          rowIndices: Array(0...copies), values: [Double](repeating: 1, count: copies + 1))
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [-2, -2], A: A, l: [Double](repeating: -.infinity, count: copies + 1),
                                  u: [Double](repeating: 1, count: copies + 1))
    let (solver, solution) = try solved(qp)
    try #require(solution.status == .solved)
    let diff = try Differentiator(solver: solver, solution: solution)
    let (g, info) = try diff.adjoint(dx: [0, 1])
    #expect(info.multipliersUnique == false && info.differentiable && info.pieces == 0)
    #expect(abs(g.du[copies] - 1) <= 1e-7 && maxAbs(Array(g.du[0..<copies])) <= 1e-7, "\(g.du)")
    #expect(maxAbs(g.dq) <= 1e-7)
    let (_, info0) = try diff.adjoint(dx: [1, 0])
    #expect(!info0.differentiable)
}
