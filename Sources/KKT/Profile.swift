import Synchronization

/// What a factorization did and what it cost. Times are wall-clock seconds.
///
/// `symbolicAnalyses` counts analyses of the pattern that is actually factorized (1 for the life of
/// a system and of all its companions); the automatic strategy choice analyses candidate matrices
/// too, counted apart in `selectionAnalyses`.
public struct FactorizationProfile: Sendable, Equatable, Codable {
    public var strategy: FactorizationStrategy
    /// The ordering CHOLMOD used (with `.automatic`, the one it selected).
    public var ordering: OrderingChoice
    /// Dimension of the factorized matrix (n + m for `.quasiDefinite`, n for `.reduced`).
    public var dimension: Int
    /// Entries of the factorized matrix' stored upper triangle.
    public var matrixNonzeros: Int
    public var symbolicAnalyses: Int
    public var symbolicTime: Double
    /// Analyses of candidate strategies done only to choose one (`.automatic`), and the time of the
    /// choice beyond the chosen analysis (those analyses and the pattern-only bound on M's cost).
    public var selectionAnalyses: Int
    public var selectionTime: Double
    public var numericFactorizations: Int
    public var numericTime: Double
    public var solves: Int
    public var solveTime: Double
    public var refinementSteps: Int
    /// nnz(L) as stored by CHOLMOD after the last numeric factorization (supernodal: including
    /// the explicit zeros of supernodal amalgamation).
    public var nonzerosInL: Int
    /// CHOLMOD's prediction from the analysis: nnz(L) and the flop count of one factorization.
    public var predictedNonzerosInL: Double
    public var predictedFlops: Double
    /// Peak memory allocated through CHOLMOD (bytes), over the system and its companions' maximum.
    /// Memory of SparseQP's own arrays is not included.
    public var peakMemoryBytes: Int
}

/// Counters shared by a system and its companions (thread-safe).
final class ProfileRecorder: Sendable {
    private let state: Mutex<FactorizationProfile>

    init(_ initial: FactorizationProfile) { state = Mutex(initial) }

    func update(_ body: (inout FactorizationProfile) -> Void) {
        state.withLock { body(&$0) }
    }

    var snapshot: FactorizationProfile { state.withLock { $0 } }
}

