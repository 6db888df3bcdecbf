import Sparse
import KKT

/// How the interior-point method is configured (from `SolverSettings`; the defaults are there). Its
/// tolerances are the solver's (`Tolerances`: ADMM's termination test on the unscaled residuals at
/// (x, Π[l,u](Ax), y), εabs + εrel·scale); it stops once every residual is `targetFactor` of them.
package struct InteriorPointSettings: Equatable {
    /// Iterations per attempt.
    package var iterations: Int
    /// δ of the Newton matrix of the first two attempts and of the start point's system (scaled data).
    package var regularization: Double
    /// The iterations stop once every residual is this fraction of its tolerance (its last
    /// iterations converge fast, and the point then also passes stricter checks).
    package var targetFactor: Double
    /// An attempt gives up when its best residual ratio has not halved for this many iterations (the
    /// proximal method of multipliers: `proximalStallRatio` times as many).
    package var stallIterations: Int
    /// ε of the primal and dual infeasibility tests (`ScaledProblem.primalInfeasibilityCertificate`,
    /// the same tests as ADMM's).
    package var epsPrimalInfeasible: Double
    package var epsDualInfeasible: Double

    package init(iterations: Int, regularization: Double, targetFactor: Double, stallIterations: Int,
                 epsPrimalInfeasible: Double, epsDualInfeasible: Double) {
        self.iterations = iterations
        self.regularization = regularization
        self.targetFactor = targetFactor
        self.stallIterations = stallIterations
        self.epsPrimalInfeasible = epsPrimalInfeasible
        self.epsDualInfeasible = epsDualInfeasible
    }
}

/// An infeasibility certificate found by the interior-point method: unscaled, normalized to
/// ‖·‖∞ = 1 (the form of ADMM's).
package enum InfeasibilityCertificate: Equatable {
    /// δy with Aᵀδy ≈ 0 and uᵀδy₊ + lᵀδy₋ < 0.
    case primal([Double])
    /// δx with Pδx ≈ 0, qᵀδx < 0 and Aδx in the recession cone of [l, u].
    case dual([Double])

    package var isPrimal: Bool { if case .primal = self { true } else { false } }
}

/// What an interior-point run returned.
package struct InteriorPointOutcome {
    /// The best point seen (smallest worst residual/tolerance ratio).
    package var best: StagePoint
    package var iterations: Int
    /// The best point meets the tolerances.
    package var converged: Bool
    /// The attempt stopped at its own target (`targetFactor` and the linear accuracy), not at a
    /// stall, its iteration limit, a failed factorization or the deadline.
    package var reachedTarget: Bool
    /// At the best point the linear constraints hold to `linearTolerance`.
    package var bestLinearAccurate: Bool
    /// Set when the attempt stopped on an infeasibility certificate (its diverging iterates).
    package var certificate: InfeasibilityCertificate? = nil
}

/// The high-accuracy method: a primal-dual interior-point method on the scaled problem, in three
/// attempts of increasing robustness (`InteriorPointAttempt`) with one escalation rule (`run`).
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
/// ρ_i = 1/(1/W_i + δ). It is factorized on a companion of the forward linear system when that
/// backend has `capabilities` (inertia checks, hard equality rows), otherwise on a system of its own
/// made with those requirements (the reduced matrix P + AᵀWA becomes too ill-conditioned for
/// Cholesky as W spreads). Each solve is refined against the unregularized operator (δ = 0, equality
/// rows exact). δ = `settings.regularization` (default 10⁻⁸) on the scaled data, raised ×100 when a
/// factorization shows the wrong inertia.
///
/// Iteration: affine step, centring σ = (μ_aff/μ)³, corrector with the second-order term, one step
/// length for primal and dual (0.99 of the distance to the boundary). Start: x from the regularized
/// least-squares system with ρ = 1 on inequality rows and targets Π_[l,u](0); slacks max(slack, 1),
/// multipliers 1. Stop: the residuals of `Termination` (the same test as ADMM's, at
/// (x, Π_[l,u](Ax), y)) are within `targetFactor` of the tolerances; the best point seen is returned.
///
/// Infeasibility: at every iteration the differences of consecutive iterates δy, δx go through the
/// certificate tests ADMM uses (`InteriorPointInfeasibility`); a certificate confirmed at two
/// consecutive iterations ends the run with it (`InteriorPointOutcome.certificate`).
///
/// Warm start: none. Every attempt starts from its least-squares point (an interior-point method
/// gains little from a point near the boundary).
///
/// State: its linear system (made on first use, kept across solves until the solver's values
/// change). Not thread-safe (one per solver).
package final class InteriorPointMethod {
    package var settings: InteriorPointSettings
    /// The system the method factorizes (a companion of the forward system, or its own).
    package private(set) var system: (any LinearSystem)?

    package init(settings: InteriorPointSettings) { self.settings = settings }

    /// Forgets the system (after value updates of P or A).
    package func discardSystem() { system = nil }

    /// What the method needs of its linear system: weights 1/ρ over many orders of magnitude with
    /// equality rows near ρ = ∞, and an inertia check that guards its regularization.
    package static let capabilities: LinearSystemCapabilities = [.reportsInertia, .acceptsHardEqualityRows]

    /// …and the linear constraints A x ∓ s = l, u hold to this relative accuracy (scaled), so that the
    /// returned point is feasible to rounding level (Π[l,u](Ax) = Ax up to it).
    static let linearTolerance = 1e-12
    /// Floor of the barrier weights W_i (scaled): keeps the (2,2) block −1/(W + δ) finite on rows whose
    /// multipliers vanish.
    static let weightFloor = 1e-12
    /// The dual block is regularized by δ times this: a δ comparable to 1/W of strongly active rows
    /// would make refinement against the exact operator contract too slowly to restore A x = b.
    static let dualRegularizationRatio = 1e-4
    /// Fraction of the distance to the boundary taken per step (the usual 0.99–0.995): keeps slacks and
    /// multipliers strictly positive.
    static let stepFraction = 0.99
    /// A failed factorization (wrong inertia) is retried this many times, δ ×`regularizationGrowth` each.
    static let factorizationAttempts = 4
    static let regularizationGrowth = 100.0
    /// Refinement of the Newton solves: relative tolerance, steps, rows weighted by min(1, ρ_i)
    /// (`RefinementSettings.weightRowsByRho`: the weights 1/ρ span many orders of magnitude).
    static let refinement = RefinementSettings(tolerance: 1e-14, maxSteps: 10, weightRowsByRho: true)

    /// Whether the method runs on a companion of `forward`: its backend has `capabilities`, or the
    /// problem has no equality rows and `forward` is the reduced form. Without hard equality rows the
    /// reduced form serves the method: its Cholesky factorization of M = P + σI + AᵀWA exists exactly
    /// when K has the inertia (n, m), and a breakdown throws `.notPositiveDefinite`, which the method
    /// treats like `.inertia` (raises δ). When the factory chose the reduced form for the forward
    /// system it is also the cheaper one to factorize (the same matrices with other weights).
    package func sharesForwardSystem(_ forward: any LinearSystem, problem: ScaledProblem) -> Bool {
        if forward.capabilities.isSuperset(of: Self.capabilities) { return true }
        return forward.kind.form == .reduced && !Self.hasEqualityRows(problem)
    }

    /// Whether some row of l ≤ Ax ≤ u is an equality (l_i = u_i).
    static func hasEqualityRows(_ problem: ScaledProblem) -> Bool {
        zip(problem.l.buffer, problem.u.buffer).contains { $0 == $1 }
    }

    /// The system to factorize (made on first use): a companion of `forward` when that backend has
    /// `capabilities`, else a system of its own made by the factory with them as requirements.
    func linearSystem(forward: any LinearSystem, options: KKTOptions, initial: KKTParameters,
                      problem: ScaledProblem) -> (any LinearSystem)? {
        if let system { return system }
        if sharesForwardSystem(forward, problem: problem) {
            system = try? forward.makeCompanion(copyingFactor: false)
        } else {
            system = try? LinearSystemFactory.make(P: problem.P, A: problem.A, parameters: initial, options: options,
                                                   requiring: Self.capabilities)
        }
        return system
    }

    /// Runs the attempts in order (`InteriorPointAttempt.allCases`) and returns the most accurate
    /// result (smallest worst residual/tolerance ratio), with the iterations of all attempts.
    ///
    /// **Escalation rule.** The next attempt runs only while every attempt so far stopped short of its
    /// own target (a stall, the iteration limit, a failed factorization) and none met the tolerances
    /// with the linear constraints accurate to rounding level (a point that meets the tolerances with
    /// a large linear residual can have the wrong objective, so it is pursued) and none found an
    /// infeasibility certificate (`InteriorPointInfeasibility`; that outcome is returned). A result that already
    /// meets the tolerances is replaced only by one that reached its target (a stalled point can have
    /// the smaller ratio and the worse objective). The work (factorizations and solves) is added to
    /// `context.work.interiorPoint`.
    package func run(forward: any LinearSystem, options: KKTOptions, forwardWork: WorkModel?,
                     context: StageContext) -> InteriorPointOutcome? {
        let counter = WorkCounter(self, forward: forward, problem: context.problem)
        var first: InteriorPointOutcome?
        var total = 0
        for attempt in InteriorPointAttempt.allCases {
            if let f = first, f.reachedTarget || (f.converged && f.bestLinearAccurate) || f.certificate != nil { break }
            if context.shouldStop() { break }
            let data = InteriorPointData(problem: context.problem)
            guard let start = start(data, forward: forward, options: options, attempt: attempt, context: context),
                  let outcome = attempt == .proximalMultipliers
                    ? proximalMultipliers(data, start: start, context: context)
                    : newton(data, start: start, proximal: attempt == .proximalNewton, context: context)
            else { continue }
            total += outcome.iterations
            // A certificate ends the run: the iterates diverge, later attempts would too.
            let better = outcome.certificate != nil || first.map { outcome.best.residuals.worstRatio < $0.best.residuals.worstRatio
                && (!$0.converged || outcome.reachedTarget) } ?? true
            if better { first = outcome }
        }
        first?.iterations = total
        context.work.interiorPoint += counter.work(self, forward: forward, forwardWork: forwardWork, problem: context.problem)
        return first
    }

    // MARK: The start point

    /// The start point: x from the regularized least-squares system (ρ = 1 on inequality rows, targets
    /// Π_[l,u](0), equality rows regularized by the attempt's dual regularization), slacks from x and
    /// multipliers their negatives (the system's ν), both shifted uniformly into the interior (the
    /// symmetric-cone rule of CVXOPT and Clarabel).
    func start(_ data: InteriorPointData, forward: any LinearSystem, options: KKTOptions, attempt: InteriorPointAttempt,
               context: StageContext) -> (system: any LinearSystem, iterate: InteriorPointIterate)? {
        let rows = data.rows, m = data.m, l = data.l, u = data.u, q = data.q
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU
        var rhoStart = [Double](repeating: 0, count: m)
        var target = [Double](repeating: 0, count: m)
        for i in 0..<m {
            if isEquality[i] { rhoStart[i] = 1; target[i] = l[i] }
            else if hasL[i] || hasU[i] { rhoStart[i] = 1; target[i] = hasL[i] && hasU[i] ? 0.5 * (l[i] + u[i]) : (hasL[i] ? l[i] : u[i]) }
        }
        var sigma = settings.regularization
        guard let system = linearSystem(forward: forward, options: options, initial: KKTParameters(sigma: sigma, rho: rhoStart),
                                        problem: context.problem) else { return nil }
        var regularization = attempt.equalityRegularization(settings.regularization)
        var factored = false
        for _ in 0..<Self.factorizationAttempts where !factored {
            do {
                try system.update(parameters: KKTParameters(sigma: sigma, rho: (0..<m).map { isEquality[$0] ? 1 / regularization : rhoStart[$0] }))
                factored = true
            } catch {
                switch error {
                case .inertia, .notPositiveDefinite: regularization *= Self.regularizationGrowth; sigma *= Self.regularizationGrowth
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
        let ax = data.A.multiply(x)
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
        let iterate = InteriorPointIterate(x: x, ax: ax, yEq: [Double](repeating: 0, count: m), sl: sl, zl: zl, su: su, zu: zu)
        return (system, iterate)
    }

    // MARK: Newton attempts (Mehrotra predictor–corrector)

    /// The first two attempts. `proximal` false: δ only in the factorization, solves refined against
    /// δ = 0. `proximal` true: the interior-point proximal method of multipliers with its proximal
    /// centres moved to the current iterate at every step — the Newton matrix has σ = δ (`settings.regularization`) on both
    /// blocks, ρ_i = 1/(1/W_i + δ), each solve is refined against that same matrix (no refinement has
    /// to bridge the gap to the singular δ = 0 operator), and the slack steps use A·dx − δ·dy.
    func newton(_ data: InteriorPointData, start: (system: any LinearSystem, iterate: InteriorPointIterate), proximal: Bool,
                context: StageContext) -> InteriorPointOutcome? {
        let n = data.n, m = data.m, rows = data.rows, As = data.A
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, sides = rows.sides
        let proxReg = settings.regularization
        let dualRatio = proximal ? 1 : Self.dualRegularizationRatio
        let system = start.system
        var it = start.iterate
        var delta = settings.regularization
        var factored = KKTParameters(sigma: delta, rho: [Double](repeating: 0, count: m))
        func factorize(_ rho: (Double) -> [Double]) -> Bool {
            delta = proximal ? proxReg : settings.regularization
            for _ in 0..<Self.factorizationAttempts {
                do {
                    factored = KKTParameters(sigma: delta, rho: rho(delta * dualRatio))
                    try system.update(parameters: factored); return true
                } catch {
                    switch error {
                    case .inertia, .notPositiveDefinite: delta *= Self.regularizationGrowth
                    default: return false
                    }
                }
            }
            return false
        }
        var progress = InteriorPointProgress(stallLimit: settings.stallIterations, settings: settings, problem: data)
        var iterations = 0
        var res = InteriorPointResiduals(n: n, m: m)
        var w = [Double](repeating: 0, count: m)
        var r1 = [Double](repeating: 0, count: n), r2 = [Double](repeating: 0, count: m)
        for _ in 0..<settings.iterations {
            // Residuals of the KKT conditions and the test shared with ADMM.
            res.evaluate(at: it, data)
            guard let r = progress.record(it, y: res.y, linear: res.linear, data, context: context) else { break }
            iterations += 1
            // Newton matrix.
            for i in 0..<m {
                w[i] = (hasL[i] ? it.zl[i] / it.sl[i] : 0) + (hasU[i] ? it.zu[i] / it.su[i] : 0)
            }
            guard factorize({ d in
                (0..<m).map { i in isEquality[i] ? 1 / d : (hasL[i] || hasU[i] ? 1 / (1 / w[i] + d) : 0) }
            }) else { break }
            // The factorized matrix holds −1/max(ρ, 10⁻¹²) (the quasi-definite assembly's floor for
            // decoupled rows): the exact operator uses the same floor, or refinement diverges on rows
            // with W < 10⁻¹².
            let exact = proximal ? factored : KKTParameters(sigma: 0, rho: (0..<m).map {
                isEquality[$0] ? .infinity : (hasL[$0] || hasU[$0] ? max(w[$0], Self.weightFloor) : 0)
            })
            let dualReg = proximal ? delta * dualRatio : 0
            var worstSolve = 0.0
            // One Newton direction for complementarity right-hand sides (rcl, rcu).
            func direction(_ rcl: [Double], _ rcu: [Double]) throws(FactorizationError) -> InteriorPointStep {
                for j in 0..<n { r1[j] = -res.rd[j] }
                for i in 0..<m {
                    if isEquality[i] { r2[i] = -res.req[i]; continue }
                    var ci = 0.0
                    if hasU[i] { ci += rcu[i] / it.su[i] + it.zu[i] / it.su[i] * res.rpu[i] }
                    if hasL[i] { ci += -rcl[i] / it.sl[i] + it.zl[i] / it.sl[i] * res.rpl[i] }
                    r2[i] = hasL[i] || hasU[i] ? -ci / w[i] : 0
                }
                let s = try system.solve(r1: r1, r2: r2, refiningAgainst: exact, settings: Self.refinement)
                worstSolve = max(worstSolve, s.report.residual / s.report.scale)
                var adx = As.multiply(s.x)
                if dualReg > 0 { for i in 0..<m where !isEquality[i] { adx[i] -= dualReg * s.nu[i] } }
                var d = InteriorPointStep(dx: s.x, m: m)
                for i in 0..<m {
                    if isEquality[i] { d.dyEq[i] = s.nu[i]; continue }
                    // Recovery. On a side with z/s ≥ 1 (active-looking) the multiplier step comes from
                    // ν = dz_u − dz_l and the slack step from complementarity; elsewhere the slack step
                    // comes from A·dx and the multiplier step from complementarity. (Both are exact in
                    // exact arithmetic; each avoids multiplying a solve error by a large z/s or s/z.)
                    let sl = it.sl[i], zl = it.zl[i], su = it.su[i], zu = it.zu[i]
                    let wl = hasL[i] ? zl / sl : 0, wu = hasU[i] ? zu / su : 0
                    if max(wl, wu) < 1 {
                        if hasL[i] { d.dsl[i] = adx[i] + res.rpl[i]; d.dzl[i] = (rcl[i] - zl * d.dsl[i]) / sl }
                        if hasU[i] { d.dsu[i] = -res.rpu[i] - adx[i]; d.dzu[i] = (rcu[i] - zu * d.dsu[i]) / su }
                    } else if wu >= wl {
                        if hasL[i] { d.dsl[i] = adx[i] + res.rpl[i]; d.dzl[i] = (rcl[i] - zl * d.dsl[i]) / sl }
                        d.dzu[i] = s.nu[i] + d.dzl[i]
                        d.dsu[i] = (rcu[i] - su * d.dzu[i]) / zu
                    } else {
                        if hasU[i] { d.dsu[i] = -res.rpu[i] - adx[i]; d.dzu[i] = (rcu[i] - zu * d.dsu[i]) / su }
                        d.dzl[i] = d.dzu[i] - s.nu[i]
                        d.dsl[i] = (rcl[i] - sl * d.dzl[i]) / zl
                    }
                }
                return d
            }
            func maxStep(_ d: InteriorPointStep) -> Double {
                let a = d.boundarySteps(from: it, rows: rows)
                return min(a.primal, a.dual)
            }
            let step: InteriorPointStep
            let alpha: Double
            do {
                step = try predictorCorrector(it, rows: rows, mu: res.mu, direction: direction) { d in
                    let a = maxStep(d)
                    return (a, a)
                }
                alpha = sides == 0 ? 1 : min(1, Self.stepFraction * maxStep(step))
            } catch { break }
            guard alpha.isFinite, alpha > 0 else { break }
            if let log = context.log {
                log("interior point\(proximal ? " (proximal)" : "") \(iterations): μ \(fmt(res.mu)) alpha \(fmt(alpha)) delta \(fmt(delta)) solve \(fmt(worstSolve)) primal \(fmt(r.primal)) dual \(fmt(r.dual)) gap \(fmt(r.gap))")
            }
            it.take(step, primal: alpha, dual: alpha, rows: rows, A: As)
        }
        return progress.outcome(iterations: iterations, label: "", context: context)
    }

    /// Mehrotra's predictor–corrector: the affine direction (complementarity right-hand sides −s∘z), the
    /// centring σ = (μ_aff/μ)³ with μ_aff at the affine step lengths `affineSteps`, and the corrector
    /// direction with the second-order term. Without inequality sides the affine direction is returned.
    func predictorCorrector(
        _ it: InteriorPointIterate, rows: InteriorPointRows, mu: Double,
        direction: (_ rcl: [Double], _ rcu: [Double]) throws(FactorizationError) -> InteriorPointStep,
        affineSteps: (InteriorPointStep) -> (primal: Double, dual: Double)
    ) throws(FactorizationError) -> InteriorPointStep {
        let hasL = rows.hasL, hasU = rows.hasU, m = hasL.count
        var rcl = [Double](repeating: 0, count: m), rcu = rcl
        for i in 0..<m {
            if hasL[i] { rcl[i] = -it.sl[i] * it.zl[i] }
            if hasU[i] { rcu[i] = -it.su[i] * it.zu[i] }
        }
        let affine = try direction(rcl, rcu)
        guard rows.sides > 0 else { return affine }
        let a = affineSteps(affine)
        var muAff = 0.0
        for i in 0..<m {
            if hasL[i] { muAff += (it.sl[i] + a.primal * affine.dsl[i]) * (it.zl[i] + a.dual * affine.dzl[i]) }
            if hasU[i] { muAff += (it.su[i] + a.primal * affine.dsu[i]) * (it.zu[i] + a.dual * affine.dzu[i]) }
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
}

/// The attempts of `InteriorPointMethod.run`, in the order of the escalation rule.
package enum InteriorPointAttempt: CaseIterable {
    /// Mehrotra's method, δ in the factorization only (solves refined against δ = 0).
    case newton
    /// The same iteration with the regularization kept in the method (δ = `regularization` fixed); second
    /// because δ in the directions costs accuracy elsewhere.
    case proximalNewton
    /// The proximal method of multipliers with shrinking regularization and separate primal and dual
    /// step lengths (PIQP's form); last because alone it verifies fewer problems and is slower
    /// (docs/SOLVER-HISTORY.md).
    case proximalMultipliers

    /// The equality rows' regularization of the start point's system, for the method's δ.
    func equalityRegularization(_ delta: Double) -> Double {
        switch self {
        case .newton, .proximalMultipliers: return delta * InteriorPointMethod.dualRegularizationRatio
        case .proximalNewton: return delta
        }
    }
}

/// The work of the attempts in `WorkModel` units, from the profile counters of the system they
/// factorize: a companion of the forward system (its counters are shared, and nothing else runs
/// meanwhile) or the method's own system (its own counters and cost model).
private struct WorkCounter {
    private let factorizations: Int
    private let solves: Int
    private let separate: Bool

    init(_ method: InteriorPointMethod, forward: any LinearSystem, problem: ScaledProblem) {
        separate = !method.sharesForwardSystem(forward, problem: problem)
        let profile = separate ? method.system?.profile : forward.profile
        factorizations = profile?.numericFactorizations ?? 0
        solves = profile?.solves ?? 0
    }

    func work(_ method: InteriorPointMethod, forward: any LinearSystem, forwardWork: WorkModel?, problem: ScaledProblem) -> Double {
        guard let system = separate ? method.system : forward else { return 0 }
        let profile = system.profile
        let model = separate
            ? WorkModel(profile: profile, n: problem.n, m: problem.m, P: problem.P, A: problem.A)
            : forwardWork
        guard let model else { return 0 }
        return Double(profile.numericFactorizations - factorizations) * model.factorization
            + Double(profile.solves - solves) * model.solve
    }
}
