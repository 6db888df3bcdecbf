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

/// The high-accuracy method: a primal-dual interior-point method on the scaled problem, one
/// iteration loop (`iterate`) run in three attempts of increasing robustness, each a small policy
/// (`InteriorPointAttempt`), under one escalation rule (`run`).
///
/// Form. Each row i of l ≤ Ax ≤ u is an equality (l_i = u_i), free (both bounds infinite, y_i = 0),
/// or an inequality with a slack per finite side: A_i x − s_l = l_i, A_i x + s_u = u_i, with
/// multipliers z_l, z_u ≥ 0 and y_i = z_u − z_l (OSQP's sign convention). The Newton system of the
/// perturbed KKT conditions, with the side slacks and multipliers eliminated, is the quasi-definite
///
///     [P + ρI   Aᵀ            ] [dx]   [−r_d − ρ(x − ζ)]
///     [A        −diag(1/ρ_i)  ] [dy] = [ r_2           ]
///
/// i.e. the forward KKT matrix with σ = ρ and per-row weights ρ_i: 1/δ on equality rows, 0 on free
/// rows, and on inequality rows 1/(1/W_i + δ) with W_i = z_l/s_l + z_u/s_u (`SlackElimination.perRow`)
/// or 1/(s_u/z_u + δ) + 1/(s_l/z_l + δ) (`.perSide`, PIQP's form). It is factorized on a companion of
/// the forward linear system when that backend has `capabilities` (inertia checks, hard equality
/// rows) or when the problem has no equality rows and the forward system is the reduced form
/// (`sharesForwardSystem`), otherwise on a system of its own made with those requirements (with
/// hard equality rows the reduced matrix P + AᵀWA becomes too ill-conditioned for Cholesky).
///
/// The loop. Per iteration: the residuals and the test shared with ADMM (`InteriorPointProgress`);
/// the Newton matrix, ρ and δ grown ×100 while a factorization shows the wrong inertia; Mehrotra's
/// predictor–corrector (affine step, centring σ = (μ_aff/μ)³, corrector with the second-order term),
/// each direction one solve refined against the unregularized operator (δ = 0, equality rows exact)
/// or against the factorized matrix, and the side steps recovered from it
/// (`InteriorPointNewtonSystem.direction`); a step of 0.99 of the distance to the boundary, one
/// length or separate primal and dual ones; then the proximal centres ζ, λ, ν and the regularization
/// follow (`ProximalCentres`, `InteriorPointRegularization`). What the attempts change is listed at
/// `InteriorPointAttempt`: Mehrotra's method with δ = `settings.regularization` (default 10⁻⁸, scaled
/// data) in the factorization only; the same with δ kept in the method; the proximal method of
/// multipliers with shrinking ρ and δ (`ProximalInteriorPoint.swift`).
///
/// Start: x from the regularized least-squares system with ρ = 1 on inequality rows and targets
/// Π_[l,u](0), slacks and multipliers shifted into the interior (`start`). Stop: the residuals of
/// `Termination` (the same test as ADMM's, at (x, Π_[l,u](Ax), y)) are within `targetFactor` of the
/// tolerances and the linear constraints hold to `linearTolerance`; the best point seen is returned.
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
    /// The attempts `run` escalates over, in order: all of them; one alone in tests of an attempt.
    package var attempts = InteriorPointAttempt.allCases
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

    /// Runs the attempts in order (`attempts`, by default `InteriorPointAttempt.allCases`) and returns
    /// the most accurate result (smallest worst residual/tolerance ratio), with the iterations of all
    /// attempts.
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
        for attempt in attempts {
            if let f = first, f.reachedTarget || (f.converged && f.bestLinearAccurate) || f.certificate != nil { break }
            if context.shouldStop() { break }
            let data = InteriorPointData(problem: context.problem)
            guard let start = start(data, forward: forward, options: options, attempt: attempt, context: context),
                  let outcome = iterate(data, start: start, attempt: attempt, context: context)
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

    // MARK: The iteration (one loop for every attempt)

    /// One attempt: the interior-point iteration with the attempt's policy (`InteriorPointAttempt`:
    /// regularization schedule, slack elimination, refinement target, proximal centres, step lengths).
    /// Each iteration records the iterate (`InteriorPointProgress`: best point, stall, target,
    /// infeasibility, deadline), factorizes the Newton matrix (δ grown on the wrong inertia), takes the
    /// predictor–corrector direction and a step, then lets the centres and the regularization follow.
    func iterate(_ data: InteriorPointData, start: (system: any LinearSystem, iterate: InteriorPointIterate),
                 attempt: InteriorPointAttempt, context: StageContext) -> InteriorPointOutcome? {
        let n = data.n, m = data.m, rows = data.rows, As = data.A
        let system = start.system
        var it = start.iterate
        var regularization = attempt.regularization(settings)
        var centre = attempt.movesCentres ? ProximalCentres(it) : nil
        var newton = InteriorPointNewtonSystem(elimination: attempt.elimination, rows: rows, n: n)
        var progress = InteriorPointProgress(stallLimit: attempt.stallRatio * settings.stallIterations, settings: settings,
                                             problem: data)
        var iterations = 0
        var res = InteriorPointResiduals(n: n, m: m)
        res.evaluate(at: it, data)
        for _ in 0..<settings.iterations {
            // The test shared with ADMM at the current point.
            guard let r = progress.record(it, y: res.y, linear: res.linear, data, context: context) else { break }
            iterations += 1
            // Newton matrix (retried with more regularization on the wrong inertia).
            regularization.beginIteration()
            guard let matrix = factorize(system, &newton, at: it, &regularization, context: context) else { break }
            let rhoP = regularization.primal, delta = regularization.dual
            let (exact, kept) = attempt.refinement(factorized: matrix, dual: delta, newton, at: it)
            newton.setResiduals(res, at: it, centre: centre, primal: rhoP, dual: delta)
            var worstSolve = 0.0
            // One Newton direction for complementarity right-hand sides (rcl, rcu).
            func direction(_ rcl: [Double], _ rcu: [Double]) throws(FactorizationError) -> InteriorPointStep {
                let d = try newton.solve(system, refiningAgainst: exact, complementarity: rcl, rcu, at: it, A: As, delta: kept)
                worstSolve = max(worstSolve, d.residual)
                return d.step
            }
            let step: InteriorPointStep
            var alpha = (primal: 1.0, dual: 1.0)
            do {
                step = try predictorCorrector(it, rows: rows, mu: res.mu, direction: direction) { d in
                    attempt.stepLengths(d.boundarySteps(from: it, rows: rows), fraction: attempt.affineStepFraction)
                }
                if rows.sides > 0 { alpha = attempt.stepLengths(step.boundarySteps(from: it, rows: rows), fraction: Self.stepFraction) }
            } catch { break }
            guard alpha.primal.isFinite, alpha.dual.isFinite, alpha.primal > 0, alpha.dual > 0 else { break }
            if let log = context.log {
                log("interior point\(attempt.label) \(iterations): μ \(fmt(res.mu)) steps \(fmt(alpha.primal)) \(fmt(alpha.dual)) ρ \(fmt(rhoP)) δ \(fmt(delta)) solve \(fmt(worstSolve)) primal \(fmt(r.primal)) dual \(fmt(r.dual)) gap \(fmt(r.gap)) linear \(fmt(res.linear)) stationarity \(fmt(res.stationarity))")
            }
            it.take(step, primal: alpha.primal, dual: alpha.dual, rows: rows, A: As)
            let previous = (mu: res.mu, linear: res.linear, stationarity: res.stationarity)
            res.evaluate(at: it, data)
            let muRate = previous.mu > 0 ? abs(previous.mu - res.mu) / previous.mu : 0
            let moved = centre?.move(after: (previous.linear, previous.stationarity), to: res, at: it, rows: rows,
                                     primal: rhoP, dual: delta) ?? (primal: true, dual: true)
            regularization.update(primalCentreMoved: moved.primal, dualCentreMoved: moved.dual, muRate: muRate)
        }
        return progress.outcome(iterations: iterations, label: attempt.label, context: context)
    }

    /// Factorizes the Newton matrix at `it` (σ = ρ, the weights for δ), growing the regularization
    /// after each wrong inertia up to `factorizationAttempts` times; nil when it fails.
    private func factorize(_ system: any LinearSystem, _ newton: inout InteriorPointNewtonSystem, at it: InteriorPointIterate,
                           _ regularization: inout any InteriorPointRegularization, context: StageContext) -> KKTParameters? {
        for _ in 0..<Self.factorizationAttempts {
            let matrix = KKTParameters(sigma: regularization.primal, rho: newton.weights(at: it, dual: regularization.dual))
            do throws(FactorizationError) {
                try system.update(parameters: matrix)
                return matrix
            } catch {
                switch error {
                case .inertia, .notPositiveDefinite: regularization.growAfterWrongInertia(epsAbs: context.tolerances.epsAbs)
                default: return nil
                }
            }
        }
        return nil
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

/// The attempts of `InteriorPointMethod.run`, in the order of the escalation rule, and the policy
/// each gives the one loop (`InteriorPointMethod.iterate`): everything else — start point, residuals
/// and the stopping test, factorization with δ growth, predictor–corrector, the recovery skeleton of
/// the side steps, the step — is shared.
///
/// | | `newton` | `proximalNewton` | `proximalMultipliers` |
/// |---|---|---|---|
/// | regularization | fixed δ₀, dual δ₀·10⁻⁴ | fixed δ₀, dual δ₀ | ρ 10⁻⁶, δ 10⁻⁴, shrinking with μ |
/// | slack elimination | per row | per row | per side |
/// | solves refined against | δ = 0 | the factorized matrix | the factorized matrix |
/// | proximal centres | follow the iterate | follow the iterate | moved by the progress rule |
/// | step lengths | one | one | primal and dual |
/// | affine step (μ_aff) | to the boundary | to the boundary | `stepFraction` of it |
/// | stall limit | `stallIterations` | `stallIterations` | ×`proximalStallRatio` |
package enum InteriorPointAttempt: CaseIterable {
    /// Mehrotra's method, δ in the factorization only (solves refined against δ = 0).
    case newton
    /// The same iteration with the regularization kept in the method (δ = `regularization` fixed, an
    /// interior-point proximal method of multipliers whose centres move to the iterate at every step):
    /// no refinement has to bridge the gap to the singular δ = 0 operator. Second because δ in the
    /// directions costs accuracy elsewhere.
    case proximalNewton
    /// The proximal method of multipliers with shrinking regularization and separate primal and dual
    /// step lengths (PIQP's form, `ProximalInteriorPoint.swift`); last because alone it verifies fewer
    /// problems and is slower (docs/SOLVER-HISTORY.md).
    case proximalMultipliers

    /// The attempt's name in the log.
    var label: String {
        switch self {
        case .newton: ""
        case .proximalNewton: " (proximal)"
        case .proximalMultipliers: " (proximal multipliers)"
        }
    }

    /// δ of the multiplier block relative to the x block's: of the start point's system (equality
    /// rows) and of the fixed schedules. Mehrotra's keeps it small, since a δ comparable to 1/W of
    /// strongly active rows would make refinement against the exact operator contract too slowly to
    /// restore A x = b.
    var dualRegularizationRatio: Double {
        switch self {
        case .newton, .proximalMultipliers: InteriorPointMethod.dualRegularizationRatio
        case .proximalNewton: 1
        }
    }

    /// The regularization schedule at the start of the attempt.
    func regularization(_ settings: InteriorPointSettings) -> any InteriorPointRegularization {
        switch self {
        case .newton, .proximalNewton: FixedRegularization(base: settings.regularization, dualRatio: dualRegularizationRatio)
        case .proximalMultipliers: ProximalRegularization()
        }
    }

    /// The equality rows' regularization of the start point's system, for the method's δ.
    func equalityRegularization(_ delta: Double) -> Double { delta * dualRegularizationRatio }

    var elimination: SlackElimination { self == .proximalMultipliers ? .perSide : .perRow }

    /// Whether the solves are refined against the factorized matrix (δ is part of the method, and the
    /// slack steps keep it) rather than against the unregularized operator (δ only guards the
    /// factorization).
    var refinesAgainstFactorizedMatrix: Bool { self != .newton }

    /// The operator the solves are refined against, and the dual regularization δ the directions
    /// keep (0 when refinement removes it).
    func refinement(factorized matrix: KKTParameters, dual delta: Double, _ newton: InteriorPointNewtonSystem,
                    at it: InteriorPointIterate) -> (exact: KKTParameters, keptDual: Double) {
        refinesAgainstFactorizedMatrix ? (matrix, delta) : (newton.unregularizedOperator(at: it), 0)
    }

    /// Whether the attempt keeps proximal centres apart from the iterate (moved by the progress rule
    /// of `ProximalCentres.move`); otherwise they follow the iterate and the proximal terms vanish.
    var movesCentres: Bool { self == .proximalMultipliers }

    /// Whether primal (x, s) and dual (y, z) take separate step lengths.
    var separateStepLengths: Bool { self == .proximalMultipliers }

    /// The fraction of the distance to the boundary the affine step takes when μ_aff is measured:
    /// Mehrotra's full step, or the fraction the actual step takes (PIQP).
    var affineStepFraction: Double { self == .proximalMultipliers ? InteriorPointMethod.stepFraction : 1 }

    /// The stall limit in multiples of `stallIterations`.
    var stallRatio: Int { self == .proximalMultipliers ? InteriorPointMethod.proximalStallRatio : 1 }

    /// Step lengths that take `fraction` of the distances to the boundary `boundary`: separately, or
    /// both the smaller one.
    func stepLengths(_ boundary: (primal: Double, dual: Double), fraction: Double) -> (primal: Double, dual: Double) {
        if separateStepLengths { return (min(1, fraction * boundary.primal), min(1, fraction * boundary.dual)) }
        let a = min(1, fraction * min(boundary.primal, boundary.dual))
        return (a, a)
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
