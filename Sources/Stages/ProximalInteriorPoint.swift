import Sparse
import KKT

/// The third attempt of the interior-point method (`InteriorPointAttempt.proximalMultipliers`): a proximal interior-point method (the proximal
/// method of multipliers with interior-point inner steps, in the form of Schwan, Jiang, Kuhn and
/// Jones, "PIQP", 2023), for problems whose constraint matrices are too ill-conditioned for the
/// unregularized Newton system (chains of difference operators whose optimal multipliers are so
/// large that feasibility to ~10⁻¹³ decides the objective; docs/SOLVER-HISTORY.md).
///
/// Each side of an inequality row is its own inequality with slack s ≥ 0 and multiplier z ≥ 0
/// (upper: A_i x + s_u = u_i; lower: −A_i x + s_l = −l_i), and every constraint is relaxed towards
/// proximal centres: A_i x + s_u − u_i = δ(z_u − ν_u), A_i x − l_i = δ(y_i − λ_i) on equality rows,
/// and the objective gains ρ/2‖x − ζ‖². The Newton system eliminates the slacks and multipliers of
/// each side, which leaves the forward KKT matrix with σ = ρ and
///
///     ρ_i = 1/(s_u/z_u + δ) + 1/(s_l/z_l + δ)   (inequality rows),   1/δ (equality rows),
///
/// solved and refined against itself (the regularized system is the one the method needs exactly).
/// Primal (x, s) and dual (y, z) variables take separate step lengths. A centre moves to the iterate
/// when the unregularized residual of its block fell below 0.95 of its previous value, or when the
/// regularized residual is below 0.1 of the unregularized one (the proximal subproblem is solved: the
/// outer step of the method of multipliers). ρ and δ shrink with μ's relative decrease down to 10⁻¹⁰,
/// and to 10⁻¹⁵ once a centre has not moved for more than five iterations at that floor: such problems
/// need feasibility near 10⁻¹⁵, which a floor of 5·10⁻¹³ approaches too slowly. A
/// factorization with the wrong inertia multiplies ρ and δ by 100. The start point and the stopping
/// test are the first attempt's.
extension InteriorPointMethod {
    /// Initial ρ (primal proximal weight) and δ (dual): large enough that the first Newton matrices
    /// are well conditioned whatever P's and A's rank; they shrink with μ.
    static let proximalInitialPrimalRegularization = 1e-6
    static let proximalInitialDualRegularization = 1e-4
    /// Floors of ρ and δ (see the type's comment for why there are two).
    static let proximalRegularizationFloor = 1e-10
    static let proximalLastRegularizationFloor = 1e-15
    /// A centre moves when its block's unregularized residual fell below this fraction of the
    /// previous one…
    static let proximalCentreProgress = 0.95
    /// …or when the regularized residual is below this fraction of the unregularized one.
    static let proximalSubproblemSolved = 0.1
    /// Its residual ratio can rise for a while after ρ and δ reach their last floor before it halves
    /// again, so its stall limit is this many times the other attempts' (`stallIterations`).
    static let proximalStallRatio = 2
    /// A block whose centre did not move shrinks its regularization by this fraction of μ's relative
    /// decrease only (a moved centre shrinks it by the full decrease).
    static let proximalStalledShrink = 0.666
    /// Iterations at a floor without a centre move after which the last floor applies.
    static let proximalIterationsAtFloor = 5


    func proximalMultipliers(_ data: InteriorPointData, start: (system: any LinearSystem, iterate: InteriorPointIterate),
                             context: StageContext) -> InteriorPointOutcome? {
        let n = data.n, m = data.m, rows = data.rows, As = data.A
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, sides = rows.sides
        let system = start.system
        var it = start.iterate
        var centre = ProximalCentres(it)
        var reg = ProximalRegularization()

        var progress = InteriorPointProgress(stallLimit: Self.proximalStallRatio * settings.stallIterations, settings: settings, problem: data)
        var iterations = 0
        var res = InteriorPointResiduals(n: n, m: m)
        var gl = [Double](repeating: 0, count: m), gu = gl, w = gl
        var r1 = [Double](repeating: 0, count: n), r2 = [Double](repeating: 0, count: m)
        var rzl = [Double](repeating: 0, count: m), rzu = rzl, ry = rzl
        let tau = Self.stepFraction
        // Unregularized residuals at the current point.
        res.evaluate(at: it, data)
        for _ in 0..<settings.iterations {
            guard progress.record(it, y: res.y, linear: res.linear, data, context: context) != nil else { break }
            iterations += 1
            reg.lowerFloorIfStalled()
            // Newton matrix (retried with more regularization on the wrong inertia).
            var factored = false
            var matrix = KKTParameters(sigma: reg.primal, rho: w)
            factorization: for _ in 0..<Self.factorizationAttempts {
                let delta = reg.dual
                for i in 0..<m {
                    if isEquality[i] { w[i] = 1 / delta; continue }
                    gl[i] = hasL[i] ? 1 / (it.sl[i] / it.zl[i] + delta) : 0
                    gu[i] = hasU[i] ? 1 / (it.su[i] / it.zu[i] + delta) : 0
                    w[i] = gl[i] + gu[i]
                }
                matrix = KKTParameters(sigma: reg.primal, rho: w)
                do throws(FactorizationError) {
                    try system.update(parameters: matrix)
                    factored = true
                    break factorization
                } catch {
                    switch error {
                    case .inertia, .notPositiveDefinite:
                        reg.growAfterWrongInertia(epsAbs: context.tolerances.epsAbs)
                    default: break factorization
                    }
                }
            }
            guard factored else { break }
            let rhoP = reg.primal, delta = reg.dual
            // Right-hand sides of the regularized residuals.
            for j in 0..<n { r1[j] = -res.rd[j] - rhoP * (it.x[j] - centre.x[j]) }
            for i in 0..<m {
                if isEquality[i] { ry[i] = -res.req[i] - delta * (centre.yEq[i] - it.yEq[i]); continue }
                if hasU[i] { rzu[i] = -res.rpu[i] - delta * (centre.zu[i] - it.zu[i]) }
                if hasL[i] { rzl[i] = res.rpl[i] - delta * (centre.zl[i] - it.zl[i]) }
            }
            var worstSolve = 0.0
            func direction(_ rsl: [Double], _ rsu: [Double]) throws(FactorizationError) -> InteriorPointStep {
                for i in 0..<m {
                    if isEquality[i] { r2[i] = ry[i]; continue }
                    guard hasL[i] || hasU[i] else { r2[i] = 0; continue }
                    var c = 0.0
                    if hasU[i] { c += gu[i] * (rsu[i] / it.zu[i] - rzu[i]) }
                    if hasL[i] { c += gl[i] * (rzl[i] - rsl[i] / it.zl[i]) }
                    r2[i] = -c / w[i]
                }
                let s = try system.solve(r1: r1, r2: r2, refiningAgainst: matrix, settings: Self.refinement)
                worstSolve = max(worstSolve, s.report.residual / s.report.scale)
                let adx = As.multiply(s.x)
                var d = InteriorPointStep(dx: s.x, m: m)
                let sl = it.sl, zl = it.zl, su = it.su, zu = it.zu
                // One side from the linear equations, where that is well conditioned: an
                // inactive-looking side (z/s < 1) takes ds from its constraint, an active-looking one
                // dz from its elimination formula.
                func upper(_ i: Int) {
                    if zu[i] < su[i] {
                        let num: Double = rzu[i] - adx[i] + delta * rsu[i] / su[i]
                        let den: Double = 1 + delta * zu[i] / su[i]
                        d.dsu[i] = num / den
                        d.dzu[i] = (rsu[i] - zu[i] * d.dsu[i]) / su[i]
                    } else {
                        let t: Double = adx[i] + rsu[i] / zu[i] - rzu[i]
                        d.dzu[i] = gu[i] * t
                        d.dsu[i] = (rsu[i] - su[i] * d.dzu[i]) / zu[i]
                    }
                }
                func lower(_ i: Int) {
                    if zl[i] < sl[i] {
                        let num: Double = rzl[i] + adx[i] + delta * rsl[i] / sl[i]
                        let den: Double = 1 + delta * zl[i] / sl[i]
                        d.dsl[i] = num / den
                        d.dzl[i] = (rsl[i] - zl[i] * d.dsl[i]) / sl[i]
                    } else {
                        let t: Double = rsl[i] / zl[i] - rzl[i] - adx[i]
                        d.dzl[i] = gl[i] * t
                        d.dsl[i] = (rsl[i] - sl[i] * d.dzl[i]) / zl[i]
                    }
                }
                for i in 0..<m {
                    if isEquality[i] { d.dyEq[i] = s.nu[i]; continue }
                    // The dominant side (larger z/s) takes dz from the solve's dy = dz_u − dz_l, which
                    // does not multiply an error in A·dx by 1/δ.
                    let wl = hasL[i] ? zl[i] / sl[i] : 0, wu = hasU[i] ? zu[i] / su[i] : 0
                    if max(wl, wu) < 1 {
                        if hasL[i] { lower(i) }
                        if hasU[i] { upper(i) }
                    } else if wu >= wl {
                        if hasL[i] { lower(i) }
                        d.dzu[i] = s.nu[i] + d.dzl[i]
                        d.dsu[i] = (rsu[i] - su[i] * d.dzu[i]) / zu[i]
                    } else {
                        if hasU[i] { upper(i) }
                        d.dzl[i] = d.dzu[i] - s.nu[i]
                        d.dsl[i] = (rsl[i] - sl[i] * d.dzl[i]) / zl[i]
                    }
                }
                return d
            }
            func steps(_ d: InteriorPointStep) -> (primal: Double, dual: Double) {
                let a = d.boundarySteps(from: it, rows: rows)
                return (tau * a.primal, tau * a.dual)
            }
            let step: InteriorPointStep
            var alpha = (primal: 1.0, dual: 1.0)
            do {
                step = try predictorCorrector(it, rows: rows, mu: res.mu, direction: direction, affineSteps: steps)
                if sides > 0 { alpha = steps(step) }
            } catch { break }
            guard alpha.primal.isFinite, alpha.dual.isFinite, alpha.primal > 0, alpha.dual > 0 else { break }
            if let log = context.log {
                log("interior point (proximal multipliers) \(iterations): μ \(fmt(res.mu)) steps \(fmt(alpha.primal)) \(fmt(alpha.dual)) ρ \(fmt(rhoP)) δ \(fmt(delta)) solve \(fmt(worstSolve)) linear \(fmt(res.linear)) stationarity \(fmt(res.stationarity))")
            }
            it.take(step, primal: alpha.primal, dual: alpha.dual, rows: rows, A: As)
            let previous = (mu: res.mu, linear: res.linear, stationarity: res.stationarity)
            res.evaluate(at: it, data)
            let current = (mu: res.mu, linear: res.linear, stationarity: res.stationarity)
            let muRate = previous.mu > 0 ? abs(previous.mu - current.mu) / previous.mu : 0
            // The regularized residuals (the ones the Newton steps drive to zero). When they are far
            // below the unregularized ones, the proximal subproblem is solved and its centre moves
            // (the outer step of the proximal method of multipliers) even without progress.
            let regularized = centre.regularizedResiduals(res, at: it, rows: rows, primal: rhoP, dual: delta)
            let solvedSubproblem = Self.proximalSubproblemSolved
            let primalMoves = current.stationarity < Self.proximalCentreProgress * previous.stationarity
                || regularized.dual < solvedSubproblem * current.stationarity
            if primalMoves { centre.x = it.x }
            let dualMoves = current.linear < Self.proximalCentreProgress * previous.linear
                || regularized.primal < solvedSubproblem * current.linear
            if dualMoves { centre.yEq = it.yEq; centre.zl = it.zl; centre.zu = it.zu }
            reg.shrink(primalCentreMoved: primalMoves, dualCentreMoved: dualMoves, muRate: muRate)
        }
        return progress.outcome(iterations: iterations, label: " (proximal multipliers)", context: context)
    }
}

/// The proximal centres ζ (for x) and λ, ν (for the multipliers) of the proximal method of multipliers.
struct ProximalCentres {
    var x: [Double]
    var yEq: [Double]
    var zl: [Double]
    var zu: [Double]

    init(_ it: InteriorPointIterate) {
        x = it.x; yEq = it.yEq; zl = it.zl; zu = it.zu
    }

    /// ∞-norms of the regularized residuals: primal (constraints relaxed towards the centres by δ)
    /// and dual (stationarity with ρ(x − ζ)).
    func regularizedResiduals(_ res: InteriorPointResiduals, at it: InteriorPointIterate, rows: InteriorPointRows,
                              primal rhoP: Double, dual delta: Double) -> (primal: Double, dual: Double) {
        var regPrimal = 0.0, regDual = 0.0
        for j in 0..<x.count { regDual = max(regDual, abs(res.rd[j] + rhoP * (it.x[j] - x[j]))) }
        for i in 0..<yEq.count {
            if rows.isEquality[i] { regPrimal = max(regPrimal, abs(res.req[i] + delta * (yEq[i] - it.yEq[i]))); continue }
            if rows.hasU[i] { regPrimal = max(regPrimal, abs(res.rpu[i] + delta * (zu[i] - it.zu[i]))) }
            if rows.hasL[i] { regPrimal = max(regPrimal, abs(res.rpl[i] - delta * (zl[i] - it.zl[i]))) }
        }
        return (regPrimal, regDual)
    }
}

/// ρ (primal) and δ (dual) of the proximal method of multipliers and their schedule: they shrink with
/// μ's relative decrease (fully when their block's centre moved, by `proximalStalledShrink` of it
/// otherwise) down to a floor; the floor drops to its last value once a block has sat at it without
/// a centre move for more than `proximalIterationsAtFloor` iterations; a wrong inertia multiplies both
/// by `regularizationGrowth` and raises the floor ×10 (at most to ε_abs).
struct ProximalRegularization {
    private(set) var primal = InteriorPointMethod.proximalInitialPrimalRegularization
    private(set) var dual = InteriorPointMethod.proximalInitialDualRegularization
    private var floor = InteriorPointMethod.proximalRegularizationFloor
    private var primalStalls = 0
    private var dualStalls = 0

    mutating func lowerFloorIfStalled() {
        let limit = InteriorPointMethod.proximalIterationsAtFloor
        if (primalStalls > limit && primal == floor) || (dualStalls > limit && dual == floor),
           floor != InteriorPointMethod.proximalLastRegularizationFloor {
            floor = InteriorPointMethod.proximalLastRegularizationFloor
            primalStalls = 0; dualStalls = 0
        }
    }

    mutating func growAfterWrongInertia(epsAbs: Double) {
        primal *= InteriorPointMethod.regularizationGrowth; dual *= InteriorPointMethod.regularizationGrowth
        floor = min(10 * floor, epsAbs)
    }

    mutating func shrink(primalCentreMoved: Bool, dualCentreMoved: Bool, muRate: Double) {
        let stalled = InteriorPointMethod.proximalStalledShrink
        if primalCentreMoved {
            primal = max(floor, (1 - muRate) * primal)
        } else {
            primalStalls += 1
            primal = max(floor, (1 - stalled * muRate) * primal)
        }
        if dualCentreMoved {
            dual = max(floor, (1 - muRate) * dual)
        } else {
            dualStalls += 1
            dual = max(floor, (1 - stalled * muRate) * dual)
        }
    }
}
