/// The form of the linear system a backend factorizes.
public enum FactorizationStrategy: String, Sendable, CaseIterable, Codable {
    /// The quasi-definite KKT matrix K = [P+σI, Aᵀ; A, −diag(1/ρ)] with CHOLMOD's simplicial LDLᵀ.
    case quasiDefinite = "kkt"
    /// The reduced matrix P + σI + Aᵀdiag(ρ)A with CHOLMOD's supernodal LLᵀ (BLAS-3 on OpenBLAS).
    case reduced = "reduced"
}

/// The user's choice of form: a fixed one, or automatic (see `LinearSystemFactory` for the rule).
/// Raw values (CLI, JSON): "auto", and the forms' own ("kkt", "reduced").
public enum StrategyChoice: Sendable, Hashable {
    case automatic
    case fixed(FactorizationStrategy)

    public static let quasiDefinite = StrategyChoice.fixed(.quasiDefinite)
    public static let reduced = StrategyChoice.fixed(.reduced)
}

extension StrategyChoice: RawRepresentable, CaseIterable, Codable {
    public init?(rawValue: String) {
        if rawValue == "auto" { self = .automatic; return }
        guard let form = FactorizationStrategy(rawValue: rawValue) else { return nil }
        self = .fixed(form)
    }

    public var rawValue: String {
        switch self {
        case .automatic: return "auto"
        case .fixed(let form): return form.rawValue
        }
    }

    public static var allCases: [StrategyChoice] { [.automatic] + FactorizationStrategy.allCases.map { .fixed($0) } }
}

/// The user's choice of engine: automatic (see `LinearSystemFactory` for the rule) or a fixed one.
/// Raw values (CLI, JSON): "auto", "cholmod", "mumps".
public enum BackendChoice: String, Sendable, CaseIterable, Codable {
    case automatic = "auto"
    case cholmod
    case mumps

    /// The engine a fixed choice names (nil for `.automatic`).
    public var backend: LinearSystemBackend? {
        switch self {
        case .automatic: return nil
        case .cholmod: return .cholmod
        case .mumps: return .mumps
        }
    }
}

/// Fill-reducing ordering for the symbolic analysis.
public enum OrderingChoice: String, Sendable, CaseIterable, Codable {
    /// CHOLMOD's default: AMD, and METIS as well when AMD gives a poor ordering; the better is kept.
    case automatic = "auto"
    /// Approximate minimum degree.
    case amd = "amd"
    /// METIS nested dissection.
    case metis = "metis"
}

/// Settings of a linear system (`LinearSystemFactory.make`). All of them matter at set-up only: changing them requires a new system.
public struct KKTOptions: Sendable, Equatable {
    /// Which matrix is factorized. Default `.automatic`.
    public var strategy: StrategyChoice = .automatic
    /// Which engine factorizes. Default `.automatic`.
    public var backend: BackendChoice = .automatic
    /// Fill-reducing ordering. Default `.automatic` (CHOLMOD: AMD and METIS, the better kept; MUMPS:
    /// its own automatic choice, ICNTL(7) = 7).
    public var ordering: OrderingChoice = .automatic
    /// `.automatic` skips the reduced strategy without analysing it when the upper triangle of AᵀA
    /// would have more than this many entries (a dense row of A makes AᵀA dense). Default 5·10⁷.
    public var reducedEntryLimit: Int = 50_000_000
    /// Expected number of solves per numeric factorization, used by the automatic strategy rule
    /// (ADMM refactorizes rarely, so solves dominate). Default 50.
    public var expectedSolvesPerFactorization: Double = 50

    public init(strategy: StrategyChoice = .automatic, ordering: OrderingChoice = .automatic,
                backend: BackendChoice = .automatic) {
        self.strategy = strategy
        self.ordering = ordering
        self.backend = backend
    }

    public func validate() throws(FactorizationError) {
        guard reducedEntryLimit > 0 else { throw .invalidParameter("reducedEntryLimit must be positive") }
        guard expectedSolvesPerFactorization.isFinite, expectedSolvesPerFactorization >= 0 else {
            throw .invalidParameter("expectedSolvesPerFactorization must be finite and ≥ 0")
        }
    }
}

/// Iterative refinement of a solve against an exact operator: x ← x + F⁻¹(b − K·x) until
/// ‖b − K·x‖∞ ≤ tolerance·max(1, ‖b‖∞) or `maxSteps` corrections were applied.
public struct RefinementSettings: Sendable, Equatable {
    /// Relative tolerance on the residual of the exact system. Default 1e-12.
    public var tolerance: Double = 1e-12
    /// Maximum number of corrections. Default 10.
    public var maxSteps: Int = 10

    /// Measure the residual of row i of the second block multiplied by min(1, ρ_i) (exact ρ), i.e. as
    /// the equation ρ_i A_i x − ν_i = ρ_i r₂ᵢ when ρ_i < 1. With weights 1/ρ spanning many orders of
    /// magnitude (interior-point methods) the unweighted norm is dominated by rows with tiny ρ whose
    /// right-hand sides are large, and refinement stops before the other rows are accurate. Default false.
    public var weightRowsByRho: Bool = false

    public init(tolerance: Double = 1e-12, maxSteps: Int = 10, weightRowsByRho: Bool = false) {
        self.tolerance = tolerance
        self.maxSteps = maxSteps
        self.weightRowsByRho = weightRowsByRho
    }
}
