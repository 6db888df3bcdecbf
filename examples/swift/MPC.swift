// Learning the cost weights of a sparse MPC controller from demonstrations (examples/mpc_learning.py
// in Swift). The controller solves, for an initial state x0, the QP over z = (x_1..x_T, u_0..u_{T-1})
//
//     minimize  Σ_t x_tᵀ diag(w_x) x_t + u_tᵀ diag(w_u) u_t
//     subject to x_{t+1} = A x_t + B u_t (x_0 given), −u_max ≤ u_t ≤ u_max,
//
// with T·(n_x + n_u) variables (11 000 by default). Demonstrations are its solutions for unknown
// weights; the log-weights are learned by gradient descent (Adam) on the trajectories' distance to
// the demonstrations, the gradient computed by Swift's AD through `QPLayer.solutions`.

import _Differentiation
import ArgumentParser
import Foundation
import Generators
import Implicit
import ADMM
import QP
import Sparse

struct MPCLearning: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpc", abstract: "Learn the cost weights of a sparse MPC controller from demonstrations.")

    @OptionGroup var options: ExampleOptions

    /// Bound on the inputs |u_t|.
    static let inputBound = 1.0
    /// Spectral radius of the dynamics: slightly unstable, so that the controller matters.
    static let spectralRadius = 1.02

    func run() throws {
        let progress = Progress(name: "mpc")
        var g = SeededGenerator(seed: options.seed)
        let nx = 8, nu = 3
        let (T, batch, steps) = options.quick ? (20, 4, 10) : (1000, 4, 30)
        let Ad = orthogonal(nx, using: &g).map { $0.map { Self.spectralRadius * $0 } }
        let Bd = (0..<nx).map { _ in (0..<nu).map { _ in g.nextNormal() } }
        let (P, A) = try mpcStructure(Ad: Ad, Bd: Bd, T: T)
        let n = T * (nx + nu), m = A.rowCount
        progress("QP: n = \(n) variables, m = \(m) rows, nnz(A) = \(A.nonzeroCount), batch \(batch)")
        let template = (0..<batch).map { _ -> QPData in
            let x0 = (0..<nx).map { _ in 3 * g.nextNormal() }
            var l = [Double](repeating: 0, count: T * nx) + [Double](repeating: -Self.inputBound, count: T * nu)
            var u = [Double](repeating: 0, count: T * nx) + [Double](repeating: Self.inputBound, count: T * nu)
            for i in 0..<nx {
                let a = (0..<nx).reduce(0.0) { $0 + Ad[i][$1] * x0[$1] }
                l[i] = a
                u[i] = a
            }
            return QPData(PValues: P.values, q: [Double](repeating: 0, count: n), AValues: A.values, l: l, u: u)
        }
        var settings = SolverSettings()
        settings.epsAbs = 1e-7
        settings.epsRel = 1e-7
        let base = try QuadraticProgram(P: P, q: template[0].q, A: A, l: template[0].l, u: template[0].u)
        let layer = QPLayer(base: base, solverSettings: settings)

        let trueWeights = (0..<nx).map { _ in g.nextUniform(0.5, 5) } + (0..<nu).map { _ in g.nextUniform(0.05, 1) }
        let demos = layer.solutions(items(PValues: costDiagonal(trueWeights.map { log($0) }, nx: nx, T: T), q: [], template: template))
        guard demos.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw ExampleError.notSolved("the demonstrations") }

        var logWeights = [Double](repeating: 0, count: nx + nu)
        var adam = Adam(learningRate: 0.15)
        var rows: [[Double]] = []
        for step in 0..<steps {
            let (loss, gradient) = valueWithGradient(at: logWeights) { w in
                meanSquaredDistance(layer.solutions(items(PValues: costDiagonal(w, nx: nx, T: T), q: [], template: template)), demos)
            }
            guard loss.isFinite else { throw ExampleError.notSolved("step \(step)") }
            adam.step(&logWeights, gradient: Array(gradient.base))
            let error = normalizedWeightError(logWeights.map { exp($0) }, trueWeights)
            rows.append([Double(step), loss, error])
            if step % max(1, steps / 10) == 0 || step == steps - 1 {
                progress(String(format: "step %3d  trajectory MSE %.3e  weight error %.3f", step, loss, error))
            }
        }
        let out = options.out ?? "mpc_learning_swift.csv"
        try writeCSV(out, header: ["step", "trajectory_mse", "weight_error"], rows: rows)
        progress("saved \(out)")
    }
}

enum ExampleError: Error, CustomStringConvertible {
    case notSolved(String)
    var description: String {
        switch self {
        case .notSolved(let what): return "\(what): a QP of the batch was not solved (NaN); no gradient"
        }
    }
}

/// The diagonal of P on its CSC pattern: exp(log w_x) for every x_t, then exp(log w_u) for every u_t.
@differentiable(reverse, wrt: logWeights)
func costDiagonal(_ logWeights: [Double], nx: Int, T: Int) -> [Double] {
    let w = logWeights.map { exp($0) }
    let nu = w.count - nx
    var out: [Double] = []
    out.reserveCapacity(T * w.count)
    for _ in 0..<T { out += w[0..<nx] }
    for _ in 0..<T { out += w[nx..<(nx + nu)] }
    return out
}

@derivative(of: costDiagonal, wrt: logWeights)
func costDiagonalVJP(_ logWeights: [Double], nx: Int, T: Int)
    -> (value: [Double], pullback: ([Double].TangentVector) -> [Double].TangentVector) {
    let value = costDiagonal(logWeights, nx: nx, T: T)
    let nu = logWeights.count - nx
    return (value, { v in
        var g = [Double](repeating: 0, count: logWeights.count)
        for t in 0..<T {
            for i in 0..<nx { g[i] += v.base[t * nx + i] }
            for j in 0..<nu { g[nx + j] += v.base[T * nx + t * nu + j] }
        }
        return .init(g.indices.map { g[$0] * exp(logWeights[$0]) })
    })
}

/// P (diagonal pattern, unit values) and A = [dynamics; input bounds] of the MPC QP.
func mpcStructure(Ad: [[Double]], Bd: [[Double]], T: Int) throws -> (P: CSCMatrix, A: CSCMatrix) {
    let nx = Ad.count, nu = Bd[0].count, n = T * (nx + nu)
    var A = TripletBuilder(rowCount: T * nx + T * nu, columnCount: n)
    for t in 0..<T {
        for i in 0..<nx {
            let row = t * nx + i
            A.append(row: row, column: t * nx + i, value: 1)                  // x_{t+1}
            if t > 0 { for j in 0..<nx where Ad[i][j] != 0 { A.append(row: row, column: (t - 1) * nx + j, value: -Ad[i][j]) } }
            for j in 0..<nu { A.append(row: row, column: T * nx + t * nu + j, value: -Bd[i][j]) }  // −B u_t
        }
        for j in 0..<nu { A.append(row: T * nx + t * nu + j, column: T * nx + t * nu + j, value: 1) }
    }
    return (CSCMatrix.identity(n), try A.build())
}

/// A random orthogonal matrix (Gram–Schmidt on a Gaussian matrix): every eigenvalue has modulus 1.
func orthogonal(_ k: Int, using g: inout SeededGenerator) -> [[Double]] {
    var rows: [[Double]] = []
    while rows.count < k {
        var v = (0..<k).map { _ in g.nextNormal() }
        for r in rows {
            let d = zip(v, r).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<k { v[i] -= d * r[i] }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 1e-8 { rows.append(v.map { $0 / norm }) }
    }
    return rows
}

/// ‖w/Σw − w*/Σw*‖ / ‖w*/Σw*‖: the weights are identifiable only up to a common scale.
func normalizedWeightError(_ w: [Double], _ truth: [Double]) -> Double {
    let sw = w.reduce(0, +), st = truth.reduce(0, +)
    var num = 0.0, den = 0.0
    for i in w.indices {
        num += (w[i] / sw - truth[i] / st) * (w[i] / sw - truth[i] / st)
        den += (truth[i] / st) * (truth[i] / st)
    }
    return (num / den).squareRoot()
}
