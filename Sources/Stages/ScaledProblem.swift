import Sparse

/// The problem every stage works on: the data after Ruiz scaling (`Scaling`), P̄ = c·D P D (upper
/// triangle), q̄ = c·D q, Ā = E A D, l̄ = E l, ū = E u, with the scaling to map results back
/// (x = D x̄, y = E ȳ / c) and the objective's constant. Owned by the solver, which updates it in
/// place (vector and value updates); the stages read it.
package final class ScaledProblem {
    package let n: Int
    package let m: Int
    package var P: CSCMatrix
    package var A: CSCMatrix
    package let q: Vector
    package let l: Vector
    package let u: Vector
    package var scaling: Scaling
    package var objectiveConstant: Double

    package init(P: CSCMatrix, A: CSCMatrix, q: [Double], scaling: Scaling, objectiveConstant: Double) {
        n = P.columnCount
        m = A.rowCount
        self.P = P
        self.A = A
        self.q = Vector(q)
        l = Vector(count: A.rowCount)
        u = Vector(count: A.rowCount)
        self.scaling = scaling
        self.objectiveConstant = objectiveConstant
    }

    /// A copy with its own vectors (for a companion solver on another thread).
    package init(copying other: ScaledProblem) {
        n = other.n; m = other.m
        P = other.P; A = other.A
        q = Vector(other.q.array); l = Vector(other.l.array); u = Vector(other.u.array)
        scaling = other.scaling
        objectiveConstant = other.objectiveConstant
    }

    /// An unscaled point from a scaled one: x = D x̄, y = E ȳ / c.
    package func unscaledX(_ x: [Double]) -> [Double] { (0..<n).map { x[$0] * scaling.D[$0] } }
    package func unscaledY(_ y: [Double]) -> [Double] { (0..<m).map { y[$0] * scaling.E[$0] * scaling.cinv } }
}
