import Sparse
import KKT
import ADMM

/// The `.kkt` rule.
///
/// Linearizing Px + q + Aᵀy = 0, A_act x = b_act, y_inact = 0 gives
///     K·[δx; δy_act] = −[δP·x + δq + δAᵀy; δA_act·x − δb_act],   K = [P, A_actᵀ; A_act, 0].
/// JVP: one solve with that right-hand side. Adjoint: with K·[r_x; r_y] = −[dx; dy_act],
///     dq = r_x,  dP (stored values) = r_x,i x_j + r_x,j x_i (i < j), r_x,i x_i (diagonal),
///     dA_ij = y_i r_x,j + r_y,i x_j,  db_act = −r_y (to du or dl by the row's side).
extension Differentiator {
    /// The derivative matrix, factorized on first use; returns the system and the number of numeric
    /// factorizations done now. When the forward polish left a factorization of the regularized
    /// active-set matrix with exactly these active rows, a copy of it is used (0 factorizations; the
    /// refinement against the exact matrix is the same, only δ is the polish's).
    func derivativeMatrix() throws(DerivativeError) -> (KKTSystem, Int) {
        if let s = derivativeSystem { return (s, 0) }
        if let pf = reusablePolish {
            do {
                let s = try pf.system.makeCompanion()
                derivativeSystem = s
                derivativeRegularization = pf.regularization
                return (s, 0)
            } catch {
                throw .factorization(error)
            }
        }
        do {
            let s = try forwardSystem.makeCompanion()
            try s.update(parameters: regularizedParameters)
            derivativeSystem = s
            return (s, 1)
        } catch {
            throw .factorization(error)
        }
    }

    /// Solves K·[w_x; w_y] = [r1; r2_act] (unscaled K; inactive entries of r2 ignored, w_y = 0 there)
    /// through the scaled system K̄ = S K S, S = diag(√c·D, E/√c).
    func solveDerivative(r1: [Double], r2: [Double]) throws(DerivativeError) -> (wx: [Double], wy: [Double], report: RefinementReport, factorizations: Int) {
        let (system, factorizations) = try derivativeMatrix()
        let sc = state.c.squareRoot()
        var b1 = [Double](repeating: 0, count: n), b2 = [Double](repeating: 0, count: m)
        for j in 0..<n { b1[j] = sc * state.D[j] * r1[j] }
        for i in 0..<m where side[i] != 0 { b2[i] = state.E[i] / sc * r2[i] }
        do {
            let r = try system.solve(r1: b1, r2: b2, refiningAgainst: exactParameters, settings: settings.refinement)
            var wx = r.x, wy = r.nu
            for j in 0..<n { wx[j] *= sc * state.D[j] }
            for i in 0..<m { wy[i] = side[i] != 0 ? wy[i] * state.E[i] / sc : 0 }
            return (wx, wy, r.report, factorizations)
        } catch {
            throw .factorization(error)
        }
    }

    func kktAdjoint(dx: [Double], dy: [Double]) throws(DerivativeError) -> (gradients: Gradients, info: BackwardInfo) {
        let t0 = ContinuousClock.now
        let (rx, ry, report, f) = try solveDerivative(r1: dx.map { -$0 }, r2: dy.map { -$0 })
        let g = gradients(h: rx, k: ry, xv: x, yv: y, boundGradient: ry.map { -$0 }, sides: side)
        return (g, info(rule: .kkt, counts: counts, steps: report.steps, residual: report.residual,
                        converged: report.converged, factorizations: f, start: t0))
    }

    /// c = δq + δP·x + δAᵀy, e = δA·x.
    func kktJVP(c: [Double], e: [Double], dl: [Double], du: [Double]) throws(DerivativeError) -> (dx: [Double], dy: [Double], info: BackwardInfo) {
        let t0 = ContinuousClock.now
        var r2 = [Double](repeating: 0, count: m)
        for i in 0..<m where side[i] != 0 {
            let db = side[i] > 0 ? du[i] : dl[i]
            r2[i] = db.isFinite ? db - e[i] : -e[i]
        }
        let (dx, dy, report, f) = try solveDerivative(r1: c.map { -$0 }, r2: r2)
        return (dx, dy, info(rule: .kkt, counts: counts, steps: report.steps, residual: report.residual,
                             converged: report.converged, factorizations: f, start: t0))
    }
}
