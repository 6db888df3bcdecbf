import Testing
import Sparse
import KKT
import TestSupport

private let cholmodK = LinearSystemKind(backend: .cholmod, form: .quasiDefinite)
private let mumpsK = LinearSystemKind(backend: .mumps, form: .quasiDefinite)

@Test("MUMPS and CHOLMOD's LDLᵀ of K agree to 1e-10 on the KKT test matrices")
func mumpsAgreesWithCholmod() throws {
    for (s, (n, m)) in shapes.enumerated() {
        let t = RandomKKT(n: n, m: m, seed: UInt64(300 + s))
        let params = KKTParameters(sigma: 1e-6, rho: t.rho)
        let a = try makeSystem(cholmodK, P: t.P, A: t.A, parameters: params).solve(r1: t.r1, r2: t.r2)
        let b = try makeSystem(mumpsK, P: t.P, A: t.A, parameters: params).solve(r1: t.r1, r2: t.r2)
        let za = a.x + a.nu, zb = b.x + b.nu
        let scale = max(1, za.map(abs).max() ?? 0)
        let diff = zip(za, zb).map { abs($0 - $1) }.max() ?? 0
        #expect(diff <= 1e-10 * scale, "n=\(n) m=\(m): MUMPS and CHOLMOD differ by \(diff) (scale \(scale))")
    }
}

@Test("MUMPS reports its factorization in the profile: one analysis, entries, flops, memory")
func mumpsProfile() throws {
    let t = RandomKKT(n: 300, m: 150, seed: 31)
    let sys = try makeSystem(mumpsK, P: t.P, A: t.A, parameters: KKTParameters(sigma: 1e-6, rho: t.rho), ordering: .amd)
    let p = sys.profile
    #expect(p.backend == .mumps && p.strategy == .quasiDefinite)
    #expect(p.dimension == 450)
    #expect(p.symbolicAnalyses == 1 && p.numericFactorizations == 1)
    let direct = try #require(p.direct)
    #expect(direct.ordering == .amd)
    // The factor holds at least K's lower triangle.
    #expect(direct.nonzerosInL >= p.matrixNonzeros)
    #expect(direct.predictedNonzerosInL >= Double(p.matrixNonzeros))
    #expect(direct.predictedFlops > 0)
    #expect(p.peakMemoryBytes > 0)
    #expect(sys.capabilities == [.reportsInertia, .acceptsHardEqualityRows])
}

@Test("MUMPS: an indefinite (1,1) block is an inertia error from INFOG(12)")
func mumpsInertiaError() throws {
    // P = diag(1, -1): K has 2 negative pivots instead of m = 1.
    let P = try CSCMatrix(rowCount: 2, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 1], values: [1, -1])
    let A = try CSCMatrix(rowCount: 1, columnCount: 2, columnPointers: [0, 1, 2], rowIndices: [0, 0], values: [1, 1])
    #expect {
        _ = try makeSystem(mumpsK, P: P, A: A, parameters: KKTParameters(sigma: 1e-6, rho: [0.1]))
    } throws: { error in
        guard case .inertia(let pos, let neg, _, 2, 1)? = error as? FactorizationError else { return false }
        return pos == 1 && neg == 2
    }
    // An update that makes the block indefinite fails the same way, and the system stays usable.
    let sys = try makeSystem(mumpsK, P: P, A: A, parameters: KKTParameters(sigma: 2, rho: [0.1]))
    #expect(throws: FactorizationError.inertia(positive: 1, negative: 2, zero: 0, expectedPositive: 2, expectedNegative: 1)) {
        try sys.update(parameters: KKTParameters(sigma: 0.5, rho: [0.1]))
    }
    try sys.update(parameters: KKTParameters(sigma: 3, rho: [0.1]))
    let (x, nu) = try sys.solve(r1: [1, 1], r2: [0])
    #expect(relativeResidual(denseKKT(P: P, A: A, sigma: 3, rho: [0.1]), x + nu, [1, 1, 0]) <= 1e-12)
    #expect(sys.profile.symbolicAnalyses == 1)
}

@Test("a MUMPS failure is a typed error with INFOG(1), the phase and the meaning")
func mumpsFailureIsTyped() throws {
    // K = [0] (P = 0, σ = 0, no constraints): a zero pivot, MUMPS error −10.
    let P = CSCMatrix.zeros(rowCount: 1, columnCount: 1)
    let A = CSCMatrix.zeros(rowCount: 0, columnCount: 1)
    do {
        _ = try makeSystem(mumpsK, P: P, A: A, parameters: KKTParameters(sigma: 0, rho: []))
        Issue.record("a singular K factorized")
    } catch let error as FactorizationError {
        guard case .mumps(let status) = error else { Issue.record("unexpected error \(error)"); return }
        #expect(status.code == -10)
        #expect(status.phase == .factorization)
        #expect("\(error)".hasPrefix("MUMPS factorization failed with INFOG(1) = -10"))
        #expect("\(error)".contains("numerically singular"))
    }
}

@Test("the cost rule sends heavy fill with few solves to MUMPS and many cheap solves to CHOLMOD")
func automaticBackendChoice() throws {
    let t = RandomKKT(n: 300, m: 150, seed: 32)
    let params = KKTParameters(sigma: 1e-6, rho: t.rho)
    var options = KKTOptions(strategy: .quasiDefinite)
    // Many solves per factorization (ADMM): MUMPS's fixed cost per solve rules it out.
    options.expectedSolvesPerFactorization = 50
    let many = try LinearSystemFactory.make(P: t.P, A: t.A, parameters: params, options: options)
    #expect(many.kind == cholmodK)
    #expect(many.profile.selectionAnalyses == 0)
    // Factorizations only: MUMPS's BLAS-3 factorization is credited 4× the simplicial rate.
    options.expectedSolvesPerFactorization = 0
    let none = try LinearSystemFactory.make(P: t.P, A: t.A, parameters: params, options: options)
    #expect(none.kind == mumpsK)
    // CHOLMOD's analysis of K priced the choice: counted apart from MUMPS's own analysis.
    #expect(none.profile.symbolicAnalyses == 1 && none.profile.selectionAnalyses == 1)
    // A fixed engine is not subject to the rule.
    options.backend = .cholmod
    #expect(try LinearSystemFactory.make(P: t.P, A: t.A, parameters: params, options: options).kind == cholmodK)
}
