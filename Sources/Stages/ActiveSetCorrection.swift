/// The correction step of a primal–dual active-set iteration, shared by polishing's rounds
/// (`Polisher.candidate`) and the derivative's crossover (`Implicit/ActiveSet.swift`).
///
/// After a solve of the equality-constrained QP on the rows with `side[i] ≠ 0` (−1 at l, +1 at u),
/// an active inequality row whose multiplier has the wrong sign (y_i < −τ_y at u, y_i > τ_y at l)
/// is released, and an inactive row whose bound is violated (Ax_i > u_i + τ_p, Ax_i < l_i − τ_p) is
/// added at that bound; equality rows never change. τ_y = tolerance·max(1, ‖y‖∞) and
/// τ_p = tolerance·max(1, ‖Ax‖∞). Returns the number of rows changed (0: the set is final).
package enum ActiveSetCorrection {
    package static func correct<Bounds: RandomAccessCollection<Double>>(
        _ side: inout [Int8], equality: [Bool], y: [Double], ax: [Double], lower l: Bounds, upper u: Bounds,
        tolerance: Double
    ) -> Int where Bounds.Index == Int {
        let m = side.count
        var yScale = 1.0, axScale = 1.0
        for i in 0..<m { yScale = max(yScale, abs(y[i])); axScale = max(axScale, abs(ax[i])) }
        let yTol = tolerance * yScale, pTol = tolerance * axScale
        var changes = 0
        for i in 0..<m where !equality[i] {
            switch side[i] {
            case 1 where y[i] < -yTol, -1 where y[i] > yTol:
                side[i] = 0; changes += 1
            case 0 where ax[i] > u[i] + pTol:
                side[i] = 1; changes += 1
            case 0 where ax[i] < l[i] - pTol:
                side[i] = -1; changes += 1
            default: break
            }
        }
        return changes
    }
}
