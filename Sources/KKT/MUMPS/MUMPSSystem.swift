import Sparse

/// The MUMPS backend: multifrontal LDLᵀ of the quasi-definite matrix K = [P+σI, Aᵀ; A, −diag(1/ρ)]
/// (SYM = 2, the upper triangle of `QuasiDefiniteAssembly` in coordinate form), no threshold
/// pivoting (CNTL(1) = 0), the ordering from `KKTOptions.ordering` (`.automatic`: MUMPS's own choice,
/// ICNTL(7) = 7). Analysis (JOB = 1) once at creation, numeric factorization (JOB = 2) on every
/// update, JOB = 3 for each solve. After every factorization INFOG(12), the number of negative
/// pivots, must equal m (else `.inertia`).
///
/// **Companions.** MUMPS cannot copy an analysis (or a factor) between instances in memory, so a
/// companion is a new instance that re-runs the analysis (JOB = 1) on the same pattern and ordering
/// — counted in `FactorizationProfile.symbolicAnalyses`, which is then 1 + the number of companions —
/// and, with `copyingFactor: true`, a numeric factorization of the same values (counted too).
///
/// **Threads.** See `MUMPSInstance`: one system per thread, distinct systems on distinct threads.
/// MUMPS allocates inside its solve phase; SparseQP's side of `solve` allocates nothing.
final class MUMPSSystem: FactorizedSystem {
    private var data: SystemData
    private let assembly: QuasiDefiniteAssembly
    private let ordering: OrderingChoice
    private let instance: MUMPSInstance
    let recorder: ProfileRecorder
    let workspace: RefinementWorkspace

    var n: Int { data.n }
    var m: Int { data.m }
    var P: CSCMatrix { data.P }
    var A: CSCMatrix { data.A }
    var parameters: KKTParameters { data.parameters }
    var kind: LinearSystemKind { Self.kind }
    var capabilities: LinearSystemCapabilities { Self.capabilities }
    var profile: FactorizationProfile { recorder.snapshot }

    static let kind = LinearSystemKind(backend: .mumps, form: .quasiDefinite)
    static let capabilities: LinearSystemCapabilities = [.reportsInertia, .acceptsHardEqualityRows]

    /// Assembles K and analyses it (JOB = 1); `refactor()` must run before the first solve.
    init(data: SystemData, ordering: OrderingChoice) throws(FactorizationError) {
        let t0 = ContinuousClock.now
        let assembly = QuasiDefiniteAssembly(P: data.P, A: data.A, At: data.At, aToAt: data.aToAt)
        let instance = try Self.analysed(assembly: assembly, data: data, ordering: ordering)
        self.data = data
        self.assembly = assembly
        self.ordering = ordering
        self.instance = instance
        self.workspace = RefinementWorkspace(n: data.n, m: data.m)
        self.recorder = ProfileRecorder(FactorizationProfile(
            backend: .mumps, strategy: .quasiDefinite, dimension: instance.dimension,
            matrixNonzeros: instance.entryCount, symbolicAnalyses: 1, symbolicTime: seconds(since: t0),
            selectionAnalyses: 0, selectionTime: 0, numericFactorizations: 0, numericTime: 0,
            solves: 0, solveTime: 0, refinementSteps: 0, peakMemoryBytes: instance.estimatedMegabytes * Self.megabyte,
            direct: DirectFactorizationProfile(ordering: instance.orderingUsed, nonzerosInL: 0,
                                               predictedNonzerosInL: Double(instance.predictedEntries),
                                               predictedFlops: instance.predictedFlops)))
    }

    /// A companion: a new instance with its own analysis of the same pattern (see the type's doc).
    private init(companionOf other: MUMPSSystem, numeric: Bool) throws(FactorizationError) {
        let t0 = ContinuousClock.now
        data = other.data
        assembly = other.assembly
        ordering = other.ordering
        instance = try Self.analysed(assembly: other.assembly, data: other.data, ordering: other.ordering)
        recorder = other.recorder
        workspace = RefinementWorkspace(n: other.n, m: other.m)
        let elapsed = seconds(since: t0)
        recorder.update { $0.symbolicAnalyses += 1; $0.symbolicTime += elapsed }
        if numeric { try refactor() }
    }

    private static let megabyte = 1 << 20

    private static func analysed(assembly: QuasiDefiniteAssembly, data: SystemData,
                                 ordering: OrderingChoice) throws(FactorizationError) -> MUMPSInstance {
        let instance = try MUMPSInstance(pattern: assembly.pattern, ordering: ordering)
        assembly.fill(instance.values, from: data)
        try instance.analyse()
        return instance
    }

    func recordSelection(analyses: Int, time: Double) {
        recorder.update { $0.selectionAnalyses = analyses; $0.selectionTime = time }
    }

    func makeCompanion(copyingFactor: Bool) throws(FactorizationError) -> any LinearSystem {
        try MUMPSSystem(companionOf: self, numeric: copyingFactor)
    }

    func update(PValues: [Double]?, AValues: [Double]?, parameters: KKTParameters?) throws(FactorizationError) {
        try data.update(PValues: PValues, AValues: AValues, parameters: parameters)
        try refactor()
    }

    /// Writes the current P, A, σ, ρ into K's values, factorizes (JOB = 2) and checks the inertia.
    func refactor() throws(FactorizationError) {
        let t0 = ContinuousClock.now
        assembly.fill(instance.values, from: data)
        var failure: FactorizationError?
        do {
            try instance.factorize()
            let negative = instance.negativePivots
            if negative != m {
                failure = .inertia(positive: instance.dimension - negative, negative: negative, zero: 0,
                                   expectedPositive: n, expectedNegative: m)
            }
        } catch { failure = error }
        recorder.recordFactorization(time: seconds(since: t0), entriesInFactor: instance.entriesInFactors,
                                     peakMemoryBytes: instance.factorizationMegabytes * Self.megabyte)
        if let failure { throw failure }
    }

    func solveFactorized(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                         x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let n = self.n, m = self.m, rhs = instance.rhs
        for j in 0..<n { rhs[j] = r1[j] }
        for i in 0..<m { rhs[n + i] = r2[i] }
        try instance.solveInPlace()
        for j in 0..<n { x[j] = rhs[j] }
        data.parameters.rho.withUnsafeBufferPointer { rho in
            for i in 0..<m { nu[i] = rho[i] == 0 ? 0 : rhs[n + i] }
        }
    }
}
