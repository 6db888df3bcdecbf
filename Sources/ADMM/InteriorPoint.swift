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
/// Attempts: each runs while the ones before it stopped short of their own target (a stall or the
/// iteration limit) without a point that meets the tolerances with accurate linear constraints, and
/// the most accurate result is kept (see `interiorPointStage`).
///
/// Proximal variant (second attempt): the same iteration with the regularization kept in the method
/// (the interior-point proximal method of multipliers with its proximal centres moved to the current
/// iterate at every step). The Newton matrix has σ = δ = 10⁻⁸
/// on both blocks, ρ_i = 1/(1/W_i + δ), and each solve is refined against that same matrix, so no
/// refinement has to bridge the gap to the singular δ = 0 operator; the slack steps use A·dx − δ·dy.
///
/// Third attempt: the proximal method of multipliers with shrinking regularization and separate
/// primal and dual step lengths (`proximalInteriorPoint`).
extension ADMMSolver {
    /// The interior-point iterations stop once every residual is this fraction of its tolerance (its
    /// last iterations converge fast, and the point then also passes stricter checks).
    static let interiorPointTargetFactor = 1e-2
    /// …and the linear constraints A x ∓ s = l, u hold to this relative accuracy (scaled), so that the
    /// returned point is feasible to rounding level (Π[l,u](Ax) = Ax up to it).
    static let interiorPointLinearTolerance = 1e-12
    /// δ of the Newton matrix (scaled data): small enough that refinement against δ = 0 converges in a
    /// few steps, large enough to keep the simplicial LDLᵀ's pivots away from zero.
    static let interiorPointRegularization = 1e-8
    /// Floor of the barrier weights W_i (scaled): keeps the (2,2) block −1/(W + δ) finite on rows whose
    /// multipliers vanish.
    static let interiorPointWeightFloor = 1e-12
    /// The stage gives up when the best residual ratio has not halved for this many iterations.
    static let interiorPointStallIterations = 30
    /// The dual block is regularized by δ times this: a δ comparable to 1/W of strongly active rows
    /// would make refinement against the exact operator contract too slowly to restore A x = b.
    static let interiorPointDualRegularizationRatio = 1e-4
    /// Fraction of the distance to the boundary taken per step (the usual 0.99–0.995): keeps slacks and
    /// multipliers strictly positive.
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
        /// The attempt stopped at its own target (`interiorPointTargetFactor` and the linear accuracy),
        /// not at a stall, its iteration limit, a failed factorization or the deadline.
        var reachedTarget: Bool
        /// At the best point the linear constraints hold to `interiorPointLinearTolerance`.
        var bestLinearAccurate: Bool
    }

    /// What the interior-point stage needs of its linear system: weights 1/ρ over many orders of
    /// magnitude with equality rows near ρ = ∞, and an inertia check that guards its regularization.
    static let interiorPointCapabilities: LinearSystemCapabilities = [.reportsInertia, .acceptsHardEqualityRows]

    /// The system the interior-point stage factorizes (created on first use): a companion of the
    /// forward system when that backend has `interiorPointCapabilities`, else a system of its own.
    func interiorPointLinearSystem(initial: KKTParameters) -> (any LinearSystem)? {
        if let s = interiorPointSystem { return s }
        guard let kkt else { return nil }
        if sharesForwardSystemForInteriorPoint {
            interiorPointSystem = try? kkt.makeCompanion(copyingFactor: false)
        } else {
            interiorPointSystem = try? LinearSystemFactory.make(P: Ps, A: As, parameters: initial, options: settings.kkt,
                                                                requiring: Self.interiorPointCapabilities)
        }
        return interiorPointSystem
    }

    /// Whether the interior-point stage runs on a companion of the forward system.
    var sharesForwardSystemForInteriorPoint: Bool {
        kkt?.capabilities.isSuperset(of: Self.interiorPointCapabilities) ?? false
    }

    func interiorPoint(proximal: Bool) -> InteriorPointOutcome? {
        let l = ls.array, u = us.array, q = qs.array
        let rows = interiorPointRows(l: l, u: u)
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, sides = rows.sides
        let proxReg = Self.interiorPointProximalRegularization
        let dualRatio = proximal ? 1 : Self.interiorPointDualRegularizationRatio
        guard let start = interiorPointStart(rows: rows, l: l, u: u, q: q,
                                             equalityRegularization: (proximal ? proxReg : Self.interiorPointRegularization) * dualRatio)
        else { return nil }
        let system = start.system
        var x = start.x, sl = start.sl, su = start.su, zl = start.zl, zu = start.zu
        var yEq = [Double](repeating: 0, count: m)
        var ax = As.multiply(x)
        var delta = Self.interiorPointRegularization
        var factored = KKTParameters(sigma: delta, rho: [Double](repeating: 0, count: m))
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
        var best: PolishCandidate?
        var reachedTarget = false, bestLinearAccurate = true
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
            let (linear, _, mu) = interiorPointResiduals(rows: rows, x: x, ax: ax, yEq: yEq, sl: sl, zl: zl, su: su, zu: zu,
                                                         q: q, l: l, u: u, y: &y, rd: &rd, rpl: &rpl, rpu: &rpu, req: &req)
            guard let r = interiorPointRecord(x: x, ax: ax, y: y, l: l, u: u, best: &best, sinceProgress: &sinceProgress,
                                              progressMark: &progressMark, linear: linear,
                                              reachedTarget: &reachedTarget, bestLinearAccurate: &bestLinearAccurate) else { break }
            iterations += 1
            // Newton matrix.
            for i in 0..<m {
                w[i] = (hasL[i] ? zl[i] / sl[i] : 0) + (hasU[i] ? zu[i] / su[i] : 0)
            }
            guard factorize({ d in
                (0..<self.m).map { i in isEquality[i] ? 1 / d : (hasL[i] || hasU[i] ? 1 / (1 / w[i] + d) : 0) }
            }) else { break }
            // The factorized matrix holds −1/max(ρ, 10⁻¹²) (any LinearSystem's floor for decoupled rows): the
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
                let a = interiorPointBoundarySteps(d, rows: rows, sl: sl, zl: zl, su: su, zu: zu)
                return min(a.primal, a.dual)
            }
            let step: InteriorPointStep
            let alpha: Double
            var worstSolve = 0.0
            do {
                step = try interiorPointPredictorCorrector(rows: rows, sl: sl, zl: zl, su: su, zu: zu, mu: mu,
                                                           direction: direction) { d in
                    let a = maxStep(d)
                    return (a, a)
                }
                alpha = sides == 0 ? 1 : min(1, stepFraction * maxStep(step))
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
                                    converged: best.residuals.converged(checkGap: settings.checkDualityGap),
                                    reachedTarget: reachedTarget, bestLinearAccurate: bestLinearAccurate)
    }

    /// The rows of l ≤ Ax ≤ u as the interior-point stage sees them.
    struct InteriorPointRows {
        var isEquality: [Bool]
        var hasL: [Bool]
        var hasU: [Bool]
        /// The number of finite inequality sides (slack/multiplier pairs).
        var sides: Int
    }

    func interiorPointRows(l: [Double], u: [Double]) -> InteriorPointRows {
        var rows = InteriorPointRows(isEquality: [Bool](repeating: false, count: m),
                                     hasL: [Bool](repeating: false, count: m), hasU: [Bool](repeating: false, count: m), sides: 0)
        for i in 0..<m {
            if l[i] == u[i] { rows.isEquality[i] = true; continue }
            rows.hasL[i] = l[i] > -.infinity
            rows.hasU[i] = u[i] < .infinity
            rows.sides += (rows.hasL[i] ? 1 : 0) + (rows.hasU[i] ? 1 : 0)
        }
        return rows
    }

    /// The start point: x from the regularized least-squares system (ρ = 1 on inequality rows, targets
    /// Π_[l,u](0), equality rows regularized by `equalityRegularization`), slacks from x and
    /// multipliers their negatives (the system's ν), both shifted uniformly into the interior (the
    /// symmetric-cone rule of CVXOPT and Clarabel).
    func interiorPointStart(rows: InteriorPointRows, l: [Double], u: [Double], q: [Double], equalityRegularization: Double)
        -> (system: any LinearSystem, x: [Double], sl: [Double], su: [Double], zl: [Double], zu: [Double])? {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU
        var rhoStart = [Double](repeating: 0, count: m)
        var target = [Double](repeating: 0, count: m)
        for i in 0..<m {
            if isEquality[i] { rhoStart[i] = 1; target[i] = l[i] }
            else if hasL[i] || hasU[i] { rhoStart[i] = 1; target[i] = hasL[i] && hasU[i] ? 0.5 * (l[i] + u[i]) : (hasL[i] ? l[i] : u[i]) }
        }
        var sigma = Self.interiorPointRegularization
        guard let system = interiorPointLinearSystem(initial: KKTParameters(sigma: sigma, rho: rhoStart)) else { return nil }
        var regularization = equalityRegularization
        var factored = false
        for _ in 0..<4 where !factored {
            do {
                try system.update(parameters: KKTParameters(sigma: sigma, rho: (0..<m).map { isEquality[$0] ? 1 / regularization : rhoStart[$0] }))
                factored = true
            } catch {
                switch error {
                case .inertia, .notPositiveDefinite: regularization *= 100; sigma *= 100
                default: return nil
                }
            }
        }
        guard factored else { return nil }
        let x: [Double]
        do {
            let exact = KKTParameters(sigma: 0, rho: (0..<m).map { isEquality[$0] ? .infinity : rhoStart[$0] })
            x = try system.solve(r1: q.map { -$0 }, r2: target, refiningAgainst: exact).x
        } catch { return nil }
        let ax = As.multiply(x)
        var sl = [Double](repeating: 0, count: m), su = sl, zl = sl, zu = sl
        for i in 0..<m {
            if hasL[i] { sl[i] = ax[i] - l[i]; zl[i] = -sl[i] }
            if hasU[i] { su[i] = u[i] - ax[i]; zu[i] = -su[i] }
        }
        if rows.sides > 0 {
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
        return (system, x, sl, su, zl, zu)
    }

    /// The KKT residuals of the interior-point form at (x, yEq, s, z): y = z_u − z_l (yEq on equality
    /// rows), r_d = Px + q + Aᵀy, r_eq = Ax − l, r_l = Ax − s_l − l, r_u = Ax + s_u − u. Returns their
    /// ∞-norms (linear constraints, stationarity) and μ = sᵀz / (number of sides).
    func interiorPointResiduals(rows: InteriorPointRows, x: [Double], ax: [Double], yEq: [Double],
                                sl: [Double], zl: [Double], su: [Double], zu: [Double],
                                q: [Double], l: [Double], u: [Double], y: inout [Double], rd: inout [Double],
                                rpl: inout [Double], rpu: inout [Double], req: inout [Double])
        -> (linear: Double, stationarity: Double, mu: Double) {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU
        for i in 0..<m { y[i] = isEquality[i] ? yEq[i] : zu[i] - zl[i] }
        let px = Ps.symmetricUpperMultiply(x)
        let aty = As.transposeMultiply(y)
        var stationarity = 0.0
        for j in 0..<n { rd[j] = px[j] + q[j] + aty[j]; stationarity = max(stationarity, abs(rd[j])) }
        var mu = 0.0, linear = 0.0
        for i in 0..<m {
            if isEquality[i] { req[i] = ax[i] - l[i]; linear = max(linear, abs(req[i])); continue }
            if hasL[i] { rpl[i] = ax[i] - sl[i] - l[i]; mu += sl[i] * zl[i]; linear = max(linear, abs(rpl[i])) }
            if hasU[i] { rpu[i] = ax[i] + su[i] - u[i]; mu += su[i] * zu[i]; linear = max(linear, abs(rpu[i])) }
        }
        return (linear, stationarity, rows.sides > 0 ? mu / Double(rows.sides) : 0)
    }

    /// Mehrotra's predictor–corrector: the affine direction (complementarity right-hand sides −s∘z), the
    /// centring σ = (μ_aff/μ)³ with μ_aff at the affine step lengths `affineSteps`, and the corrector
    /// direction with the second-order term. Without inequality sides the affine direction is returned.
    func interiorPointPredictorCorrector(
        rows: InteriorPointRows, sl: [Double], zl: [Double], su: [Double], zu: [Double], mu: Double,
        direction: (_ rcl: [Double], _ rcu: [Double]) throws(FactorizationError) -> InteriorPointStep,
        affineSteps: (InteriorPointStep) -> (primal: Double, dual: Double)
    ) throws(FactorizationError) -> InteriorPointStep {
        let hasL = rows.hasL, hasU = rows.hasU
        var rcl = [Double](repeating: 0, count: m), rcu = rcl
        for i in 0..<m {
            if hasL[i] { rcl[i] = -sl[i] * zl[i] }
            if hasU[i] { rcu[i] = -su[i] * zu[i] }
        }
        let affine = try direction(rcl, rcu)
        guard rows.sides > 0 else { return affine }
        let a = affineSteps(affine)
        var muAff = 0.0
        for i in 0..<m {
            if hasL[i] { muAff += (sl[i] + a.primal * affine.dsl[i]) * (zl[i] + a.dual * affine.dzl[i]) }
            if hasU[i] { muAff += (su[i] + a.primal * affine.dsu[i]) * (zu[i] + a.dual * affine.dzu[i]) }
        }
        muAff /= Double(rows.sides)
        let ratio = max(0, min(1, muAff / mu))
        let centring = ratio * ratio * ratio * mu
        for i in 0..<m {
            if hasL[i] { rcl[i] += centring - affine.dsl[i] * affine.dzl[i] }
            if hasU[i] { rcu[i] += centring - affine.dsu[i] * affine.dzu[i] }
        }
        return try direction(rcl, rcu)
    }

    /// The largest steps in [0, 1] that keep the slacks (primal) and the multipliers (dual) of a
    /// direction nonnegative.
    func interiorPointBoundarySteps(_ d: InteriorPointStep, rows: InteriorPointRows, sl: [Double], zl: [Double],
                                    su: [Double], zu: [Double]) -> (primal: Double, dual: Double) {
        var ap = 1.0, ad = 1.0
        for i in 0..<m {
            if rows.hasL[i] {
                if d.dsl[i] < 0 { ap = min(ap, -sl[i] / d.dsl[i]) }
                if d.dzl[i] < 0 { ad = min(ad, -zl[i] / d.dzl[i]) }
            }
            if rows.hasU[i] {
                if d.dsu[i] < 0 { ap = min(ap, -su[i] / d.dsu[i]) }
                if d.dzu[i] < 0 { ad = min(ad, -zu[i] / d.dzu[i]) }
            }
        }
        return (ap, ad)
    }

    /// The test shared by every interior-point attempt, at the top of an iteration: the residuals of
    /// `computeResiduals` at (x, Π_[l,u](Ax), y), the best point so far, the stall rule, convergence
    /// (within `interiorPointTargetFactor` of the tolerances and the linear constraints to
    /// `interiorPointLinearTolerance`), cancellation and the deadline. Returns the residuals, or nil
    /// when the attempt should stop.
    func interiorPointRecord(x: [Double], ax: [Double], y: [Double], l: [Double], u: [Double],
                             best: inout PolishCandidate?, sinceProgress: inout Int, progressMark: inout Double,
                             linear: Double,
                             stallLimit: Int = ADMMSolver.interiorPointStallIterations, reachedTarget: inout Bool,
                             bestLinearAccurate: inout Bool) -> Residuals? {
        let zp = (0..<m).map { min(max(ax[$0], l[$0]), u[$0]) }
        let r = x.withUnsafeBufferPointer { xb in
            zp.withUnsafeBufferPointer { zb in y.withUnsafeBufferPointer { yb in computeResiduals(x: xb, z: zb, y: yb) } }
        }
        if !(r.primal.isFinite && r.dual.isFinite) { return nil }
        let axNorm = ax.reduce(0) { max($0, abs($1)) }
        let linearAccurate = linear <= Self.interiorPointLinearTolerance * (1 + axNorm)
        if best.map({ r.worstRatio < $0.residuals.worstRatio }) ?? true {
            best = PolishCandidate(x: x, z: zp, y: y, residuals: r)
            bestLinearAccurate = linearAccurate
        }
        if r.worstRatio < 0.5 * progressMark { progressMark = r.worstRatio; sinceProgress = 0 }
        sinceProgress += 1
        if sinceProgress > stallLimit { return nil }
        if r.converged(checkGap: settings.checkDualityGap, factor: Self.interiorPointTargetFactor), linearAccurate {
            reachedTarget = true
            return nil
        }
        if stopRequested { return nil }
        return r
    }

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

    /// Runs the interior-point stage and, when it meets the tolerances, replaces the solution by its
    /// point (status `.solved`, certificates cleared), or by the polish started from it when that
    /// is at least as accurate (a crossover to the exact active-set solution, whose factorization
    /// the backward pass can then reuse). Otherwise the solution is left as it was.
    ///
    /// `improving`: the solution already meets the tolerances (a polish after ADMM's iteration limit);
    /// a result replaces it only if its worst residual/tolerance ratio is smaller than the current
    /// point's, and `.failed` then means "not more accurate, not used".
    func interiorPointStage(into solution: inout Solution, improving: Bool = false) {
        let t0 = ContinuousClock.now
        defer { solution.info.interiorPointTime = seconds(since: t0) }
        // The iterates hold the returned point (the accepted polish, or ADMM's last iterate).
        let current = improving ? computeResiduals(x: x.readOnly, z: z.readOnly, y: y.readOnly).worstRatio : Double.infinity
        // Attempts in order; each runs while the previous ones stopped short of their target (a stall,
        // the iteration limit) and did not meet the tolerances with accurate linear constraints, and the
        // most accurate result (smallest residual/tolerance ratio) is kept.
        // 1. The standard method. 2. The proximal variant with δ = 10⁻⁸ fixed, second because δ in the
        // directions costs accuracy elsewhere. 3. The proximal method of multipliers with shrinking
        // ρ, δ, last because alone it verifies fewer problems and is slower (docs/SOLVER-HISTORY.md).
        let attempts: [() -> InteriorPointOutcome?] = [
            { self.interiorPoint(proximal: false) },
            { self.interiorPoint(proximal: true) },
            { self.proximalInteriorPoint() },
        ]
        var first: InteriorPointOutcome?
        var total = 0
        let counted = InteriorPointWorkCounter(self)
        for attempt in attempts {
            // A point that meets the tolerances with the linear constraints accurate to rounding level is
            // not pursued further; one whose linear residual is still large is (it can meet the
            // tolerances with the wrong objective).
            if let f = first, f.reachedTarget || (f.converged && f.bestLinearAccurate) { break }
            if stopRequested { break }
            guard let outcome = attempt() else { continue }
            total += outcome.iterations
            // A result that already meets the tolerances is replaced only by one that reached its target
            // (a stalled point can have the smaller ratio and the worse objective).
            let better = first.map { outcome.best.residuals.worstRatio < $0.best.residuals.worstRatio
                && (!$0.converged || outcome.reachedTarget) } ?? true
            if better { first = outcome }
        }
        first?.iterations = total
        // Before the polish below, which may spend a fraction of it.
        work.interiorPoint += counted.work(self)
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
        if settings.polish, !stopRequested, let p = polishCandidate(augmentedLagrangian: false),
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

/// The work of the interior-point attempts in `WorkModel` units, from the profile counters of the
/// system they factorize: a companion of the forward system (its counters are shared, and nothing
/// else runs meanwhile) or the stage's own quasi-definite system (its own counters and cost model).
struct InteriorPointWorkCounter {
    private let factorizations: Int
    private let solves: Int
    private let separate: Bool

    init(_ solver: ADMMSolver) {
        separate = !solver.sharesForwardSystemForInteriorPoint
        let profile = separate ? solver.interiorPointSystem?.profile : solver.kkt?.profile
        factorizations = profile?.numericFactorizations ?? 0
        solves = profile?.solves ?? 0
    }

    func work(_ solver: ADMMSolver) -> Double {
        guard let system = separate ? solver.interiorPointSystem : solver.kkt else { return 0 }
        let profile = system.profile
        let model = separate
            ? WorkModel(profile: profile, n: solver.n, m: solver.m, P: solver.Ps, A: solver.As)
            : solver.workModel
        guard let model else { return 0 }
        return Double(profile.numericFactorizations - factorizations) * model.factorization
            + Double(profile.solves - solves) * model.solve
    }
}
