import Sparse
import KKT
import Stages

/// What the interior-point stage did (the method: `InteriorPointMethod` in `Stages`).
public enum InteriorPointStatus: String, Sendable, Equatable {
    /// Not needed (ADMM met the tolerances), switched off, or not applicable (time limit, cancellation).
    case notRun = "not_run"
    /// It met the requested tolerances; its point (or the polish started from it) was returned. Or
    /// it found an infeasibility certificate that was returned (status `.primalInfeasible` /
    /// `.dualInfeasible`, see `ADMMSolver.interiorPointStage`).
    case succeeded = "succeeded"
    /// It did not meet the tolerances within its iterations (or its linear system failed); ADMM's
    /// result was kept unless the interior-point point had smaller residuals.
    case failed = "failed"
}

extension ADMMSolver {
    /// Statuses after which the interior-point stage runs: the tolerances were not met (iteration
    /// limit, inaccurate), or an infeasibility verdict is re-checked. Not after a time limit,
    /// cancellation or a non-convex verdict.
    static func interiorPointApplies(to status: Status) -> Bool {
        switch status {
        case .solvedInaccurate, .maxIterations, .primalInfeasible, .primalInfeasibleInaccurate,
             .dualInfeasible, .dualInfeasibleInaccurate: return true
        case .solved, .timeLimit, .nonConvex, .cancelled, .numericalError: return false
        }
    }

    /// Runs the interior-point stage and, when it meets the tolerances, replaces the solution by the
    /// polish started from it when that meets the tolerances too (a crossover to the exact
    /// active-set solution, whose factorization the backward pass can then reuse), else by its own
    /// point (status `.solved`, certificates cleared). Otherwise the solution is left as it was.
    ///
    /// `improving`: the solution already meets the tolerances (a polish after ADMM's iteration limit);
    /// a result replaces it only if its worst residual/tolerance ratio is smaller than the current
    /// point's, and `.failed` then means "not more accurate, not used".
    func interiorPointStage(into solution: inout Solution, improving: Bool = false) {
        let t0 = ContinuousClock.now
        defer { solution.info.interiorPointTime = seconds(since: t0) }
        // The iterates hold the returned point (the accepted polish, or ADMM's last iterate).
        let current = improving ? computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly).worstRatio : Double.infinity
        // The method's attempts and their escalation rule: `InteriorPointMethod.run` (its work is
        // added to the ledger before the polish below, which may spend a fraction of it).
        guard let kkt, let outcome = interiorPoint.run(forward: kkt, options: settings.kkt, forwardWork: workModel,
                                                       context: stageContext) else {
            solution.info.interiorPoint = .failed
            return
        }
        solution.info.interiorPointIterations = outcome.iterations
        if let certificate = outcome.certificate {
            // A verdict of its own is returned when ADMM had none (the method ran first, or ADMM
            // stopped at its limit); ADMM's verdict, or a point meeting the tolerances, stands.
            if !improving, !solution.info.status.isInfeasible {
                apply(certificate, to: &solution)
            } else {
                solution.info.interiorPoint = .failed
            }
            return
        }
        let c = outcome.best
        let saved = (x.array, z.array, y.array)
        for j in 0..<n { x.buffer[j] = c.x[j] }
        for i in 0..<m { z.buffer[i] = c.z[i]; y.buffer[i] = c.y[i] }
        let stageRatio = outcome.converged ? c.residuals.worstRatio : Double.infinity
        // A polish that meets the tolerances is returned even when the stage's own residuals are
        // smaller: it solves the equality-constrained QP of the active set exactly (to refinement
        // accuracy), while an interior point near a weakly active row sits O(√μ) off the face, which
        // its residuals do not show (and finite differences and the derivative's active set do).
        if settings.polish, !stopRequested, let p = polishFromStagePoint(c),
           p.residuals.converged(checkGap: settings.checkDualityGap),
           p.residuals.worstRatio <= current {
            markSucceeded(&solution)
            apply(p, to: &solution)
            return
        }
        for j in 0..<n { x.buffer[j] = c.x[j] }
        for i in 0..<m { z.buffer[i] = c.z[i]; y.buffer[i] = c.y[i] }
        guard stageRatio < current else {
            // Keep the iterates of the returned solution (for a warm start).
            for j in 0..<n { x.buffer[j] = saved.0[j] }
            for i in 0..<m { z.buffer[i] = saved.1[i]; y.buffer[i] = saved.2[i] }
            // The stage's polish may have refactorized the companion the kept polish left behind.
            if let pf = polishFactorization, polisher.factoredActive != pf.active || polisher.factoredRegularization != pf.regularization {
                polishFactorization = nil
            }
            solution.info.interiorPoint = .failed
            return
        }
        markSucceeded(&solution)
        // The returned point is the stage's, not the polish's.
        polishFactorization = nil
        applyResiduals(c.residuals, to: &solution.info)
        solution.x = scaled.unscaledX(c.x)
        solution.y = scaled.unscaledY(c.y)
    }

    /// ADMM steps from the stage's point before the second polish try (`polishFromStagePoint`): one
    /// termination interval's worth, enough for the projection to settle which rows are at a bound.
    static let activeSetSteps = 25

    /// The polish started from the stage's point (the iterates hold it). When that misses the
    /// tolerances, `activeSetSteps` ADMM steps from the same point and a second polish: an interior
    /// point blurs the active set where rows are tight only at the tolerance scale (nearly dependent
    /// tight rows, weakly active ones), and OSQP's guess from it then takes rows that the exact
    /// solution leaves inactive; ADMM's projection z = Π(x̃ + y/ρ) separates them. The steps are
    /// charged to ADMM's work, not counted as iterations.
    private func polishFromStagePoint(_ c: StagePoint) -> StagePoint? {
        let first = polishCandidate(augmentedLagrangian: false)
        if let first, first.residuals.converged(checkGap: settings.checkDualityGap) { return first }
        guard let kkt, !stopRequested else { return first }
        do {
            for _ in 0..<Self.activeSetSteps {
                try step(kkt)
                work.admm += workModel?.iteration ?? 0
            }
        } catch { return first }
        if settings.verbose { log.write("polish from the interior point missed the tolerances: \(Self.activeSetSteps) ADMM steps, polish again") }
        guard let second = polishCandidate(augmentedLagrangian: false) else { return first }
        guard let first else { return second }
        return second.residuals.worstRatio < first.residuals.worstRatio ? second : first
    }

    /// The stage found an infeasibility certificate: its status, no point (as ADMM's verdicts).
    private func apply(_ certificate: InfeasibilityCertificate, to solution: inout Solution) {
        solution.info.interiorPoint = .succeeded
        solution.x = []
        solution.y = []
        solution.info.primalResidual = .nan
        solution.info.dualResidual = .nan
        solution.info.dualityGap = .nan
        polishFactorization = nil
        switch certificate {
        case .primal(let c):
            solution.info.status = .primalInfeasible
            solution.primalInfeasibilityCertificate = c
            solution.dualInfeasibilityCertificate = nil
            solution.info.objective = .infinity
        case .dual(let c):
            solution.info.status = .dualInfeasible
            solution.dualInfeasibilityCertificate = c
            solution.primalInfeasibilityCertificate = nil
            solution.info.objective = -.infinity
        }
    }

    /// The stage met the tolerances: status `.solved`, any infeasibility certificate dropped.
    private func markSucceeded(_ solution: inout Solution) {
        solution.info.interiorPoint = .succeeded
        solution.info.status = .solved
        solution.primalInfeasibilityCertificate = nil
        solution.dualInfeasibilityCertificate = nil
    }
}
