import Sparse
import QP
import ADMM

/// The exact one-sided directional derivative of the `.kkt` rule where the active rows are linearly
/// dependent (non-unique multipliers).
///
/// Let T be the tight rows at the solution (active, weakly active and equality rows), Λ the set of
/// multipliers (Px + q + A_Tᵀy = 0 with y_i ≥ 0 at an upper bound, ≤ 0 at a lower one, free on an
/// equality row) and, for a data direction, b_i = δ(bound)_i − δA_i·x the change of row i's bound
/// relative to the moving row. For small t > 0 the rows off T stay inactive and x(t) = x + t·h + o(t),
/// where h solves two problems in turn (the standard sensitivity result for parametric QPs, with
/// polyhedral constraints):
///
/// 1. the first-order LP  minimize gᵀh  subject to  a_iᵀh ≤ b_i (upper), ≥ b_i (lower), = b_i
///    (equality), i ∈ T, with g = Px + q = −A_Tᵀy. Its dual is max −bᵀy over Λ; let ŷ be a dual
///    optimal solution. By complementary slackness with ŷ, its optimal face is the polyhedron with
///    a_iᵀh = b_i on the rows where ŷ_i ≠ 0 — the rows that stay strongly active along this
///    direction (which ŷ is taken does not matter: any one dual optimum certifies the same face);
/// 2. the directional-derivative QP over that face:  minimize ½hᵀPh + cᵀh  with
///    c = δq + δP·x + δAᵀŷ, subject to the face's constraints; δy is its multiplier.
///
/// Both are solved with the package's own solver (ADMM, polish and interior-point stages) at
/// ε = `auxiliaryTolerance`, on their own small problems (n variables, |T| rows: one symbolic
/// analysis each). The δAᵀŷ term is exact when the dual optimum ŷ is unique, which holds for a
/// generic direction; with δA ≠ 0 along a direction whose dual optimum is not unique it is the
/// value at the vertex the solver returns. δy is one multiplier of the second problem (the
/// multipliers of the QP are not unique here, and neither is their derivative).
extension Differentiator {
    /// ε_abs = ε_rel of the two auxiliary solves: far below any forward ε, so that their polish
    /// reaches the exact solution of the small problems.
    static let auxiliaryTolerance = 1e-10
    /// |ŷ_i| above this times max(1, ‖ŷ‖∞) puts row i on the face of the first-order LP: the
    /// auxiliary solves' accuracy with a safety factor of 10.
    static let supportTolerance = 1e-9

    struct DependentRowsDerivative {
        var dx: [Double]
        var dy: [Double]
        var residual: Double
        var converged: Bool
        var factorizations: Int
        /// Tight inequality rows held at their bound by the directional-derivative QP.
        var enforced: Int
    }

    /// The multipliers of the tight rows at the point, with wrong-sign rounding noise on inequality
    /// rows set to 0 (so that they lie in the multiplier set), and max(1, ‖y_T‖∞).
    func tightMultipliers(_ tight: [(row: Int, side: Int8, equality: Bool)]) -> (y: [Double], scale: Double) {
        var y0 = [Double](repeating: 0, count: tight.count)
        var scale = 1.0
        for (t, r) in tight.enumerated() {
            let v = y[r.row]
            y0[t] = r.equality || Double(r.side) * v > 0 ? v : 0
            scale = max(scale, abs(v))
        }
        return (y0, scale)
    }

    /// The tight rows T (side +1 at u, −1 at l; equality rows by their side) in row order.
    func tightRows() -> [(row: Int, side: Int8, equality: Bool)] {
        var rows: [(row: Int, side: Int8, equality: Bool)] = []
        for i in 0..<m {
            let s = side[i] != 0 ? side[i] : (weakSide.count == m ? weakSide[i] : 0)
            if s != 0 { rows.append((i, s, Self.isEquality(problem.l[i], problem.u[i]))) }
        }
        return rows
    }

    /// Solves min ½hᵀPh + qᵀh s.t. l ≤ Ah ≤ u with the forward settings at ε = `auxiliaryTolerance`;
    /// nil unless solved. Also returns its numeric factorizations.
    func auxiliarySolve(P: CSCMatrix, q: [Double], A: CSCMatrix, l: [Double], u: [Double]) -> (solution: Solution, factorizations: Int)? {
        var s = forwardSettings
        s.epsAbs = Self.auxiliaryTolerance
        s.epsRel = Self.auxiliaryTolerance
        s.polish = true
        s.verbose = false
        // P is the forward problem's (already checked) or zero.
        s.checkConvexity = false
        guard let qp = try? QuadraticProgram(P: P, q: q, A: A, l: l, u: u),
              let solver = try? ADMMSolver(problem: qp, settings: s) else { return nil }
        let solution = solver.solve()
        guard solution.status == .solved else { return nil }
        return (solution, solver.linearSystem?.profile.numericFactorizations ?? 0)
    }

    /// The two-stage directional derivative described above; nil when an auxiliary solve fails (the
    /// caller then keeps the documented minimum-norm convention, not flagged one-sided).
    func dependentRowsDerivative(dP: CSCMatrix?, dq: [Double]?, dA: CSCMatrix?, e: [Double], dl: [Double],
                                 du: [Double]) -> DependentRowsDerivative? {
        let tight = tightRows()
        let rows = tight.map(\.row)
        guard let At = try? problem.A.selectingRows(rows) else { return nil }
        let k = rows.count
        // b_k and the first-order multiplier at the point (wrong-sign rounding noise clamped to 0, so
        // that the first-order LP is exactly bounded).
        let y0 = tightMultipliers(tight).y
        var b = [Double](repeating: 0, count: k)
        for (t, r) in tight.enumerated() {
            let db = r.side > 0 ? du[r.row] : dl[r.row]
            b[t] = db.isFinite ? db - e[r.row] : -e[r.row]
        }
        let g = At.transposeMultiply(y0).map { -$0 }
        var lo = [Double](repeating: -.infinity, count: k), hi = [Double](repeating: .infinity, count: k)
        for (t, r) in tight.enumerated() {
            if r.equality || r.side > 0 { hi[t] = b[t] }
            if r.equality || r.side < 0 { lo[t] = b[t] }
        }
        // 1. First-order LP: its dual optimum ŷ names the rows that stay strongly active.
        let zero = CSCMatrix.zeros(rowCount: n, columnCount: n)
        guard let first = auxiliarySolve(P: zero, q: g, A: At, l: lo, u: hi) else { return nil }
        let yHat = first.solution.y
        var yMax = 1.0
        for v in yHat { yMax = max(yMax, abs(v)) }
        for (t, r) in tight.enumerated() where !r.equality && abs(yHat[t]) > Self.supportTolerance * yMax {
            lo[t] = b[t]; hi[t] = b[t]
        }
        // 2. Directional-derivative QP over the face, c = δq + δP·x + δAᵀŷ.
        var c = dq ?? [Double](repeating: 0, count: n)
        if let dP { let v = dP.symmetricUpperMultiply(x); for j in 0..<n { c[j] += v[j] } }
        if let dA {
            var full = [Double](repeating: 0, count: m)
            for (t, r) in tight.enumerated() { full[r.row] = yHat[t] }
            let v = dA.transposeMultiply(full); for j in 0..<n { c[j] += v[j] }
        }
        guard let second = auxiliarySolve(P: problem.P, q: c, A: At, l: lo, u: hi) else { return nil }
        var dy = [Double](repeating: 0, count: m)
        var dyMax = 1.0
        for v in second.solution.y { dyMax = max(dyMax, abs(v)) }
        var enforced = 0
        for (t, r) in tight.enumerated() {
            dy[r.row] = second.solution.y[t]
            if !r.equality && lo[t] != hi[t] && abs(second.solution.y[t]) > Self.supportTolerance * dyMax { enforced += 1 }
        }
        let info = second.solution.info
        return DependentRowsDerivative(dx: second.solution.x, dy: dy, residual: max(info.primalResidual, info.dualResidual),
                                       converged: true, factorizations: first.factorizations + second.factorizations,
                                       enforced: enforced)
    }
}
