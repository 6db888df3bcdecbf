import Testing
import Sparse
import QP
import KKT
import ADMM
import TestSupport

// The interior-point method as a first-class solver: its own settings (validated, passed through) and
// infeasibility certificates of its own (ADMM's form and test) when it runs first.

// MARK: Independent certificate checks (unscaled data, no solver code)

/// A primal infeasibility certificate δy: ‖δy‖∞ = 1, nonzero only on sides with a finite bound of
/// the right sign, ‖Aᵀδy‖∞ ≤ `tolerance`, and uᵀδy₊ + lᵀδy₋ < −(a margin that ‖Aᵀδy‖₁ times a
/// feasible x's size cannot close).
func checkPrimalCertificate(_ qp: QuadraticProgram, _ c: [Double], tolerance: Double = 1e-5,
                            feasibleRadius: Double = 1e3) -> String? {
    guard c.count == qp.m, c.allSatisfy(\.isFinite) else { return "size or non-finite" }
    let norm = c.map(abs).max() ?? 0
    guard abs(norm - 1) <= 1e-12 else { return "‖δy‖∞ = \(norm)" }
    var support = 0.0
    for i in 0..<qp.m {
        if c[i] > 0 { guard qp.u[i] < .infinity else { return "δy[\(i)] > 0 on an infinite upper bound" }; support += qp.u[i] * c[i] }
        if c[i] < 0 { guard qp.l[i] > -.infinity else { return "δy[\(i)] < 0 on an infinite lower bound" }; support += qp.l[i] * c[i] }
    }
    let atc = qp.A.transposeMultiply(c)
    let atInf = atc.map(abs).max() ?? 0, atOne = atc.reduce(0) { $0 + abs($1) }
    guard atInf <= tolerance else { return "‖Aᵀδy‖∞ = \(atInf)" }
    // Any x with Ax ∈ [l, u] has δyᵀAx ≤ support and δyᵀAx ≥ −‖Aᵀδy‖₁‖x‖∞: none within the radius.
    guard support < -feasibleRadius * atOne, support < -1e-3 else { return "support \(support), ‖Aᵀδy‖₁ \(atOne)" }
    return nil
}

/// A dual infeasibility certificate δx: ‖δx‖∞ = 1, ‖Pδx‖∞ ≤ `tolerance`, qᵀδx < 0, and Aδx in the
/// recession cone of [l, u] up to `tolerance`.
func checkDualCertificate(_ qp: QuadraticProgram, _ c: [Double], tolerance: Double = 1e-6) -> String? {
    guard c.count == qp.n, c.allSatisfy(\.isFinite) else { return "size or non-finite" }
    let norm = c.map(abs).max() ?? 0
    guard abs(norm - 1) <= 1e-12 else { return "‖δx‖∞ = \(norm)" }
    let pc = qp.P.symmetricUpperMultiply(c)
    guard (pc.map(abs).max() ?? 0) <= tolerance else { return "‖Pδx‖∞ = \(pc.map(abs).max() ?? 0)" }
    let qc = zip(qp.q, c).reduce(0) { $0 + $1.0 * $1.1 }
    guard qc < -1e-3 else { return "qᵀδx = \(qc)" }
    let ac = qp.A.multiply(c)
    for i in 0..<qp.m {
        if qp.u[i] < .infinity, ac[i] > tolerance { return "(Aδx)[\(i)] = \(ac[i]) > 0 on a finite upper bound" }
        if qp.l[i] > -.infinity, ac[i] < -tolerance { return "(Aδx)[\(i)] = \(ac[i]) < 0 on a finite lower bound" }
    }
    return nil
}

// MARK: Problems

/// x₀ + x₁ ≥ 2 and x₀ + x₁ ≤ 1.
func smallPrimalInfeasible() throws -> QuadraticProgram {
    let A = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    return try QuadraticProgram(P: CSCMatrix.identity(2), q: [1, 1], A: A, l: [2, -.infinity], u: [.infinity, 1])
}

/// A random QP whose rows are boxes −1 ≤ aᵢᵀx ≤ 1 (every fourth an equality aᵢᵀx = 0), plus a row
/// Σ_{i<k} aᵢᵀx ≥ k + 1/2: infeasible, since that sum is at most k.
func randomPrimalInfeasible(n: Int, m: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    let P = randomPSDUpper(n: n, density: min(1, 3.0 / Double(n)), shift: 1e-2, using: &g)
    let A0 = randomSparse(rows: m, columns: n, density: min(1, 4.0 / Double(n)), using: &g)
    let k = m / 2
    var b = TripletBuilder(rowCount: m + 1, columnCount: n)
    var sum = [Double](repeating: 0, count: n)
    for j in 0..<n {
        for p in A0.columnPointers[j]..<A0.columnPointers[j + 1] {
            let i = A0.rowIndices[p], v = A0.values[p]
            b.append(row: i, column: j, value: v)
            if i < k { sum[j] += v }
        }
    }
    for j in 0..<n where sum[j] != 0 { b.append(row: m, column: j, value: sum[j]) }
    var l = [Double](repeating: -1, count: m + 1), u = [Double](repeating: 1, count: m + 1)
    for i in stride(from: k, to: m, by: 4) { l[i] = 0; u[i] = 0 }
    l[m] = Double(k) + 0.5; u[m] = .infinity
    let q = randomVector(count: n, using: &g)
    return try QuadraticProgram(P: P, q: q, A: b.build(), l: l, u: u)
}

/// min −x₀ − x₁ s.t. x₀ − x₁ ∈ [−1, 1], x ≥ 0: unbounded along (1, 1).
func smallDualInfeasible() throws -> QuadraticProgram {
    let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 2], values: [1, 1, -1, 1])
    return try QuadraticProgram(P: CSCMatrix.zeros(rowCount: 2, columnCount: 2), q: [-1, -1], A: A,
                                l: [-1, 0, 0], u: [1, .infinity, .infinity])
}

/// A random QP in the first n − f variables (P positive definite there, box rows), and f more
/// variables with no curvature, q_j = −1 and only x_j ≥ 0 (plus one row x_j − x_{j+1} ≤ 1 coupling
/// neighbours): unbounded along the sum of their unit vectors.
func randomDualInfeasible(n: Int, m: Int, free f: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    let core = n - f
    let P0 = randomPSDUpper(n: core, density: min(1, 3.0 / Double(core)), shift: 1e-2, using: &g)
    let A0 = randomSparse(rows: m, columns: core, density: min(1, 4.0 / Double(core)), using: &g)
    var pb = TripletBuilder(rowCount: n, columnCount: n)
    for j in 0..<core {
        for p in P0.columnPointers[j]..<P0.columnPointers[j + 1] { pb.append(row: P0.rowIndices[p], column: j, value: P0.values[p]) }
    }
    let rows = m + f + (f - 1)
    var ab = TripletBuilder(rowCount: rows, columnCount: n)
    for j in 0..<core {
        for p in A0.columnPointers[j]..<A0.columnPointers[j + 1] { ab.append(row: A0.rowIndices[p], column: j, value: A0.values[p]) }
    }
    var l = [Double](repeating: -1, count: rows), u = [Double](repeating: 1, count: rows)
    for t in 0..<f {
        ab.append(row: m + t, column: core + t, value: 1)
        l[m + t] = 0; u[m + t] = .infinity
    }
    for t in 0..<(f - 1) {
        ab.append(row: m + f + t, column: core + t, value: 1)
        ab.append(row: m + f + t, column: core + t + 1, value: -1)
        l[m + f + t] = -.infinity; u[m + f + t] = 1
    }
    var q = randomVector(count: n, using: &g)
    for t in 0..<f { q[core + t] = -1 }
    return try QuadraticProgram(P: pb.build(), q: q, A: ab.build(), l: l, u: u)
}

func interiorPointFirst(_ tolerance: Double = 1e-3) -> SolverSettings {
    var s = SolverSettings()
    s.method = .interiorPoint
    s.epsAbs = tolerance
    s.epsRel = tolerance
    return s
}

// MARK: Settings

@Test("interior-point settings: invalid values are typed errors naming the setting, at setup and on update",
      arguments: [
        ("interiorPointRegularization", 0.0), ("interiorPointRegularization", 1.0), ("interiorPointRegularization", -1e-8),
        ("interiorPointRegularization", .nan), ("interiorPointTargetFactor", 0.0), ("interiorPointTargetFactor", 1.5),
        ("interiorPointTargetFactor", .infinity), ("interiorPointStallIterations", 0.0), ("interiorPointStallIterations", -3.0),
      ])
func interiorPointSettingsValidation(name: String, value: Double) throws {
    var s = SolverSettings()
    switch name {
    case "interiorPointRegularization": s.interiorPointRegularization = value
    case "interiorPointTargetFactor": s.interiorPointTargetFactor = value
    default: s.interiorPointStallIterations = Int(value)
    }
    #expect(throws: SolverError.self) { try s.validate() }
    do { try s.validate() } catch {
        guard case .invalidSettings(let message) = error else { Issue.record("\(error)"); return }
        #expect(message.hasPrefix(name + " must be"), "\(message)")
    }
    let qp = try randomQP(n: 10, m: 8, seed: 3)
    #expect(throws: SolverError.self) { _ = try ADMMSolver(problem: qp, settings: s) }
    let solver = try ADMMSolver(problem: qp)
    #expect(throws: SolverError.self) { try solver.update(settings: s) }
}

@Test("interior-point settings: the defaults are the documented ones and valid at their bounds")
func interiorPointSettingsDefaults() throws {
    var s = SolverSettings()
    #expect(s.interiorPointRegularization == 1e-8 && s.interiorPointTargetFactor == 1e-2 && s.interiorPointStallIterations == 30)
    s.interiorPointTargetFactor = 1
    s.interiorPointStallIterations = 1
    s.interiorPointRegularization = 0.5
    try s.validate()
}

@Test("interior-point target factor: the method stops within that fraction of the tolerances (εrel = 0, so the tolerance is εabs), later for a smaller factor",
      arguments: [UInt64(31), 32])
func interiorPointTargetFactorIsUsed(seed: UInt64) throws {
    let qp = try randomQP(n: 60, m: 50, seed: seed)
    var s = interiorPointFirst()
    s.epsAbs = 1e-3
    s.epsRel = 0
    s.polish = false
    var iterations: [Int] = []
    for factor in [1, 1e-2, 1e-4] {
        s.interiorPointTargetFactor = factor
        let solution = try ADMMSolver(problem: qp, settings: s).solve()
        #expect(solution.status == .solved && solution.info.iterations == 0)
        let i = solution.info
        #expect(i.primalResidual <= factor * s.epsAbs && i.dualResidual <= factor * s.epsAbs && i.dualityGap <= factor * s.epsAbs,
                "factor \(factor): \(i.primalResidual) \(i.dualResidual) \(i.dualityGap)")
        iterations.append(solution.info.interiorPointIterations)
    }
    #expect(iterations[0] <= iterations[1] && iterations[1] < iterations[2], "\(iterations)")
}

@Test("interior-point stall limit: a limit of one iteration stops every attempt early (fewer iterations than the default)")
func interiorPointStallLimitIsUsed() throws {
    let qp = try randomQP(n: 60, m: 50, seed: 31)
    var s = interiorPointFirst(1e-6)
    s.interiorPointFallback = false
    let reference = try ADMMSolver(problem: qp, settings: s).solve()
    s.interiorPointStallIterations = 1
    let stalled = try ADMMSolver(problem: qp, settings: s).solve()
    // Mehrotra's iterations do not halve the residual ratio at every step: with a limit of one the
    // attempts stop at the first that does not, and ADMM finishes the solve.
    #expect(stalled.info.interiorPointIterations < reference.info.interiorPointIterations,
            "\(stalled.info.interiorPointIterations) vs \(reference.info.interiorPointIterations)")
    #expect(stalled.status == .solved)
}

// MARK: Infeasibility certificates from the interior-point method

@Test("method interior-point on primal infeasible problems: status primal_infeasible with a certificate that passes an independent check, and no ADMM iteration",
      arguments: [0, 1, 2, 3])
func interiorPointPrimalInfeasible(index: Int) throws {
    let qp = index == 0 ? try smallPrimalInfeasible() : try randomPrimalInfeasible(n: 30 * index, m: 25 * index, seed: UInt64(70 + index))
    for tolerance in [1e-3, 1e-6] {
        let solution = try ADMMSolver(problem: qp, settings: interiorPointFirst(tolerance)).solve()
        #expect(solution.status == .primalInfeasible, "\(index): \(solution.status)")
        #expect(solution.info.iterations == 0 && solution.info.method == .interiorPoint)
        #expect(solution.info.interiorPoint == .succeeded && solution.info.interiorPointIterations > 0)
        #expect(solution.dualInfeasibilityCertificate == nil && solution.x.isEmpty && solution.info.objective == .infinity)
        let c = try #require(solution.primalInfeasibilityCertificate)
        #expect(checkPrimalCertificate(qp, c) == nil, "\(index) ε \(tolerance): \(checkPrimalCertificate(qp, c) ?? "")")
    }
}

@Test("method interior-point on dual infeasible (unbounded) problems: status dual_infeasible with a certificate that passes an independent check, and no ADMM iteration",
      arguments: [0, 1, 2, 3])
func interiorPointDualInfeasible(index: Int) throws {
    let qp = index == 0 ? try smallDualInfeasible() : try randomDualInfeasible(n: 30 * index, m: 20 * index, free: 2 + index, seed: UInt64(80 + index))
    for tolerance in [1e-3, 1e-6] {
        let solution = try ADMMSolver(problem: qp, settings: interiorPointFirst(tolerance)).solve()
        #expect(solution.status == .dualInfeasible, "\(index): \(solution.status)")
        #expect(solution.info.iterations == 0 && solution.info.method == .interiorPoint)
        #expect(solution.info.interiorPoint == .succeeded && solution.info.interiorPointIterations > 0)
        #expect(solution.primalInfeasibilityCertificate == nil && solution.x.isEmpty && solution.info.objective == -.infinity)
        let c = try #require(solution.dualInfeasibilityCertificate)
        #expect(checkDualCertificate(qp, c) == nil, "\(index) ε \(tolerance): \(checkDualCertificate(qp, c) ?? "")")
    }
}

@Test("ADMM and the interior-point method agree on the verdict of infeasible problems (the same test)")
func admmAndInteriorPointAgreeOnInfeasibility() throws {
    for qp in [try randomPrimalInfeasible(n: 40, m: 30, seed: 91), try randomDualInfeasible(n: 40, m: 30, free: 3, seed: 92)] {
        var s = SolverSettings()
        s.method = .admm
        s.interiorPointFallback = false
        let admm = try ADMMSolver(problem: qp, settings: s).solve()
        let ip = try ADMMSolver(problem: qp, settings: interiorPointFirst()).solve()
        #expect(admm.status.isInfeasible && admm.status == ip.status, "\(admm.status) vs \(ip.status)")
        #expect(admm.info.iterations > 0 && ip.info.iterations == 0)
    }
}

@Test("after ADMM's iteration limit, the interior-point stage returns the certificate ADMM did not reach")
func interiorPointStageSuppliesCertificateAfterADMM() throws {
    let qp = try randomPrimalInfeasible(n: 60, m: 50, seed: 93)
    var s = SolverSettings()
    s.maxIterations = 10
    s.checkTermination = 25
    let solution = try ADMMSolver(problem: qp, settings: s).solve()
    #expect(solution.status == .primalInfeasible && solution.info.iterations == 10)
    #expect(solution.info.interiorPoint == .succeeded && solution.x.isEmpty && solution.y.isEmpty)
    // No point is returned, so no residuals (as after ADMM's own verdicts), not ADMM's last ones.
    #expect(solution.info.primalResidual.isNaN && solution.info.dualResidual.isNaN && solution.info.dualityGap.isNaN)
    let c = try #require(solution.primalInfeasibilityCertificate)
    #expect(checkPrimalCertificate(qp, c) == nil, "\(checkPrimalCertificate(qp, c) ?? "")")
}

@Test("method interior-point on feasible problems with unbounded-looking data (far optimum, free variables) does not declare infeasibility",
      arguments: [UInt64(11), 12, 13])
func interiorPointNoFalseCertificate(seed: UInt64) throws {
    // The dual infeasible construction with the recession direction closed by a far bound (x_j ≤ 10⁴).
    let open = try randomDualInfeasible(n: 40, m: 30, free: 3, seed: seed)
    let u = (0..<open.m).map { i in i >= 30 && i < 33 ? 1e4 : open.u[i] }
    let qp = try QuadraticProgram(P: open.P, q: open.q, A: open.A, l: open.l, u: u)
    let solution = try ADMMSolver(problem: qp, settings: interiorPointFirst(1e-6)).solve()
    #expect(solution.status == .solved && solution.info.iterations == 0, "\(solution.status)")
    let kkt = optimality(qp, solution.x, solution.y)
    #expect(kkt.primal <= 1e-4 && kkt.dual <= 1e-4, "\(kkt)")
}

@Test("method auto choosing the interior-point method: infeasible and unbounded problems get its certificates, no ADMM iteration")
func automaticInteriorPointCertificates() throws {
    var s = SolverSettings()
    s.method = .automatic
    // Two more rows (x₀ ≤ 5, x₁ ≤ 5): inequalities only, 2 rows per variable, so `auto` runs the
    // interior-point method first.
    let small = try smallPrimalInfeasible()
    let boxA = try CSCMatrix(rowCount: 4, columnCount: 2, columnPointers: [0, 3, 6], rowIndices: [0, 1, 2, 0, 1, 3], values: [1, 1, 1, 1, 1, 1])
    let infeasible = try QuadraticProgram(P: small.P, q: small.q, A: boxA, l: small.l + [-.infinity, -.infinity], u: small.u + [5, 5])
    let p = try ADMMSolver(problem: infeasible, settings: s).solve()
    #expect(p.info.method == .interiorPoint && p.status == .primalInfeasible && p.info.iterations == 0)
    #expect(checkPrimalCertificate(infeasible, try #require(p.primalInfeasibilityCertificate)) == nil)
    let unbounded = try smallDualInfeasible()
    let d = try ADMMSolver(problem: unbounded, settings: s).solve()
    #expect(d.info.method == .interiorPoint && d.status == .dualInfeasible && d.info.iterations == 0)
    #expect(checkDualCertificate(unbounded, try #require(d.dualInfeasibilityCertificate)) == nil)
}

// MARK: The linear system it factorizes

/// KKT residuals of (x, y) on the unscaled data: ‖Px + q + Aᵀy‖∞, the distance of Ax to [l, u], and
/// the sign conditions of y (y_i > 0 only at an active upper bound, y_i < 0 only at an active lower one).
func kktResiduals(_ qp: QuadraticProgram, x: [Double], y: [Double]) -> (dual: Double, primal: Double, complementarity: Double) {
    let px = qp.P.symmetricUpperMultiply(x), aty = qp.A.transposeMultiply(y), ax = qp.A.multiply(x)
    var dual = 0.0, primal = 0.0, comp = 0.0
    for j in 0..<qp.n { dual = max(dual, abs(px[j] + qp.q[j] + aty[j])) }
    for i in 0..<qp.m {
        primal = max(primal, max(qp.l[i] - ax[i], ax[i] - qp.u[i], 0))
        if y[i] > 0 { comp = max(comp, y[i] * abs(qp.u[i] - ax[i])) }
        if y[i] < 0 { comp = max(comp, -y[i] * abs(ax[i] - qp.l[i])) }
    }
    return (dual, primal, comp)
}

@Test("without equality rows the method factorizes the forward system's reduced form; with them a quasi-definite system; both meet the optimality conditions")
func interiorPointLinearSystemFollowsTheRows() throws {
    // m ≫ n with every row an inequality (l < u): the reduced form is the forward system.
    var g = SeededGenerator(seed: 41)
    let n = 40, m = 200
    let P = randomPSDUpper(n: n, density: 0.2, shift: 1e-2, using: &g)
    let A = randomSparse(rows: m, columns: n, density: 0.3, using: &g)
    let q = randomVector(count: n, using: &g)
    let inequalities = try QuadraticProgram(P: P, q: q, A: A, l: [Double](repeating: -1, count: m), u: [Double](repeating: 1, count: m))
    var l = inequalities.l, u = inequalities.u
    l[0] = 0.25; u[0] = 0.25
    let withEquality = try QuadraticProgram(P: P, q: q, A: A, l: l, u: u)
    for (qp, sharesForward) in [(inequalities, true), (withEquality, false)] {
        var s = interiorPointFirst(1e-7)
        s.kkt = KKTOptions(strategy: .fixed(.reduced))
        s.polish = false
        let solver = try ADMMSolver(problem: qp, settings: s)
        let before = try #require(solver.profile).numericFactorizations
        let solution = solver.solve()
        #expect(solution.info.status == .solved)
        #expect(solution.info.interiorPoint == .succeeded)
        #expect(solution.info.iterations == 0)
        let its = solution.info.interiorPointIterations
        // The forward profile counts the method's factorizations exactly when it shares the system.
        let forward = try #require(solver.profile).numericFactorizations - before
        #expect(sharesForward ? forward >= its : forward == 0, "\(forward) forward factorizations for \(its) iterations")
        let r = kktResiduals(qp, x: solution.x, y: solution.y)
        #expect(r.dual < 1e-6 && r.primal < 1e-6 && r.complementarity < 1e-5, "\(r)")
    }
}
