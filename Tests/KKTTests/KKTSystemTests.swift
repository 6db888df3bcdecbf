import Testing
import Sparse
import KKT
import TestSupport

/// Dense K = [P+σI, Aᵀ; A, −diag(1/ρ)] for checking residuals independently of CHOLMOD.
func denseKKT(P: CSCMatrix, A: CSCMatrix, sigma: Double, rho: [Double]) -> [[Double]] {
    let n = P.columnCount, m = A.rowCount
    var k = Array(repeating: Array(repeating: 0.0, count: n + m), count: n + m)
    for j in 0..<n {
        for p in P.pattern.range(ofColumn: j) {
            let i = P.rowIndices[p]
            k[i][j] += P.values[p]
            if i != j { k[j][i] += P.values[p] }
        }
        k[j][j] += sigma
        for p in A.pattern.range(ofColumn: j) {
            let i = A.rowIndices[p]
            k[n + i][j] = A.values[p]
            k[j][n + i] = A.values[p]
        }
    }
    for i in 0..<m { k[n + i][n + i] = -1 / rho[i] }
    return k
}

func matvec(_ k: [[Double]], _ z: [Double]) -> [Double] {
    k.map { row in zip(row, z).reduce(0) { $0 + $1.0 * $1.1 } }
}

/// ‖K z − b‖∞ / max(‖b‖∞, ‖K‖∞‖z‖∞).
func relativeResidual(_ k: [[Double]], _ z: [Double], _ b: [Double]) -> Double {
    let kz = matvec(k, z)
    let r = zip(kz, b).map { abs($0 - $1) }.max() ?? 0
    let kNorm = k.map { $0.reduce(0) { $0 + abs($1) } }.max() ?? 0
    let scale = max(b.map(abs).max() ?? 0, kNorm * (z.map(abs).max() ?? 0), 1e-300)
    return r / scale
}

struct RandomKKT {
    var P: CSCMatrix
    var A: CSCMatrix
    var rho: [Double]
    var r1: [Double]
    var r2: [Double]

    init(n: Int, m: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        P = randomPSDUpper(n: n, density: min(1, 4.0 / Double(max(n, 1))), shift: 0.1, using: &g)
        A = randomSparse(rows: m, columns: n, density: min(1, 3.0 / Double(max(n, 1))), using: &g)
        rho = (0..<m).map { _ in Double.random(in: 0.1...10, using: &g) }
        r1 = (0..<n).map { _ in Double.random(in: -1...1, using: &g) }
        r2 = (0..<m).map { _ in Double.random(in: -1...1, using: &g) }
    }
}

let shapes: [(Int, Int)] = [(1, 1), (5, 0), (20, 10), (40, 80), (120, 60), (300, 150)]

/// The system of backend `kind` (options select its engine and form).
func makeSystem(_ kind: LinearSystemKind, P: CSCMatrix, A: CSCMatrix, parameters: KKTParameters,
                ordering: OrderingChoice = .automatic) throws -> any LinearSystem {
    let choice = StrategyChoice.fixed(kind.form)
    let engine = BackendChoice(rawValue: kind.backend.rawValue) ?? .automatic
    let sys = try LinearSystemFactory.make(P: P, A: A, parameters: parameters,
                                           options: KKTOptions(strategy: choice, ordering: ordering, backend: engine))
    #expect(sys.kind == kind)
    #expect(sys.profile.kind == kind)
    return sys
}

@Test("every backend solves random quasi-definite systems to 1e-10 relative residual",
      arguments: LinearSystemFactory.kinds)
func backendsSolve(kind: LinearSystemKind) throws {
    for (s, (n, m)) in shapes.enumerated() {
        let t = RandomKKT(n: n, m: m, seed: UInt64(100 + s))
        let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho))
        let (x, nu) = try sys.solve(r1: t.r1, r2: t.r2)
        let k = denseKKT(P: t.P, A: t.A, sigma: 1e-6, rho: t.rho)
        let res = relativeResidual(k, x + nu, t.r1 + t.r2)
        #expect(res <= 1e-10, "n=\(n) m=\(m) \(kind): residual \(res)")
    }
}

@Test func backendsAgree() throws {
    for (s, (n, m)) in shapes.enumerated() {
        let t = RandomKKT(n: n, m: m, seed: UInt64(200 + s))
        let params = KKTParameters(sigma: 1e-6, rho: t.rho)
        let solutions = try LinearSystemFactory.kinds.map { kind in
            let z = try makeSystem(kind, P: t.P, A: t.A, parameters: params).solve(r1: t.r1, r2: t.r2)
            return z.x + z.nu
        }
        let scale = max(1, solutions[0].map(abs).max() ?? 0)
        for other in solutions.dropFirst() {
            let diff = zip(solutions[0], other).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-8 * scale, "n=\(n) m=\(m): backends differ by \(diff)")
        }
    }
}

@Test("ten ρ updates refactorize numerically and never re-analyse", arguments: LinearSystemFactory.kinds)
func rhoUpdatesReuseSymbolic(kind: LinearSystemKind) throws {
    let t = RandomKKT(n: 150, m: 90, seed: 7)
    let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho))
    var g = SeededGenerator(seed: 8)
    for _ in 0..<10 {
        let rho = (0..<90).map { _ in Double.random(in: 1e-3...1e3, using: &g) }
        try sys.update(parameters: KKTParameters(sigma: 1e-6, rho: rho))
        let (x, nu) = try sys.solve(r1: t.r1, r2: t.r2)
        let k = denseKKT(P: t.P, A: t.A, sigma: 1e-6, rho: rho)
        #expect(relativeResidual(k, x + nu, t.r1 + t.r2) <= 1e-10)
    }
    let profile = sys.profile
    #expect(profile.symbolicAnalyses == 1)
    #expect(profile.numericFactorizations == 11)
    #expect(profile.solves == 10)
}

@Test("value updates of P and A refactorize on the same analysis", arguments: LinearSystemFactory.kinds)
func valueUpdates(kind: LinearSystemKind) throws {
    let t = RandomKKT(n: 60, m: 40, seed: 9)
    let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho))
    var P2 = t.P, A2 = t.A
    P2.values = P2.values.map { $0 * 2 }
    A2.values = A2.values.map { -0.5 * $0 }
    try sys.update(PValues: P2.values, AValues: A2.values)
    let (x, nu) = try sys.solve(r1: t.r1, r2: t.r2)
    #expect(relativeResidual(denseKKT(P: P2, A: A2, sigma: 1e-6, rho: t.rho), x + nu, t.r1 + t.r2) <= 1e-10)
    #expect(sys.profile.symbolicAnalyses == 1)
    #expect(sys.profile.numericFactorizations == 2)
}

@Test("AMD and METIS orderings", arguments: [OrderingChoice.amd, .metis])
func orderings(ordering: OrderingChoice) throws {
    let t = RandomKKT(n: 400, m: 200, seed: 11)
    for kind in LinearSystemFactory.kinds {
        if kind.backend == .mumps, ordering == .metis, !LinearSystemFactory.backendOffersMETIS(kind) {
            // Debian's MUMPS has no METIS: asking for it is a typed error, not a silent substitute.
            #expect {
                _ = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho), ordering: ordering)
            } throws: { error in
                guard case .strategyUnavailable(let message)? = error as? FactorizationError else { return false }
                return message.contains("without METIS")
            }
            continue
        }
        let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho), ordering: ordering)
        #expect(sys.profile.direct?.ordering == ordering)
        let (x, nu) = try sys.solve(r1: t.r1, r2: t.r2)
        #expect(relativeResidual(denseKKT(P: t.P, A: t.A, sigma: 1e-6, rho: t.rho), x + nu, t.r1 + t.r2) <= 1e-10)
    }
}

@Test func automaticStrategyAvoidsDenseAtA() throws {
    // A dense row (e.g. a budget constraint 1ᵀx = 1) makes AᵀA dense: the reduced matrix is skipped.
    let n = 300
    var g = SeededGenerator(seed: 12)
    let P = randomPSDUpper(n: n, density: 0.01, shift: 1, using: &g)
    var b = TripletBuilder(rowCount: 1, columnCount: n)
    for j in 0..<n { b.append(row: 0, column: j, value: 1) }
    let A = try b.build()
    var options = KKTOptions()
    options.reducedEntryLimit = 10_000
    let sys = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: [0.1]), options: options)
    #expect(sys.kind.form == .quasiDefinite)
    #expect(sys.profile.selectionAnalyses == 0)
    // Diagonal P with few constraints: the reduced matrix is tiny and wins.
    let D = CSCMatrix.identity(n)
    let A2 = randomSparse(rows: 5, columns: n, density: 0.002, using: &g)
    let sys2 = try LinearSystemFactory.make(P: D, A: A2, parameters: KKTParameters(sigma: 1e-6, rho: [Double](repeating: 0.1, count: 5)))
    #expect(sys2.kind.form == .reduced)
    #expect(sys2.profile.symbolicAnalyses == 1)
    #expect(sys2.profile.selectionAnalyses == 1)
}

@Test("refinement against the unregularized system reaches its tolerance", arguments: LinearSystemFactory.kinds)
func refinement(kind: LinearSystemKind) throws {
    // Polishing-style system: exact [P, Aᵀ_act; A_act, 0] with inactive rows decoupled, factorized
    // with δ-regularization.
    let t = RandomKKT(n: 80, m: 30, seed: 13)
    let delta = 1e-7
    // Active rows must be non-empty for the exact system to be consistent; empty rows are decoupled.
    let rowCounts = t.A.transposed().columnPointers
    let exactRho = (0..<30).map { i in i % 3 == 0 || rowCounts[i + 1] == rowCounts[i] ? 0.0 : Double.infinity }
    let regRho = exactRho.map { $0 == 0 ? 0.0 : 1 / delta }
    let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: delta, rho: regRho))
    let (x, nu, report) = try sys.solve(r1: t.r1, r2: t.r2, refiningAgainst: KKTParameters(sigma: 0, rho: exactRho),
                                        settings: RefinementSettings(tolerance: 1e-12, maxSteps: 20))
    #expect(report.converged, "residual \(report.residual) after \(report.steps) steps")
    // Independent check with dense algebra on the active rows only.
    let Pd = t.P.dense(), Ad = t.A.dense()
    for j in 0..<80 {
        var s = t.r1[j]
        for k in 0..<80 { s -= (k >= j ? Pd[j][k] : Pd[k][j]) * x[k] }
        for i in 0..<30 { s -= Ad[i][j] * nu[i] }
        #expect(abs(s) <= 1e-10)
    }
    for i in 0..<30 {
        if exactRho[i] == 0 { #expect(nu[i] == 0); continue }
        let ax = (0..<80).reduce(0.0) { $0 + Ad[i][$1] * x[$1] }
        #expect(abs(ax - t.r2[i]) <= 1e-10)
    }
}

@Test("a companion shares the analysis and the counters, not the numeric state", arguments: LinearSystemFactory.kinds)
func companionSharesAnalysis(kind: LinearSystemKind) throws {
    let t = RandomKKT(n: 100, m: 50, seed: 14)
    let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho))
    let companion = try sys.makeCompanion()
    #expect(companion.kind == kind)
    let rho2 = t.rho.map { $0 * 100 }
    try companion.update(parameters: KKTParameters(sigma: 1e-3, rho: rho2))
    let (x1, n1) = try sys.solve(r1: t.r1, r2: t.r2)
    let (x2, n2) = try companion.solve(r1: t.r1, r2: t.r2)
    #expect(relativeResidual(denseKKT(P: t.P, A: t.A, sigma: 1e-6, rho: t.rho), x1 + n1, t.r1 + t.r2) <= 1e-10)
    #expect(relativeResidual(denseKKT(P: t.P, A: t.A, sigma: 1e-3, rho: rho2), x2 + n2, t.r1 + t.r2) <= 1e-10)
    // MUMPS cannot copy an analysis: its companion re-analyses and refactorizes, counted honestly.
    let reanalyses = kind.backend == .mumps
    #expect(sys.profile.symbolicAnalyses == (reanalyses ? 2 : 1))
    #expect(sys.profile.numericFactorizations == (reanalyses ? 3 : 2))
}

// MARK: Bad input: one test per typed error.

@Test func nonConvexPIsAnInertiaError() throws {
    // P = diag(1, -1): not positive semidefinite.
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, -1])
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 0], values: [1, 1])
    #expect {
        _ = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: [0.1]), options: KKTOptions(strategy: .quasiDefinite))
    } throws: { error in
        guard case .inertia(let pos, let neg, _, 2, 1)? = error as? FactorizationError else { return false }
        return pos == 1 && neg == 2
    }
}

@Test func nonConvexPIsNotPositiveDefiniteInReducedForm() throws {
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, -1])
    let A = CSCMatrix.zeros(rowCount: 0, columnCount: 2)
    #expect {
        _ = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: []), options: KKTOptions(strategy: .reduced))
    } throws: { error in
        if case .notPositiveDefinite? = error as? FactorizationError { return true }
        return false
    }
}

@Test func dimensionMismatchIsTyped() throws {
    let P = CSCMatrix.identity(3)
    let A = CSCMatrix.zeros(rowCount: 2, columnCount: 4)
    #expect {
        _ = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: [1, 1]))
    } throws: { error in
        if case .dimensionMismatch? = error as? FactorizationError { return true }
        return false
    }
    let sys = try LinearSystemFactory.make(P: P, A: CSCMatrix.zeros(rowCount: 2, columnCount: 3), parameters: KKTParameters(sigma: 1e-6, rho: [1, 1]))
    #expect(throws: FactorizationError.self) { _ = try sys.solve(r1: [1, 2], r2: [0, 0]) }
    #expect(throws: FactorizationError.self) { try sys.update(PValues: [1, 2]) }
}

@Test func invalidParametersAreTyped() throws {
    let P = CSCMatrix.identity(2)
    let A = CSCMatrix.identity(2)
    for params in [KKTParameters(sigma: -1, rho: [1, 1]), KKTParameters(sigma: .nan, rho: [1, 1]),
                   KKTParameters(sigma: 1e-6, rho: [-1, 1]), KKTParameters(sigma: 1e-6, rho: [.infinity, 1]),
                   KKTParameters(sigma: 1e-6, rho: [.nan, 1])] {
        #expect {
            _ = try LinearSystemFactory.make(P: P, A: A, parameters: params)
        } throws: { error in
            if case .invalidParameter? = error as? FactorizationError { return true }
            return false
        }
    }
}

@Test func lowerTriangularPIsRejected() throws {
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 3], rowIndices: [0, 1, 1], values: [2, 1, 2])
    #expect {
        _ = try LinearSystemFactory.make(P: P, A: CSCMatrix.zeros(rowCount: 0, columnCount: 2), parameters: KKTParameters(sigma: 0, rho: []))
    } throws: { error in
        if case .invalidParameter? = error as? FactorizationError { return true }
        return false
    }
}

// MARK: The factory's rule

@Test("a required capability wins over the requested form, and the backend delivers it")
func requiredCapabilitiesWin() throws {
    let t = RandomKKT(n: 60, m: 30, seed: 15)
    let params = KKTParameters(sigma: 1e-6, rho: t.rho)
    for kind in LinearSystemFactory.kinds {
        let caps = LinearSystemFactory.capabilities(of: kind)
        let choice = StrategyChoice.fixed(kind.form)
        let engine = BackendChoice(rawValue: kind.backend.rawValue) ?? .automatic
        let sys = try LinearSystemFactory.make(P: t.P, A: t.A, parameters: params, options: KKTOptions(strategy: choice, backend: engine),
                                               requiring: [.reportsInertia, .acceptsHardEqualityRows])
        #expect(sys.capabilities.isSuperset(of: [.reportsInertia, .acceptsHardEqualityRows]))
        // The requested form is kept when it has the capabilities.
        #expect((sys.kind == kind) == caps.isSuperset(of: [.reportsInertia, .acceptsHardEqualityRows]))
    }
    // `.reportsInertia` is a promise: an indefinite (1,1) block must throw `.inertia`.
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, -1])
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 1], rowIndices: [0], values: [1])
    #expect {
        _ = try LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: [1]), options: KKTOptions(strategy: .reduced),
                                         requiring: .reportsInertia)
    } throws: { error in
        if case .inertia? = error as? FactorizationError { return true }
        return false
    }
}

@Test("hard equality rows (ρ = 10¹⁰) are solved accurately by the backends that accept them", arguments: LinearSystemFactory.kinds)
func hardEqualityRows(kind: LinearSystemKind) throws {
    guard LinearSystemFactory.capabilities(of: kind).contains(.acceptsHardEqualityRows) else { return }
    let t = RandomKKT(n: 50, m: 20, seed: 16)
    let rowCounts = t.A.transposed().columnPointers
    let exactRho = (0..<20).map { i in rowCounts[i + 1] == rowCounts[i] ? 0.0 : Double.infinity }
    let sys = try makeSystem(kind, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-9, rho: exactRho.map { $0 == 0 ? 0 : 1e10 }))
    let (_, _, report) = try sys.solve(r1: t.r1, r2: t.r2, refiningAgainst: KKTParameters(sigma: 0, rho: exactRho))
    #expect(report.converged, "residual \(report.residual) after \(report.steps) steps")
    #expect(report.steps <= 3)
}
