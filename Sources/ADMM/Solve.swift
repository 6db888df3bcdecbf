import Sparse
import KKT
import QP
import Stages

extension ADMMSolver {
    /// Runs ADMM (and polishing) from the current start and returns the solution.
    ///
    /// Each iteration: one KKT solve with the right-hand side [σxᵏ − q; zᵏ − ρ⁻¹yᵏ], the relaxed
    /// x, z (projection onto [l, u]) and y updates. Every `checkTermination` iterations the unscaled
    /// residuals decide termination and the infeasibility certificates are tested; every
    /// `adaptiveRhoInterval` iterations ρ is re-estimated. At the iteration limit the ×10 tolerances
    /// decide the *Inaccurate statuses.
    public func solve() -> Solution {
        let mode = FlushToZero.enableForCurrentThread(if: settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        let t0 = ContinuousClock.now
        var info = Info()
        info.setupTime = setupTime
        info.convexityCheck = convexity?.method
        info.convexityCheckTime = convexity?.seconds ?? 0
        if let verdict = convexity, !verdict.isPositiveSemidefinite {
            info.status = .nonConvex
            var solution = Solution(x: [], y: [], info: info)
            if let ds = verdict.negativeCurvatureDirection {
                // Scaled P̄ = c·DPD, so d = D·d̄ has dᵀPd = d̄ᵀP̄d̄ / c < 0.
                var d = (0..<n).map { ds[$0] * scaling.D[$0] }
                let norm = d.reduce(0) { max($0, abs($1)) }
                if norm > 0 {
                    for j in 0..<n { d[j] /= norm }
                    let curvature = problem.P.symmetricUpperQuadraticForm(d)
                    if curvature < 0 {
                        solution.negativeCurvatureDirection = d
                        solution.negativeCurvature = curvature
                    }
                }
            }
            if settings.verbose {
                log.write("non-convex problem: P is not positive semidefinite (\(verdict.method.rawValue) test"
                          + (solution.negativeCurvature.map { ", dᵀPd = \(fmt($0)) along a unit direction" } ?? "") + ")")
            }
            return solution
        }
        // A failed factorization of the ADMM system means a non-convex P when the convexity check did
        // not run; after the check passed it is a numerical failure.
        let linearSystemFailure: Status = convexity?.isPositiveSemidefinite == true ? .numericalError : .nonConvex
        if let failure = setupFailure {
            info.status = linearSystemFailure
            if settings.verbose { log.write("\(info.status == .nonConvex ? "non-convex problem" : "numerical error"): \(failure)") }
            return Solution(x: [], y: [], info: info)
        }
        guard let kkt else { info.status = linearSystemFailure; return Solution(x: [], y: [], info: info) }
        // A limit beyond `unboundedTimeLimit` (OSQP's "none" is 1e10 s) is no limit: its nanoseconds
        // would not fit in Int64.
        deadline = settings.timeLimit > 0 && settings.timeLimit < Self.unboundedTimeLimit
            ? t0 + .nanoseconds(Int64(settings.timeLimit * 1e9)) : nil
        defer { deadline = nil }
        let warm = settings.warmStart && hasStart
        if !warm {
            x.fill(0); z.fill(0); y.fill(0)
        }
        polishFactorization = nil
        // The factorization ADMM starts on counts once in its work (the iterations run on it); an
        // interior-point method run first adds its own (the polishing budget is a share of both).
        work.reset()
        work.admm = workModel?.factorization ?? 0
        let choice = methodChoice()
        info.method = choice.method
        info.methodReason = choice.reason
        // The interior-point method first: done when it meets the tolerances, else ADMM runs (and the
        // interior-point stage is not repeated after it).
        var interiorPointTried = false
        if choice.method == .interiorPoint, !stopRequested {
            if let solution = interiorPointFirst(&info, start: t0) { return solution }
            interiorPointTried = true
        }
        let interiorPointFallback = settings.interiorPointFallback && !interiorPointTried
        let rhoUpdatesBefore = rhoUpdatesSinceSetup
        let rhoDeferredBefore = rhoUpdatesDeferredSinceSetup
        let iterationWork = workModel?.iteration ?? 0
        var status: Status?
        var residuals = Residuals()
        var iteration = 0
        var primalCertificate: [Double]?
        var dualCertificate: [Double]?
        let interval = settings.adaptiveRhoInterval
        var infeasibility = InfeasibilityTracker()
        // From a warm start (a re-solve after a parameter update) the residuals are checked, and
        // polishing tried, after the first iteration already: when the update leaves the active set
        // unchanged, that polish solves the new problem at once.
        var nextPolishIteration = warm ? 1 : Self.firstPolishIteration
        var polishedEarly: StagePoint?
        var iterationTime: Duration = .zero
        var earlyPolishTime: Duration = .zero
        // Worst residual/tolerance ratio at each termination check, for the stall test.
        var checkRatios: [(iteration: Int, ratio: Double)] = []
        checkRatios.reserveCapacity(settings.maxIterations / settings.checkTermination + 1)
        var nextStallTest = Self.stallTestStart
        // The active set OSQP's rule guesses at each termination check: after a failed polish try, the
        // next one waits until it has settled (`ActiveSetMonitor.isSettled`, `polishSettledFraction`).
        var activeSet = ActiveSetMonitor(rowCount: m)
        var earlyPolishFailed = false
        if warm { activeSet.record(z: z.readOnly, y: y.readOnly, l: ls.readOnly, u: us.readOnly) }
        if settings.verbose { logHeader() }
        loop: while iteration < settings.maxIterations {
            iteration += 1
            let ts = ContinuousClock.now
            work.admm += iterationWork
            workSinceFactorization += iterationWork
            do { try step(kkt); iterationTime += ContinuousClock.now - ts } catch {
                // A failed triangular solve (CHOLMOD out of memory or invalid state) ends the run.
                status = .numericalError
                break loop
            }
            if cancellation.isCancelled { status = .cancelled; break }
            if settings.timeLimit > 0, seconds(since: t0) > settings.timeLimit { status = .timeLimit; break }
            let check = iteration % settings.checkTermination == 0 || (warm && iteration == 1)
            let adapt = settings.adaptiveRho && iteration % interval == 0
            if check || adapt {
                residuals = computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly)
            }
            if check {
                activeSet.record(z: z.readOnly, y: y.readOnly, l: ls.readOnly, u: us.readOnly)
                if settings.verbose { logIteration(iteration, residuals) }
                if residuals.converged(checkGap: settings.checkDualityGap) { status = .solved; break }
                let primalCandidate = infeasibility.confirmPrimal(primalInfeasibilityCertificate(epsilon: settings.epsPrimalInfeasible))
                let dualCandidate = primalCandidate == nil
                    ? infeasibility.confirmDual(dualInfeasibilityCertificate(epsilon: settings.epsDualInfeasible)) : nil
                if primalCandidate != nil || dualCandidate != nil {
                    // A problem whose solution is very far away (a near-recession direction) looks
                    // infeasible to ADMM for a while: before declaring infeasibility, let polishing try.
                    if settings.polish, iteration >= nextPolishIteration {
                        nextPolishIteration = 2 * iteration
                        let tp = ContinuousClock.now
                        let tried = polishCandidate(augmentedLagrangian: false, firstRoundGuaranteed: false)
                        earlyPolishTime += ContinuousClock.now - tp
                        if let candidate = tried, candidate.residuals.converged(checkGap: settings.checkDualityGap) {
                            polishedEarly = candidate
                            status = .solved
                            break
                        }
                    }
                    if let c = primalCandidate { primalCertificate = c; status = .primalInfeasible; break }
                    if let c = dualCandidate { dualCertificate = c; status = .dualInfeasible; break }
                }
                if settings.polish, iteration >= nextPolishIteration,
                   !earlyPolishFailed || activeSet.isSettled(fraction: Self.polishSettledFraction),
                   residuals.primal <= Self.earlyPolishFactor * residuals.primalTolerance,
                   residuals.dual <= Self.earlyPolishFactor * residuals.dualTolerance {
                    // After the try that follows a warm start, the cold schedule resumes (50, 100, …).
                    nextPolishIteration = iteration == 1 ? Self.firstPolishIteration : 2 * iteration
                    let tp = ContinuousClock.now
                    let tried = polishCandidate(maxRounds: Self.earlyPolishRounds, augmentedLagrangian: false, firstRoundGuaranteed: false)
                    earlyPolishTime += ContinuousClock.now - tp
                    if let candidate = tried, candidate.residuals.converged(checkGap: settings.checkDualityGap) {
                        polishedEarly = candidate
                        status = .solved
                        if settings.verbose { logIteration(iteration, candidate.residuals, note: "polished") }
                        break
                    }
                    earlyPolishFailed = true
                }
            }
            if check, interiorPointFallback {
                // ADMM has stalled when doubling its iterations did not halve the worst residual
                // ratio: stop it here and let the interior-point stage (below) take over, which needs far
                // fewer iterations on such problems.
                let ratio = residuals.worstRatio
                checkRatios.append((iteration, ratio))
                if iteration >= nextStallTest {
                    nextStallTest *= 2
                    let earlier = checkRatios.lazy.filter { 2 * $0.iteration <= iteration }.map(\.ratio).min() ?? .infinity
                    if ratio > Self.stallProgress * earlier {
                        if settings.verbose { log.write("ADMM stalled at iteration \(iteration) (worst residual ratio \(fmt(ratio)), \(fmt(earlier)) at half the iterations): interior-point stage") }
                        break loop
                    }
                }
            }
            if adapt { adaptRho(residuals) }
        }
        if status == nil {
            residuals = computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly)
            if residuals.converged(checkGap: settings.checkDualityGap, factor: 10) {
                status = .solvedInaccurate
            } else if let c = primalInfeasibilityCertificate(epsilon: 10 * settings.epsPrimalInfeasible)?.certificate {
                primalCertificate = c; status = .primalInfeasibleInaccurate
            } else if let c = dualInfeasibilityCertificate(epsilon: 10 * settings.epsDualInfeasible)?.certificate {
                dualCertificate = c; status = .dualInfeasibleInaccurate
            } else {
                status = .maxIterations
            }
        } else if status == .timeLimit || status == .cancelled {
            residuals = computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly)
        }
        info.status = status ?? .maxIterations
        info.iterations = iteration
        info.rhoUpdates = rhoUpdatesSinceSetup - rhoUpdatesBefore
        info.rhoUpdatesDeferred = rhoUpdatesDeferredSinceSetup - rhoDeferredBefore
        info.rho = rho
        // A failed interior-point attempt before ADMM is counted in `interiorPointTime`, not here.
        info.solveTime = seconds(since: t0) - (interiorPointTried ? info.interiorPointTime : 0)
        let (sec, atto) = iterationTime.components
        info.iterationTime = Double(sec) + Double(atto) * 1e-18
        let (psec, patto) = earlyPolishTime.components
        info.polishTimeDuringADMM = Double(psec) + Double(patto) * 1e-18
        hasStart = true

        var solution = Solution(x: [], y: [], info: info)
        switch info.status {
        case .primalInfeasible, .primalInfeasibleInaccurate:
            solution.primalInfeasibilityCertificate = primalCertificate
            solution.info.objective = .infinity
        case .dualInfeasible, .dualInfeasibleInaccurate:
            solution.dualInfeasibilityCertificate = dualCertificate
            solution.info.objective = -.infinity
        case .nonConvex, .numericalError:
            break
        default:
            applyResiduals(residuals, to: &solution.info)
            solution.x = scaled.unscaledX(x.array)
            solution.y = scaled.unscaledY(y.array)
            if let candidate = polishedEarly {
                apply(candidate, to: &solution)
            } else if settings.polish, [.solved, .solvedInaccurate, .maxIterations].contains(info.status) {
                let tp = ContinuousClock.now
                polish(into: &solution, admmResiduals: residuals)
                solution.info.polishTime = seconds(since: tp)
            }
        }
        if interiorPointFallback, !stopRequested {
            if Self.interiorPointApplies(to: solution.info.status) {
                interiorPointStage(into: &solution)
            } else if solution.info.status == .solved, polishedEarly == nil, Self.interiorPointApplies(to: info.status),
                      computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly).worstRatio > settings.interiorPointTargetFactor {
                // ADMM itself did not converge and the polish only just met the tolerances (its objective
                // can still be off): the stage is run to improve the point, kept only if more accurate.
                interiorPointStage(into: &solution, improving: true)
            }
        }
        // A stage after ADMM cut short by the deadline or a cancellation: the point is returned with
        // that status unless it met the tolerances (or carries an infeasibility certificate).
        if [.maxIterations, .solvedInaccurate].contains(solution.info.status) {
            if cancellation.isCancelled { solution.info.status = .cancelled }
            else if let deadline, ContinuousClock.now >= deadline { solution.info.status = .timeLimit }
        }
        solution.info.factorization = kkt.profile
        solution.info.polishFactorizations = work.polishFactorizations
        if settings.verbose { logFooter(solution.info) }
        return solution
    }

    /// Polishing is first tried during ADMM at this iteration, when both residuals are within
    /// `earlyPolishFactor` of their tolerances; the next try waits until twice the iteration count
    /// (so at most log₂(maxIterations) tries). A try that meets the tolerances ends the solve.
    static let firstPolishIteration = 50
    /// With the interior-point stage on, ADMM is tested for a stall at iterations 500, 1000, 2000, …:
    /// it stops when its worst residual/tolerance ratio is above `stallProgress` times the best one
    /// seen at half the iterations. The stop is iteration-based, so runs stay deterministic.
    static let stallTestStart = 500
    /// Time limits from this many seconds (~32 years) on mean none.
    static let unboundedTimeLimit = 1e9
    static let stallProgress = 0.5
    static let earlyPolishFactor = 1e3
    /// After a polish try during ADMM failed (see `firstPolishIteration`), the next one also waits
    /// until at most this fraction of the guessed active rows changed side since the previous check:
    /// polishing a set that is still moving fails again, and each try costs a factorization.
    static let polishSettledFraction = 0.05
    /// Active-set rounds of a polish tried during ADMM (the final polish uses `polishActiveSetRounds`).
    static let earlyPolishRounds = 10

    func applyResiduals(_ r: Residuals, to info: inout Info) {
        info.primalResidual = r.primal
        info.dualResidual = r.dual
        info.dualityGap = r.gap
        info.objective = r.objective
    }

    /// One ADMM iteration. No allocation.
    @inline(__always)
    func step(_ kkt: any LinearSystem) throws(FactorizationError) {
        swap(&x, &xPrev)
        swap(&z, &zPrev)
        let sigma = settings.sigma, alpha = settings.alpha
        let xp = xPrev.buffer, zp = zPrev.buffer, yb = y.buffer, q = qs.buffer
        let rInv = rhoInverse.buffer, rv = rhoVector.buffer
        let b1 = r1.buffer, b2 = r2.buffer
        for j in 0..<n { b1[j] = sigma * xp[j] - q[j] }
        for i in 0..<m { b2[i] = zp[i] - rInv[i] * yb[i] }
        try kkt.solve(r1: r1.readOnly, r2: r2.readOnly, x: xTilde.buffer, nu: nu.buffer)
        let xt = xTilde.buffer, nb = nu.buffer, xb = x.buffer, dx = deltaX.buffer
        for j in 0..<n {
            let v = alpha * xt[j] + (1 - alpha) * xp[j]
            xb[j] = v
            dx[j] = v - xp[j]
        }
        let zb = z.buffer, dy = deltaY.buffer, l = ls.buffer, u = us.buffer
        for i in 0..<m {
            let zt = zp[i] + rInv[i] * (nb[i] - yb[i])
            let zr = alpha * zt + (1 - alpha) * zp[i]
            let w = zr + rInv[i] * yb[i]
            let zn = min(max(w, l[i]), u[i])
            // y + ρ(z_r − z) written as ρ(w − Π(w)): exactly 0 inside the box and of the right sign
            // outside, so y never picks up a rounding-level multiplier on an infinite bound.
            let yn = rv[i] * (w - zn)
            zb[i] = zn
            dy[i] = yn - yb[i]
            yb[i] = yn
        }
    }
}
