import Sparse
import KKT

/// What the interior-point stage did.
public enum InteriorPointStatus: String, Sendable, Equatable {
    /// Not needed (ADMM met the tolerances), switched off, or not applicable (time limit, cancellation).
    case notRun = "not_run"
    /// It met the requested tolerances; its point (or the polish started from it) was returned.
    case succeeded = "succeeded"
    /// It did not meet the tolerances within its iterations (or its linear system failed); ADMM's
    /// result was kept unless the interior-point point had smaller residuals.
    case failed = "failed"
}

/// The high-accuracy stage: a primal-dual interior-point method (Mehrotra predictor–corrector) on the
/// scaled problem, run when ADMM and polishing did not meet the requested tolerances.
///
/// Form. Each row i of l ≤ Ax ≤ u is an equality (l_i = u_i), free (both bounds infinite, y_i = 0),
/// or an inequality with a slack per finite side: A_i x − s_l = l_i, A_i x + s_u = u_i, with
/// multipliers z_l, z_u ≥ 0 and y_i = z_u − z_l (OSQP's sign convention). The Newton system of the
/// perturbed KKT conditions reduces to the quasi-definite
///
///     [P + δI   Aᵀ                 ] [dx]   [−r_d    ]
///     [A        −diag(1/W + δ)     ] [dy] = [−c / W  ]      W_i = z_l/s_l + z_u/s_u,
///
/// (equality rows: −δ and −r_eq; free rows decoupled), i.e. the forward KKT matrix with σ = δ and
/// ρ_i = 1/(1/W_i + δ). It is factorized on a companion of the forward KKT system (same symbolic
/// analysis) when that is quasi-definite, otherwise on one new quasi-definite analysis (the reduced
/// matrix P + AᵀWA becomes too ill-conditioned for Cholesky as W spreads). Each solve is refined
/// against the unregularized operator (δ = 0, equality rows exact). δ = 10⁻⁸ on the scaled data,
/// raised ×100 when a factorization shows the wrong inertia.
///
/// Iteration: affine step, centring σ = (μ_aff/μ)³, corrector with the second-order term, one step
/// length for primal and dual (0.99 of the distance to the boundary). Start: x from the regularized
/// least-squares system with ρ = 1 on inequality rows and targets Π_[l,u](0); slacks max(slack, 1),
/// multipliers 1. Stop: the residuals of `computeResiduals` (the same test as ADMM's termination,
/// at (x, Π_[l,u](Ax), y)) are within `interiorPointTargetFactor` of the tolerances; the best point
/// seen is returned.
///
/// Proximal variant (second attempt, when the first does not converge): the same iteration with the
/// regularization kept in the method (the interior-point proximal method of multipliers with its
/// proximal centres moved to the current iterate at every step). The Newton matrix has σ = δ = 10⁻⁸
/// on both blocks, ρ_i = 1/(1/W_i + δ), and each solve is refined against that same matrix, so no
/// refinement has to bridge the gap to the singular δ = 0 operator; the slack steps use A·dx − δ·dy.
extension ADMMSolver {
    /// The interior-point iterations stop once every residual is this fraction of its tolerance (its
    /// last iterations converge fast, and the point then also passes stricter checks).
    static let interiorPointTargetFactor = 1e-2
    /// …and the linear constraints A x ∓ s = l, u hold to this relative accuracy (scaled), so that the
    /// returned point is feasible to rounding level (Π[l,u](Ax) = Ax up to it).
    static let interiorPointLinearTolerance = 1e-12
    static let interiorPointRegularization = 1e-8
    static let interiorPointWeightFloor = 1e-12
    /// The stage gives up when the best residual ratio has not halved for this many iterations.
    static let interiorPointStallIterations = 30
    /// The dual block is regularized by δ times this: a δ comparable to 1/W of strongly active rows
    /// would make refinement against the exact operator contract too slowly to restore A x = b.
    static let interiorPointDualRegularizationRatio = 1e-4
    static let interiorPointStepFraction = 0.99
    /// δ of the proximal variant (second attempt): primal and dual regularization of the Newton
    /// matrix, which is then solved exactly (refined against itself) instead of against δ = 0.
    static let interiorPointProximalRegularization = 1e-8

    /// A Newton direction: dx, the equality rows' dy, and the slack and multiplier steps of each side.
    typealias InteriorPointStep = (dx: [Double], dyEq: [Double], dsl: [Double], dzl: [Double], dsu: [Double], dzu: [Double])

    struct InteriorPointOutcome {
        var best: PolishCandidate
        var iterations: Int
        var converged: Bool
    }

    /// The quasi-definite system the interior-point stage factorizes (created on first use).
    func interiorPointLinearSystem(initial: KKTParameters) -> KKTSystem? {
        if let s = interiorPointSystem { return s }
        guard let kkt else { return nil }
        if kkt.strategy == .quasiDefinite {
            interiorPointSystem = try? kkt.makeCompanion(copyingFactor: false)
        } else {
            var options = settings.kkt
            options.strategy = .quasiDefinite
            interiorPointSystem = try? KKTSystem(P: Ps, A: As, parameters: initial, options: options)
        }
        return interiorPointSystem
    }

    func interiorPoint(deadline: ContinuousClock.Instant?, proximal: Bool) -> InteriorPointOutcome? {
        let l = ls.array, u = us.array, q = qs.array
        var isEquality = [Bool](repeating: false, count: m)
        var hasL = [Bool](repeating: false, count: m), hasU = [Bool](repeating: false, count: m)
        var sides = 0
        for i in 0..<m {
            if l[i] == u[i] { isEquality[i] = true; continue }
            hasL[i] = l[i] > -.infinity
            hasU[i] = u[i] < .infinity
            sides += (hasL[i] ? 1 : 0) + (hasU[i] ? 1 : 0)
        }
        var delta = Self.interiorPointRegularization
        var rhoStart = [Double](repeating: 0, count: m)
        var target = [Double](repeating: 0, count: m)
        for i in 0..<m {
            if isEquality[i] { rhoStart[i] = 1 / delta; target[i] = l[i] }
            else if hasL[i] || hasU[i] { rhoStart[i] = 1; target[i] = hasL[i] && hasU[i] ? 0.5 * (l[i] + u[i]) : (hasL[i] ? l[i] : u[i]) }
        }
        guard let system = interiorPointLinearSystem(initial: KKTParameters(sigma: delta, rho: rhoStart)) else { return nil }
        let proxReg = Self.interiorPointProximalRegularization
        let dualRatio = proximal ? 1 : Self.interiorPointDualRegularizationRatio
        var factored = KKTParameters(sigma: delta, rho: rhoStart)
        func factorize(_ rho: (Double) -> [Double]) -> Bool {
            delta = proximal ? proxReg : Self.interiorPointRegularization
            for _ in 0..<4 {
                do {
                    factored = KKTParameters(sigma: delta, rho: rho(delta * dualRatio))
                    try system.update(parameters: factored); return true
                } catch {
                    switch error {
                    case .inertia, .notPositiveDefinite: delta *= 100
                    default: return false
                    }
                }
            }
            return false
        }
        // Start.
        guard factorize({ d in (0..<self.m).map { isEquality[$0] ? 1 / d : rhoStart[$0] } }) else { return nil }
        var x: [Double]
        var yEq = [Double](repeating: 0, count: m)
        do {
            let exact = KKTParameters(sigma: 0, rho: (0..<m).map { isEquality[$0] ? .infinity : rhoStart[$0] })
            x = try system.solve(r1: q.map { -$0 }, r2: target, refiningAgainst: exact).x
        } catch { return nil }
        var ax = As.multiply(x)
        var sl = [Double](repeating: 0, count: m), su = sl, zl = sl, zu = sl
        // Slacks from x, multipliers their negatives (the least-squares system's ν), both shifted
        // uniformly into the interior (the symmetric-cone rule of CVXOPT and Clarabel).
        for i in 0..<m {
            if hasL[i] { sl[i] = ax[i] - l[i]; zl[i] = -sl[i] }
            if hasU[i] { su[i] = u[i] - ax[i]; zu[i] = -su[i] }
        }
        if sides > 0 {
            var minSlack = Double.infinity, minMult = Double.infinity
            for i in 0..<m {
                if hasL[i] { minSlack = min(minSlack, sl[i]); minMult = min(minMult, zl[i]) }
                if hasU[i] { minSlack = min(minSlack, su[i]); minMult = min(minMult, zu[i]) }
            }
            let shiftS = 1 + max(0, -minSlack), shiftZ = 1 + max(0, -minMult)
            for i in 0..<m {
                if hasL[i] { sl[i] += shiftS; zl[i] += shiftZ }
                if hasU[i] { su[i] += shiftS; zu[i] += shiftZ }
            }
        }
        var best: PolishCandidate?
        var sinceProgress = 0, progressMark = Double.infinity
        var iterations = 0
        var y = [Double](repeating: 0, count: m)
        var rd = [Double](repeating: 0, count: n)
        var rpl = [Double](repeating: 0, count: m), rpu = rpl, req = rpl
        var w = [Double](repeating: 0, count: m)
        var r1 = [Double](repeating: 0, count: n), r2 = [Double](repeating: 0, count: m)
        let stepFraction = Self.interiorPointStepFraction
        let refinement = RefinementSettings(tolerance: 1e-14, maxSteps: 10, weightRowsByRho: true)
        for _ in 0..<settings.interiorPointIterations {
            // Residuals of the KKT conditions and the test shared with ADMM.
            for i in 0..<m { y[i] = isEquality[i] ? yEq[i] : zu[i] - zl[i] }
            let px = Ps.symmetricUpperMultiply(x)
            let aty = As.transposeMultiply(y)
            for j in 0..<n { rd[j] = px[j] + q[j] + aty[j] }
            var mu = 0.0
            for i in 0..<m {
                if isEquality[i] { req[i] = ax[i] - l[i]; continue }
                if hasL[i] { rpl[i] = ax[i] - sl[i] - l[i]; mu += sl[i] * zl[i] }
                if hasU[i] { rpu[i] = ax[i] + su[i] - u[i]; mu += su[i] * zu[i] }
            }
            mu = sides > 0 ? mu / Double(sides) : 0
            let zp = (0..<m).map { min(max(ax[$0], l[$0]), u[$0]) }
            let r = x.withUnsafeBufferPointer { xb in
                zp.withUnsafeBufferPointer { zb in y.withUnsafeBufferPointer { yb in computeResiduals(x: xb, z: zb, y: yb) } }
            }
            if !(r.primal.isFinite && r.dual.isFinite) { break }
            if best.map({ r.worstRatio < $0.residuals.worstRatio }) ?? true {
                best = PolishCandidate(x: x, z: zp, y: y, residuals: r)
            }
            if r.worstRatio < 0.5 * progressMark { progressMark = r.worstRatio; sinceProgress = 0 }
            sinceProgress += 1
            if sinceProgress > Self.interiorPointStallIterations { break }
            var linear = 0.0, axNorm = 0.0
            for i in 0..<m {
                axNorm = max(axNorm, abs(ax[i]))
                linear = max(linear, abs(isEquality[i] ? req[i] : max(hasL[i] ? abs(rpl[i]) : 0, hasU[i] ? abs(rpu[i]) : 0)))
            }
            if r.converged(checkGap: settings.checkDualityGap, factor: Self.interiorPointTargetFactor),
               linear <= Self.interiorPointLinearTolerance * (1 + axNorm) { break }
            if cancellation.isCancelled { break }
            if let deadline, ContinuousClock.now > deadline { break }
            iterations += 1
            // Newton matrix.
            for i in 0..<m {
                w[i] = (hasL[i] ? zl[i] / sl[i] : 0) + (hasU[i] ? zu[i] / su[i] : 0)
            }
            guard factorize({ d in
                (0..<self.m).map { i in isEquality[i] ? 1 / d : (hasL[i] || hasU[i] ? 1 / (1 / w[i] + d) : 0) }
            }) else { break }
            // The factorized matrix holds −1/max(ρ, 10⁻¹²) (KKTSystem's floor for decoupled rows): the
            // exact operator uses the same floor, or refinement diverges on rows with W < 10⁻¹².
            let exact = proximal ? factored : KKTParameters(sigma: 0, rho: (0..<m).map {
                isEquality[$0] ? .infinity : (hasL[$0] || hasU[$0] ? max(w[$0], Self.interiorPointWeightFloor) : 0)
            })
            let dualReg = proximal ? delta * dualRatio : 0
            // One Newton direction for complementarity right-hand sides (rcl, rcu).
            func direction(_ rcl: [Double], _ rcu: [Double]) throws(FactorizationError)
                -> InteriorPointStep {
                for j in 0..<n { r1[j] = -rd[j] }
                for i in 0..<m {
                    if isEquality[i] { r2[i] = -req[i]; continue }
                    var ci = 0.0
                    if hasU[i] { ci += rcu[i] / su[i] + zu[i] / su[i] * rpu[i] }
                    if hasL[i] { ci += -rcl[i] / sl[i] + zl[i] / sl[i] * rpl[i] }
                    r2[i] = hasL[i] || hasU[i] ? -ci / w[i] : 0
                }
                let s = try system.solve(r1: r1, r2: r2, refiningAgainst: exact, settings: refinement)
                worstSolve = max(worstSolve, s.report.residual / s.report.scale)
                var adx = As.multiply(s.x)
                if dualReg > 0 { for i in 0..<m where !isEquality[i] { adx[i] -= dualReg * s.nu[i] } }
                var dsl = [Double](repeating: 0, count: m), dzl = dsl, dsu = dsl, dzu = dsl, dyEq = dsl
                for i in 0..<m {
                    if isEquality[i] { dyEq[i] = s.nu[i]; continue }
                    // Recovery. On a side with z/s ≥ 1 (active-looking) the multiplier step comes from
                    // ν = dz_u − dz_l and the slack step from complementarity; elsewhere the slack step
                    // comes from A·dx and the multiplier step from complementarity. (Both are exact in
                    // exact arithmetic; each avoids multiplying a solve error by a large z/s or s/z.)
                    let wl = hasL[i] ? zl[i] / sl[i] : 0, wu = hasU[i] ? zu[i] / su[i] : 0
                    if max(wl, wu) < 1 {
                        if hasL[i] { dsl[i] = adx[i] + rpl[i]; dzl[i] = (rcl[i] - zl[i] * dsl[i]) / sl[i] }
                        if hasU[i] { dsu[i] = -rpu[i] - adx[i]; dzu[i] = (rcu[i] - zu[i] * dsu[i]) / su[i] }
                    } else if wu >= wl {
                        if hasL[i] { dsl[i] = adx[i] + rpl[i]; dzl[i] = (rcl[i] - zl[i] * dsl[i]) / sl[i] }
                        dzu[i] = s.nu[i] + dzl[i]
                        dsu[i] = (rcu[i] - su[i] * dzu[i]) / zu[i]
                    } else {
                        if hasU[i] { dsu[i] = -rpu[i] - adx[i]; dzu[i] = (rcu[i] - zu[i] * dsu[i]) / su[i] }
                        dzl[i] = dzu[i] - s.nu[i]
                        dsl[i] = (rcl[i] - sl[i] * dzl[i]) / zl[i]
                    }
                }
                return (s.x, dyEq, dsl, dzl, dsu, dzu)
            }
            func maxStep(_ d: InteriorPointStep) -> Double {
                var alpha = 1.0
                for i in 0..<m {
                    if hasL[i] {
                        if d.dsl[i] < 0 { alpha = min(alpha, -sl[i] / d.dsl[i]) }
                        if d.dzl[i] < 0 { alpha = min(alpha, -zl[i] / d.dzl[i]) }
                    }
                    if hasU[i] {
                        if d.dsu[i] < 0 { alpha = min(alpha, -su[i] / d.dsu[i]) }
                        if d.dzu[i] < 0 { alpha = min(alpha, -zu[i] / d.dzu[i]) }
                    }
                }
                return alpha
            }
            let step: InteriorPointStep
            let alpha: Double
            var worstSolve = 0.0
            do {
                var rcl = [Double](repeating: 0, count: m), rcu = rcl
                for i in 0..<m {
                    if hasL[i] { rcl[i] = -sl[i] * zl[i] }
                    if hasU[i] { rcu[i] = -su[i] * zu[i] }
                }
                let affine = try direction(rcl, rcu)
                if sides == 0 {
                    step = affine
                    alpha = 1
                } else {
                    let aAff = maxStep(affine)
                    var muAff = 0.0
                    for i in 0..<m {
                        if hasL[i] { muAff += (sl[i] + aAff * affine.dsl[i]) * (zl[i] + aAff * affine.dzl[i]) }
                        if hasU[i] { muAff += (su[i] + aAff * affine.dsu[i]) * (zu[i] + aAff * affine.dzu[i]) }
                    }
                    muAff /= Double(sides)
                    let ratio = max(0, min(1, muAff / mu))
                    let centring = ratio * ratio * ratio
                    for i in 0..<m {
                        if hasL[i] { rcl[i] += centring * mu - affine.dsl[i] * affine.dzl[i] }
                        if hasU[i] { rcu[i] += centring * mu - affine.dsu[i] * affine.dzu[i] }
                    }
                    step = try direction(rcl, rcu)
                    alpha = min(1, stepFraction * maxStep(step))
                }
            } catch { break }
            guard alpha.isFinite, alpha > 0 else { break }
            if settings.verbose {
                log.write("interior point\(proximal ? " (proximal)" : "") \(iterations): μ \(fmt(mu)) alpha \(fmt(alpha)) delta \(fmt(delta)) solve \(fmt(worstSolve)) primal \(fmt(r.primal)) dual \(fmt(r.dual)) gap \(fmt(r.gap))")
            }
            for j in 0..<n { x[j] += alpha * step.dx[j] }
            for i in 0..<m {
                if isEquality[i] { yEq[i] += alpha * step.dyEq[i]; continue }
                if hasL[i] { sl[i] += alpha * step.dsl[i]; zl[i] += alpha * step.dzl[i] }
                if hasU[i] { su[i] += alpha * step.dsu[i]; zu[i] += alpha * step.dzu[i] }
            }
            ax = As.multiply(x)
        }
        guard let best else { return nil }
        if settings.verbose {
            log.write("interior point: \(iterations) iteration(s), residuals primal \(fmt(best.residuals.primal)), dual \(fmt(best.residuals.dual)), gap \(fmt(best.residuals.gap))")
        }
        return InteriorPointOutcome(best: best, iterations: iterations,
                                    converged: best.residuals.converged(checkGap: settings.checkDualityGap))
    }

    /// Statuses after which the interior-point stage runs: the tolerances were not met (iteration
    /// limit, inaccurate), or an infeasibility verdict is re-checked. Not after a time limit,
    /// cancellation or a non-convex verdict.
    static func interiorPointApplies(to status: Status) -> Bool {
        switch status {
        case .solvedInaccurate, .maxIterations, .primalInfeasible, .primalInfeasibleInaccurate,
             .dualInfeasible, .dualInfeasibleInaccurate: return true
        case .solved, .timeLimit, .nonConvex, .cancelled: return false
        }
    }

    /// Runs the interior-point stage and, when it meets the tolerances, replaces the solution by its
    /// point (status `.solved`, certificates cleared), or by the polish started from it when that
    /// is at least as accurate (a crossover to the exact active-set solution, whose factorization
    /// the backward pass can then reuse). Otherwise the solution is left as it was.
    ///
    /// `improving`: the solution already meets the tolerances (a polish after ADMM's iteration limit);
    /// a result replaces it only if its worst residual/tolerance ratio is smaller than the current
    /// point's, and `.failed` then means "not more accurate, not used".
    func interiorPointStage(into solution: inout Solution, deadline: ContinuousClock.Instant?, improving: Bool = false) {
        let t0 = ContinuousClock.now
        defer { solution.info.interiorPointTime = seconds(since: t0) }
        // The iterates hold the returned point (the accepted polish, or ADMM's last iterate).
        let current = improving ? computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly).worstRatio : Double.infinity
        var first = interiorPoint(deadline: deadline, proximal: false)
        if !(first?.converged ?? false), !cancellation.isCancelled, deadline.map({ ContinuousClock.now < $0 }) ?? true,
           let retry = interiorPoint(deadline: deadline, proximal: true) {
            // The regularized (proximal) Newton system is the second attempt (QGFRDXPN); it is not the
            // first, because with δ = 10⁻⁸ left in the directions it loses LISWET2, QGROW7, QPILOTNO
            // and QSCRS8 at ε = 10⁻⁶.
            let total = (first?.iterations ?? 0) + retry.iterations
            if retry.converged || first.map({ retry.best.residuals.worstRatio < $0.best.residuals.worstRatio }) ?? true {
                first = retry
            }
            first?.iterations = total
        }
        guard let outcome = first else {
            solution.info.interiorPoint = .failed
            return
        }
        solution.info.interiorPointIterations = outcome.iterations
        let c = outcome.best
        let saved = (x.array, z.array, y.array)
        for j in 0..<n { x.buffer[j] = c.x[j] }
        for i in 0..<m { z.buffer[i] = c.z[i]; y.buffer[i] = c.y[i] }
        let gapCheck = settings.checkDualityGap
        let stageRatio = outcome.converged ? c.residuals.worstRatio : Double.infinity
        if settings.polish, let p = polishCandidate(augmentedLagrangian: false),
           p.residuals.converged(checkGap: gapCheck),
           p.residuals.worstRatio <= min(stageRatio, current) {
            markSucceeded(&solution)
            apply(p, to: &solution)
            return
        }
        guard stageRatio < current else {
            // Keep the iterates of the returned solution (for a warm start).
            for j in 0..<n { x.buffer[j] = saved.0[j] }
            for i in 0..<m { z.buffer[i] = saved.1[i]; y.buffer[i] = saved.2[i] }
            // The stage's polish may have refactorized the companion the kept polish left behind.
            if let pf = polishFactorization, polishFactoredActive != pf.active || polishFactoredRegularization != pf.regularization {
                polishFactorization = nil
            }
            solution.info.interiorPoint = .failed
            return
        }
        markSucceeded(&solution)
        // The returned point is the stage's, not the polish's.
        polishFactorization = nil
        applyResiduals(c.residuals, to: &solution.info)
        solution.x = (0..<n).map { c.x[$0] * scaling.D[$0] }
        solution.y = (0..<m).map { c.y[$0] * scaling.E[$0] * scaling.cinv }
    }

    /// The stage met the tolerances: status `.solved`, any infeasibility certificate dropped.
    private func markSucceeded(_ solution: inout Solution) {
        solution.info.interiorPoint = .succeeded
        solution.info.status = .solved
        solution.primalInfeasibilityCertificate = nil
        solution.dualInfeasibilityCertificate = nil
    }
}
