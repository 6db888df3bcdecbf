import Testing
import Foundation
import Sparse
import QP
import KKT
import ADMM
import TestSupport

let datasetDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("datasets/maros-meszaros")

func referenceObjective(_ name: String, in directory: URL = datasetDirectory) throws -> Double {
    let text = try String(contentsOf: directory.appendingPathComponent("reference.csv"), encoding: .utf8)
    let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let header = lines[0]
    let nameColumn = try #require(header.firstIndex(of: "name"))
    let objectiveColumn = try #require(header.firstIndex(of: "objective"))
    let row = try #require(lines.first { $0[nameColumn] == name })
    return try #require(Double(row[objectiveColumn]))
}

/// A problem of datasets/maros-meszaros, read with the default reader options.
func datasetModel(_ name: String) throws -> QPSModel {
    try QPSReader.read(path: datasetDirectory.appendingPathComponent("\(name).QPS").path)
}

/// Default settings with εabs = εrel = 1e-6 (the Maros–Meszaros verification level).
func settingsAt1e6() -> SolverSettings {
    var s = SolverSettings()
    s.epsAbs = 1e-6
    s.epsRel = 1e-6
    return s
}

func tight() -> SolverSettings {
    var s = SolverSettings()
    s.epsAbs = 1e-7
    s.epsRel = 1e-7
    s.maxIterations = 20000
    return s
}

/// KKT conditions of the unscaled problem at (x, y): ‖Px + q + Aᵀy‖∞, bound violation of Ax, and
/// complementarity (y_i > 0 only at u_i, y_i < 0 only at l_i).
func optimality(_ qp: QuadraticProgram, _ x: [Double], _ y: [Double]) -> (dual: Double, primal: Double, complementarity: Double) {
    let px = qp.P.symmetricUpperMultiply(x)
    let aty = qp.A.transposeMultiply(y)
    let ax = qp.A.multiply(x)
    var dual = 0.0, primal = 0.0, comp = 0.0
    for j in 0..<qp.n { dual = max(dual, abs(px[j] + qp.q[j] + aty[j])) }
    for i in 0..<qp.m {
        primal = max(primal, qp.l[i] - ax[i], ax[i] - qp.u[i])
        if y[i] > 0 { comp = max(comp, y[i] * abs(qp.u[i] - ax[i])) }
        if y[i] < 0 { comp = max(comp, -y[i] * abs(ax[i] - qp.l[i])) }
    }
    return (dual, primal, comp)
}

@Test("known optima of small Maros–Meszaros problems", arguments: ["HS21", "HS35", "HS35MOD", "HS52", "HS76", "QAFIRO", "GENHS28", "TAME", "ZECEVIC2"])
func knownOptima(name: String) throws {
    let model = try datasetModel(name)
    let solver = try ADMMSolver(problem: model.program, settings: tight())
    let solution = solver.solve()
    #expect(solution.status == .solved)
    let reference = try referenceObjective(name)
    let objective = model.program.objective(at: solution.x)
    #expect(abs(objective - reference) <= 1e-6 * max(1, abs(reference)), "\(name): \(objective) vs \(reference)")
    let kkt = optimality(model.program, solution.x, solution.y)
    #expect(kkt.primal <= 1e-6 && kkt.dual <= 1e-6, "\(name): \(kkt)")
}

/// min ½‖x‖² + qᵀx  s.t. random sparse two-sided rows, equalities, one-sided and free rows.
func randomQP(n: Int, m: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    let P = randomPSDUpper(n: n, density: min(1, 3.0 / Double(n)), shift: 1e-2, using: &g)
    let A = randomSparse(rows: m, columns: n, density: min(1, 4.0 / Double(n)), using: &g)
    let x0 = (0..<n).map { _ in Double.random(in: -1...1, using: &g) }
    let ax = A.multiply(x0)
    var l = [Double](repeating: 0, count: m), u = [Double](repeating: 0, count: m)
    for i in 0..<m {
        switch i % 4 {
        case 0: l[i] = ax[i]; u[i] = ax[i]
        case 1: l[i] = ax[i] - Double.random(in: 0...1, using: &g); u[i] = .infinity
        case 2: l[i] = -.infinity; u[i] = ax[i] + Double.random(in: 0...1, using: &g)
        default: l[i] = ax[i] - 0.5; u[i] = ax[i] + 0.5
        }
    }
    let q = (0..<n).map { _ in Double.random(in: -10...10, using: &g) }
    return try QuadraticProgram(P: P, q: q, A: A, l: l, u: u)
}

@Test("random QPs: optimality conditions at high accuracy", arguments: [StrategyChoice.quasiDefinite, .reduced])
func randomOptimality(strategy: StrategyChoice) throws {
    for seed in 1...6 {
        let qp = try randomQP(n: 40 + 10 * seed, m: 30 + 7 * seed, seed: UInt64(seed))
        var settings = tight()
        settings.kkt.strategy = strategy
        let solution = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(solution.status == .solved)
        let kkt = optimality(qp, solution.x, solution.y)
        #expect(kkt.primal <= 1e-6 && kkt.dual <= 1e-6 && kkt.complementarity <= 1e-6, "seed \(seed): \(kkt)")
    }
}

@Test func primalInfeasibleWithCertificate() throws {
    // x₀ + x₁ ≥ 2 and x₀ + x₁ ≤ 1.
    let A = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, 1, 1, 1])
    let qp = try QuadraticProgram(P: CSCMatrix.identity(2), q: [1, 1], A: A, l: [2, -.infinity], u: [.infinity, 1])
    var settings = SolverSettings()
    settings.method = .admm
    settings.polish = false
    let solution = try ADMMSolver(problem: qp, settings: settings).solve()
    #expect(solution.status == .primalInfeasible)
    // The interior-point stage re-checked the verdict and could not overturn it.
    #expect(solution.info.interiorPoint == .failed)
    let c = try #require(solution.primalInfeasibilityCertificate)
    #expect(abs(c.map(abs).max()! - 1) < 1e-12)
    let atc = A.transposeMultiply(c)
    #expect(atc.map(abs).max()! <= 1e-4)
    var support = 0.0
    for i in 0..<2 { support += c[i] > 0 ? qp.u[i] * c[i] : (c[i] < 0 ? qp.l[i] * c[i] : 0) }
    #expect(support < 0)
}

@Test func dualInfeasibleWithCertificate() throws {
    // min −x₀ − x₁ s.t. x₀ − x₁ ∈ [−1, 1], x ≥ 0: unbounded along (1, 1).
    let A = try CSCMatrix(rowCount: 3, columnCount: 2, columnPointers: [0, 2, 4], rowIndices: [0, 1, 0, 2], values: [1, 1, -1, 1])
    let P = CSCMatrix.zeros(rowCount: 2, columnCount: 2)
    let qp = try QuadraticProgram(P: P, q: [-1, -1], A: A, l: [-1, 0, 0], u: [1, .infinity, .infinity])
    let solution = try ADMMSolver(problem: qp).solve()
    #expect(solution.status == .dualInfeasible)
    let c = try #require(solution.dualInfeasibilityCertificate)
    #expect(abs(c.map(abs).max()! - 1) < 1e-12)
    #expect(zip(qp.q, c).reduce(0) { $0 + $1.0 * $1.1 } < 0)
    let ac = A.multiply(c)
    #expect(abs(ac[0]) <= 1e-3 && ac[1] >= -1e-3 && ac[2] >= -1e-3)
}

@Test func nonConvexProblemHasStatus() throws {
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, -1])
    let qp = try QuadraticProgram(P: P, q: [0, 0], A: CSCMatrix.identity(2), l: [-1, -1], u: [1, 1])
    for strategy in [StrategyChoice.quasiDefinite, .reduced] {
        var settings = SolverSettings()
        settings.kkt.strategy = strategy
        let solution = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(solution.status == .nonConvex)
    }
}

@Test func warmStartFromSolutionConvergesAtFirstCheck() throws {
    let qp = try randomQP(n: 80, m: 60, seed: 21)
    var settings = SolverSettings()
    settings.polish = false
    let solver = try ADMMSolver(problem: qp, settings: settings)
    let first = solver.solve()
    #expect(first.status == .solved)
    let fresh = try ADMMSolver(problem: qp, settings: settings)
    try fresh.warmStart(x: first.x, y: first.y)
    let second = fresh.solve()
    #expect(second.status == .solved)
    #expect(second.info.iterations <= settings.checkTermination)
    #expect(first.info.iterations > settings.checkTermination)
}

@Test func vectorUpdatesDoNotRefactorize() throws {
    let qp = try randomQP(n: 60, m: 40, seed: 22)
    var settings = SolverSettings()
    settings.polish = false
    settings.adaptiveRho = false
    let solver = try ADMMSolver(problem: qp, settings: settings)
    _ = solver.solve()
    let before = try #require(solver.profile)
    let newQ = qp.q.map { $0 + 0.5 }
    // Shift both sides: every row keeps its kind (equality, one-sided, two-sided).
    let newL = qp.l.map { $0 - 0.1 }
    let newU = qp.u.map { $0 - 0.1 }
    try solver.update(q: newQ, l: newL, u: newU)
    let solution = solver.solve()
    let after = try #require(solver.profile)
    #expect(after.numericFactorizations == before.numericFactorizations)
    #expect(after.symbolicAnalyses == 1)
    #expect(solution.status == .solved)
    // Same answer as a fresh solver on the updated problem.
    var tightSettings = tight()
    tightSettings.polish = true
    let updated = try QuadraticProgram(P: qp.P, q: newQ, A: qp.A, l: newL, u: newU)
    let reference = try ADMMSolver(problem: updated, settings: tightSettings).solve()
    #expect(abs(solution.info.objective - reference.info.objective) <= 1e-2 * max(1, abs(reference.info.objective)))
}

@Test func matrixValueUpdatesRefactorizeNumericallyOnly() throws {
    let qp = try randomQP(n: 60, m: 40, seed: 23)
    let solver = try ADMMSolver(problem: qp, settings: tight())
    _ = solver.solve()
    let before = try #require(solver.profile)
    let newP = qp.P.values.map { $0 * 1.5 }
    let newA = qp.A.values.map { $0 * 0.9 }
    try solver.update(PValues: newP, AValues: newA)
    let after = try #require(solver.profile)
    #expect(after.symbolicAnalyses == 1)
    #expect(after.numericFactorizations == before.numericFactorizations + 1)
    let solution = solver.solve()
    var P = qp.P; P.values = newP
    var A = qp.A; A.values = newA
    let updated = try QuadraticProgram(P: P, q: qp.q, A: A, l: qp.l, u: qp.u)
    let kkt = optimality(updated, solution.x, solution.y)
    #expect(solution.status == .solved)
    #expect(kkt.primal <= 1e-6 && kkt.dual <= 1e-6)
}

@Test func deterministicIterates() throws {
    let qp = try randomQP(n: 100, m: 70, seed: 24)
    let a = try ADMMSolver(problem: qp).solve()
    let b = try ADMMSolver(problem: qp).solve()
    #expect(a.x == b.x)
    #expect(a.y == b.y)
    #expect(a.info.iterations == b.info.iterations)
}

@Test func timeLimitAndCancellation() throws {
    let qp = try randomQP(n: 100, m: 70, seed: 25)
    var settings = tight()
    settings.timeLimit = 1e-9
    #expect(try ADMMSolver(problem: qp, settings: settings).solve().status == .timeLimit)
    let solver = try ADMMSolver(problem: qp, settings: tight())
    solver.cancellation.cancel()
    let cancelled = solver.solve()
    #expect(cancelled.status == .cancelled)
    #expect(cancelled.info.iterations == 1)
    solver.cancellation.reset()
    #expect(solver.solve().status == .solved)
}

@Test func verboseLogGoesToTheSink() throws {
    let qp = try randomQP(n: 30, m: 20, seed: 26)
    var settings = SolverSettings()
    settings.verbose = true
    let log = BufferLog()
    let solution = try ADMMSolver(problem: qp, settings: settings, log: log).solve()
    #expect(solution.status == .solved)
    #expect(log.lines.contains { $0.contains("iter") && $0.contains("prim res") })
    #expect(log.lines.contains { $0.hasPrefix("status:") && $0.contains("solved") })
}

@Test func invalidSettingsAreTyped() throws {
    let qp = try randomQP(n: 10, m: 5, seed: 27)
    var bad = SolverSettings()
    bad.alpha = 2.5
    #expect(throws: SolverError.self) { _ = try ADMMSolver(problem: qp, settings: bad) }
    let solver = try ADMMSolver(problem: qp)
    var changed = SolverSettings()
    changed.sigma = 1e-3
    #expect(throws: SolverError.settingNotUpdatable("sigma")) { try solver.update(settings: changed) }
    #expect(throws: SolverError.self) { try solver.warmStart(x: [1, 2]) }
    #expect(throws: SolverError.self) { try solver.update(q: [Double](repeating: .nan, count: 10)) }
    #expect(throws: SolverError.self) { try solver.update(PValues: [1]) }
}

@Test func settingsUpdateChangesTolerances() throws {
    let qp = try randomQP(n: 50, m: 30, seed: 28)
    var loose = SolverSettings()
    loose.polish = false
    let solver = try ADMMSolver(problem: qp, settings: loose)
    let a = solver.solve()
    var strict = loose
    strict.epsAbs = 1e-8
    strict.epsRel = 1e-8
    strict.maxIterations = 50_000
    try solver.update(settings: strict)
    let b = solver.solve()
    #expect(b.status == .solved)
    #expect(b.info.primalResidual <= a.info.primalResidual || b.info.primalResidual <= 1e-8)
}

/// A re-solve after an update that keeps the active set: the warm-started solve checks after its
/// first iteration, the polish reuses the factorization of the previous polish (same active rows),
/// and the answer equals a cold solve of the updated problem.
@Test func parametricResolveReusesThePolishFactorization() throws {
    let qp = try randomQP(n: 60, m: 40, seed: 29)
    let settings = settingsAt1e6()
    let solver = try ADMMSolver(problem: qp, settings: settings)
    let first = solver.solve()
    #expect(first.status == .solved)
    #expect(first.info.polish == .succeeded)
    let before = try #require(solver.profile)
    // A small change of q keeps the active set of this strictly complementary solution.
    let newQ = qp.q.enumerated().map { $0.element + 1e-4 * Double($0.offset % 3 - 1) }
    try solver.update(q: newQ)
    let second = solver.solve()
    let after = try #require(solver.profile)
    #expect(second.status == .solved)
    #expect(second.info.iterations == 1)
    #expect(after.numericFactorizations == before.numericFactorizations)
    #expect(after.symbolicAnalyses == 1)
    let updated = try QuadraticProgram(P: qp.P, q: newQ, A: qp.A, l: qp.l, u: qp.u)
    let cold = try ADMMSolver(problem: updated, settings: settings).solve()
    #expect(cold.status == .solved)
    #expect(maxAbsDifference(second.x, cold.x) <= 1e-8 * max(1, infinityNorm(cold.x)))
}

// MARK: Interior-point stage

@Test("polish on a nearly singular P (HS268, no active row): the smaller-δ retry reaches the reference objective")
func polishRetryOnNearlySingularP() throws {
    // With δ = 1e-6 alone, refinement stalled at a relative residual of 4e-8 and the polished point
    // had objective 1.8e-5 against f* ≈ 0 (x within 5e-3 of the solution only).
    let model = try datasetModel("HS268")
    var settings = settingsAt1e6()
    settings.interiorPointFallback = false
    let solution = try ADMMSolver(problem: model.program, settings: settings).solve()
    #expect(solution.status == .solved)
    #expect(solution.info.polish == .succeeded)
    let reference = try referenceObjective("HS268")
    let objective = model.program.objective(at: solution.x)
    #expect(abs(objective - reference) <= 1e-6, "\(objective) vs \(reference)")
    // The unconstrained minimiser of HS268 is feasible: x* = (1, 2, −1, 3, −4).
    #expect(maxAbsDifference(solution.x, [1, 2, -1, 3, -4]) <= 1e-4, "\(solution.x)")
}


@Test("interior-point stage: an LP-like problem ADMM cannot finish at 1e-6 is solved to the reference objective")
func interiorPointSolvesDegenerateProblem() throws {
    // QSCAGR7 (Maros–Meszaros): ADMM + polish stop at the iteration limit with the polish rejected.
    let model = try datasetModel("QSCAGR7")
    var settings = settingsAt1e6()
    let solution = try ADMMSolver(problem: model.program, settings: settings).solve()
    #expect(solution.status == .solved)
    #expect(solution.info.interiorPoint == .succeeded)
    #expect(solution.info.interiorPointIterations > 0)
    let reference = try referenceObjective("QSCAGR7")
    let objective = model.program.objective(at: solution.x)
    #expect(abs(objective - reference) <= 1e-6 * max(1, abs(reference)), "\(objective) vs \(reference)")
    let kkt = optimality(model.program, solution.x, solution.y)
    #expect(kkt.primal <= 1e-6 * max(1, abs(reference)) && kkt.dual <= 1e-3, "\(kkt)")

    // ADMM stalls (its worst residual ratio does not halve between iterations 500 and 1000) and hands
    // over before its 4000-iteration limit; the hand-over is iteration-based, so it repeats exactly.
    #expect(solution.info.iterations < settings.maxIterations && solution.info.iterations % SolverSettings().checkTermination == 0)
    let again = try ADMMSolver(problem: model.program, settings: settings).solve()
    #expect(again.info.iterations == solution.info.iterations && again.x == solution.x)

    settings.interiorPointFallback = false
    let admmOnly = try ADMMSolver(problem: model.program, settings: settings).solve()
    #expect(admmOnly.status != .solved)
    #expect(admmOnly.info.interiorPoint == .notRun)
    #expect(admmOnly.info.iterations == settings.maxIterations)
}

@Test("interior-point stage alone (ADMM stopped after 5 iterations, no polish) meets tight tolerances", arguments: [UInt64(3), 4, 5])
func interiorPointAloneMeetsTolerances(seed: UInt64) throws {
    let qp = try randomQP(n: 60, m: 80, seed: seed)
    var settings = SolverSettings()
    settings.epsAbs = 1e-9
    settings.epsRel = 1e-9
    settings.maxIterations = 5
    settings.polish = false
    let solution = try ADMMSolver(problem: qp, settings: settings).solve()
    #expect(solution.status == .solved)
    #expect(solution.info.interiorPoint == .succeeded)
    #expect(solution.info.polish == .notRun)
    let kkt = optimality(qp, solution.x, solution.y)
    #expect(kkt.primal <= 1e-8 && kkt.dual <= 1e-7 && kkt.complementarity <= 1e-7, "\(kkt)")
    // Same optimum as a long, polished ADMM run.
    var reference = tight()
    reference.interiorPointFallback = false
    let admm = try ADMMSolver(problem: qp, settings: reference).solve()
    try #require(admm.status == .solved)
    let f = qp.objective(at: solution.x), g = qp.objective(at: admm.x)
    #expect(abs(f - g) <= 1e-7 * max(1, abs(g)), "\(f) vs \(g)")
}

@Test("interiorPointIterations < 1 is rejected with a typed error")
func interiorPointSettingIsValidated() throws {
    var settings = SolverSettings()
    settings.interiorPointIterations = 0
    #expect(throws: SolverError.self) { try settings.validate() }
}

@Test("projection onto convex sequences (LISWET-like): the proximal attempt reaches the exact optimum")
func convexSequenceProjectionReachesTheExactOptimum() throws {
    // minimize ½‖x − c‖² subject to x_i − 2x_{i+1} + x_{i+2} ≥ 0 (the structure of LISWET1–12), with
    // concave data c. The optimal multipliers reach ~2·10⁶ while the smallest singular value of the
    // second-difference matrix is ~10⁻⁷, so a bound violation of 10⁻⁷ already moves the objective by
    // O(1): a point that passes the 10⁻⁶ tolerances can still have the wrong objective.
    let n = 10_000, m = n - 2
    let c = (0..<n).map { i -> Double in
        let t: Double = Double(i) / Double(n - 1)
        let trend: Double = 1 - 4 * (t - 0.5) * (t - 0.5)
        return trend + 0.3 * sin(97 * Double(i))
    }
    // Independent reference: when every constraint is active, x* is the least-squares affine fit of c,
    // and it is optimal iff the multipliers solving D₂ᵀy = x* − c (by forward recursion) are positive.
    let ts = (0..<n).map { Double($0) / Double(n - 1) }
    let st = ts.reduce(0, +), stt = ts.reduce(0) { $0 + $1 * $1 }
    let sc = c.reduce(0, +), stc = zip(ts, c).reduce(0) { $0 + $1.0 * $1.1 }
    let slope = (Double(n) * stc - st * sc) / (Double(n) * stt - st * st)
    let intercept = (sc - slope * st) / Double(n)
    let r = (0..<n).map { (i: Int) -> Double in intercept + slope * ts[i] - c[i] }
    var multipliers = [Double](repeating: 0, count: m)
    multipliers[0] = r[0]
    multipliers[1] = r[1] + 2 * multipliers[0]
    for k in 2..<m { multipliers[k] = r[k] - multipliers[k - 2] + 2 * multipliers[k - 1] }
    try #require(multipliers.allSatisfy { $0 > 0 }, "the affine fit must be the optimum of the test data")
    let reference = 0.5 * r.reduce(0) { $0 + $1 * $1 }

    var pointers = [0], rows: [Int] = [], values: [Double] = []
    for j in 0..<n {
        for (i, v) in [(j - 2, 1.0), (j - 1, -2.0), (j, 1.0)] where i >= 0 && i < m { rows.append(i); values.append(v) }
        pointers.append(rows.count)
    }
    let A = try CSCMatrix(rowCount: m, columnCount: n, columnPointers: pointers, rowIndices: rows, values: values)
    let qp = try QuadraticProgram(P: CSCMatrix.identity(n), q: c.map { -$0 }, A: A,
                                  l: [Double](repeating: 0, count: m), u: [Double](repeating: .infinity, count: m))
    var settings = settingsAt1e6()
    settings.polish = true
    let solution = try ADMMSolver(problem: qp, settings: settings).solve()
    #expect(solution.info.status == .solved)
    #expect(solution.info.interiorPoint == .succeeded)
    let x = solution.x
    let objective = 0.5 * (0..<n).reduce(0.0) { (sum: Double, j: Int) -> Double in sum + (x[j] - c[j]) * (x[j] - c[j]) }
    #expect(abs(objective - reference) <= 1e-6 * reference, "objective \(objective), optimum \(reference)")
    let ax = A.multiply(x)
    #expect(ax.allSatisfy { $0 >= -1e-9 }, "largest violation \(-(ax.min() ?? 0))")
}

@Test("a value update with the current values and ρ does no factorization; the solve is unchanged")
func unchangedValueUpdateIsFree() throws {
    let qp = try randomQP(n: 60, m: 40, seed: 31)
    var settings = SolverSettings()
    settings.adaptiveRho = false   // ρ stays at settings.rho, so resetRho asks for the factorized ρ
    settings.warmStart = false
    let solver = try ADMMSolver(problem: qp, settings: settings)
    let first = solver.solve()
    #expect(first.info.status == .solved)
    let before = try #require(solver.profile).numericFactorizations
    try solver.update(PValues: qp.P.values, AValues: qp.A.values, resetRho: true)
    #expect(try #require(solver.profile).numericFactorizations == before)
    let again = solver.solve()
    #expect(again.x == first.x && again.y == first.y)
    // A changed value refactorizes, and changing it back refactorizes again (the check is by value).
    var scaled = qp.P.values
    scaled[0] *= 2
    let beforeChange = try #require(solver.profile).numericFactorizations
    try solver.update(PValues: scaled)
    #expect(try #require(solver.profile).numericFactorizations == beforeChange + 1)
    try solver.update(PValues: qp.P.values)
    #expect(try #require(solver.profile).numericFactorizations == beforeChange + 2)
    // The refactorized factor of the same values agrees with the held one to rounding (CHOLMOD's
    // supernodal kernels need not be bitwise reproducible across factorizations).
    let back = solver.solve()
    let scale = first.x.map(abs).max() ?? 1
    #expect(zip(back.x, first.x).allSatisfy { abs($0 - $1) <= 1e-10 * scale })
}
