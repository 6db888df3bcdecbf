import Sparse

/// A factorization of the ADMM linear system for one pair of sparsity patterns (P, A), analysed
/// once and refactorized in place when σ, ρ or the values of P and A change.
///
/// Two strategies solve the same system (`FactorizationStrategy`):
/// - `.quasiDefinite`: K = [P+σI, Aᵀ; A, −diag(1/ρ)] ((n+m)×(n+m)), CHOLMOD simplicial LDLᵀ. The
///   inertia is checked after every factorization: exactly n positive and m negative pivots.
/// - `.reduced`: M = P + σI + Aᵀdiag(ρ)A (n×n), CHOLMOD supernodal LLᵀ; then
///   x = M⁻¹(r₁ + Aᵀ(ρ∘r₂)) and ν = ρ∘(Ax − r₂). Needs M positive definite (σ > 0 suffices).
///
/// Either way `solve` returns (x, ν); callers do not see which strategy is active.
///
/// **Automatic strategy rule** (`StrategyChoice.automatic`, costs in `StrategyCost`): analyse K. With
/// CHOLMOD's predicted flop counts f and nnz(L) counts ℓ, and S = `expectedSolvesPerFactorization`,
/// choose `.reduced` iff
///     f_M/4 + S·(4ℓ_M + 4·nnz(A)) < f_K + S·4ℓ_K,
/// i.e. compare one factorization plus S solves, crediting supernodal BLAS-3 with 4× the flop rate of
/// the simplicial kernel. M is analysed only when it can win: when the upper triangle of AᵀA has at
/// most `KKTOptions.reducedEntryLimit` entries (bounded by Σ_k r_k(r_k+1)/2 over the row counts r_k
/// of A) and a lower bound on M's cost from the patterns alone (nnz of M's upper triangle, and the
/// dense block of A's longest row; `StrategyCost.reducedLowerBound`) is below K's cost. The bound
/// never exceeds the analysed cost, so skipping M never changes the choice; it saves the second
/// analysis (`FactorizationProfile.selectionAnalyses` 0) when a dense row of A makes M expensive.
/// Only the chosen matrix' analysis counts as the system's symbolic analysis.
///
/// Index maps (P→K, A→K, ρ→K and their reduced analogues) make every update an in-place write of
/// values followed by one numeric factorization; the symbolic analysis is never repeated.
///
/// Not thread-safe; `makeCompanion()` gives an independent numeric factorization on the same
/// symbolic analysis for another thread or for a backward pass.
public final class KKTSystem {
    public let n: Int
    public let m: Int
    public let strategy: FactorizationStrategy
    public private(set) var P: CSCMatrix
    public private(set) var A: CSCMatrix
    public private(set) var parameters: KKTParameters

    private var At: CSCMatrix
    private let aToAt: [Int]
    private let factorization: CholmodFactorization
    private let recorder: ProfileRecorder
    private let maps: Maps
    // Work vectors, allocated once.
    private var rhs: [Double]
    private var sol: [Double]
    private var workN: [Double]
    private var workM: [Double]
    private var residual: [Double]
    private var correction: [Double]

    /// Index maps from the problem data into the factorized matrix' values.
    enum Maps {
        /// K: position of each P entry, each A entry (in K's Aᵀ block), and the n + m diagonal entries.
        case quasiDefinite(pToK: [Int], aToK: [Int], diagonal: [Int])
        /// M: position of each P entry and of the n diagonal entries; AᵀWA is accumulated per column.
        case reduced(pToM: [Int], diagonal: [Int], pattern: SparsityPattern)
    }

    /// Assembles, analyses (once) and factorizes the system for P (upper triangle, n×n), A (m×n), σ, ρ.
    public init(P: CSCMatrix, A: CSCMatrix, parameters: KKTParameters, options: KKTOptions = KKTOptions()) throws(FactorizationError) {
        try options.validate()
        let n = P.columnCount, m = A.rowCount
        guard P.rowCount == n else { throw .dimensionMismatch("P is \(P.rowCount)×\(P.columnCount), expected square") }
        guard A.columnCount == n else { throw .dimensionMismatch("A has \(A.columnCount) columns, P has \(n)") }
        guard P.pattern.isUpperTriangular else { throw .invalidParameter("P must be stored as its upper triangle") }
        for v in P.values where !v.isFinite { throw .invalidParameter("P has a non-finite value \(v)") }
        for v in A.values where !v.isFinite { throw .invalidParameter("A has a non-finite value \(v)") }
        try parameters.validate(rowCount: m, allowInfiniteRho: false)
        self.n = n
        self.m = m
        self.P = P
        self.A = A
        self.parameters = parameters
        let (at, map) = A.transposedWithMap()
        self.At = at
        self.aToAt = map

        var selectionAnalyses = 0
        var selectionTime = 0.0
        let chosen: FactorizationStrategy
        var prepared: (CholmodFactorization, Maps, Double)?
        switch options.strategy {
        case .quasiDefinite: chosen = .quasiDefinite
        case .reduced: chosen = .reduced
        case .automatic:
            let t0 = ContinuousClock.now
            let (kFact, kMaps) = try Self.analyseQuasiDefinite(P: P, A: A, At: at, aToAt: map, parameters: parameters, ordering: options.ordering)
            let kTime = seconds(since: t0)
            let model = StrategyCost(solvesPerFactorization: options.expectedSolvesPerFactorization)
            let k = kFact.statistics
            let costK = model.quasiDefinite(flops: k.flops, nonzerosInL: k.nonzerosInL)
            // M is analysed only when its pattern alone does not already rule it out.
            let tb = ContinuousClock.now
            let analyseM = Self.reducedEntryBound(At: at) <= options.reducedEntryLimit
                && model.reducedLowerBound(P: P, A: A, At: at, sufficient: costK) < costK
            selectionTime = seconds(since: tb)
            if analyseM {
                let t1 = ContinuousClock.now
                let (rFact, rMaps) = try Self.analyseReduced(P: P, A: A, At: at, ordering: options.ordering)
                let rTime = seconds(since: t1)
                let r = rFact.statistics
                let costR = model.reduced(flops: r.flops, nonzerosInL: r.nonzerosInL, nonzerosInA: A.nonzeroCount)
                selectionAnalyses = 1
                if costR < costK {
                    chosen = .reduced; prepared = (rFact, rMaps, rTime); selectionTime += kTime
                } else {
                    chosen = .quasiDefinite; prepared = (kFact, kMaps, kTime); selectionTime += rTime
                }
            } else {
                chosen = .quasiDefinite; prepared = (kFact, kMaps, kTime)
            }
        }
        if prepared == nil {
            let t0 = ContinuousClock.now
            switch chosen {
            case .quasiDefinite:
                let (f, mp) = try Self.analyseQuasiDefinite(P: P, A: A, At: at, aToAt: map, parameters: parameters, ordering: options.ordering)
                prepared = (f, mp, seconds(since: t0))
            case .reduced:
                let (f, mp) = try Self.analyseReduced(P: P, A: A, At: at, ordering: options.ordering)
                prepared = (f, mp, seconds(since: t0))
            }
        }
        guard let (fact, maps, analysisTime) = prepared else { throw .invalidParameter("internal: no analysis") }
        self.strategy = chosen
        self.factorization = fact
        self.maps = maps
        let dim = fact.dimension
        self.rhs = [Double](repeating: 0, count: dim)
        self.sol = [Double](repeating: 0, count: dim)
        self.workN = [Double](repeating: 0, count: n)
        self.workM = [Double](repeating: 0, count: m)
        self.residual = [Double](repeating: 0, count: n + m)
        self.correction = [Double](repeating: 0, count: n + m)
        self.recorder = ProfileRecorder(FactorizationProfile(
            strategy: chosen, ordering: fact.statistics.ordering, dimension: dim,
            matrixNonzeros: fact.values.count, symbolicAnalyses: 1, symbolicTime: analysisTime,
            selectionAnalyses: selectionAnalyses, selectionTime: selectionTime,
            numericFactorizations: 0, numericTime: 0, solves: 0, solveTime: 0, refinementSteps: 0,
            nonzerosInL: 0, predictedNonzerosInL: fact.statistics.nonzerosInL,
            predictedFlops: fact.statistics.flops, peakMemoryBytes: fact.common.peakMemoryBytes))
        try refactor()
    }

    /// A system that shares this one's symbolic analysis (copied, not recomputed: the profile's
    /// `symbolicAnalyses` stays 1) and its profile counters, with its own numeric factor and
    /// parameters. The copy starts with this system's current factor; no factorization is done. With
    /// `numeric` false only the symbolic analysis is copied and the companion must be updated
    /// (`update(parameters:)` or a value update, i.e. factorized) before it solves.
    private init(companionOf other: KKTSystem, numeric: Bool) throws(FactorizationError) {
        n = other.n; m = other.m; strategy = other.strategy
        P = other.P; A = other.A; parameters = other.parameters
        At = other.At; aToAt = other.aToAt
        factorization = try other.factorization.copy(numeric: numeric)
        recorder = other.recorder
        maps = other.maps
        rhs = other.rhs; sol = other.sol; workN = other.workN; workM = other.workM
        residual = other.residual; correction = other.correction
    }

    /// An independent numeric factorization on the same symbolic analysis (see `init(companionOf:)`).
    /// `copyingFactor: false` skips copying the numeric factor (O(nnz(L)) memory and time) for a
    /// companion that is refactorized before its first solve.
    public func makeCompanion(copyingFactor: Bool = true) throws(FactorizationError) -> KKTSystem {
        try KKTSystem(companionOf: self, numeric: copyingFactor)
    }

    /// The profile shared by this system and its companions.
    public var profile: FactorizationProfile { recorder.snapshot }

    // MARK: Updates (numeric refactorization only)

    /// New σ and ρ: values written through the index maps, then one numeric factorization.
    public func update(parameters new: KKTParameters) throws(FactorizationError) {
        try new.validate(rowCount: m, allowInfiniteRho: false)
        parameters = new
        try refactor()
    }

    /// New values of P and A on the same patterns (counts must match), then one numeric factorization.
    public func update(PValues: [Double]? = nil, AValues: [Double]? = nil) throws(FactorizationError) {
        try update(PValues: PValues, AValues: AValues, parameters: nil)
    }

    /// New values of P and/or A and new parameters with a single numeric factorization.
    public func update(PValues: [Double]?, AValues: [Double]?, parameters new: KKTParameters?) throws(FactorizationError) {
        if let new { try new.validate(rowCount: m, allowInfiniteRho: false) }
        if let pv = PValues {
            guard pv.count == P.nonzeroCount else { throw .dimensionMismatch("\(pv.count) P values, pattern has \(P.nonzeroCount)") }
            for v in pv where !v.isFinite { throw .invalidParameter("P has a non-finite value \(v)") }
        }
        if let av = AValues {
            guard av.count == A.nonzeroCount else { throw .dimensionMismatch("\(av.count) A values, pattern has \(A.nonzeroCount)") }
            for v in av where !v.isFinite { throw .invalidParameter("A has a non-finite value \(v)") }
        }
        if let new { parameters = new }
        if let pv = PValues { P.values = pv }
        if let av = AValues {
            A.values = av
            for p in 0..<av.count { At.values[aToAt[p]] = av[p] }
        }
        try refactor()
    }

    /// Writes the current P, A, σ, ρ into the factorized matrix and factorizes it numerically.
    private func refactor() throws(FactorizationError) {
        let t0 = ContinuousClock.now
        let values = factorization.values
        switch maps {
        case let .quasiDefinite(pToK, aToK, diagonal):
            for p in 0..<values.count { values[p] = 0 }
            for p in 0..<P.nonzeroCount { values[pToK[p]] += P.values[p] }
            for p in 0..<A.nonzeroCount { values[aToK[p]] = A.values[p] }
            for j in 0..<n { values[diagonal[j]] += parameters.sigma }
            for i in 0..<m { values[diagonal[n + i]] = -1 / max(parameters.rho[i], Self.rhoFloor) }
        case let .reduced(pToM, diagonal, pattern):
            fillReduced(values: values, pToM: pToM, diagonal: diagonal, pattern: pattern)
        }
        var failure: FactorizationError?
        do { try factorization.factorize() } catch { failure = error }
        if failure == nil, strategy == .quasiDefinite {
            let inertia = factorization.inertia()
            if inertia.positive != n || inertia.negative != m {
                failure = .inertia(positive: inertia.positive, negative: inertia.negative, zero: inertia.zero,
                                   expectedPositive: n, expectedNegative: m)
            }
        }
        let elapsed = seconds(since: t0)
        let stored = factorization.storedEntriesInL
        let peak = factorization.common.peakMemoryBytes
        recorder.update {
            $0.numericFactorizations += 1
            $0.numericTime += elapsed
            $0.nonzerosInL = stored
            $0.peakMemoryBytes = max($0.peakMemoryBytes, peak)
        }
        if let failure { throw failure }
    }

    /// In the quasi-definite matrix a decoupled row (ρ = 0) gets the diagonal −1/rhoFloor.
    static let rhoFloor = 1e-12

    /// M = P + σI + Aᵀdiag(ρ)A, column by column with a dense accumulator: O(Σ_k r_k²/2) flops.
    private func fillReduced(values: UnsafeMutableBufferPointer<Double>, pToM: [Int], diagonal: [Int], pattern: SparsityPattern) {
        workN.withUnsafeMutableBufferPointer { acc in
            pattern.columnPointers.withUnsafeBufferPointer { mp in
            pattern.rowIndices.withUnsafeBufferPointer { mi in
            A.pattern.columnPointers.withUnsafeBufferPointer { ap in
            A.pattern.rowIndices.withUnsafeBufferPointer { ai in
            A.values.withUnsafeBufferPointer { av in
            At.pattern.columnPointers.withUnsafeBufferPointer { tp in
            At.pattern.rowIndices.withUnsafeBufferPointer { ti in
            At.values.withUnsafeBufferPointer { tv in
            parameters.rho.withUnsafeBufferPointer { rho in
                for j in 0..<n {
                    for p in mp[j]..<mp[j + 1] { acc[mi[p]] = 0 }
                    acc[j] += parameters.sigma
                    for p in ap[j]..<ap[j + 1] {
                        let k = ai[p]
                        let f = rho[k] * av[p]
                        if f == 0 { continue }
                        for q in tp[k]..<tp[k + 1] {
                            let i = ti[q]
                            if i > j { break }
                            acc[i] += tv[q] * f
                        }
                    }
                    for p in mp[j]..<mp[j + 1] { values[p] = acc[mi[p]] }
                }
            }}}}}}}}}
        }
        for p in 0..<P.nonzeroCount { values[pToM[p]] += P.values[p] }
    }

    // MARK: Solves

    /// Solves [P+σI, Aᵀ; A, −diag(1/ρ)]·[x; ν] = [r₁; r₂] with the current factorization.
    /// Rows with ρ_i = 0 return ν_i = 0. No allocation.
    public func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                      x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let t0 = ContinuousClock.now
        try solveUnrecorded(r1: r1, r2: r2, x: x, nu: nu)
        let elapsed = seconds(since: t0)
        recorder.update { $0.solves += 1; $0.solveTime += elapsed }
    }

    private func solveUnrecorded(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                                 x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let rho = parameters.rho
        switch strategy {
        case .quasiDefinite:
            for j in 0..<n { rhs[j] = r1[j] }
            for i in 0..<m { rhs[n + i] = r2[i] }
            try rhs.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                try sol.withUnsafeMutableBufferPointer { (s) throws(FactorizationError) in try factorization.solve(b, into: s) }
            }
            for j in 0..<n { x[j] = sol[j] }
            for i in 0..<m { nu[i] = rho[i] == 0 ? 0 : sol[n + i] }
        case .reduced:
            for i in 0..<m { workM[i] = rho[i] * r2[i] }
            workM.withUnsafeBufferPointer { w in rhs.withUnsafeMutableBufferPointer { At.multiply(w, into: $0) } }
            for j in 0..<n { rhs[j] += r1[j] }
            try rhs.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                try sol.withUnsafeMutableBufferPointer { (s) throws(FactorizationError) in try factorization.solve(b, into: s) }
            }
            for j in 0..<n { x[j] = sol[j] }
            sol.withUnsafeBufferPointer { s in
                workM.withUnsafeMutableBufferPointer { A.multiply(UnsafeBufferPointer(rebasing: s[0..<n]), into: $0) }
            }
            for i in 0..<m { nu[i] = rho[i] * (workM[i] - r2[i]) }
        }
    }

    /// Solves the factorized system, then refines against the exact operator `exact` (which may
    /// differ from the factorized parameters by regularization: larger σ, finite ρ where `exact`
    /// has ∞, …) until ‖b − K_exact·[x; ν]‖∞ ≤ tolerance·max(1, ‖b‖∞). Rows with exact ρ_i = 0
    /// are decoupled: ν_i = 0 and they take no part in the residual.
    @discardableResult
    public func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                      x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
                      refiningAgainst exact: KKTParameters, settings: RefinementSettings = RefinementSettings()) throws(FactorizationError) -> RefinementReport {
        try exact.validate(rowCount: m, allowInfiniteRho: true)
        let t0 = ContinuousClock.now
        try solveUnrecorded(r1: r1, r2: r2, x: x, nu: nu)
        for i in 0..<m where exact.rho[i] == 0 { nu[i] = 0 }
        var scale = 1.0
        for j in 0..<n { scale = max(scale, abs(r1[j])) }
        let weighted = settings.weightRowsByRho
        for i in 0..<m where exact.rho[i] != 0 {
            scale = max(scale, abs(r2[i]) * (weighted ? min(1, exact.rho[i]) : 1))
        }
        var steps = 0
        var res = exactResidual(r1: r1, r2: r2, x: UnsafeBufferPointer(x), nu: UnsafeBufferPointer(nu), exact: exact, weighted: weighted)
        while res > settings.tolerance * scale, steps < settings.maxSteps {
            let before = res
            try residual.withUnsafeBufferPointer { (r) throws(FactorizationError) in
                try correction.withUnsafeMutableBufferPointer { (d) throws(FactorizationError) in
                    try solveUnrecorded(r1: UnsafeBufferPointer(rebasing: r[0..<n]), r2: UnsafeBufferPointer(rebasing: r[n...]),
                                        x: UnsafeMutableBufferPointer(rebasing: d[0..<n]), nu: UnsafeMutableBufferPointer(rebasing: d[n...]))
                }
            }
            for j in 0..<n { x[j] += correction[j] }
            for i in 0..<m where exact.rho[i] != 0 { nu[i] += correction[n + i] }
            steps += 1
            res = exactResidual(r1: r1, r2: r2, x: UnsafeBufferPointer(x), nu: UnsafeBufferPointer(nu), exact: exact, weighted: weighted)
            if !(res < before) {
                // Divergence (the exact operator is too far from the factorized one) or stagnation:
                // undo this correction and stop with the best point.
                for j in 0..<n { x[j] -= correction[j] }
                for i in 0..<m where exact.rho[i] != 0 { nu[i] -= correction[n + i] }
                res = before
                break
            }
        }
        let elapsed = seconds(since: t0)
        let s = steps
        recorder.update { $0.solves += 1 + s; $0.solveTime += elapsed; $0.refinementSteps += s }
        return RefinementReport(steps: steps, residual: res, scale: scale, converged: res <= settings.tolerance * scale)
    }

    /// residual ← b − K_exact·[x; ν]; returns its ∞-norm.
    private func exactResidual(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                               x: UnsafeBufferPointer<Double>, nu: UnsafeBufferPointer<Double>, exact: KKTParameters,
                               weighted: Bool = false) -> Double {
        residual.withUnsafeMutableBufferPointer { res in
            let top = UnsafeMutableBufferPointer(rebasing: res[0..<n])
            let bottom = UnsafeMutableBufferPointer(rebasing: res[n...])
            P.symmetricUpperMultiply(x, into: top)
            workN.withUnsafeMutableBufferPointer { w in
                A.transposeMultiply(nu, into: w)
                for j in 0..<n { top[j] = r1[j] - top[j] - exact.sigma * x[j] - w[j] }
            }
            A.multiply(x, into: bottom)
            for i in 0..<m {
                let r = exact.rho[i]
                if r == 0 { bottom[i] = 0 } else if r.isInfinite { bottom[i] = r2[i] - bottom[i] } else {
                    bottom[i] = r2[i] - (bottom[i] - nu[i] / r)
                }
            }
            var norm = 0.0
            for j in 0..<n { norm = max(norm, abs(res[j])) }
            for i in 0..<m { norm = max(norm, abs(res[n + i]) * (weighted ? min(1, exact.rho[i]) : 1)) }
            return norm
        }
    }

    /// Array convenience: returns (x, ν).
    public func solve(r1: [Double], r2: [Double]) throws(FactorizationError) -> (x: [Double], nu: [Double]) {
        guard r1.count == n, r2.count == m else { throw .dimensionMismatch("right-hand side has \(r1.count)+\(r2.count) entries, expected \(n)+\(m)") }
        var x = [Double](repeating: 0, count: n), nu = [Double](repeating: 0, count: m)
        try r1.withUnsafeBufferPointer { (a) throws(FactorizationError) in
            try r2.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                try x.withUnsafeMutableBufferPointer { (xb) throws(FactorizationError) in
                    try nu.withUnsafeMutableBufferPointer { (nb) throws(FactorizationError) in
                        try solve(r1: a, r2: b, x: xb, nu: nb)
                    }
                }
            }
        }
        return (x, nu)
    }

    /// Array convenience for the refined solve.
    public func solve(r1: [Double], r2: [Double], refiningAgainst exact: KKTParameters,
                      settings: RefinementSettings = RefinementSettings()) throws(FactorizationError) -> (x: [Double], nu: [Double], report: RefinementReport) {
        guard r1.count == n, r2.count == m else { throw .dimensionMismatch("right-hand side has \(r1.count)+\(r2.count) entries, expected \(n)+\(m)") }
        var x = [Double](repeating: 0, count: n), nu = [Double](repeating: 0, count: m)
        var report = RefinementReport(steps: 0, residual: 0, scale: 1, converged: true)
        try r1.withUnsafeBufferPointer { (a) throws(FactorizationError) in
            try r2.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                try x.withUnsafeMutableBufferPointer { (xb) throws(FactorizationError) in
                    try nu.withUnsafeMutableBufferPointer { (nb) throws(FactorizationError) in
                        report = try solve(r1: a, r2: b, x: xb, nu: nb, refiningAgainst: exact, settings: settings)
                    }
                }
            }
        }
        return (x, nu, report)
    }
}
