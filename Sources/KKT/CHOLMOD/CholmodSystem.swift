import Sparse

/// The CHOLMOD backends: `CholmodSystem<QuasiDefiniteForm>` (simplicial LDLᵀ of K, inertia checked)
/// and `CholmodSystem<ReducedForm>` (supernodal LLᵀ of M). The system keeps the data, the factor with
/// its one analysis, the counters and the refactorization; the form assembles its matrix and turns
/// one solve of it into a solve of the KKT system.
final class CholmodSystem<Form: CholmodForm>: FactorizedSystem {
    private var data: SystemData
    private let form: Form
    private let factorization: CholmodFactorization
    let recorder: ProfileRecorder
    let workspace: RefinementWorkspace
    private var scratch: CholmodScratch

    var n: Int { data.n }
    var m: Int { data.m }
    var P: CSCMatrix { data.P }
    var A: CSCMatrix { data.A }
    var parameters: KKTParameters { data.parameters }
    var kind: LinearSystemKind { LinearSystemKind(backend: .cholmod, form: Form.form) }
    var capabilities: LinearSystemCapabilities { Form.capabilities }
    var profile: FactorizationProfile { recorder.snapshot }

    /// Assembles the form and analyses it (CHOLMOD's symbolic factorization); no numeric factorization
    /// yet: `refactor()` must run before the first solve.
    init(data: SystemData, ordering: OrderingChoice) throws(FactorizationError) {
        let t0 = ContinuousClock.now
        let form = try Form(data: data)
        let matrix = CSCMatrix(uncheckedPattern: form.pattern, values: [Double](repeating: 0, count: form.pattern.nonzeroCount))
        let factorization = try CholmodFactorization(upper: matrix, kind: Form.factorKind, ordering: ordering)
        self.data = data
        self.form = form
        self.factorization = factorization
        self.workspace = RefinementWorkspace(n: data.n, m: data.m)
        self.scratch = CholmodScratch(dimension: factorization.dimension, n: data.n, m: data.m)
        let s = factorization.statistics
        self.recorder = ProfileRecorder(FactorizationProfile(
            backend: .cholmod, strategy: Form.form, dimension: factorization.dimension,
            matrixNonzeros: form.pattern.nonzeroCount, symbolicAnalyses: 1, symbolicTime: seconds(since: t0),
            selectionAnalyses: 0, selectionTime: 0, numericFactorizations: 0, numericTime: 0,
            solves: 0, solveTime: 0, refinementSteps: 0, peakMemoryBytes: factorization.common.peakMemoryBytes,
            direct: DirectFactorizationProfile(ordering: s.ordering, nonzerosInL: 0,
                                               predictedNonzerosInL: s.nonzerosInL, predictedFlops: s.flops)))
    }

    /// A companion (see `LinearSystem.makeCompanion`): the analysis is copied, not recomputed.
    private init(companionOf other: CholmodSystem, numeric: Bool) throws(FactorizationError) {
        data = other.data
        form = other.form
        factorization = try other.factorization.copy(numeric: numeric)
        recorder = other.recorder
        workspace = RefinementWorkspace(n: other.n, m: other.m)
        scratch = other.scratch
    }

    func makeCompanion(copyingFactor: Bool) throws(FactorizationError) -> any LinearSystem {
        try CholmodSystem(companionOf: self, numeric: copyingFactor)
    }

    /// CHOLMOD's predicted cost of this analysis (for the automatic form choice).
    var analysis: AnalysisStatistics { factorization.statistics }

    func recordSelection(analyses: Int, time: Double) {
        recorder.update { $0.selectionAnalyses = analyses; $0.selectionTime = time }
    }

    func update(PValues: [Double]?, AValues: [Double]?, parameters: KKTParameters?) throws(FactorizationError) {
        try data.update(PValues: PValues, AValues: AValues, parameters: parameters)
        try refactor()
    }

    /// Writes the current P, A, σ, ρ into the factorized matrix and factorizes it numerically.
    func refactor() throws(FactorizationError) {
        let t0 = ContinuousClock.now
        form.fill(factorization.values, from: data, scratch: &scratch)
        var failure: FactorizationError?
        do {
            try factorization.factorize()
            try form.check(factorization, data: data)
        } catch { failure = error }
        recorder.recordFactorization(time: seconds(since: t0), entriesInFactor: factorization.storedEntriesInL,
                                     peakMemoryBytes: factorization.common.peakMemoryBytes)
        if let failure { throw failure }
    }

    func solveFactorized(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                         x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        try form.solve(factorization, data: data, r1: r1, r2: r2, x: x, nu: nu, scratch: &scratch)
    }

    /// For `CholmodSystem<QuasiDefiniteForm>` after a failed inertia check: a direction of
    /// non-positive curvature (see `CholmodFactorization.firstNonPositivePivotDirection`).
    func firstNonPositivePivotDirection() -> (direction: [Double], pivot: Double)? {
        factorization.firstNonPositivePivotDirection()
    }
}

/// Dense work vectors of a CHOLMOD system, allocated once.
struct CholmodScratch {
    /// Right-hand side and solution of the factorized matrix.
    var rhs: [Double]
    var sol: [Double]
    var workN: [Double]
    var workM: [Double]

    init(dimension: Int, n: Int, m: Int) {
        rhs = [Double](repeating: 0, count: dimension)
        sol = [Double](repeating: 0, count: dimension)
        workN = [Double](repeating: 0, count: n)
        workM = [Double](repeating: 0, count: m)
    }

    /// sol ← F⁻¹·rhs.
    mutating func solveInPlace(_ f: CholmodFactorization) throws(FactorizationError) {
        try rhs.withUnsafeBufferPointer { (b) throws(FactorizationError) in
            try sol.withUnsafeMutableBufferPointer { (s) throws(FactorizationError) in try f.solve(b, into: s) }
        }
    }
}

/// One of the two matrices CHOLMOD factorizes for the KKT system.
protocol CholmodForm {
    static var form: FactorizationStrategy { get }
    static var factorKind: CholmodKind { get }
    static var capabilities: LinearSystemCapabilities { get }
    init(data: SystemData) throws(FactorizationError)
    var pattern: SparsityPattern { get }
    /// Writes the matrix' values from the current data.
    func fill(_ values: UnsafeMutableBufferPointer<Double>, from data: SystemData, scratch: inout CholmodScratch)
    /// After a numeric factorization: what the form guarantees beyond CHOLMOD's own checks.
    func check(_ f: CholmodFactorization, data: SystemData) throws(FactorizationError)
    /// One solve of the KKT system through the factor.
    func solve(_ f: CholmodFactorization, data: SystemData,
               r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
               scratch: inout CholmodScratch) throws(FactorizationError)
}

/// K = [P+σI, Aᵀ; A, −diag(1/ρ)] ((n+m)×(n+m)), simplicial LDLᵀ without pivoting (quasi-definite
/// matrices are strongly factorizable). The inertia is checked after every factorization: exactly n
/// positive and m negative pivots.
struct QuasiDefiniteForm: CholmodForm {
    static var form: FactorizationStrategy { .quasiDefinite }
    static var factorKind: CholmodKind { .simplicialLDLT }
    static var capabilities: LinearSystemCapabilities { [.reportsInertia, .acceptsHardEqualityRows] }
    let assembly: QuasiDefiniteAssembly
    var pattern: SparsityPattern { assembly.pattern }

    init(data: SystemData) {
        assembly = QuasiDefiniteAssembly(P: data.P, A: data.A, At: data.At, aToAt: data.aToAt)
    }

    func fill(_ values: UnsafeMutableBufferPointer<Double>, from data: SystemData, scratch: inout CholmodScratch) {
        assembly.fill(values, from: data)
    }

    func check(_ f: CholmodFactorization, data: SystemData) throws(FactorizationError) {
        let inertia = f.inertia()
        if inertia.positive != data.n || inertia.negative != data.m {
            throw .inertia(positive: inertia.positive, negative: inertia.negative, zero: inertia.zero,
                           expectedPositive: data.n, expectedNegative: data.m)
        }
    }

    func solve(_ f: CholmodFactorization, data: SystemData,
               r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
               scratch s: inout CholmodScratch) throws(FactorizationError) {
        let n = data.n, m = data.m
        for j in 0..<n { s.rhs[j] = r1[j] }
        for i in 0..<m { s.rhs[n + i] = r2[i] }
        try s.solveInPlace(f)
        for j in 0..<n { x[j] = s.sol[j] }
        data.parameters.rho.withUnsafeBufferPointer { rho in
            for i in 0..<m { nu[i] = rho[i] == 0 ? 0 : s.sol[n + i] }
        }
    }
}

/// M = P + σI + Aᵀdiag(ρ)A (n×n), supernodal LLᵀ (BLAS-3 on OpenBLAS); then
/// x = M⁻¹(r₁ + Aᵀ(ρ∘r₂)) and ν = ρ∘(Ax − r₂). Needs M positive definite (σ > 0 suffices); a
/// breakdown throws `.notPositiveDefinite`. Large ρ is squared into M: no hard equality rows.
struct ReducedForm: CholmodForm {
    static var form: FactorizationStrategy { .reduced }
    static var factorKind: CholmodKind { .supernodalLLT }
    static var capabilities: LinearSystemCapabilities { [] }
    let assembly: ReducedAssembly
    var pattern: SparsityPattern { assembly.pattern }

    init(data: SystemData) throws(FactorizationError) {
        assembly = try ReducedAssembly(P: data.P, A: data.A, At: data.At)
    }

    func fill(_ values: UnsafeMutableBufferPointer<Double>, from data: SystemData, scratch: inout CholmodScratch) {
        scratch.workN.withUnsafeMutableBufferPointer { assembly.fill(values, from: data, accumulator: $0) }
    }

    func check(_ f: CholmodFactorization, data: SystemData) throws(FactorizationError) {}

    func solve(_ f: CholmodFactorization, data: SystemData,
               r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
               scratch s: inout CholmodScratch) throws(FactorizationError) {
        let n = data.n, m = data.m, A = data.A, At = data.At
        let rho = data.parameters.rho
        for i in 0..<m { s.workM[i] = rho[i] * r2[i] }
        s.workM.withUnsafeBufferPointer { w in s.rhs.withUnsafeMutableBufferPointer { At.multiply(w, into: $0) } }
        for j in 0..<n { s.rhs[j] += r1[j] }
        try s.solveInPlace(f)
        for j in 0..<n { x[j] = s.sol[j] }
        s.sol.withUnsafeBufferPointer { sol in
            s.workM.withUnsafeMutableBufferPointer { A.multiply(UnsafeBufferPointer(rebasing: sol[0..<n]), into: $0) }
        }
        for i in 0..<m { nu[i] = rho[i] * (s.workM[i] - r2[i]) }
    }
}
