import Sparse
import KKT

// The proximal parts of the interior-point method's one loop (`InteriorPointMethod.iterate`): the
// regularization schedules (`InteriorPointRegularization`: fixed δ for the first two attempts, the
// shrinking ρ and δ of the third) and the proximal centres of the third attempt
// (`InteriorPointAttempt.proximalMultipliers`: the proximal method of multipliers with interior-point
// inner steps, in the form of Schwan, Jiang, Kuhn and Jones, "PIQP", 2023), for problems whose
// constraint matrices are too ill-conditioned for the unregularized Newton system (chains of
// difference operators whose optimal multipliers are so large that feasibility to ~10⁻¹³ decides the
// objective; docs/SOLVER-HISTORY.md).
//
// In that attempt each side of an inequality row is its own inequality with slack s ≥ 0 and
// multiplier z ≥ 0 (upper: A_i x + s_u = u_i; lower: −A_i x + s_l = −l_i), and every constraint is
// relaxed towards proximal centres: A_i x + s_u − u_i = δ(z_u − ν_u), A_i x − l_i = δ(y_i − λ_i) on
// equality rows, and the objective gains ρ/2‖x − ζ‖². Its Newton system eliminates the slacks and
// multipliers of each side (`SlackElimination.perSide`), which leaves the forward KKT matrix with
// σ = ρ and
//
//     ρ_i = 1/(s_u/z_u + δ) + 1/(s_l/z_l + δ)   (inequality rows),   1/δ (equality rows),
//
// solved and refined against itself (the regularized system is the one the method needs exactly).
// A centre moves to the iterate when the unregularized residual of its block fell below 0.95 of its
// previous value, or when the regularized residual is below 0.1 of the unregularized one (the
// proximal subproblem is solved: the outer step of the method of multipliers). ρ and δ shrink with
// μ's relative decrease down to 10⁻¹⁰, and to 10⁻¹⁵ once a centre has not moved for more than five
// iterations at that floor: such problems need feasibility near 10⁻¹⁵, which a floor of 5·10⁻¹³
// approaches too slowly. A factorization with the wrong inertia multiplies ρ and δ by 100.

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

    /// The outer step of the proximal method of multipliers after a step from residuals `previous`
    /// to `res` with regularization (ρ, δ): each block's centre moves to the iterate when its
    /// unregularized residual fell below `proximalCentreProgress` of the previous one, or when its
    /// regularized residual (the one the Newton steps drive to zero) is below `proximalSubproblemSolved`
    /// of the unregularized one (the proximal subproblem is solved), even without progress.
    mutating func move(after previous: (linear: Double, stationarity: Double), to res: InteriorPointResiduals,
                       at it: InteriorPointIterate, rows: InteriorPointRows,
                       primal rhoP: Double, dual delta: Double) -> (primal: Bool, dual: Bool) {
        let regularized = regularizedResiduals(res, at: it, rows: rows, primal: rhoP, dual: delta)
        let solvedSubproblem = InteriorPointMethod.proximalSubproblemSolved
        let progress = InteriorPointMethod.proximalCentreProgress
        let primalMoves = res.stationarity < progress * previous.stationarity
            || regularized.dual < solvedSubproblem * res.stationarity
        if primalMoves { x = it.x }
        let dualMoves = res.linear < progress * previous.linear
            || regularized.primal < solvedSubproblem * res.linear
        if dualMoves { yEq = it.yEq; zl = it.zl; zu = it.zu }
        return (primalMoves, dualMoves)
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

/// The regularization of an attempt's Newton matrix, ρ on the x block (its σ) and δ on the
/// multiplier block, and how it evolves: reset or kept at the start of an iteration, grown after a
/// factorization with the wrong inertia, updated after a step.
protocol InteriorPointRegularization {
    var primal: Double { get }
    var dual: Double { get }
    /// Before the iteration's factorization.
    mutating func beginIteration()
    mutating func growAfterWrongInertia(epsAbs: Double)
    /// After a step, with whether the proximal centres moved and μ's relative decrease.
    mutating func update(primalCentreMoved: Bool, dualCentreMoved: Bool, muRate: Double)
}

/// The first two attempts' regularization: ρ = δ₀ (`InteriorPointSettings.regularization`) at every
/// iteration, raised ×`regularizationGrowth` per factorization with the wrong inertia, and
/// δ = ρ·`dualRatio`.
struct FixedRegularization: InteriorPointRegularization {
    let base: Double
    let dualRatio: Double
    private(set) var primal: Double
    var dual: Double { primal * dualRatio }

    init(base: Double, dualRatio: Double) {
        self.base = base
        self.dualRatio = dualRatio
        primal = base
    }

    mutating func beginIteration() { primal = base }
    mutating func growAfterWrongInertia(epsAbs: Double) { primal *= InteriorPointMethod.regularizationGrowth }
    mutating func update(primalCentreMoved: Bool, dualCentreMoved: Bool, muRate: Double) {}
}

/// ρ (primal) and δ (dual) of the proximal method of multipliers and their schedule: they shrink with
/// μ's relative decrease (fully when their block's centre moved, by `proximalStalledShrink` of it
/// otherwise) down to a floor; the floor drops to its last value once a block has sat at it without
/// a centre move for more than `proximalIterationsAtFloor` iterations; a wrong inertia multiplies both
/// by `regularizationGrowth` and raises the floor ×10 (at most to ε_abs).
struct ProximalRegularization: InteriorPointRegularization {
    private(set) var primal = InteriorPointMethod.proximalInitialPrimalRegularization
    private(set) var dual = InteriorPointMethod.proximalInitialDualRegularization
    private var floor = InteriorPointMethod.proximalRegularizationFloor
    private var primalStalls = 0
    private var dualStalls = 0

    mutating func beginIteration() {
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

    mutating func update(primalCentreMoved: Bool, dualCentreMoved: Bool, muRate: Double) {
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
