import Sparse

/// Makes the linear system for a problem: the backend from the options and what the caller requires.
///
/// **Rule.** The candidates are the backends in `kinds` whose capabilities include `requiring`.
/// `options.strategy` picks among them: a fixed form is used when a candidate has it; a required
/// capability wins over the form (the interior-point method asks for `.acceptsHardEqualityRows` even
/// when the ADMM system was set to the reduced form). `.automatic` with both CHOLMOD forms as
/// candidates applies the cost rule below.
///
/// **Automatic form rule** (costs in `StrategyCost`): analyse K. With CHOLMOD's predicted flop
/// counts f and nnz(L) counts ℓ, and S = `expectedSolvesPerFactorization`, choose the reduced form iff
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
/// The returned system is analysed and numerically factorized.
public enum LinearSystemFactory {
    /// Every backend this build has, for tests and documentation.
    public static let kinds: [LinearSystemKind] = [
        LinearSystemKind(backend: .cholmod, form: .quasiDefinite),
        LinearSystemKind(backend: .cholmod, form: .reduced),
    ]

    /// The system for P (upper triangle, n×n), A (m×n), σ and ρ.
    public static func make(P: CSCMatrix, A: CSCMatrix, parameters: KKTParameters,
                            options: KKTOptions = KKTOptions(),
                            requiring: LinearSystemCapabilities = []) throws(FactorizationError) -> any LinearSystem {
        try options.validate()
        let data = try SystemData(P: P, A: A, parameters: parameters)
        let fixed: FactorizationStrategy?
        switch options.strategy {
        case .automatic: fixed = nil
        case .fixed(let form): fixed = form
        }
        let candidates = kinds.filter { capabilities(of: $0).isSuperset(of: requiring) }
        guard !candidates.isEmpty else { throw .strategyUnavailable("no backend has the capabilities \(requiring.rawValue)") }
        let forms = Set(candidates.map(\.form))
        if let fixed, forms.contains(fixed) {
            return try make(form: fixed, data: data, ordering: options.ordering)
        }
        if forms.count == 1, let only = forms.first {
            return try make(form: only, data: data, ordering: options.ordering)
        }
        return try makeAutomatic(data: data, options: options)
    }

    /// The capabilities of a backend.
    public static func capabilities(of kind: LinearSystemKind) -> LinearSystemCapabilities {
        switch kind.form {
        case .quasiDefinite: return QuasiDefiniteForm.capabilities
        case .reduced: return ReducedForm.capabilities
        }
    }

    private static func make(form: FactorizationStrategy, data: SystemData, ordering: OrderingChoice) throws(FactorizationError) -> any LinearSystem {
        switch form {
        case .quasiDefinite:
            let s = try CholmodSystem<QuasiDefiniteForm>(data: data, ordering: ordering)
            try s.refactor()
            return s
        case .reduced:
            let s = try CholmodSystem<ReducedForm>(data: data, ordering: ordering)
            try s.refactor()
            return s
        }
    }

    private static func makeAutomatic(data: SystemData, options: KKTOptions) throws(FactorizationError) -> any LinearSystem {
        let k = try CholmodSystem<QuasiDefiniteForm>(data: data, ordering: options.ordering)
        let model = StrategyCost(solvesPerFactorization: options.expectedSolvesPerFactorization)
        let costK = model.quasiDefinite(flops: k.analysis.flops, nonzerosInL: k.analysis.nonzerosInL)
        // M is analysed only when its pattern alone does not already rule it out.
        let tb = ContinuousClock.now
        let analyseM = ReducedAssembly.entryBound(At: data.At) <= options.reducedEntryLimit
            && model.reducedLowerBound(P: data.P, A: data.A, At: data.At, sufficient: costK) < costK
        let boundTime = seconds(since: tb)
        guard analyseM else {
            k.recordSelection(analyses: 0, time: boundTime)
            try k.refactor()
            return k
        }
        let r = try CholmodSystem<ReducedForm>(data: data, ordering: options.ordering)
        let costR = model.reduced(flops: r.analysis.flops, nonzerosInL: r.analysis.nonzerosInL, nonzerosInA: data.A.nonzeroCount)
        if costR < costK {
            r.recordSelection(analyses: 1, time: boundTime + k.profile.symbolicTime)
            try r.refactor()
            return r
        }
        k.recordSelection(analyses: 1, time: boundTime + r.profile.symbolicTime)
        try k.refactor()
        return k
    }

    /// Splits the upper triangle of a symmetric quasi-definite matrix into P, A, ρ; see `QuasiDefiniteSplit`.
    public static func splitQuasiDefinite(_ upper: CSCMatrix) throws(FactorizationError) -> (P: CSCMatrix, A: CSCMatrix, rho: [Double]) {
        try QuasiDefiniteSplit.split(upper)
    }
}
