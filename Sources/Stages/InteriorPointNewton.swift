import Sparse
import KKT

/// How an attempt eliminates the slack and multiplier of each inequality side from its Newton system
/// (the one part of the direction where the attempts' algebra differs).
enum SlackElimination {
    /// One weight per row, W_i = z_l/s_l + z_u/s_u; the matrix holds ρ_i = 1/(1/W_i + δ). When δ is
    /// kept in the method the slack steps use A·dx − δ·dy (the row relaxed by δ).
    case perRow
    /// Each side regularized on its own (PIQP's form): ρ_i = 1/(s_u/z_u + δ) + 1/(s_l/z_l + δ).
    case perSide
}

/// The Newton system of one iteration with the inequality sides eliminated: the weights of the
/// factorized matrix, the right-hand sides, and the recovery of the side steps (dsl, dzl, dsu, dzu)
/// from a solve. Its buffers are allocated once per attempt.
struct InteriorPointNewtonSystem {
    let elimination: SlackElimination
    let rows: InteriorPointRows
    /// `.perRow`: W_i; `.perSide`: the factorized ρ_i (the divisor of the (2,2) right-hand side).
    private var w: [Double]
    /// `.perSide`: each side's weight 1/(s/z + δ).
    private var gl: [Double]
    private var gu: [Double]
    /// The right-hand side of the x block, −(r_d + ρ(x − ζ)), and of the multiplier block.
    private var r1: [Double]
    private var r2: [Double]
    /// The constraint residuals the step removes, relaxed towards the proximal centres: equality rows
    /// −r_eq − δ(λ − y), upper sides −r_u − δ(ν_u − z_u), lower sides r_l − δ(ν_l − z_l).
    private var ry: [Double]
    private var rzl: [Double]
    private var rzu: [Double]

    init(elimination: SlackElimination, rows: InteriorPointRows, n: Int) {
        self.elimination = elimination
        self.rows = rows
        let m = rows.isEquality.count
        w = [Double](repeating: 0, count: m)
        gl = w; gu = w; r2 = w; ry = w; rzl = w; rzu = w
        r1 = [Double](repeating: 0, count: n)
    }

    /// The ρ of the Newton matrix at `it` for the dual regularization δ (equality rows 1/δ, free rows 0).
    mutating func weights(at it: InteriorPointIterate, dual delta: Double) -> [Double] {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, m = w.count
        switch elimination {
        case .perRow:
            for i in 0..<m {
                w[i] = (hasL[i] ? it.zl[i] / it.sl[i] : 0) + (hasU[i] ? it.zu[i] / it.su[i] : 0)
            }
            return (0..<m).map { i in isEquality[i] ? 1 / delta : (hasL[i] || hasU[i] ? 1 / (1 / w[i] + delta) : 0) }
        case .perSide:
            for i in 0..<m {
                if isEquality[i] { w[i] = 1 / delta; continue }
                gl[i] = hasL[i] ? 1 / (it.sl[i] / it.zl[i] + delta) : 0
                gu[i] = hasU[i] ? 1 / (it.su[i] / it.zu[i] + delta) : 0
                w[i] = gl[i] + gu[i]
            }
            return w
        }
    }

    /// The operator without regularization (σ = 0, equality rows exact, ρ_i = W_i). The factorized
    /// matrix holds −1/max(ρ, 10⁻¹²) (the quasi-definite assembly's floor for decoupled rows): the
    /// exact operator uses the same floor, or refinement diverges on rows with W < 10⁻¹².
    func unregularizedOperator(at it: InteriorPointIterate) -> KKTParameters {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU
        return KKTParameters(sigma: 0, rho: (0..<w.count).map { i in
            if isEquality[i] { return .infinity }
            guard hasL[i] || hasU[i] else { return 0 }
            let weight = (hasL[i] ? it.zl[i] / it.sl[i] : 0) + (hasU[i] ? it.zu[i] / it.su[i] : 0)
            return max(weight, InteriorPointMethod.weightFloor)
        })
    }

    /// The parts of the right-hand sides that do not depend on the complementarity terms. Without
    /// centres (they follow the iterate) the proximal terms vanish: r1 = −r_d and the plain residuals.
    mutating func setResiduals(_ res: InteriorPointResiduals, at it: InteriorPointIterate, centre: ProximalCentres?,
                               primal rhoP: Double, dual delta: Double) {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, m = w.count
        guard let centre else {
            for j in 0..<r1.count { r1[j] = -res.rd[j] }
            for i in 0..<m {
                if isEquality[i] { ry[i] = -res.req[i]; continue }
                if hasU[i] { rzu[i] = -res.rpu[i] }
                if hasL[i] { rzl[i] = res.rpl[i] }
            }
            return
        }
        for j in 0..<r1.count { r1[j] = -res.rd[j] - rhoP * (it.x[j] - centre.x[j]) }
        for i in 0..<m {
            if isEquality[i] { ry[i] = -res.req[i] - delta * (centre.yEq[i] - it.yEq[i]); continue }
            if hasU[i] { rzu[i] = -res.rpu[i] - delta * (centre.zu[i] - it.zu[i]) }
            if hasL[i] { rzl[i] = res.rpl[i] - delta * (centre.zl[i] - it.zl[i]) }
        }
    }

    /// The multiplier block's right-hand side for complementarity right-hand sides (rcl, rcu).
    private mutating func setMultiplierSide(complementarity rcl: [Double], _ rcu: [Double], at it: InteriorPointIterate) {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU
        for i in 0..<w.count {
            if isEquality[i] { r2[i] = ry[i]; continue }
            guard hasL[i] || hasU[i] else { r2[i] = 0; continue }
            var c = 0.0
            switch elimination {
            case .perRow:
                if hasU[i] { c += rcu[i] / it.su[i] - it.zu[i] / it.su[i] * rzu[i] }
                if hasL[i] { c += -rcl[i] / it.sl[i] + it.zl[i] / it.sl[i] * rzl[i] }
            case .perSide:
                if hasU[i] { c += gu[i] * (rcu[i] / it.zu[i] - rzu[i]) }
                if hasL[i] { c += gl[i] * (rzl[i] - rcl[i] / it.zl[i]) }
            }
            r2[i] = -c / w[i]
        }
    }

    /// One Newton direction for complementarity right-hand sides (rcl, rcu): the multiplier block's
    /// right-hand side, a solve on `system` (factorized with `weights`) refined against `exact`, and
    /// the side steps (`direction`); with the solve's relative residual.
    mutating func solve(_ system: any LinearSystem, refiningAgainst exact: KKTParameters,
                        complementarity rcl: [Double], _ rcu: [Double], at it: InteriorPointIterate, A: CSCMatrix,
                        delta: Double) throws(FactorizationError) -> (step: InteriorPointStep, residual: Double) {
        setMultiplierSide(complementarity: rcl, rcu, at: it)
        let s = try system.solve(r1: r1, r2: r2, refiningAgainst: exact, settings: InteriorPointMethod.refinement)
        let step = direction(dx: s.x, nu: s.nu, adx: A.multiply(s.x), complementarity: rcl, rcu, at: it, delta: delta)
        return (step, s.report.residual / s.report.scale)
    }

    /// The direction from a solve (dx, ν) with A·dx: on a row whose sides both look inactive
    /// (z/s < 1) each side's slack step comes from its constraint; otherwise the dominant side (larger
    /// z/s) takes its multiplier step from ν = dz_u − dz_l and its slack step from complementarity,
    /// which does not multiply an error in A·dx by a large z/s or 1/δ. `delta` is the dual
    /// regularization the method keeps (0 when refinement removes it).
    private func direction(dx: [Double], nu: [Double], adx: [Double], complementarity rcl: [Double], _ rcu: [Double],
                   at it: InteriorPointIterate, delta: Double) -> InteriorPointStep {
        let isEquality = rows.isEquality, hasL = rows.hasL, hasU = rows.hasU, m = w.count
        var adx = adx
        if elimination == .perRow, delta > 0 { for i in 0..<m where !isEquality[i] { adx[i] -= delta * nu[i] } }
        var d = InteriorPointStep(dx: dx, m: m)
        for i in 0..<m {
            if isEquality[i] { d.dyEq[i] = nu[i]; continue }
            let sl = it.sl[i], zl = it.zl[i], su = it.su[i], zu = it.zu[i]
            let wl = hasL[i] ? zl / sl : 0, wu = hasU[i] ? zu / su : 0
            if max(wl, wu) < 1 {
                if hasL[i] { (d.dsl[i], d.dzl[i]) = lowerSide(i, adx: adx[i], rc: rcl[i], sl: sl, zl: zl, delta: delta) }
                if hasU[i] { (d.dsu[i], d.dzu[i]) = upperSide(i, adx: adx[i], rc: rcu[i], su: su, zu: zu, delta: delta) }
            } else if wu >= wl {
                if hasL[i] { (d.dsl[i], d.dzl[i]) = lowerSide(i, adx: adx[i], rc: rcl[i], sl: sl, zl: zl, delta: delta) }
                d.dzu[i] = nu[i] + d.dzl[i]
                d.dsu[i] = (rcu[i] - su * d.dzu[i]) / zu
            } else {
                if hasU[i] { (d.dsu[i], d.dzu[i]) = upperSide(i, adx: adx[i], rc: rcu[i], su: su, zu: zu, delta: delta) }
                d.dzl[i] = d.dzu[i] - nu[i]
                d.dsl[i] = (rcl[i] - sl * d.dzl[i]) / zl
            }
        }
        return d
    }

    /// (ds_l, dz_l) of a lower side from its constraint A·dx − ds_l = r_l and complementarity.
    /// `.perSide`: an inactive-looking side (z < s) takes ds from the relaxed constraint, an
    /// active-looking one dz from its elimination formula.
    private func lowerSide(_ i: Int, adx: Double, rc: Double, sl: Double, zl: Double, delta: Double) -> (Double, Double) {
        switch elimination {
        case .perRow:
            let ds = adx + rzl[i]
            return (ds, (rc - zl * ds) / sl)
        case .perSide:
            if zl < sl {
                let num: Double = rzl[i] + adx + delta * rc / sl
                let den: Double = 1 + delta * zl / sl
                let ds = num / den
                return (ds, (rc - zl * ds) / sl)
            }
            let t: Double = rc / zl - rzl[i] - adx
            let dz = gl[i] * t
            return ((rc - sl * dz) / zl, dz)
        }
    }

    /// (ds_u, dz_u) of an upper side from its constraint A·dx + ds_u = −r_u and complementarity.
    private func upperSide(_ i: Int, adx: Double, rc: Double, su: Double, zu: Double, delta: Double) -> (Double, Double) {
        switch elimination {
        case .perRow:
            let ds = rzu[i] - adx
            return (ds, (rc - zu * ds) / su)
        case .perSide:
            if zu < su {
                let num: Double = rzu[i] - adx + delta * rc / su
                let den: Double = 1 + delta * zu / su
                let ds = num / den
                return (ds, (rc - zu * ds) / su)
            }
            let t: Double = adx + rc / zu - rzu[i]
            let dz = gu[i] * t
            return ((rc - su * dz) / zu, dz)
        }
    }
}
