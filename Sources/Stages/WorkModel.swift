import Sparse
import KKT

/// Deterministic cost model of the solver's linear-algebra work, in flop equivalents of one
/// triangular solve (4·nnz(L) per solve), computed from CHOLMOD's predictions of the symbolic
/// analysis (`DirectFactorizationProfile.predictedFlops`, `predictedNonzerosInL`) and the problem's sizes —
/// never from measured time, so that the polishing budget and the ρ-refactorization rule decide the
/// same way on every machine.
///
/// - one numeric factorization: the predicted flops weighted by the kernel's speed relative to the
///   solves (`simplicialFlopCost`, `supernodalFlopCost`), plus `factorizationCostPerEntry`·nnz(L)
///   for the work proportional to the factor's size, plus for the reduced strategy the assembly of
///   AᵀρA, Σ_k r_k(r_k + 1) over the row counts r_k of A;
/// - one solve: forward and backward substitution, 4·nnz(L), plus 4·nnz(A) for the products with A
///   and Aᵀ of the reduced strategy;
/// - one ADMM iteration: one solve plus `vectorFlopsPerEntry`·(n + m) for the vector updates;
/// - one refinement step (polishing): one solve plus the residual, 4·nnz(P) + 4·nnz(A).
///
/// The weights were fitted to the measured factorization/iteration time ratios of generated
/// problems (ratios from 4 to 180) and predict them within about a factor of 2.
package struct WorkModel: Equatable {
    package var factorization: Double
    package var solve: Double
    package var iteration: Double
    package var refinementStep: Double

    /// CHOLMOD's simplicial LDLᵀ (up-looking, indirect indexing, no BLAS) spends about three times
    /// a solve's time per flop.
    static let simplicialFlopCost = 3.0
    /// The supernodal LLᵀ runs its flops in BLAS-3 at about twice the rate of the solves.
    static let supernodalFlopCost = 0.5
    /// Work per stored entry of L beyond the flops (writing the factor, assembling the matrix through
    /// the index maps, the inertia scan, per-column bookkeeping): about three solves' worth of traffic.
    static let factorizationCostPerEntry = 12.0
    /// Flops per vector entry of one ADMM iteration (right-hand side, relaxation, projection, y update).
    static let vectorFlopsPerEntry = 12.0

    package init(profile: FactorizationProfile, n: Int, m: Int, P: CSCMatrix, A: CSCMatrix) {
        let reduced = profile.strategy == .reduced
        let nnzA = Double(A.nonzeroCount), nnzP = Double(P.nonzeroCount)
        var assembly = 0.0
        if reduced {
            var rowCounts = [Int](repeating: 0, count: A.rowCount)
            for i in A.pattern.rowIndices { rowCounts[i] += 1 }
            for r in rowCounts { assembly += Double(r) * Double(r + 1) }
        }
        // Without a direct factorization's prediction, the stored entries stand for both.
        let flops = profile.direct?.predictedFlops ?? Double(profile.matrixNonzeros)
        let entries = profile.direct?.predictedNonzerosInL ?? Double(profile.matrixNonzeros)
        factorization = max(flops * (reduced ? Self.supernodalFlopCost : Self.simplicialFlopCost)
                            + Self.factorizationCostPerEntry * entries + assembly, 1)
        solve = max(4 * entries + (reduced ? 4 * nnzA : 0), 1)
        iteration = solve + Self.vectorFlopsPerEntry * Double(n + m)
        refinementStep = solve + 4 * nnzP + 4 * nnzA
    }
}

/// The work of one `solve()` in `WorkModel` units: what ADMM did (iterations and the factorization
/// they run on, including ρ refactorizations), what the interior-point stage did, and what polishing
/// spent, so that polishing stays within `SolverSettings.polishWorkFraction` of the work of the
/// stages it polishes (ADMM, and the interior-point stage once it ran).
package final class WorkLedger {
    /// ADMM iterations and numeric factorizations of the ADMM system (the one current at the start
    /// counts once: the iterations run on it).
    package var admm = 0.0
    /// Factorizations and solves of the interior-point stage (see `InteriorPointWorkCounter`).
    package var interiorPoint = 0.0
    /// Factorizations, solves and refinement steps of polishing (tries during ADMM, the final polish,
    /// its augmented-Lagrangian continuation and the polish after the interior-point stage).
    package var polish = 0.0
    /// ρ refactorizations of the ADMM system in this solve.
    package var rhoFactorizations = 0
    /// Numeric factorizations done by polishing in this solve.
    package var polishFactorizations = 0

    package init() {}

    /// Zero for a new `solve()`.
    package func reset() {
        admm = 0; interiorPoint = 0; polish = 0; rhoFactorizations = 0; polishFactorizations = 0
    }
}
