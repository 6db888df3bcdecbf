import Sparse

// The state of an interior-point attempt, as types: the problem as the method sees it, the iterate,
// the residuals of the KKT conditions, a Newton step, and the record of the best point.

/// The rows of l ≤ Ax ≤ u as the interior-point method sees them.
struct InteriorPointRows {
    var isEquality: [Bool]
    var hasL: [Bool]
    var hasU: [Bool]
    /// The number of finite inequality sides (slack/multiplier pairs).
    var sides: Int

    init(l: [Double], u: [Double]) {
        let m = l.count
        isEquality = [Bool](repeating: false, count: m)
        hasL = [Bool](repeating: false, count: m)
        hasU = [Bool](repeating: false, count: m)
        sides = 0
        for i in 0..<m {
            if l[i] == u[i] { isEquality[i] = true; continue }
            hasL[i] = l[i] > -.infinity
            hasU[i] = u[i] < .infinity
            sides += (hasL[i] ? 1 : 0) + (hasU[i] ? 1 : 0)
        }
    }
}

/// The scaled problem's data for one attempt (the vectors as arrays) and its rows.
struct InteriorPointData {
    let n: Int
    let m: Int
    let P: CSCMatrix
    let A: CSCMatrix
    let q: [Double]
    let l: [Double]
    let u: [Double]
    let rows: InteriorPointRows

    init(problem: ScaledProblem) {
        n = problem.n; m = problem.m
        P = problem.P; A = problem.A
        q = problem.q.array; l = problem.l.array; u = problem.u.array
        rows = InteriorPointRows(l: l, u: u)
    }
}

/// x (and Ax), the equality rows' multipliers, and the slack and multiplier of each inequality side.
struct InteriorPointIterate {
    var x: [Double]
    var ax: [Double]
    var yEq: [Double]
    var sl: [Double]
    var zl: [Double]
    var su: [Double]
    var zu: [Double]

    /// Steps along d: x and the slacks by `primal`, the multipliers by `dual`; then Ax.
    mutating func take(_ d: InteriorPointStep, primal: Double, dual: Double, rows: InteriorPointRows, A: CSCMatrix) {
        for j in 0..<x.count { x[j] += primal * d.dx[j] }
        for i in 0..<yEq.count {
            if rows.isEquality[i] { yEq[i] += dual * d.dyEq[i]; continue }
            if rows.hasL[i] { sl[i] += primal * d.dsl[i]; zl[i] += dual * d.dzl[i] }
            if rows.hasU[i] { su[i] += primal * d.dsu[i]; zu[i] += dual * d.dzu[i] }
        }
        ax = A.multiply(x)
    }
}

/// A Newton direction: dx, the equality rows' dy, and the slack and multiplier steps of each side.
struct InteriorPointStep {
    var dx: [Double]
    var dyEq: [Double]
    var dsl: [Double]
    var dzl: [Double]
    var dsu: [Double]
    var dzu: [Double]

    init(dx: [Double], m: Int) {
        self.dx = dx
        dyEq = [Double](repeating: 0, count: m)
        dsl = dyEq; dzl = dyEq; dsu = dyEq; dzu = dyEq
    }

    /// The largest steps in [0, 1] from `it` that keep the slacks (primal) and the multipliers (dual)
    /// nonnegative.
    func boundarySteps(from it: InteriorPointIterate, rows: InteriorPointRows) -> (primal: Double, dual: Double) {
        var ap = 1.0, ad = 1.0
        for i in 0..<dsl.count {
            if rows.hasL[i] {
                if dsl[i] < 0 { ap = min(ap, -it.sl[i] / dsl[i]) }
                if dzl[i] < 0 { ad = min(ad, -it.zl[i] / dzl[i]) }
            }
            if rows.hasU[i] {
                if dsu[i] < 0 { ap = min(ap, -it.su[i] / dsu[i]) }
                if dzu[i] < 0 { ad = min(ad, -it.zu[i] / dzu[i]) }
            }
        }
        return (ap, ad)
    }
}

/// The KKT residuals of the interior-point form at an iterate: y = z_u − z_l (yEq on equality rows),
/// r_d = Px + q + Aᵀy, r_eq = Ax − l, r_l = Ax − s_l − l, r_u = Ax + s_u − u, their ∞-norms (linear
/// constraints, stationarity) and μ = sᵀz / (number of sides).
struct InteriorPointResiduals {
    var y: [Double]
    var rd: [Double]
    var rpl: [Double]
    var rpu: [Double]
    var req: [Double]
    var linear = 0.0
    var stationarity = 0.0
    var mu = 0.0

    init(n: Int, m: Int) {
        y = [Double](repeating: 0, count: m)
        rd = [Double](repeating: 0, count: n)
        rpl = y; rpu = y; req = y
    }

    mutating func evaluate(at it: InteriorPointIterate, _ data: InteriorPointData) {
        let rows = data.rows, n = data.n, m = data.m
        for i in 0..<m { y[i] = rows.isEquality[i] ? it.yEq[i] : it.zu[i] - it.zl[i] }
        let px = data.P.symmetricUpperMultiply(it.x)
        let aty = data.A.transposeMultiply(y)
        stationarity = 0
        for j in 0..<n { rd[j] = px[j] + data.q[j] + aty[j]; stationarity = max(stationarity, abs(rd[j])) }
        var sz = 0.0
        linear = 0
        for i in 0..<m {
            let ax = it.ax[i]
            if rows.isEquality[i] { req[i] = ax - data.l[i]; linear = max(linear, abs(req[i])); continue }
            if rows.hasL[i] { rpl[i] = ax - it.sl[i] - data.l[i]; sz += it.sl[i] * it.zl[i]; linear = max(linear, abs(rpl[i])) }
            if rows.hasU[i] { rpu[i] = ax + it.su[i] - data.u[i]; sz += it.su[i] * it.zu[i]; linear = max(linear, abs(rpu[i])) }
        }
        mu = rows.sides > 0 ? sz / Double(rows.sides) : 0
    }
}

/// The infeasibility test of an attempt: the certificate tests every method uses
/// (`ScaledProblem.primalInfeasibilityCertificate`, `dualInfeasibilityCertificate`) on the
/// differences of consecutive iterates, δy = y_k − y_{k−1} and δx = x_k − x_{k−1}, confirmed at two
/// consecutive iterations (`InfeasibilityTracker`). On a primal infeasible problem the multipliers grow
/// without bound along a Farkas direction (δy/‖δy‖ converges to a certificate while Aᵀy stays
/// bounded); on a dual infeasible one x grows along a recession direction d (Pd = 0, qᵀd < 0). On a
/// feasible problem the differences vanish, and the tests' radius rule rejects them.
struct InteriorPointInfeasibility {
    private var previousX: [Double]?
    private var previousY: [Double]?
    private var tracker = InfeasibilityTracker()
    private let dx: Vector, dy: Vector, workN: Vector, workM: Vector

    init(n: Int, m: Int) {
        dx = Vector(count: n); dy = Vector(count: m)
        workN = Vector(count: n); workM = Vector(count: m)
    }

    /// Tests the step from the previous iterate to (x, y); returns a confirmed certificate.
    mutating func check(x: [Double], y: [Double], problem: ScaledProblem,
                        settings: InteriorPointSettings) -> InfeasibilityCertificate? {
        defer { previousX = x; previousY = y }
        guard let px = previousX, let py = previousY else { return nil }
        for j in 0..<x.count { dx.buffer[j] = x[j] - px[j] }
        for i in 0..<y.count { dy.buffer[i] = y[i] - py[i] }
        let primal = x.withUnsafeBufferPointer { xb in
            problem.primalInfeasibilityCertificate(deltaY: dy.buffer, x: xb, epsilon: settings.epsPrimalInfeasible,
                                                   work: workN.buffer)
        }
        if let c = tracker.confirmPrimal(primal) { return .primal(c) }
        let dual = x.withUnsafeBufferPointer { xb in
            y.withUnsafeBufferPointer { yb in
                problem.dualInfeasibilityCertificate(deltaX: dx.readOnly, x: xb, y: yb, epsilon: settings.epsDualInfeasible,
                                                     workN: workN.buffer, workM: workM.buffer)
            }
        }
        if let c = tracker.confirmDual(dual) { return .dual(c) }
        return nil
    }
}

/// The test every attempt runs at the top of an iteration, and what it has seen: the residuals of
/// `Termination` at (x, Π_[l,u](Ax), y), the best point so far, the stall rule (the best ratio has
/// not halved for `stallLimit` iterations), convergence (within `InteriorPointSettings.targetFactor`
/// of the tolerances and the linear constraints to `linearTolerance`), infeasibility
/// (`InteriorPointInfeasibility`), cancellation and deadline.
struct InteriorPointProgress {
    let stallLimit: Int
    let settings: InteriorPointSettings
    private var infeasibility: InteriorPointInfeasibility
    /// Set when the diverging iterates gave an infeasibility certificate (the attempt then stops).
    private(set) var certificate: InfeasibilityCertificate?
    private(set) var best: StagePoint?
    private(set) var reachedTarget = false
    private(set) var bestLinearAccurate = true
    private var sinceProgress = 0
    private var progressMark = Double.infinity

    init(stallLimit: Int, settings: InteriorPointSettings, problem: InteriorPointData) {
        self.stallLimit = stallLimit
        self.settings = settings
        infeasibility = InteriorPointInfeasibility(n: problem.n, m: problem.m)
    }

    /// Records the iterate; returns its residuals, or nil when the attempt should stop.
    mutating func record(_ it: InteriorPointIterate, y: [Double], linear: Double, _ data: InteriorPointData,
                         context: StageContext) -> Residuals? {
        let zp = (0..<data.m).map { min(max(it.ax[$0], data.l[$0]), data.u[$0]) }
        let r = context.termination.residuals(x: it.x, z: zp, y: y)
        if !(r.primal.isFinite && r.dual.isFinite) { return nil }
        let axNorm = it.ax.reduce(0) { max($0, abs($1)) }
        let linearAccurate = linear <= InteriorPointMethod.linearTolerance * (1 + axNorm)
        if best.map({ r.worstRatio < $0.residuals.worstRatio }) ?? true {
            best = StagePoint(x: it.x, z: zp, y: y, residuals: r)
            bestLinearAccurate = linearAccurate
        }
        if let c = infeasibility.check(x: it.x, y: y, problem: context.problem, settings: settings) {
            certificate = c
            return nil
        }
        if r.worstRatio < 0.5 * progressMark { progressMark = r.worstRatio; sinceProgress = 0 }
        sinceProgress += 1
        if sinceProgress > stallLimit { return nil }
        if r.converged(context.tolerances, factor: settings.targetFactor), linearAccurate {
            reachedTarget = true
            return nil
        }
        if context.shouldStop() { return nil }
        return r
    }

    /// The attempt's result (nil when no point was recorded), logged with `label`.
    func outcome(iterations: Int, label: String, context: StageContext) -> InteriorPointOutcome? {
        guard let best else { return nil }
        if let log = context.log {
            log("interior point\(label): \(iterations) iteration(s), residuals primal \(fmt(best.residuals.primal)), dual \(fmt(best.residuals.dual)), gap \(fmt(best.residuals.gap))")
            if let certificate {
                log("interior point\(label): \(certificate.isPrimal ? "primal" : "dual") infeasibility certificate")
            }
        }
        return InteriorPointOutcome(best: best, iterations: iterations, converged: best.residuals.converged(context.tolerances),
                                    reachedTarget: reachedTarget, bestLinearAccurate: bestLinearAccurate,
                                    certificate: certificate)
    }
}
