import Sparse

/// Makes the linear system for a problem: the backend from the options and what the caller requires.
///
/// **Rule.** The candidates are the backends in `kinds` whose capabilities include `requiring`.
/// `options.backend` keeps those of one engine when that engine has a candidate, then
/// `options.strategy` keeps those of one form when a remaining candidate has it: a required
/// capability wins over the engine and the form (the interior-point method asks for
/// `.acceptsHardEqualityRows` even when the ADMM system was set to the reduced form). One candidate
/// left is made; several are chosen between by the cost rule below.
///
/// **Cost rule** (costs in `StrategyCost`, in flops of CHOLMOD's simplicial kernel): analyse K with
/// CHOLMOD. With CHOLMOD's predicted flop counts f and nnz(L) counts ℓ, S =
/// `expectedSolvesPerFactorization` and d = n + m, the costs of one factorization plus S solves are
///     CHOLMOD K:  f_K + S·4ℓ_K
///     CHOLMOD M:  f_M/4 + S·(4ℓ_M + 4·nnz(A))
///     MUMPS K:    f_K/4 + S·(3·4ℓ_K + 1000·d)
/// crediting CHOLMOD's supernodal and MUMPS's multifrontal BLAS-3 kernels with 4× the flop rate of
/// the simplicial kernel, and charging MUMPS's solve 3× CHOLMOD's time per factor entry plus a fixed
/// cost per row (`StrategyCost`, measured on a 2-core machine). The cheapest wins: many cheap solves
/// (ADMM) stay on CHOLMOD; heavy fill with few solves goes to MUMPS when the reduced form is not a
/// candidate (hard equality rows, a fixed K form) or costs more flops. MUMPS K is priced from CHOLMOD's analysis of the same matrix (no MUMPS analysis is made to
/// choose). M is analysed only when it can win: when the upper triangle of AᵀA has at most
/// `KKTOptions.reducedEntryLimit` entries (bounded by Σ_k r_k(r_k+1)/2 over the row counts r_k of A)
/// and a lower bound on M's cost from the patterns alone (nnz of M's upper triangle, and the dense
/// block of A's longest row; `StrategyCost.reducedLowerBound`) is below the cheapest cost so far.
/// The bound never exceeds the analysed cost, so skipping M never changes the choice; it saves the
/// second analysis (`FactorizationProfile.selectionAnalyses` 0) when a dense row of A makes M
/// expensive. Only the chosen system's analysis counts as its symbolic analysis; the others are
/// `selectionAnalyses`.
///
/// The returned system is analysed and numerically factorized.
public enum LinearSystemFactory {
    /// Every backend this build has, for tests and documentation.
    public static let kinds: [LinearSystemKind] = [
        LinearSystemKind(backend: .cholmod, form: .quasiDefinite),
        LinearSystemKind(backend: .cholmod, form: .reduced),
        MUMPSSystem.kind,
    ]

    /// The system for P (upper triangle, n×n), A (m×n), σ and ρ.
    public static func make(P: CSCMatrix, A: CSCMatrix, parameters: KKTParameters,
                            options: KKTOptions = KKTOptions(),
                            requiring: LinearSystemCapabilities = []) throws(FactorizationError) -> any LinearSystem {
        try options.validate()
        let data = try SystemData(P: P, A: A, parameters: parameters)
        var candidates = kinds.filter { capabilities(of: $0).isSuperset(of: requiring) 
            && (options.backend != .automatic || offers(options.ordering, $0)) }
        guard !candidates.isEmpty else { throw .strategyUnavailable("no backend has the capabilities \(requiring.rawValue)") }
        if let engine = options.backend.backend, candidates.contains(where: { $0.backend == engine }) {
            candidates = candidates.filter { $0.backend == engine }
        }
        if case .fixed(let form) = options.strategy, candidates.contains(where: { $0.form == form }) {
            candidates = candidates.filter { $0.form == form }
        }
        if candidates.count == 1 {
            return try make(kind: candidates[0], data: data, ordering: options.ordering)
        }
        return try makeAutomatic(candidates: Set(candidates), data: data, options: options)
    }

    /// Whether a backend has the ordering. The automatic choice skips backends without it; a fixed
    /// engine is kept and fails with a typed error that says so.
    private static func offers(_ ordering: OrderingChoice, _ kind: LinearSystemKind) -> Bool {
        kind.backend != .mumps || ordering != .metis || MUMPSInstance.supportsMETIS
    }

    /// Whether the backend can order with METIS (CHOLMOD always; MUMPS when built with it).
    public static func backendOffersMETIS(_ kind: LinearSystemKind) -> Bool { offers(.metis, kind) }

    /// The capabilities of a backend.
    public static func capabilities(of kind: LinearSystemKind) -> LinearSystemCapabilities {
        switch (kind.backend, kind.form) {
        case (.cholmod, .quasiDefinite): return QuasiDefiniteForm.capabilities
        case (.cholmod, .reduced): return ReducedForm.capabilities
        case (.mumps, .quasiDefinite): return MUMPSSystem.capabilities
        case (.mumps, .reduced): return []
        }
    }

    private static func make(kind: LinearSystemKind, data: SystemData, ordering: OrderingChoice) throws(FactorizationError) -> any LinearSystem {
        switch (kind.backend, kind.form) {
        case (.cholmod, .quasiDefinite):
            let s = try CholmodSystem<QuasiDefiniteForm>(data: data, ordering: ordering)
            try s.refactor()
            return s
        case (.cholmod, .reduced):
            let s = try CholmodSystem<ReducedForm>(data: data, ordering: ordering)
            try s.refactor()
            return s
        case (.mumps, .quasiDefinite):
            let s = try MUMPSSystem(data: data, ordering: ordering)
            try s.refactor()
            return s
        case (.mumps, .reduced):
            throw .strategyUnavailable("MUMPS factorizes the quasi-definite form only")
        }
    }

    /// The cost rule over several candidates; CHOLMOD's K is always one of them (every other
    /// backend lacks a capability it has, or is an engine or form it shares).
    private static func makeAutomatic(candidates: Set<LinearSystemKind>, data: SystemData, options: KKTOptions) throws(FactorizationError) -> any LinearSystem {
        let k = try CholmodSystem<QuasiDefiniteForm>(data: data, ordering: options.ordering)
        let model = StrategyCost(solvesPerFactorization: options.expectedSolvesPerFactorization)
        let costK = model.quasiDefinite(flops: k.analysis.flops, nonzerosInL: k.analysis.nonzerosInL)
        let costMUMPS = candidates.contains(MUMPSSystem.kind)
            ? model.mumps(flops: k.analysis.flops, nonzerosInL: k.analysis.nonzerosInL, dimension: data.n + data.m) : Double.infinity
        var best = min(costK, costMUMPS)
        // M is analysed only when its pattern alone does not already rule it out.
        let tb = ContinuousClock.now
        let analyseM = candidates.contains(LinearSystemKind(backend: .cholmod, form: .reduced))
            && ReducedAssembly.entryBound(At: data.At) <= options.reducedEntryLimit
            && model.reducedLowerBound(P: data.P, A: data.A, At: data.At, sufficient: best) < best
        var selectionTime = seconds(since: tb)
        var selectionAnalyses = 0
        if analyseM {
            let r = try CholmodSystem<ReducedForm>(data: data, ordering: options.ordering)
            let costR = model.reduced(flops: r.analysis.flops, nonzerosInL: r.analysis.nonzerosInL, nonzerosInA: data.A.nonzeroCount)
            if costR < best {
                r.recordSelection(analyses: 1, time: selectionTime + k.profile.symbolicTime)
                try r.refactor()
                return r
            }
            selectionAnalyses += 1
            selectionTime += r.profile.symbolicTime
            best = min(best, costR)
        }
        if costMUMPS < costK {
            let s = try MUMPSSystem(data: data, ordering: options.ordering)
            s.recordSelection(analyses: selectionAnalyses + 1, time: selectionTime + k.profile.symbolicTime)
            try s.refactor()
            return s
        }
        k.recordSelection(analyses: selectionAnalyses, time: selectionTime)
        try k.refactor()
        return k
    }

    /// Splits the upper triangle of a symmetric quasi-definite matrix into P, A, ρ; see `QuasiDefiniteSplit`.
    public static func splitQuasiDefinite(_ upper: CSCMatrix) throws(FactorizationError) -> (P: CSCMatrix, A: CSCMatrix, rho: [Double]) {
        try QuasiDefiniteSplit.split(upper)
    }
}
