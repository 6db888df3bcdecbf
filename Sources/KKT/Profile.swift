#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a linear system did and what it cost, for every backend. Times are wall-clock seconds.
///
/// `symbolicAnalyses` counts analyses of the pattern that is actually factorized (1 for the life of
/// a system and of all its companions); the automatic choice analyses candidate matrices too,
/// counted apart in `selectionAnalyses`. A direct factorization adds its statistics in `direct`.
public struct FactorizationProfile: Sendable, Equatable, Codable {
    /// The engine (`LinearSystemKind.backend`).
    public var backend: LinearSystemBackend
    /// The form of the factorized matrix (`LinearSystemKind.form`).
    public var strategy: FactorizationStrategy
    /// Dimension of the factorized matrix (n + m for `.quasiDefinite`, n for `.reduced`).
    public var dimension: Int
    /// Entries of the factorized matrix' stored upper triangle.
    public var matrixNonzeros: Int
    public var symbolicAnalyses: Int
    public var symbolicTime: Double
    /// Analyses of candidate forms done only to choose one (`.automatic`), and the time of the
    /// choice beyond the chosen analysis (those analyses and the pattern-only bound on M's cost).
    public var selectionAnalyses: Int
    public var selectionTime: Double
    public var numericFactorizations: Int
    public var numericTime: Double
    public var solves: Int
    public var solveTime: Double
    public var refinementSteps: Int
    /// Peak memory allocated by the engine (bytes), over the system and its companions' maximum.
    /// Memory of SparseQP's own arrays is not included.
    public var peakMemoryBytes: Int
    /// The statistics of a direct factorization (nil for a backend without a factor).
    public var direct: DirectFactorizationProfile?

    public var kind: LinearSystemKind { LinearSystemKind(backend: backend, form: strategy) }

    /// Entries a solve reads: nnz(L) of a direct factorization, else the stored entries of the matrix.
    public var entriesPerSolve: Int { direct?.nonzerosInL ?? matrixNonzeros }
}

/// Statistics of a direct (LDLᵀ or LLᵀ) factorization.
public struct DirectFactorizationProfile: Sendable, Equatable, Codable {
    /// The fill-reducing ordering used (with `.automatic`, the one the engine selected).
    public var ordering: OrderingChoice
    /// nnz(L) as stored after the last numeric factorization (supernodal: including the explicit
    /// zeros of supernodal amalgamation).
    public var nonzerosInL: Int
    /// The analysis' prediction: nnz(L) and the flop count of one factorization.
    public var predictedNonzerosInL: Double
    public var predictedFlops: Double
}

/// Counters shared by a system and its companions (thread-safe: companions factorize and solve on
/// the workers of a batch at the same time).
///
/// The lock is a pthread mutex rather than `Synchronization.Mutex`: that one synchronizes through
/// atomics inside the (uninstrumented) standard library, which ThreadSanitizer cannot see, so the
/// sanitizer run reported the serialized updates as races; it intercepts pthread mutexes.
final class ProfileRecorder: @unchecked Sendable {
    // Invariant: `profile` is read and written only inside `lock.withLock`.
    private let lock = PthreadLock()
    private var profile: FactorizationProfile

    init(_ initial: FactorizationProfile) { profile = initial }

    func update(_ body: (inout FactorizationProfile) -> Void) {
        lock.withLock { body(&profile) }
    }

    var snapshot: FactorizationProfile { lock.withLock { profile } }

    /// Counts one numeric factorization (failed ones too) with its time, the stored entries of its
    /// factor and the engine's peak memory.
    func recordFactorization(time: Double, entriesInFactor: Int, peakMemoryBytes: Int) {
        update {
            $0.numericFactorizations += 1
            $0.numericTime += time
            $0.direct?.nonzerosInL = entriesInFactor
            $0.peakMemoryBytes = max($0.peakMemoryBytes, peakMemoryBytes)
        }
    }
}

/// A pthread mutex (see `ProfileRecorder` for why not `Synchronization.Mutex`).
package final class PthreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
