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
    /// active-set matrix with exactly these active rows, that factorization is used (taken over from
    /// the solver at `init`; 0 factorizations; the refinement against the exact matrix is the same,
    /// only δ is the polish's).
    func derivativeMatrix() throws(DerivativeError) -> (any LinearSystem, Int) {
        if let s = derivativeSystem { return (s, 0) }
        let result: (any LinearSystem, Int)
        if let pf = reusablePolish {
            // Owned by this differentiator since `init` (taken over from the solver or the crossover).
            derivativeSystem = pf.system
            derivativeRegularization = pf.regularization
            result = (pf.system, 0)
        } else {
            do {
                let s = try forwardSystem.makeCompanion(copyingFactor: false)
                try s.update(parameters: regularizedParameters)
                derivativeSystem = s
                result = (s, 1)
            } catch {
                throw .factorization(error)
            }
        }
        multipliersUnique = probeMultiplierUniqueness(result.0)
        return result
    }

    /// Whether the active rows of Ā are linearly independent (unique multipliers). More active rows
    /// than variables: no. Otherwise one probe: K̄·w = [0; b] with b a fixed pseudo-random vector on
    /// the active rows is consistent iff b has no component in null(Ā_actᵀ); when the rows are
    /// dependent a generic b has one, and refinement against the exact matrix stalls (the same
    /// inconsistency test as the least-squares fallback). nil if the probe solve fails.
    func probeMultiplierUniqueness(_ system: any LinearSystem) -> Bool? {
        let active = side.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        if active == 0 { return true }
        if active > n { return false }
        var b = [Double](repeating: 0, count: m)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<m where side[i] != 0 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            b[i] = Double(state >> 11) / Double(1 << 53) + 0.5
        }
        guard let r = try? system.solve(r1: [Double](repeating: 0, count: n), r2: b, refiningAgainst: exactParameters,
                                        settings: settings.refinement) else { return nil }
        return r.report.residual <= Self.inconsistencyThreshold * r.report.scale
    }

    /// Solves K·[w_x; w_y] = [r1; r2_act] (unscaled K; inactive entries of r2 ignored, w_y = 0 there)
    /// through the scaled system K̄ = S K S, S = diag(√c·D, E/√c).
    ///
    /// `rows`: another active-row pattern (the directional-derivative QP's), with its factorized
    /// matrix and exact parameters; the least-squares fallback is then not used.
    func solveDerivative(r1: [Double], r2: [Double],
                         rows: (sides: [Int8], system: any LinearSystem, exact: KKTParameters)? = nil) throws(DerivativeError) -> (wx: [Double], wy: [Double], report: RefinementReport, factorizations: Int) {
        let (system, factorizations): (any LinearSystem, Int)
        if let rows { (system, factorizations) = (rows.system, 0) } else { (system, factorizations) = try derivativeMatrix() }
        let side = rows?.sides ?? self.side
        let sc = state.c.squareRoot()
        var b1 = [Double](repeating: 0, count: n), b2 = [Double](repeating: 0, count: m)
        for j in 0..<n { b1[j] = sc * state.D[j] * r1[j] }
        for i in 0..<m where side[i] != 0 { b2[i] = state.E[i] / sc * r2[i] }
        var wx: [Double], wy: [Double], report: RefinementReport
        do {
            let r = try system.solve(r1: b1, r2: b2, refiningAgainst: rows?.exact ?? exactParameters, settings: settings.refinement)
            (wx, wy, report) = (r.x, r.nu, r.report)
        } catch {
            throw .factorization(error)
        }
        lastLeastSquaresIterations = 0
        // Only an inconsistent system (refinement stalls far above rounding level) goes to the
        // least-squares fallback; a large well-posed system whose refinement stalls at 1e-12
        // relative keeps the refined solution (and reports converged = false honestly).
        if rows == nil, !report.converged, report.residual > Self.inconsistencyThreshold * report.scale {
            let ls = minimumNormLeastSquares(b1: b1, b2: b2, tolerance: settings.refinement.tolerance)
            (wx, wy) = (ls.x, ls.nu)
            report = RefinementReport(steps: report.steps, residual: ls.residual, scale: report.scale, converged: ls.converged)
            lastLeastSquaresIterations = ls.iterations
        }
        for j in 0..<n { wx[j] *= sc * state.D[j] }
        for i in 0..<m { wy[i] = side[i] != 0 ? wy[i] * state.E[i] / sc : 0 }
        return (wx, wy, report, factorizations)
    }

    /// The scaled derivative operator K̄ = [P̄, Ā_actᵀ; Ā_act, 0] (inactive rows of the second block
    /// are identically zero) applied to (x, ν). Symmetric, so it is its own transpose.
    func applyDerivativeOperator(_ x: [Double], _ nu: [Double]) -> (top: [Double], bottom: [Double]) {
        var top = state.scaledP.symmetricUpperMultiply(x)
        var masked = nu
        for i in 0..<m where side[i] == 0 { masked[i] = 0 }
        let atn = state.scaledA.transposeMultiply(masked)
        for j in 0..<n { top[j] += atn[j] }
        var bottom = state.scaledA.multiply(x)
        for i in 0..<m where side[i] == 0 { bottom[i] = 0 }
        return (top, bottom)
    }

    /// Relative refinement residual above which the derivative system is treated as inconsistent.
    static let inconsistencyThreshold = 1e-8

    /// Minimum-norm least-squares solution of K̄·w = b by CGLS started at w = 0 (its iterates stay in
    /// range(K̄), so the limit is the minimum-norm solution of the normal equations). Stops when
    /// ‖K̄ᵀr‖₂ ≤ tolerance·‖K̄ᵀb‖₂ or after 20·(n + m) (at most 20 000) iterations. Used only when
    /// refinement against the exact singular system cannot reach its tolerance (inconsistent system).
    func minimumNormLeastSquares(b1: [Double], b2: [Double], tolerance: Double) -> (x: [Double], nu: [Double], residual: Double, converged: Bool, iterations: Int) {
        func dot(_ a: ([Double], [Double]), _ b: ([Double], [Double])) -> Double {
            var s = 0.0
            for j in 0..<n { s += a.0[j] * b.0[j] }
            for i in 0..<m { s += a.1[i] * b.1[i] }
            return s
        }
        var x = [Double](repeating: 0, count: n), nu = [Double](repeating: 0, count: m)
        var r = (b1, b2.enumerated().map { side[$0.offset] == 0 ? 0 : $0.element })
        var s = applyDerivativeOperator(r.0, r.1)
        var p = (s.top, s.bottom)
        var gamma = dot((s.top, s.bottom), (s.top, s.bottom))
        let gamma0 = gamma
        let maxIterations = min(20 * (n + m), 20_000)
        var iterations = 0
        var converged = gamma0 == 0
        while !converged && iterations < maxIterations {
            iterations += 1
            let q = applyDerivativeOperator(p.0, p.1)
            let qq = dot((q.top, q.bottom), (q.top, q.bottom))
            guard qq > 0 else { break }
            let alpha = gamma / qq
            for j in 0..<n { x[j] += alpha * p.0[j]; r.0[j] -= alpha * q.top[j] }
            for i in 0..<m { nu[i] += alpha * p.1[i]; r.1[i] -= alpha * q.bottom[i] }
            s = applyDerivativeOperator(r.0, r.1)
            let gammaNew = dot((s.top, s.bottom), (s.top, s.bottom))
            if gammaNew.squareRoot() <= tolerance * gamma0.squareRoot() { converged = true }
            let beta = gammaNew / gamma
            for j in 0..<n { p.0[j] = s.top[j] + beta * p.0[j] }
            for i in 0..<m { p.1[i] = s.bottom[i] + beta * p.1[i] }
            gamma = gammaNew
        }
        var residual = 0.0
        for v in r.0 { residual = max(residual, abs(v)) }
        for v in r.1 { residual = max(residual, abs(v)) }
        return (x, nu, residual, converged, iterations)
    }

    func kktAdjoint(dx: [Double], dy: [Double]) throws(DerivativeError) -> (gradients: Gradients, info: BackwardInfo) {
        let t0 = ContinuousClock.now
        let (rx, ry, report, f) = try solveDerivative(r1: dx.map { -$0 }, r2: dy.map { -$0 })
        var g = gradients(h: rx, k: ry, xv: x, yv: y, boundGradient: ry.map { -$0 }, sides: side)
        var i = info(rule: .kkt, counts: counts, steps: report.steps, residual: report.residual,
                     converged: report.converged, factorizations: f, start: t0)
        if i.degenerate, let same = orthogonalityTest(rx: rx, dy: dy) {
            // Weakly active rows beside independent tight rows: one test decides (no enumeration).
            i.differentiable = same
            i.numericFactorizations += tightRowsProbeFactorizations
            tightRowsProbeFactorizations = 0
        } else if i.degenerate, multipliersUnique == false, let d = try dependentRowsGradient(dx: dx, dy: dy) {
            // Dependent tight rows: the core/null-space test; the pieces' common gradient when they agree.
            if let dg = d.gradient { g = dg }
            i.differentiable = d.differentiable
            i.numericFactorizations += d.factorizations
        } else if i.degenerate, settings.maxPieceRows > 0, let pieces = try analysePieces(dx: dx, dy: dy) {
            // Dependent tight rows: the true gradient when every adjacent piece agrees, else the convention.
            if let pg = pieces.gradient { g = pg }
            i.differentiable = pieces.differentiable
            i.pieces = pieces.pieces
            i.numericFactorizations += pieces.factorizations
        }
        i.factorizationReused = i.numericFactorizations == 0
        i.time = seconds(since: t0)
        return (g, i)
    }

    /// c = δq + δP·x + δAᵀy, e = δA·x. With dependent active rows (probed on the derivative matrix,
    /// factorized first) the two-stage directional derivative of `DependentRows.swift`; with weakly
    /// active rows and unique multipliers the directional-derivative QP of `DirectionalDerivative.swift`;
    /// otherwise one solve.
    func kktJVP(dP: CSCMatrix?, dq: [Double]?, dA: CSCMatrix?, c: [Double], e: [Double], dl: [Double], du: [Double]) throws(DerivativeError) -> (dx: [Double], dy: [Double], info: BackwardInfo) {
        let t0 = ContinuousClock.now
        let (_, f0) = try derivativeMatrix()
        if settings.oneSidedJVP, multipliersUnique == false,
           let d = dependentRowsDerivative(dP: dP, dq: dq, dA: dA, e: e, dl: dl, du: du) {
            var i = info(rule: .kkt, counts: counts, steps: 0, residual: d.residual, converged: d.converged,
                         factorizations: f0 + d.factorizations, start: t0)
            i.oneSided = true
            i.enforcedWeaklyActive = d.enforced
            return (d.dx, d.dy, i)
        }
        if counts.weak > 0, settings.oneSidedJVP, multipliersUnique != false {
            let d = try directionalDerivative(c: c, e: e, dl: dl, du: du)
            var i = info(rule: .kkt, counts: counts, steps: d.report.steps, residual: d.report.residual,
                         converged: d.report.converged, factorizations: f0 + d.factorizations, start: t0)
            i.oneSided = true
            i.enforcedWeaklyActive = d.enforced
            return (d.dx, d.dy, i)
        }
        let (dx, dy, report, f) = try solveDerivative(r1: c.map { -$0 }, r2: boundChange(sides: side, e: e, dl: dl, du: du))
        return (dx, dy, info(rule: .kkt, counts: counts, steps: report.steps, residual: report.residual,
                             converged: report.converged, factorizations: f0 + f, start: t0))
    }

    /// r2_i = δb_i − δA_i·x on the rows with a side (δb from du or dl by the side; 0 at an infinite bound).
    func boundChange(sides: [Int8], e: [Double], dl: [Double], du: [Double]) -> [Double] {
        var r2 = [Double](repeating: 0, count: m)
        for i in 0..<m where sides[i] != 0 {
            let db = sides[i] > 0 ? du[i] : dl[i]
            r2[i] = db.isFinite ? db - e[i] : -e[i]
        }
        return r2
    }
}
