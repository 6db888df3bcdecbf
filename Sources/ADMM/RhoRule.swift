import Sparse
import KKT
import Stages

// The ρ rule, in one place: the row kinds, the ρ vector they give, its limits, the adaptive update
// and the refactorization it needs.

/// Limits of the ρ vector (OSQP's values).
enum RhoLimits {
    static let minimum = 1e-6
    static let maximum = 1e6
    /// Rows with u − l below this (after scaling) are equality rows.
    static let equalityTolerance = 1e-4
    /// Equality rows get this multiple of ρ.
    static let equalityScale = 1e3
}

extension ADMMSolver {
    /// Classifies rows from the scaled bounds; returns whether any kind changed.
    func classifyRows() -> Bool {
        var changed = false
        for i in 0..<m {
            let l = ls.buffer[i], u = us.buffer[i]
            let kind: RowKind
            if l == -.infinity && u == .infinity { kind = .free }
            else if u - l < RhoLimits.equalityTolerance { kind = .equality }
            else { kind = .inequality }
            if kind != rowKind[i] { changed = true; rowKind[i] = kind }
        }
        return changed
    }

    func fillRhoVector() {
        for i in 0..<m {
            let r: Double
            switch rowKind[i] {
            case .free: r = RhoLimits.minimum
            case .equality: r = RhoLimits.equalityScale * rho
            case .inequality: r = rho
            }
            let clipped = min(max(r, RhoLimits.minimum), RhoLimits.maximum)
            rhoVector.buffer[i] = clipped
            rhoInverse.buffer[i] = 1 / clipped
        }
    }

    func refactorForRho() throws(SolverError) {
        guard let kkt else { return }
        workSinceFactorization = 0
        do { try kkt.update(parameters: KKTParameters(sigma: settings.sigma, rho: rhoVector.array)) }
        catch { throw .factorization(error) }
    }

    /// ρ ← ρ·√(primal ratio / dual ratio) (scaled residuals), clipped to [1e-6, 1e6]; applied with a
    /// numeric refactorization when it changes by more than `adaptiveRhoTolerance` (OSQP's ratio
    /// test) and, except for the first update of a solve, the iterations since the last factorization
    /// cost at least `adaptiveRhoCostFraction` of one factorization (predicted flops, `WorkModel`);
    /// otherwise ρ is kept and the test is repeated at the next interval with the residuals then.
    func adaptRho(_ r: Residuals) {
        let estimate = rho * (r.scaledPrimalRatio / (r.scaledDualRatio + 1e-30)).squareRoot()
        guard estimate.isFinite, estimate > 0 else { return }
        let new = min(max(estimate, RhoLimits.minimum), RhoLimits.maximum)
        let tol = settings.adaptiveRhoTolerance
        guard new > rho * tol || new < rho / tol else { return }
        let factorizationWork = workModel?.factorization ?? 0
        // The first update of a solve corrects the initial guess (often by orders of magnitude) and is
        // not deferred; later ones wait until the iterations have paid for a factorization.
        guard work.rhoFactorizations == 0 || workSinceFactorization >= settings.adaptiveRhoCostFraction * factorizationWork else {
            rhoUpdatesDeferredSinceSetup += 1
            return
        }
        let old = rho
        rho = new
        fillRhoVector()
        do {
            try refactorForRho()
            rhoUpdatesSinceSetup += 1
            work.rhoFactorizations += 1
            work.admm += factorizationWork
        } catch {
            rho = old
            fillRhoVector()
        }
    }
}
