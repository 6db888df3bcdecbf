import Sparse
import KKT

/// The exact one-sided directional derivative of the `.kkt` rule at weakly active rows.
///
/// With unique multipliers, S the strongly active rows (|y| > τ, and equality rows) and W the weakly
/// active ones (tight, y ≈ 0), the directional derivative (δx, δy) of the solution along a data
/// direction (the standard sensitivity result for parametric QPs) solves the directional-derivative QP
/// over the critical cone
///     minimize ½ δxᵀPδx + cᵀδx   subject to   a_iᵀδx + e_i = δb_i  (i ∈ S),
///                                             a_iᵀδx + e_i ≤ δu_i  (i ∈ W tight at u),
///                                             a_iᵀδx + e_i ≥ δl_i  (i ∈ W tight at l),
/// with c = δq + δP·x + δAᵀy and e = δA·x; δy_i is its multiplier (and 0 off S ∪ W). It is solved
/// by an active-set iteration over W only: start with W released (the matrix of the plain `.kkt`
/// solve), enforce the weak rows whose constraint the solution violates, release enforced rows whose
/// multiplier δy_i has the wrong sign, repeat until nothing changes. Each new set of enforced rows is
/// one numeric factorization on the forward symbolic analysis. Where the solution map is
/// differentiable this equals the Jacobian–vector product.
extension Differentiator {
    /// Relative tolerance of the sign and feasibility checks of the directional-derivative QP.
    static let directionalTolerance = 1e-9

    func directionalDerivative(c: [Double], e: [Double], dl: [Double], du: [Double]) throws(DerivativeError)
        -> (dx: [Double], dy: [Double], report: RefinementReport, factorizations: Int, enforced: Int) {
        var enforced = [Int8](repeating: 0, count: m)
        var factorizations = 0
        let weakCount = weakSide.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        var augmented = PatternMatrix()
        let r1 = c.map { -$0 }
        var last: (dx: [Double], dy: [Double], report: RefinementReport)?
        // Each round enforces or releases at least one weak row; 2·|W| + 2 rounds bound a
        // non-cycling iteration.
        for _ in 0..<(2 * weakCount + 2) {
            let sides = (0..<m).map { side[$0] != 0 ? side[$0] : enforced[$0] }
            let r2 = boundChange(sides: sides, e: e, dl: dl, du: du)
            let solved: (wx: [Double], wy: [Double], report: RefinementReport, factorizations: Int)
            if enforced.allSatisfy({ $0 == 0 }) {
                solved = try solveDerivative(r1: r1, r2: r2)
            } else {
                let k: (system: any LinearSystem, exact: KKTParameters)
                do { k = try augmented.matrix(rows: sides.map { $0 != 0 }, delta: settings.regularization, forward: forwardSystem) }
                catch { throw .factorization(error) }
                solved = try solveDerivative(r1: r1, r2: r2, rows: (sides, k.system, k.exact))
            }
            factorizations += solved.factorizations
            let dx = solved.wx, dy = solved.wy
            last = (dx, dy, solved.report)
            let adx = problem.A.multiply(dx)
            var scale = 1.0, yScale = 1.0
            for i in 0..<m { scale = max(scale, abs(adx[i]), abs(r2[i])); yScale = max(yScale, abs(dy[i])) }
            let tol = Self.directionalTolerance * scale, yTol = Self.directionalTolerance * yScale
            var changed = false
            for i in 0..<m where weakSide[i] != 0 {
                let s = weakSide[i]
                if enforced[i] == 0 {
                    let db = s > 0 ? du[i] : dl[i]
                    let slack = adx[i] + e[i] - (db.isFinite ? db : 0)
                    if (s > 0 && slack > tol) || (s < 0 && slack < -tol) { enforced[i] = s; changed = true }
                } else if (s > 0 && dy[i] < -yTol) || (s < 0 && dy[i] > yTol) {
                    enforced[i] = 0; changed = true
                }
            }
            if !changed { break }
        }
        guard let last else { throw .invalidSettings("no directional-derivative round") }
        let count = enforced.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        return (last.dx, last.dy, last.report, factorizations + augmented.factorizations, count)
    }
}
