import Sparse
import KKT
import QP
import ADMM
import Stages

/// Active-set identification for the `.kkt` rule (contract 2 of the README's "Derivatives" section), independent of the
/// forward accuracy.
///
/// **Crossover.** From the returned point, rows are guessed active from the complementarity
/// structure of the scaled iterates (upper-active when ū − z̄ < ȳ, lower-active when z̄ − l̄ < −ȳ:
/// the slack compared with the multiplier), and a primal–dual active-set iteration corrects the
/// guess: solve the equality-constrained QP on the guessed rows ([P̄, Ā_actᵀ; Ā_act, 0], factorized
/// regularized on a companion of the forward KKT system and refined against the exact matrix), release
/// active rows whose multiplier has the wrong sign, add inactive rows whose bound is violated, repeat
/// until nothing changes. When that does not converge, the iteration runs once more with every
/// solve's multipliers anchored at the returned ones (the member of a non-unique multiplier family
/// nearest them, instead of the minimum-norm one: degenerate vertices with dependent tight rows).
/// A point where nothing changes satisfies the KKT conditions to rounding
/// level (stationarity by the solve, feasibility and dual signs to `crossoverTolerance`): it is an
/// exact solution, and the derivative is taken there, with the activity thresholds of its own
/// accuracy. The classification is then *certified*; no row is ambiguous.
///
/// **Fallback (crossover off, not converged in `crossoverMaxRounds`, or an inconsistent active-set
/// system).** Each inequality row is classified at the returned point by comparing its slack s and
/// its multiplier |y|, each divided by its band (τ_s = κ·a·(1 + max(1, |bound|)),
/// τ_y = κ·a·(1 + max(1, ‖y‖∞)), a the accuracy the point reached, κ = `activityBandFactor`):
/// active when |y|/τ_y > s/τ_s. A row with s ≤ τ_s and |y| ≤ τ_y (both small: the forward accuracy
/// cannot tell which side of complementarity it is on) is *ambiguous*; `adjoint`/`jvp` throw
/// `DerivativeError.ambiguousActiveSet` when more rows than `maxAmbiguousRows` are ambiguous,
/// unless `allowAmbiguous` is set.
struct ActiveSetIdentification {
    /// +1 the row's bound is u (upper-active, or equality with y ≥ 0), −1 it is l, 0 inactive.
    var side: [Int8]
    /// Weakly active rows (tight, released): +1 tight at u, −1 at l, 0 otherwise.
    var weakSide: [Int8]
    var counts: Differentiator.RowCounts
    /// The unscaled point the derivative is taken at (the crossover point when certified).
    var x: [Double]
    var y: [Double]
    /// τ for |y| used in the final classification.
    var tauY: Double
    var certified: Bool
    var rounds: Int
    var factorizations: Int
    var ambiguous: Int
    /// ‖x_crossover − x_returned‖∞ (0 without crossover).
    var distance: Double
    /// A companion holding the factorization of the regularized active-set matrix for `factoredMask`.
    var system: (any LinearSystem)?
    var factoredMask: [Bool]?
    var factoredRegularization: Double
    /// The crossover needed the warm-started tight re-solve.
    var resolved = false
}

extension Differentiator {
    /// Relative tolerance (to max(1, ‖ν‖∞) and max(1, ‖Āx‖∞), scaled data) of the crossover's sign and
    /// feasibility checks: rounding level of the refined active-set solves, well below any forward ε.
    static let crossoverTolerance = 1e-9
    /// κ: the activity bands are this many times the accuracy the point reached (room for the gap
    /// between a residual and the error of the point it measures).
    static let activityBandFactor = 10.0
    /// Floor of the accuracy a of a certified point (its residuals can be exactly 0): rounding level
    /// of refined solves, so that a row tight to rounding is seen as tight.
    static let roundingAccuracy = 1e-12
    /// Rounds without fewer corrections after which the active-set iteration is declared cycling.
    static let crossoverStallRounds = 3
    /// Tolerance (ε_abs = ε_rel) of the warm-started re-solve that the crossover falls back to when
    /// the active-set iteration from the returned point does not converge: tight enough that the
    /// re-solve's polish or interior-point stage reaches the exact solution.
    static let resolveTolerance = 1e-9

    /// The `.kkt` row classification and the point to differentiate at (see `ActiveSetIdentification`).
    static func identifyActiveSet(solver: ADMMSolver, solution: Solution, state: ADMMState, system: any LinearSystem,
                                  settings: DifferentiationSettings) -> ActiveSetIdentification {
        let p = solver.problem
        let n = solver.n
        if settings.crossover, settings.rule == .kkt,
           var result = crossover(solver: solver, state: state, system: system, settings: settings)
            ?? resolvedCrossover(solver: solver, solution: solution, settings: settings) {
            let (primal, dual) = kktResiduals(p, x: result.x, y: result.y)
            let a = max(primal, dual, roundingAccuracy)
            let classified = classify(p, x: result.x, y: result.y, accuracy: a, settings: settings, ratioRule: false)
            result.side = classified.side
            result.weakSide = classified.weakSide
            result.counts = classified.counts
            result.tauY = classified.tauY
            var distance = 0.0
            for j in 0..<n { distance = max(distance, abs(result.x[j] - solution.x[j])) }
            result.distance = distance
            return result
        }
        // Fallback: complementarity bands at the returned point.
        let reached = max(solution.info.primalResidual.isFinite ? solution.info.primalResidual : .infinity,
                          solution.info.dualResidual.isFinite ? solution.info.dualResidual : .infinity)
        let requested = solver.settings.epsAbs + solver.settings.epsRel
        let a = reached.isFinite ? reached : requested
        let c = classify(p, x: solution.x, y: solution.y, accuracy: a, settings: settings, ratioRule: true)
        return ActiveSetIdentification(side: c.side, weakSide: c.weakSide, counts: c.counts, x: solution.x, y: solution.y, tauY: c.tauY,
                                       certified: false, rounds: 0, factorizations: 0, ambiguous: c.ambiguous,
                                       distance: 0, system: nil, factoredMask: nil,
                                       factoredRegularization: settings.regularization)
    }

    /// ‖max(0, l − Ax, Ax − u)‖∞ and ‖Px + q + Aᵀy‖∞ (unscaled).
    static func kktResiduals(_ p: QuadraticProgram, x: [Double], y: [Double]) -> (primal: Double, dual: Double) {
        let ax = p.A.multiply(x)
        var primal = 0.0
        for i in 0..<p.m { primal = max(primal, p.l[i] - ax[i], ax[i] - p.u[i]) }
        let px = p.P.symmetricUpperMultiply(x), aty = p.A.transposeMultiply(y)
        var dual = 0.0
        for j in 0..<p.n { dual = max(dual, abs(px[j] + p.q[j] + aty[j])) }
        return (primal, dual)
    }

    /// Row classification at (x, y) with accuracy a. `ratioRule` false: active iff |y| > τ_y on the
    /// matching side (a certified point, where the bands are at rounding level); tight rows with
    /// |y| ≤ τ_y are weakly active (released). `ratioRule` true: slack against multiplier, each over
    /// its band; rows inside both bands are ambiguous (counted; those classified inactive are also
    /// counted as weakly active).
    static func classify(_ p: QuadraticProgram, x: [Double], y: [Double], accuracy a: Double,
                         settings: DifferentiationSettings, ratioRule: Bool) -> (side: [Int8], weakSide: [Int8], counts: RowCounts, tauY: Double, ambiguous: Int) {
        let m = p.m
        var yMax = 1.0
        for v in y { yMax = max(yMax, abs(v)) }
        let kappa = activityBandFactor
        let tauY = settings.dualActivityTolerance ?? kappa * (a + a * yMax)
        func tauS(_ b: Double) -> Double { settings.primalActivityTolerance ?? kappa * (a + a * max(1, abs(b))) }
        let ax = p.A.multiply(x)
        var side = [Int8](repeating: 0, count: m)
        var weakSide = [Int8](repeating: 0, count: m)
        var counts = RowCounts()
        var ambiguous = 0
        for i in 0..<m {
            let l = p.l[i], u = p.u[i]
            if isEquality(l, u) {
                side[i] = y[i] >= 0 ? 1 : -1
                counts.equality += 1
                continue
            }
            // The bound on the multiplier's side; the nearer one when |y| ≤ τ_y (the sign of a
            // multiplier at rounding level says nothing).
            let upperSide = abs(y[i]) > tauY ? y[i] > 0 : (u - ax[i]) <= (ax[i] - l)
            let bound = upperSide ? u : l
            guard bound.isFinite else { counts.inactive += 1; continue }
            let slack = max(0, upperSide ? u - ax[i] : ax[i] - l)
            let ts = tauS(bound)
            let tight = slack <= ts
            // The multiplier in the direction of the side (positive when it pushes against that bound).
            let signed = upperSide ? y[i] : -y[i]
            let active: Bool
            if ratioRule {
                active = signed > 0 && signed / max(tauY, .leastNormalMagnitude) > slack / max(ts, .leastNormalMagnitude)
                if tight && abs(y[i]) <= tauY { ambiguous += 1 }
            } else {
                active = signed > tauY
            }
            if active {
                side[i] = upperSide ? 1 : -1
                if upperSide { counts.upper += 1 } else { counts.lower += 1 }
            } else if tight {
                counts.weak += 1
                weakSide[i] = upperSide ? 1 : -1
            } else {
                counts.inactive += 1
            }
        }
        return (side, weakSide, counts, tauY, ambiguous)
    }

    /// The regularized active-set matrix [P̄ + δI, Ā_rowsᵀ; Ā_rows, −δI] (other rows decoupled) on
    /// `system` (created as a companion of `forward` if nil, same symbolic analysis); refactorized
    /// only when `factored` (the rows it holds) differs from `rows`. Returns it and whether it was
    /// factorized now.
    static func activeSetMatrix(_ system: inout (any LinearSystem)?, factored: inout [Bool]?, rows: [Bool], delta: Double,
                                forward: any LinearSystem) throws(FactorizationError) -> (any LinearSystem, Bool) {
        let s: any LinearSystem
        if let existing = system { s = existing } else { s = try forward.makeCompanion(copyingFactor: false); system = s }
        guard factored != rows else { return (s, false) }
        factored = nil
        try s.update(parameters: KKTParameters(sigma: delta, rho: rows.map { $0 ? 1 / delta : 0 }))
        factored = rows
        return (s, true)
    }

    /// A companion of the forward KKT system holding the regularized matrix of one row pattern at a
    /// time (refactorized when the pattern changes), with the exact parameters to refine against.
    struct PatternMatrix {
        var system: (any LinearSystem)?
        var factored: [Bool]?
        var factorizations = 0

        mutating func matrix(rows: [Bool], delta: Double, forward: any LinearSystem) throws(FactorizationError) -> (system: any LinearSystem, exact: KKTParameters) {
            let (s, factorized) = try Differentiator.activeSetMatrix(&system, factored: &factored, rows: rows, delta: delta, forward: forward)
            if factorized { factorizations += 1 }
            return (s, KKTParameters(sigma: 0, rho: rows.map { $0 ? .infinity : 0 }))
        }
    }

    /// The fallback crossover: a companion of the solver (same symbolic analysis) re-solves from the
    /// returned point at ε = `resolveTolerance` (ADMM, then its polish and interior-point stages as
    /// configured), and the active-set iteration starts from the point it reaches.
    static func resolvedCrossover(solver: ADMMSolver, solution: Solution, settings: DifferentiationSettings) -> ActiveSetIdentification? {
        guard settings.crossoverResolve else { return nil }
        do {
            let companion = try solver.makeCompanion()
            var s = solver.settings
            s.epsAbs = resolveTolerance
            s.epsRel = resolveTolerance
            s.warmStart = true
            s.polish = true
            try companion.update(settings: s)
            try companion.warmStart(x: solution.x, y: solution.y)
            let tight = companion.solve()
            guard tight.status == .solved, let system = companion.linearSystem else { return nil }
            var result = crossover(solver: companion, state: companion.state, system: system, settings: settings)
            result?.resolved = true
            return result
        } catch {
            return nil
        }
    }

    /// The primal–dual active-set iteration (scaled data) from the complementarity guess at the
    /// returned iterate; nil when it does not converge within `crossoverMaxRounds`, when an active-set
    /// system is inconsistent, or when a factorization fails.
    ///
    /// It runs with the multipliers of each active-set solve as they come (the minimum-norm ones
    /// when the active rows are dependent), and, when that does not converge, once more anchored at
    /// the returned multipliers (see `crossover(…anchoredAt:…)`); the factorizations of both count.
    static func crossover(solver: ADMMSolver, state: ADMMState, system forward: any LinearSystem,
                          settings: DifferentiationSettings) -> ActiveSetIdentification? {
        var spent = 0
        if let result = crossover(solver: solver, state: state, system: forward, anchoredAt: nil, settings: settings,
                                  factorizations: &spent) { return result }
        var result = crossover(solver: solver, state: state, system: forward, anchoredAt: state.y, settings: settings,
                               factorizations: &spent)
        result?.factorizations = spent
        return result
    }

    /// One active-set iteration from the complementarity guess at the scaled iterate (z, y) (the
    /// polish's rule): solve the equality-constrained QP on the guessed rows, release wrong-sign
    /// multipliers, add violated bounds, repeat.
    ///
    /// `anchor` (scaled multipliers, the returned ȳ): each round solves for the multipliers as
    /// ν = ȳ_act + dν, i.e. with r₁ = −q̄ − Ā_actᵀȳ_act, so that on dependent active rows, where the
    /// multipliers form an affine family, the solve (refined from 0: the minimum-norm dν) returns the
    /// member nearest the returned multipliers instead of the minimum-norm one. This matters at
    /// degenerate vertices (more tight rows than variables, e.g. every portfolio weight at a bound
    /// with the budget row met by them): the returned point's multipliers are sign-feasible there,
    /// while the minimum-norm ones can have wrong signs on many rows, and releasing them all leaves
    /// the vertex and cycles. With independent rows ν is unique and the anchor changes only rounding.
    /// A certified result is checked exactly as without anchor (refined solve of the exact system,
    /// signs and feasibility to `crossoverTolerance`).
    static func crossover(solver: ADMMSolver, state: ADMMState, system forward: any LinearSystem, anchoredAt anchor: [Double]?,
                          settings: DifferentiationSettings, factorizations spent: inout Int) -> ActiveSetIdentification? {
        let p = solver.problem
        let n = solver.n, m = solver.m
        let l = state.scaledL, u = state.scaledU
        let equality = (0..<m).map { isEquality(p.l[$0], p.u[$0]) }
        var side = [Int8](repeating: 0, count: m)
        for i in 0..<m {
            let z = state.z[i], yi = state.y[i]
            if equality[i] { side[i] = yi >= 0 ? 1 : -1 }
            else if z - l[i] < -yi { side[i] = -1 } else if u[i] - z < yi { side[i] = 1 }
        }
        var system: (any LinearSystem)?
        var mask: [Bool]?
        var delta = settings.regularization
        let initialMask = side.map { $0 != 0 }
        if let pf = solver.polishFactorization, pf.active == initialMask, let taken = solver.takePolishFactorization() {
            (system, mask, delta) = (taken.system, taken.active, taken.regularization)
        }
        let rhs1 = state.scaledQ.map { -$0 }
        var r1 = rhs1
        var base = [Double](repeating: 0, count: m)
        var rhs2 = [Double](repeating: 0, count: m)
        var factorizations = 0
        var xs = [Double](repeating: 0, count: n), ys = [Double](repeating: 0, count: m)
        var consistent = false
        var history: [Int] = []
        for round in 1...max(1, settings.crossoverMaxRounds) {
            let current = side.map { $0 != 0 }
            var exactRho = [Double](repeating: 0, count: m)
            for i in 0..<m {
                rhs2[i] = side[i] > 0 ? u[i] : side[i] < 0 ? l[i] : 0
                if side[i] != 0 { exactRho[i] = .infinity }
            }
            if let anchor {
                for i in 0..<m { base[i] = side[i] != 0 ? anchor[i] : 0 }
                let atb = state.scaledA.transposeMultiply(base)
                for j in 0..<n { r1[j] = rhs1[j] - atb[j] }
            }
            do {
                if mask != current { delta = settings.regularization }
                let (sys, factorized) = try activeSetMatrix(&system, factored: &mask, rows: current, delta: delta, forward: forward)
                if factorized { factorizations += 1; spent += 1 }
                let r = try sys.solve(r1: r1, r2: rhs2, refiningAgainst: KKTParameters(sigma: 0, rho: exactRho),
                                      settings: settings.refinement)
                // An inconsistent active-set system (more rows guessed active than the solution has,
                // nearly dependent) leaves a regularized solution whose wrong-sign multipliers the
                // correction releases; only a consistent final round certifies.
                consistent = r.report.residual <= inconsistencyThreshold * r.report.scale
                xs = r.x
                ys = (0..<m).map { side[$0] != 0 ? base[$0] + r.nu[$0] : 0 }
            } catch {
                return nil
            }
            let ax = state.scaledA.multiply(xs)
            let changes = ActiveSetCorrection.correct(&side, equality: equality, y: ys, ax: ax, lower: l, upper: u,
                                                      tolerance: crossoverTolerance)
            // The plain active-set iteration can cycle on ill-conditioned active sets: give up when
            // the number of corrections has not decreased over `crossoverStallRounds` rounds.
            history.append(changes)
            if history.count > crossoverStallRounds, changes >= history[history.count - 1 - crossoverStallRounds] { return nil }
            if changes == 0 {
                guard consistent else { return nil }
                let sc = state.c
                let x = (0..<n).map { xs[$0] * state.D[$0] }
                let y = (0..<m).map { ys[$0] * state.E[$0] / sc }
                return ActiveSetIdentification(side: side, weakSide: [], counts: RowCounts(), x: x, y: y, tauY: 0, certified: true,
                                               rounds: round, factorizations: factorizations, ambiguous: 0, distance: 0,
                                               system: system, factoredMask: mask, factoredRegularization: delta)
            }
        }
        return nil
    }
}
