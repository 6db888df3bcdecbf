import Sparse
import KKT

/// The `.kkt` VJP at a degenerate point (weakly active rows, or dependent active rows with
/// non-unique multipliers), by enumerating the pieces of the solution map.
///
/// Near a solution with tight rows I, the solution map of the QP is piecewise smooth: each piece is
/// an active set J ⊆ I (equality rows always in J) with [P, A_Jᵀ; A_J, 0] nonsingular, whose
/// equality-constrained solution is the current x and whose (then unique) multipliers have the
/// signs of their sides. Every such J is the active set on a region of data space with non-empty
/// interior adjacent to the current data, and there the derivative is the KKT derivative with active
/// set J. The loss L = dxᵀx* + dyᵀy* is differentiable here exactly when all these pieces give the
/// same gradient (its one-sided derivatives then agree in every direction); the VJP then returns that
/// gradient (`BackwardInfo.differentiable` true, `pieces` = the number of pieces). When they differ,
/// the VJP keeps the documented convention (weakly active rows released; minimum-norm solution for
/// dependent rows) and `differentiable` is false.
///
/// Cost: on the first `adjoint` call, 2^k numeric factorizations on the forward symbolic analysis
/// (k the number of tight inequality rows; run only when k ≤ `DifferentiationSettings.maxPieceRows`),
/// and one factor kept per valid piece; later calls are one solve per valid piece.
extension Differentiator {
    /// Relative tolerance for "the same point", the multiplier signs and "the same gradient".
    static let pieceTolerance = 1e-7

    struct PieceAnalysis {
        var gradient: Gradients?
        var pieces: Int
        var differentiable: Bool
        var factorizations: Int
    }

    /// A valid piece: its row sides, its (unscaled) multipliers and its factorized matrix.
    struct Piece {
        var sides: [Int8]
        var y: [Double]
        var matrix: PatternMatrix
    }

    /// The valid pieces at this point (enumerated on the first call, kept for later calls); nil when
    /// the enumeration does not apply (more tight rows than `maxPieceRows`). Returns the numeric
    /// factorizations done now.
    func validPieces() throws(DerivativeError) -> (pieces: [Piece]?, factorizations: Int) {
        if let pieces { return (pieces, 0) }
        var tight: [Int] = [], sides = [Int8](repeating: 0, count: m)
        for i in 0..<m {
            if side[i] != 0 {
                sides[i] = side[i]
                if !Self.isEquality(problem.l[i], problem.u[i]) { tight.append(i) }
            } else if weakSide.count == m, weakSide[i] != 0 {
                sides[i] = weakSide[i]
                tight.append(i)
            }
        }
        guard tight.count <= settings.maxPieceRows else { return (nil, 0) }
        let xs = (0..<n).map { x[$0] / state.D[$0] }
        var xScale = 1.0
        for v in xs { xScale = max(xScale, abs(v)) }
        var scratch = PatternMatrix()
        var factorizations = 0
        var found: [Piece] = []
        for subset in 0..<(1 << tight.count) {
            var pieceSides = sides
            for (k, i) in tight.enumerated() where subset & (1 << k) == 0 { pieceSides[i] = 0 }
            let mask = pieceSides.map { $0 != 0 }
            do {
                let before = scratch.factorizations
                let (s, exact) = try scratch.matrix(rows: mask, delta: settings.regularization, forward: forwardSystem)
                factorizations += scratch.factorizations - before
                // Nonsingular: a generic right-hand side is consistent.
                var probe1 = [Double](repeating: 0, count: n), probe2 = [Double](repeating: 0, count: m)
                for j in 0..<n { probe1[j] = 1 + Double(j % 7) / 7 }
                for i in 0..<m where mask[i] { probe2[i] = 1 + Double(i % 5) / 5 }
                let p = try s.solve(r1: probe1, r2: probe2, refiningAgainst: exact, settings: settings.refinement)
                guard p.report.residual <= Self.inconsistencyThreshold * p.report.scale else { continue }
                // The piece's solution is the current point, with multipliers of the right signs.
                let b2 = (0..<m).map { pieceSides[$0] > 0 ? state.scaledU[$0] : pieceSides[$0] < 0 ? state.scaledL[$0] : 0 }
                let r = try s.solve(r1: state.scaledQ.map { -$0 }, r2: b2, refiningAgainst: exact, settings: settings.refinement)
                var same = true
                for j in 0..<n where abs(r.x[j] - xs[j]) > Self.pieceTolerance * xScale { same = false; break }
                guard same else { continue }
                var yScale = 1.0
                for i in 0..<m where mask[i] { yScale = max(yScale, abs(r.nu[i])) }
                var signs = true
                for i in tight where mask[i] && Double(pieceSides[i]) * r.nu[i] < -Self.pieceTolerance * yScale { signs = false; break }
                guard signs else { continue }
                // Keep this factorization with the piece; later pieces use a new scratch companion.
                found.append(Piece(sides: pieceSides, y: (0..<m).map { mask[$0] ? r.nu[$0] * state.E[$0] / state.c : 0 },
                                   matrix: scratch))
                scratch = PatternMatrix()
            } catch {
                continue
            }
        }
        pieces = found
        return (found, factorizations)
    }

    /// The gradient of L on every valid piece; nil when the enumeration does not apply or found no
    /// valid piece.
    func analysePieces(dx: [Double], dy: [Double]) throws(DerivativeError) -> PieceAnalysis? {
        let (valid, factorizations) = try validPieces()
        guard let valid, !valid.isEmpty else { return nil }
        var found: [Gradients] = []
        for piece in valid {
            guard let system = piece.matrix.system else { continue }
            let exact = KKTParameters(sigma: 0, rho: piece.sides.map { $0 != 0 ? .infinity : 0 })
            let (rx, ry, _, _) = try solveDerivative(r1: dx.map { -$0 }, r2: dy.map { -$0 }, rows: (piece.sides, system, exact))
            found.append(gradients(h: rx, k: ry, xv: x, yv: piece.y, boundGradient: ry.map { -$0 }, sides: piece.sides))
        }
        guard let first = found.first else { return nil }
        var scale = 1.0, spread = 0.0
        func compare(_ a: [Double], _ b: [Double]) {
            for k in 0..<a.count { scale = max(scale, abs(a[k])); spread = max(spread, abs(a[k] - b[k])) }
        }
        for g in found.dropFirst() {
            compare(first.dq, g.dq); compare(first.dl, g.dl); compare(first.du, g.du)
            compare(first.dP.values, g.dP.values); compare(first.dA.values, g.dA.values)
        }
        let agree = spread <= Self.pieceTolerance * scale
        return PieceAnalysis(gradient: agree ? first : nil, pieces: found.count, differentiable: agree, factorizations: factorizations)
    }
}

/// The differentiability test without enumeration, for weakly active rows W beside independent
/// tight rows.
///
/// When all tight rows S ∪ W are linearly independent, every J ⊆ W is a valid piece (its matrix is
/// nonsingular and the current point, with y_J = 0, solves it), so the pieces can be compared
/// without solving them: let (r, s) solve the released system K_S·(r, s) = −(dx, dy_S). It also
/// solves every K_J system with s_J = 0 exactly when a_iᵀr = −dy_i on every weakly active row i; then
/// every piece gives the gradient of the released one, and L is differentiable. When a_iᵀr ≠ −dy_i
/// for some i, the piece {i} has a different adjoint solution, so a different dq: not differentiable.
/// Cost: one numeric factorization of the S ∪ W matrix on the first call (an independence probe
/// like `probeMultiplierUniqueness`), then O(nnz(A)) per call.
extension Differentiator {
    /// Whether the tight rows S ∪ W are linearly independent (probed once); nil if the probe fails.
    func tightRowsIndependent() -> Bool? {
        if let known = tightRowsIndependence { return known }
        var sides = side
        for i in 0..<m where sides[i] == 0 && weakSide.count == m && weakSide[i] != 0 { sides[i] = weakSide[i] }
        let mask = sides.map { $0 != 0 }
        let rows = mask.reduce(0) { $0 + ($1 ? 1 : 0) }
        if rows > n { tightRowsIndependence = false; return false }
        var matrix = PatternMatrix()
        guard let (s, exact) = try? matrix.matrix(rows: mask, delta: settings.regularization, forward: forwardSystem) else { return nil }
        tightRowsProbeFactorizations = matrix.factorizations
        var b = [Double](repeating: 0, count: m)
        for i in 0..<m where mask[i] { b[i] = 1 + Double(i % 5) / 5 }
        guard let r = try? s.solve(r1: [Double](repeating: 0, count: n), r2: b, refiningAgainst: exact,
                                   settings: settings.refinement) else { return nil }
        let independent = r.report.residual <= Self.inconsistencyThreshold * r.report.scale
        tightRowsIndependence = independent
        return independent
    }

    /// `adjoint` with weakly active rows and independent tight rows: whether the released gradient
    /// (adjoint solution `rx` of the released system) is the gradient of L (see above); nil when the
    /// test does not apply (dependent tight rows, or the probe failed).
    func orthogonalityTest(rx: [Double], dy: [Double]) -> Bool? {
        guard counts.weak > 0, multipliersUnique == true, tightRowsIndependent() == true else { return nil }
        let ar = problem.A.multiply(rx)
        var scale = 1.0, worst = 0.0
        for i in 0..<m where weakSide.count == m && weakSide[i] != 0 {
            scale = max(scale, abs(ar[i]), abs(dy[i]))
            worst = max(worst, abs(ar[i] + dy[i]))
        }
        return worst <= Self.pieceTolerance * scale
    }
}
