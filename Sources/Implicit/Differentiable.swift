import _Differentiation
import Sparse
import QP
import ADMM

/// The differentiable values of a QP on fixed patterns: Swift AD's view of (P, q, A, l, u).
/// It is its own tangent vector; an empty array in a tangent stands for zeros.
public struct QPData: Differentiable, AdditiveArithmetic, Sendable, Equatable {
    public typealias TangentVector = QPData
    public var PValues: [Double]
    public var q: [Double]
    public var AValues: [Double]
    public var l: [Double]
    public var u: [Double]

    public init(PValues: [Double], q: [Double], AValues: [Double], l: [Double], u: [Double]) {
        self.PValues = PValues
        self.q = q
        self.AValues = AValues
        self.l = l
        self.u = u
    }

    public static var zero: QPData { QPData(PValues: [], q: [], AValues: [], l: [], u: []) }

    private static func combine(_ a: [Double], _ b: [Double], _ f: (Double, Double) -> Double) -> [Double] {
        if a.isEmpty { return b.map { f(0, $0) } }
        if b.isEmpty { return a }
        return (0..<min(a.count, b.count)).map { f(a[$0], b[$0]) }
    }

    public static func + (a: QPData, b: QPData) -> QPData {
        QPData(PValues: combine(a.PValues, b.PValues, +), q: combine(a.q, b.q, +), AValues: combine(a.AValues, b.AValues, +),
               l: combine(a.l, b.l, +), u: combine(a.u, b.u, +))
    }

    public static func - (a: QPData, b: QPData) -> QPData {
        QPData(PValues: combine(a.PValues, b.PValues, -), q: combine(a.q, b.q, -), AValues: combine(a.AValues, b.AValues, -),
               l: combine(a.l, b.l, -), u: combine(a.u, b.u, -))
    }

    public mutating func move(by offset: QPData) { self = self + offset }
}

/// The non-differentiable part of a QP: the patterns of P (upper triangle) and A, and the settings.
public struct QPStructure: Sendable {
    public var P: SparsityPattern
    public var A: SparsityPattern
    public var settings: SolverSettings
    public var differentiation: DifferentiationSettings

    public init(P: SparsityPattern, A: SparsityPattern, settings: SolverSettings = SolverSettings(),
                differentiation: DifferentiationSettings = DifferentiationSettings()) {
        self.P = P
        self.A = A
        self.settings = settings
        self.differentiation = differentiation
    }
}

/// x* of the QP with values `data` on `structure`, differentiable with Swift's AD: the registered
/// pullback is `Differentiator.adjoint` (with dy = 0). Gradients follow `Gradients`' conventions
/// (dP on stored upper-triangle values).
///
/// Differentiable functions cannot throw: when the problem is invalid or the solve does not reach
/// a status accepted by `structure.differentiation`, the value is an array of NaN (n entries) and
/// so is the gradient — never a gradient at a point the solver did not reach. Likewise the gradient
/// is NaN when the `.kkt` active set is ambiguous beyond `structure.differentiation.maxAmbiguousRows`
/// (`DerivativeError.ambiguousActiveSet`) and `allowAmbiguous` is off.
@differentiable(reverse, wrt: data)
public func solveQP(_ data: QPData, structure: QPStructure) -> [Double] {
    solveWithDifferentiator(data, structure).x
}

func solveWithDifferentiator(_ data: QPData, _ s: QPStructure) -> (x: [Double], differentiator: Differentiator?) {
    let nan = [Double](repeating: .nan, count: s.P.columnCount)
    guard let qp = try? QuadraticProgram(P: CSCMatrix(uncheckedPattern: s.P, values: data.PValues), q: data.q,
                                         A: CSCMatrix(uncheckedPattern: s.A, values: data.AValues), l: data.l, u: data.u),
          data.PValues.count == s.P.nonzeroCount, data.AValues.count == s.A.nonzeroCount,
          let solver = try? ADMMSolver(problem: qp, settings: s.settings) else { return (nan, nil) }
    let solution = solver.solve()
    guard let d = try? Differentiator(solver: solver, solution: solution, settings: s.differentiation) else { return (nan, nil) }
    return (solution.x, d)
}

@derivative(of: solveQP, wrt: data)
public func solveQPVJP(_ data: QPData, structure: QPStructure) -> (value: [Double], pullback: (Array<Double>.TangentVector) -> QPData) {
    let (x, d) = solveWithDifferentiator(data, structure)
    let n = structure.P.columnCount, m = structure.A.rowCount
    return (x, { v in
        var dx = [Double](repeating: 0, count: n)
        for k in 0..<min(n, v.base.count) { dx[k] = v.base[k] }
        guard let d, let (g, _) = try? d.adjoint(dx: dx) else {
            let nan = { (c: Int) in [Double](repeating: .nan, count: c) }
            return QPData(PValues: nan(structure.P.nonzeroCount), q: nan(n), AValues: nan(structure.A.nonzeroCount), l: nan(m), u: nan(m))
        }
        return QPData(PValues: g.dP.values, q: g.dq, AValues: g.dA.values, l: g.dl, u: g.du)
    })
}
