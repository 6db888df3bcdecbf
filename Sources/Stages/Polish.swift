import Sparse
import KKT

/// How polishing is configured (from `SolverSettings`).
package struct PolishSettings: Equatable {
    /// δ of the polishing system.
    package var regularization: Double
    /// Maximum refinement steps per polishing solve.
    package var refinementSteps: Int
    /// Active-set correction rounds (up to twice this while the corrections shrink geometrically).
    package var activeSetRounds: Int
    /// Budget: this fraction of the work of ADMM and the interior-point stage (`WorkLedger`).
    package var workFraction: Double

    package init(regularization: Double, refinementSteps: Int, activeSetRounds: Int, workFraction: Double) {
        self.regularization = regularization
        self.refinementSteps = refinementSteps
        self.activeSetRounds = activeSetRounds
        self.workFraction = workFraction
    }
}

/// Polishing: guess the active set from (z, y), solve the equality-constrained QP on it, and return
/// the result with its residuals (the solver decides whether to keep it, `accepts`).
///
/// Rows are lower-active when z_i − l_i < −y_i, upper-active when u_i − z_i < y_i (scaled data,
/// OSQP's rule), otherwise inactive. The system [P + δI, A_actᵀ; A_act, −δI] (inactive rows
/// decoupled, ν_i = 0) is factorized on a companion of the forward linear system (same symbolic
/// analysis, no new one) and each solve is refined against the unregularized [P, A_actᵀ; A_act, 0]
/// to 1e-12 relative. Beyond OSQP, up to `PolishSettings.activeSetRounds` rounds correct the guess:
/// active rows whose multiplier has the wrong sign are released, inactive rows whose bound is
/// violated are added, and the system is re-solved (one numeric factorization per round). All
/// polishing of a solve shares one cost budget, `workFraction` of the work of ADMM and the
/// interior-point stage in predicted flops (`WorkModel`; see `candidate`). When the exact polish
/// misses the tolerances, a proximal augmented-Lagrangian continuation runs (see
/// `augmentedLagrangianCandidate`).
///
/// State: the polish companion and which regularized active-set matrix it holds, so that a polish
/// with the same rows (a parametric sequence whose updates keep the active set) pays no factorization.
/// Not thread-safe (one per solver).
package final class Polisher {
    package var settings: PolishSettings
    /// The companion of the forward system polishing factorizes (made on first use).
    package private(set) var system: (any LinearSystem)?
    /// The active rows whose regularized matrix (δ = `factoredRegularization`) is factorized on
    /// `system` right now, or nil.
    package private(set) var factoredActive: [Bool]?
    package private(set) var factoredRegularization = 0.0

    package init(settings: PolishSettings) { self.settings = settings }

    /// Forgets the companion (after value updates of P or A, or when the caller took it over).
    package func discardSystem() {
        system = nil
        factoredActive = nil
    }

    /// Forgets which matrix the companion holds (after a change of δ).
    package func forgetFactorization() { factoredActive = nil }

    /// The acceptance rule: no residual worse than the reference's (ADMM's) beyond rounding.
    package static func accepts(_ polished: Residuals, over a: Residuals) -> Bool {
        polished.primal.isFinite && polished.dual.isFinite
            && polished.primal <= max(a.primal, Self.roundingLevel * (1 + a.primalScale))
            && polished.dual <= max(a.dual, Self.roundingLevel * (1 + a.dualScale))
            && polished.gap <= max(a.gap, Self.roundingLevel * (1 + abs(a.objective)))
    }

    /// A polished residual within this relative level of the reference is rounding, not worse.
    static let roundingLevel = 1e-10
    /// Relative tolerance of the refined polish solves.
    static let refinementTolerance = 1e-12
    /// A multiplier or bound violation beyond this fraction of ‖y‖∞ or ‖Ax‖∞ corrects a row's side.
    static let correctionTolerance = 1e-9

    /// Polishing's budget in the running solve: `workFraction` of the work of ADMM and of the
    /// interior-point stage (`WorkModel` units).
    private func budget(_ work: WorkLedger) -> Double {
        settings.workFraction.isInfinite ? .infinity : settings.workFraction * (work.admm + work.interiorPoint)
    }

    /// Whether polishing work of `cost` more still fits in the budget.
    private func fits(_ cost: Double, _ work: WorkLedger) -> Bool { work.polish + cost <= budget(work) }

    /// Records polishing work: numeric factorizations, and solves with their refinement steps.
    private func charge(_ context: StageContext, factorizations: Int = 0, solves: Int = 0, refinementSteps: Int = 0) {
        guard let model = context.workModel else { return }
        let work = context.work
        work.polish += Double(factorizations) * model.factorization + Double(solves) * model.solve
            + Double(refinementSteps) * model.refinementStep
        work.polishFactorizations += factorizations
    }

    /// A polish solve whose refinement residual stays above this (relative to max(1, ‖b‖∞)) is
    /// retried once on a factorization with δ·`polishRetryRatio`.
    static let polishRetryResidual = 1e-10
    static let polishRetryRatio = 1e-4

    /// Relative refinement residual above which an in-loop polish treats its active set as inconsistent.
    static let inconsistentRefinement = 1e-8

    /// A polish tried during ADMM (which continues if it fails) stops its active-set correction when
    /// the number of corrected rows has not fallen below its smallest value for this many rounds: the
    /// rounds are then cycling between sets, not converging. The final polish keeps correcting within
    /// its budget (small sets often need a few non-monotone rounds).
    static let polishStallRounds = 2
    /// A round beyond the budget, or beyond the round limit (up to twice it), still runs when the last
    /// round needed at most this fraction of the corrections of the round before: the set is
    /// converging, so the next rounds are few and likely end the polish (which saves ADMM iterations).
    static let polishConvergingRatio = 0.75
    /// A round beyond the budget (within the round limit) also runs when the last round corrected at
    /// most this fraction of the active rows (the set is nearly right), or, after the first round, at
    /// most `polishFirstRoundFewCorrections` of them (one more round shows whether it converges).
    static let polishFewCorrections = 0.01
    static let polishFirstRoundFewCorrections = 0.1

    /// Solves the equality-constrained QP on the active set guessed from the current (z, y), with
    /// active-set correction rounds; nil if the linear system fails or the budget allows no round. A
    /// round whose active rows are already factorized on the polish companion (`factoredActive`)
    /// reuses that factorization.
    ///
    /// Cost: every round (its factorization, the refined solve, and the retry with a smaller δ, which
    /// belongs to the round) is charged to the budget. A round starts when its predicted cost fits;
    /// beyond the budget only when it is likely to finish the polish (few corrections left, see
    /// `polishFewCorrections`, or corrections shrinking, `polishConvergingRatio`); the first round
    /// always when `firstRoundGuaranteed` (the final polish and the one after the interior-point
    /// stage: one round is what makes an accurate point exact). Tries during ADMM also stop after
    /// `polishStallRounds` rounds without fewer corrections than before.
    package func candidate(forward: any LinearSystem, x: UnsafeBufferPointer<Double>, z zb: UnsafeBufferPointer<Double>,
                           y yb: UnsafeBufferPointer<Double>, maxRounds: Int? = nil, augmentedLagrangian: Bool = true,
                           firstRoundGuaranteed: Bool = true, context: StageContext) -> StagePoint? {
        guard let model = context.workModel else { return nil }
        if system == nil { system = try? forward.makeCompanion(copyingFactor: false) }
        guard let ps = system else { return nil }
        let problem = context.problem, n = problem.n, m = problem.m, As = problem.A
        let delta = settings.regularization
        let l = problem.l.buffer, u = problem.u.buffer
        // −1 lower-active, +1 upper-active, 0 inactive.
        var side = [Int8](repeating: 0, count: m)
        // Equality rows (l = u) are always active; only their side label follows the sign of y.
        let equality = (0..<m).map { l[$0] == u[$0] }
        for i in 0..<m {
            if equality[i] { side[i] = yb[i] >= 0 ? 1 : -1 }
            else if zb[i] - l[i] < -yb[i] { side[i] = -1 } else if u[i] - zb[i] < yb[i] { side[i] = 1 }
        }
        var xp = [Double](repeating: 0, count: n)
        var yp = [Double](repeating: 0, count: m)
        var rhs1 = [Double](repeating: 0, count: n)
        for j in 0..<n { rhs1[j] = -problem.q.buffer[j] }
        var rhs2 = [Double](repeating: 0, count: m)
        var ax = [Double](repeating: 0, count: m)
        let refinement = RefinementSettings(tolerance: Self.refinementTolerance, maxSteps: settings.refinementSteps)
        var solvedOnce = false
        var pointActive: [Bool]?
        var pointRegularization = delta
        var rounds = 0
        var lastRefinement = Double.nan
        var fewestCorrections = Int.max
        var correctionHistory: [Int] = []
        var roundsWithoutProgress = 0
        var budgetStop = false
        let roundLimit = maxRounds ?? settings.activeSetRounds
        for round in 0..<(2 * roundLimit) {
            if context.shouldStop() { break }
            let guaranteed = round == 0 && firstRoundGuaranteed
            let mask = side.map { $0 != 0 }
            let predicted = (factoredActive != mask ? model.factorization : 0) + model.solve
            // Corrections shrinking geometrically: the set is converging and the next round likely ends it.
            let converging = correctionHistory.count >= 2
                && Double(correctionHistory[correctionHistory.count - 1]) <= Self.polishConvergingRatio * Double(correctionHistory[correctionHistory.count - 2])
            // Few rows left to correct: the set is nearly right, the next round likely ends the polish
            // (after the first round a looser bound: one more round shows whether the set converges).
            let activeRows = Double(mask.lazy.filter { $0 }.count)
            let fewLimit = correctionHistory.count == 1 ? Self.polishFirstRoundFewCorrections : Self.polishFewCorrections
            let few = correctionHistory.last.map { Double($0) <= max(1, fewLimit * activeRows) } ?? false
            guard round < roundLimit || converging else { break }
            guard guaranteed || converging || few || fits(predicted, context.work) else { budgetStop = true; break }
            rounds += 1
            var regRho = [Double](repeating: 0, count: m)
            var exactRho = [Double](repeating: 0, count: m)
            for i in 0..<m {
                if side[i] != 0 {
                    regRho[i] = 1 / delta
                    exactRho[i] = .infinity
                    rhs2[i] = side[i] < 0 ? l[i] : u[i]
                } else {
                    rhs2[i] = 0
                }
            }
            do {
                if factoredActive != mask {
                    factoredActive = nil
                    charge(context, factorizations: 1)
                    try ps.update(parameters: KKTParameters(sigma: delta, rho: regRho))
                    factoredActive = mask
                    factoredRegularization = delta
                }
                let exact = KKTParameters(sigma: 0, rho: exactRho)
                var result = try ps.solve(r1: rhs1, r2: rhs2, refiningAgainst: exact, settings: refinement)
                charge(context, solves: 1, refinementSteps: result.report.steps)
                // Refinement contracts like δ/(λ + δ) on the small eigenvalues λ of the active-set
                // matrix: with P nearly singular on the free directions (no row active) it stalls
                // far from its tolerance. Retry once with a smaller δ (one more factorization); the
                // more accurate of the two solves is kept.
                let retryDelta = delta * Self.polishRetryRatio
                if result.report.residual > Self.polishRetryResidual * result.report.scale,
                   factoredRegularization > retryDelta {
                    factoredActive = nil
                    do {
                        charge(context, factorizations: 1)
                        try ps.update(parameters: KKTParameters(sigma: retryDelta, rho: regRho.map { $0 == 0 ? 0 : 1 / retryDelta }))
                        factoredActive = mask
                        factoredRegularization = retryDelta
                        let retry = try ps.solve(r1: rhs1, r2: rhs2, refiningAgainst: exact, settings: refinement)
                        charge(context, solves: 1, refinementSteps: retry.report.steps)
                        if retry.report.residual < result.report.residual { result = retry }
                    } catch {
                        // The smaller δ broke the factorization (wrong inertia or a failed Cholesky):
                        // restore the nominal one, whose solve is kept.
                        charge(context, factorizations: 1)
                        try ps.update(parameters: KKTParameters(sigma: delta, rho: regRho))
                        factoredActive = mask
                        factoredRegularization = delta
                    }
                }
                xp = result.x
                yp = result.nu
                lastRefinement = result.report.residual
                solvedOnce = true
                pointActive = side.map { $0 != 0 }
                pointRegularization = factoredRegularization
                // In the cheap attempts during ADMM, an active set whose system is inconsistent
                // (refinement stalls far from its tolerance) is abandoned at once; the full polish keeps
                // correcting it (some sets need several rounds from such a start). Refinement that
                // stalls near rounding level (large, well-posed systems) is not a reason to stop.
                if maxRounds != nil, result.report.residual > Self.inconsistentRefinement * result.report.scale { break }
            } catch {
                break
            }
            // Correct the active set: release wrong-sign multipliers, add violated bounds.
            ax = As.multiply(xp)
            let corrections = ActiveSetCorrection.correct(&side, equality: equality, y: yp, ax: ax, lower: l, upper: u,
                                                          tolerance: Self.correctionTolerance)
            if let log = context.log { log("polish round \(round): \(corrections) corrections, \(side.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) rows active next") }
            if corrections == 0 { break }
            correctionHistory.append(corrections)
            if corrections < fewestCorrections {
                fewestCorrections = corrections
                roundsWithoutProgress = 0
            } else {
                roundsWithoutProgress += 1
                if !firstRoundGuaranteed, roundsWithoutProgress >= Self.polishStallRounds { break }
            }
        }
        guard solvedOnce else { return nil }
        if let log = context.log {
            let active = side.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            let work = context.work
            log("polish: \(rounds) active-set round(s)\(budgetStop ? " (budget reached)" : ""), \(active) active rows, refinement residual \(fmt(lastRefinement)); polish work \(fmt(work.polish / max(work.admm + work.interiorPoint, 1))) of ADMM's and the interior-point stage's")
        }
        // (z, y) in the normal cone: z = Π(Ax + y), y = Ax + y − z.
        var zp = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let w = ax[i] + yp[i]
            zp[i] = min(max(w, l[i]), u[i])
            yp[i] = w - zp[i]
        }
        let residuals = context.termination.residuals(x: xp, z: zp, y: yp)
        if let log = context.log {
            log("polish: residuals primal \(fmt(residuals.primal)), dual \(fmt(residuals.dual)), gap \(fmt(residuals.gap))")
        }
        let standard = StagePoint(x: xp, z: zp, y: yp, residuals: residuals, factoredActive: pointActive,
                                  factoredRegularization: pointRegularization)
        if residuals.converged(context.tolerances) { return standard }
        guard augmentedLagrangian, !context.shouldStop(),
              let refined = augmentedLagrangianCandidate(system: ps, x: Array(x), y: Array(yb), iterations: Self.alIterations, context: context)
        else { return standard }
        // The augmented-Lagrangian iterations refactorized the companion: its factor no longer
        // belongs to the standard candidate's active set.
        var fallback = standard
        fallback.factoredActive = nil
        return refined.residuals.worstRatio < standard.residuals.worstRatio ? refined : fallback
    }

    /// Proximal augmented-Lagrangian polishing (the QPALM idea, one semismooth-Newton step per
    /// iteration), used when the equality-constrained polish does not meet the tolerances — typically
    /// at degenerate vertices where more rows are tight than there are variables, so that the exact
    /// active-set system is overdetermined and slightly inconsistent.
    ///
    /// From the ADMM point (x, y), each iteration takes the rows where w = Ax + y/ρ leaves [l, u] as
    /// active, solves [P + δI, A_actᵀ; A_act, −I/ρ]·[x⁺; ν] = [δx − q; b_act − y_act/ρ] (one numeric
    /// factorization on the companion, only when the active set changed; inactive rows decoupled), and
    /// updates y = ρ(w⁺ − Π(w⁺)). Inner semismooth-Newton steps use an exact line search on the convex
    /// piecewise-quadratic augmented Lagrangian (bisection on its monotone slope); ρ starts at 10³
    /// (scaled data) and grows ×10 when the primal residual stalls; δ = 10⁻². At most
    /// `alFactorizationBudget` numeric factorizations, and only while they fit in the budget.
    /// Returns the best point seen (by residual/tolerance).
    ///
    /// Initial penalty and proximal weight (scaled data): a penalty large enough that the first
    /// multiplier update is already informative, a weight that keeps every Newton matrix well posed.
    static let alRho = 1e3
    static let alDelta = 1e-2
    /// Outer iterations (multiplier updates) at most.
    static let alIterations = 50
    /// Semismooth-Newton steps per outer iteration: the inner problem is piecewise quadratic, so a
    /// few steps with exact line search solve it when the active set settles.
    static let alNewtonSteps = 8
    /// The exact line search brackets the step in [0, `lineSearchMaximumStep`] (doubling), then
    /// bisects `lineSearchBisections` times (to rounding level of a step in that range).
    static let lineSearchMaximumStep = 1e6
    static let lineSearchBisections = 50
    /// Newton steps stop when x moves by less than this relative amount (rounding level).
    static let alStepTolerance = 1e-14
    /// The penalty grows ×`alRhoGrowth` (up to `alMaximumRho`) when the primal residual did not drop
    /// below `alPrimalProgress` of its previous value (the usual method-of-multipliers rule).
    static let alPrimalProgress = 0.25
    static let alRhoGrowth = 10.0
    static let alMaximumRho = 1e8
    /// 100 numeric factorizations, or 20 when a solve reads ≥ 10⁶ entries (nnz(L) of a direct
    /// factorization; deterministic, so results do not depend on the machine's speed).
    static func alFactorizationBudget(_ ps: any LinearSystem) -> Int { ps.profile.entriesPerSolve < 1_000_000 ? 100 : 20 }

    private func augmentedLagrangianCandidate(system ps: any LinearSystem, x: [Double], y: [Double], iterations: Int,
                                              context: StageContext) -> StagePoint? {
        let problem = context.problem, n = problem.n, m = problem.m, As = problem.A, Ps = problem.P, qs = problem.q
        var rhoP = Self.alRho
        let delta = Self.alDelta
        var previousPrimal = Double.infinity
        let budget = Self.alFactorizationBudget(ps)
        let factorizationWork = (context.workModel?.factorization ?? 0) + (context.workModel?.solve ?? 0)
        let l = problem.l.buffer, u = problem.u.buffer
        var xk = x, yk = y
        var xc = xk                       // proximal centre
        var side = [Int8](repeating: 2, count: m)
        var ax = As.multiply(xk)
        var best: StagePoint?
        var r1 = [Double](repeating: 0, count: n), r2 = [Double](repeating: 0, count: m)
        var refactorizations = 0
        let innerSteps = Self.alNewtonSteps
        outer: for _ in 0..<iterations {
            if context.shouldStop() { break }
            // Inner: minimise φ(x) = ½xᵀPx + qᵀx + δ/2‖x − xc‖² + ρ/2·dist²(Ax + yk/ρ, [l, u]) by
            // semismooth Newton with an exact line search (φ is convex piecewise quadratic).
            for _ in 0..<innerSteps {
                var newSide = [Int8](repeating: 0, count: m)
                for i in 0..<m {
                    let w = ax[i] + yk[i] / rhoP
                    newSide[i] = w < l[i] ? -1 : (w > u[i] ? 1 : 0)
                }
                let xNewton: [Double]
                do {
                    if newSide != side {
                        guard refactorizations < budget, fits(factorizationWork, context.work) else { break outer }
                        side = newSide
                        factoredActive = nil  // the augmented-Lagrangian matrix is not a polish matrix
                        charge(context, factorizations: 1)
                        try ps.update(parameters: KKTParameters(sigma: delta, rho: side.map { $0 != 0 ? rhoP : 0 }))
                        refactorizations += 1
                    }
                    for j in 0..<n { r1[j] = delta * xc[j] - qs.buffer[j] }
                    for i in 0..<m { r2[i] = side[i] == 0 ? 0 : (side[i] < 0 ? l[i] : u[i]) - yk[i] / rhoP }
                    xNewton = try ps.solve(r1: r1, r2: r2).x
                    charge(context, solves: 1)
                } catch { break outer }
                var dx = [Double](repeating: 0, count: n)
                for j in 0..<n { dx[j] = xNewton[j] - xk[j] }
                let adx = As.multiply(dx)
                let pdx = Ps.symmetricUpperMultiply(dx)
                let px = Ps.symmetricUpperMultiply(xk)
                var a = 0.0, b = 0.0
                for j in 0..<n {
                    a += dx[j] * (pdx[j] + delta * dx[j])
                    b += dx[j] * (px[j] + qs.buffer[j] + delta * (xk[j] - xc[j]))
                }
                // φ'(t) = a·t + b + ρ Σ adx_i·(w_i(t) − Π(w_i(t))), nondecreasing in t.
                func slope(_ t: Double) -> Double {
                    var g = a * t + b
                    for i in 0..<m where adx[i] != 0 {
                        let w = ax[i] + yk[i] / rhoP + t * adx[i]
                        g += rhoP * adx[i] * (w - min(max(w, l[i]), u[i]))
                    }
                    return g
                }
                guard slope(0) < 0 else { break }   // inner problem solved (no descent left)
                var lo = 0.0, hi = 1.0
                while slope(hi) < 0 && hi < Self.lineSearchMaximumStep { lo = hi; hi *= 2 }
                for _ in 0..<Self.lineSearchBisections {
                    let mid = 0.5 * (lo + hi)
                    if slope(mid) < 0 { lo = mid } else { hi = mid }
                }
                let t = hi
                var moved = 0.0
                for j in 0..<n { xk[j] += t * dx[j]; moved = max(moved, abs(t * dx[j])) }
                for i in 0..<m { ax[i] += t * adx[i] }
                if moved <= Self.alStepTolerance * (1 + xk.reduce(0) { max($0, abs($1)) }) { break }
            }
            // Multiplier and proximal-centre updates.
            var zk = [Double](repeating: 0, count: m)
            for i in 0..<m {
                let w = ax[i] + yk[i] / rhoP
                yk[i] = rhoP * (w - min(max(w, l[i]), u[i]))
                zk[i] = min(max(ax[i], l[i]), u[i])
            }
            xc = xk
            let r = context.termination.residuals(x: xk, z: zk, y: yk)
            if best.map({ r.worstRatio < $0.residuals.worstRatio }) ?? true {
                best = StagePoint(x: xk, z: zk, y: yk, residuals: r)
            }
            if r.converged(context.tolerances) { break }
            // Standard ALM penalty update: raise ρ when the primal residual did not drop by 4×.
            if r.primal > Self.alPrimalProgress * previousPrimal, rhoP < Self.alMaximumRho {
                rhoP *= Self.alRhoGrowth
                side = [Int8](repeating: 2, count: m)
            }
            previousPrimal = r.primal
        }
        if let log = context.log, let b = best {
            log("polish (augmented Lagrangian): \(refactorizations) factorization(s), residuals primal \(fmt(b.residuals.primal)), dual \(fmt(b.residuals.dual)), gap \(fmt(b.residuals.gap))")
        }
        return best
    }
}
