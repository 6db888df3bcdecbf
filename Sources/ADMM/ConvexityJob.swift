import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Sparse
import KKT

/// The setup's convexity check (`SemidefinitenessTest` on the scaled P), run on its own thread while
/// the caller analyses and factorizes the KKT system, when it needs a factorization (P has an
/// off-diagonal non-zero) and the machine has a second core; otherwise at once on the caller's thread.
/// The two share no data (P is copied by value; CHOLMOD objects are per thread), so the verdict is the
/// same either way; `result()` waits for it.
final class ConvexityJob: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    // Written once by the worker before `finished` is signalled, read after `result()` waited.
    private var outcome: Result<(SemidefinitenessTest, SemidefinitenessVerdict), FactorizationError>?

    init(P: CSCMatrix, tolerance: Double, flushToZero: Bool) {
        let work: @Sendable () -> Void = { [self] in
            outcome = FlushToZero.run(if: flushToZero) {
                Result { () throws(FactorizationError) in
                    let test = try SemidefinitenessTest(upper: P, relativeTolerance: tolerance)
                    return (test, try test.check(values: P.values))
                }
            }
            finished.signal()
        }
        if Self.processors >= 2, Self.hasOffDiagonal(P) {
            DispatchQueue.global(qos: .userInitiated).async(execute: work)
        } else {
            work()
        }
    }

    /// The test (its analysis kept for later value updates) and its verdict.
    func result() throws(FactorizationError) -> (SemidefinitenessTest, SemidefinitenessVerdict) {
        finished.wait()
        finished.signal()   // a second call returns at once
        return try outcome!.get()
    }

    /// Online processors (sysconf; `ProcessInfo` costs a millisecond on its first use).
    private static let processors: Int = {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }()

    private static func hasOffDiagonal(_ P: CSCMatrix) -> Bool {
        for j in 0..<P.columnCount {
            for p in P.pattern.range(ofColumn: j) where P.rowIndices[p] != j && P.values[p] != 0 { return true }
        }
        return false
    }
}
