import Sparse
import KKT
import Stages

extension ADMMSolver {
    /// Polishing after ADMM (the method: `Polisher` in `Stages`): the polished point is kept only if
    /// it does not worsen the residuals (`Polisher.accepts`: each of the primal and dual residuals and
    /// the gap ≤ max(ADMM's, 1e-10·(1 + scale))). If the ADMM status was not `.solved` and the
    /// polished point meets the requested tolerances, the status becomes `.solved`.
    func polish(into solution: inout Solution, admmResiduals: Residuals) {
        guard let candidate = polishCandidate() else {
            solution.info.polish = .failed
            return
        }
        guard Polisher.accepts(candidate.residuals, over: admmResiduals) else {
            solution.info.polish = .rejected
            return
        }
        apply(candidate, to: &solution)
    }

    /// Writes an accepted candidate into the solution (unscaled) and into the iterates, so a warm
    /// start continues from it. A non-solved status becomes `.solved` when the polished point meets
    /// the requested tolerances.
    func apply(_ c: StagePoint, to solution: inout Solution) {
        solution.info.polish = .succeeded
        if let active = c.factoredActive, let ps = polisher.system {
            polishFactorization = PolishFactorization(system: ps, active: active, regularization: c.factoredRegularization)
        }
        applyResiduals(c.residuals, to: &solution.info)
        solution.x = scaled.unscaledX(c.x)
        solution.y = scaled.unscaledY(c.y)
        if solution.info.status != .solved, c.residuals.converged(checkGap: settings.checkDualityGap) {
            solution.info.status = .solved
        }
        for j in 0..<n { x.buffer[j] = c.x[j] }
        for i in 0..<m { z.buffer[i] = c.z[i]; y.buffer[i] = c.y[i] }
    }

    /// A polish from the current iterates (see `Polisher.candidate`).
    func polishCandidate(maxRounds: Int? = nil, augmentedLagrangian: Bool = true, firstRoundGuaranteed: Bool = true) -> StagePoint? {
        guard let kkt else { return nil }
        return polisher.candidate(forward: kkt, x: x.readOnly, z: z.readOnly, y: y.readOnly, maxRounds: maxRounds,
                                  augmentedLagrangian: augmentedLagrangian, firstRoundGuaranteed: firstRoundGuaranteed,
                                  context: stageContext)
    }
}
