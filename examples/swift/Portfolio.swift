// Decision-focused portfolio learning (examples/portfolio_dfl.py in Swift): a linear forecaster of
// expected returns trained through the portfolio QP. Each period the portfolio solves (sparse factor
// model Σ = F Fᵀ + diag(d), auxiliary y = Fᵀx)
//
//     minimize  (γ/2)(xᵀ diag(d) x + yᵀy) − μ̂ᵀx   subject to  Fᵀx − y = 0, 1ᵀx = 1, 0 ≤ x ≤ x_max,
//
// with μ̂ = W·features. Two forecasters are compared on held-out periods: least squares on the
// realized returns (predict, then optimize), and one trained through the QP layer (Swift AD through
// `QPLayer.solutions`) to maximize the realized return of the chosen portfolios, started from it.

import _Differentiation
import ArgumentParser
import Foundation
import Generators
import Implicit
import ADMM
import QP
import Sparse

struct PortfolioDFL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portfolio", abstract: "Decision-focused learning of a return forecaster through the portfolio QP.")

    @OptionGroup var options: ExampleOptions

    /// Risk aversion γ.
    static let riskAversion = 2.0

    func run() throws {
        let progress = Progress(name: "portfolio")
        var g = SeededGenerator(seed: options.seed)
        let (N, k, p) = options.quick ? (20, 3, 5) : (120, 8, 8)
        let (train, test, steps) = options.quick ? (32, 32, 6) : (96, 96, 30)
        let xMax = options.quick ? 0.25 : 0.1
        // F: N×k, half of the entries uniform in [0, 1), the others zero.
        let F = (0..<N).map { _ in (0..<k).map { _ in g.nextUnit() < 0.5 ? g.nextUnit() : 0 } }
        let d = (0..<N).map { _ in g.nextUniform(0.01, 0.05) }
        // Returns: a nonlinear function of the features that a linear forecaster only approximates.
        let trueW = (0..<N).map { _ in (0..<p).map { _ in 0.05 * g.nextNormal() } }
        func features(_ count: Int) -> [[Double]] { (0..<count).map { _ in (0..<p).map { _ in g.nextNormal() } } }
        func returns(_ f: [[Double]]) -> [[Double]] {
            f.map { row in
                trueW.map { w in
                    let lin = zip(w, row).reduce(0) { $0 + $1.0 * $1.1 }
                    return lin + 0.05 * tanh(3 * lin) + 0.02 * g.nextNormal()
                }
            }
        }
        let fTrain = features(train), fTest = features(test)
        let rTrain = returns(fTrain), rTest = returns(fTest)

        let (P, A) = try portfolioStructure(F: F, d: d, gamma: Self.riskAversion)
        let n = N + k
        let l = [Double](repeating: 0, count: k) + [1] + [Double](repeating: 0, count: N)
        let u = [Double](repeating: 0, count: k) + [1] + [Double](repeating: xMax, count: N)
        var settings = SolverSettings()
        settings.epsAbs = 1e-7
        settings.epsRel = 1e-7
        let differentiation = DifferentiationSettings()
        let zeroCost = [Double](repeating: 0, count: n)
        let layer = QPLayer(base: try QuadraticProgram(P: P, q: zeroCost, A: A, l: l, u: u),
                            solverSettings: settings, differentiation: differentiation)
        progress("QP: n = \(n), m = \(A.rowCount), \(train) training and \(test) test periods")
        let item = QPData(PValues: P.values, q: zeroCost, AValues: A.values, l: l, u: u)
        let trainTemplate = [QPData](repeating: item, count: train), testTemplate = [QPData](repeating: item, count: test)

        func realized(_ W: [Double], _ f: [[Double]], _ r: [[Double]], _ template: [QPData]) -> Double {
            meanRealizedReturn(layer.solutions(items(PValues: [], q: linearCosts(W, f, assets: N, factors: k), template: template)), r)
        }
        let leastSquares = leastSquaresForecaster(fTrain, rTrain)
        let baseTest = realized(leastSquares, fTest, rTest, testTemplate)
        guard baseTest.isFinite else { throw ExampleError.notSolved("the least-squares portfolios") }
        progress(String(format: "least-squares forecaster: test realized return %.4f", baseTest))
        var W = leastSquares
        var adam = Adam(learningRate: 0.01)
        var rows: [[Double]] = []
        for step in 0..<steps {
            let (trainReturn, gradient) = valueWithGradient(at: W) { w in realized(w, fTrain, rTrain, trainTemplate) }
            guard trainReturn.isFinite else { throw ExampleError.notSolved("step \(step)") }
            adam.step(&W, gradient: gradient.base.map { -$0 })  // maximize the realized return
            let testReturn = realized(W, fTest, rTest, testTemplate)
            rows.append([Double(step), trainReturn, testReturn, baseTest])
            if step % max(1, steps / 8) == 0 || step == steps - 1 {
                progress(String(format: "step %3d  train return %.4f  test return %.4f", step, trainReturn, testReturn))
            }
        }
        let out = options.out ?? "portfolio_dfl_swift.csv"
        try writeCSV(out, header: ["step", "train_return", "test_return", "least_squares_test_return"], rows: rows)
        progress("saved \(out)")
    }
}

/// The linear costs of the periods: q_b = (−W f_b, 0_k), W an N×p matrix stored row by row.
@differentiable(reverse, wrt: W)
func linearCosts(_ W: [Double], _ features: [[Double]], assets: Int, factors: Int) -> [[Double]] {
    features.map { f in
        let p = f.count
        return (0..<assets).map { i in -(0..<p).reduce(0.0) { $0 + W[i * p + $1] * f[$1] } } + [Double](repeating: 0, count: factors)
    }
}

@derivative(of: linearCosts, wrt: W)
func linearCostsVJP(_ W: [Double], _ features: [[Double]], assets: Int, factors: Int)
    -> (value: [[Double]], pullback: ([[Double]].TangentVector) -> [Double].TangentVector) {
    (linearCosts(W, features, assets: assets, factors: factors), { v in
        var g = [Double](repeating: 0, count: W.count)
        for (b, f) in features.enumerated() where b < v.base.count {
            let vb = v.base[b].base
            guard !vb.isEmpty else { continue }
            for i in 0..<assets { for j in f.indices { g[i * f.count + j] -= vb[i] * f[j] } }
        }
        return .init(g)
    })
}

/// Mean over the periods of Σ_i x_i r_i (the first r.count entries of each solution are the weights).
@differentiable(reverse, wrt: x)
func meanRealizedReturn(_ x: [[Double]], _ r: [[Double]]) -> Double {
    var total = 0.0
    for b in x.indices { for i in r[b].indices { total += x[b][i] * r[b][i] } }
    return total / Double(max(x.count, 1))
}

@derivative(of: meanRealizedReturn, wrt: x)
func meanRealizedReturnVJP(_ x: [[Double]], _ r: [[Double]]) -> (value: Double, pullback: (Double) -> [[Double]].TangentVector) {
    let count = Double(max(x.count, 1))
    return (meanRealizedReturn(x, r), { v in
        .init(x.indices.map { b in .init(x[b].indices.map { i in i < r[b].count ? v * r[b][i] / count : 0 }) })
    })
}

/// P = blockdiag(γ diag(d), γ I_k) and A = [Fᵀ −I_k; 1ᵀ 0; I_N 0] over (x, y).
func portfolioStructure(F: [[Double]], d: [Double], gamma: Double) throws -> (P: CSCMatrix, A: CSCMatrix) {
    let N = F.count, k = F[0].count, n = N + k
    let P = try CSCMatrix(rowCount: n, columnCount: n, columnPointers: Array(0...n), rowIndices: Array(0..<n),
                          values: d.map { gamma * $0 } + [Double](repeating: gamma, count: k))
    var A = TripletBuilder(rowCount: k + 1 + N, columnCount: n)
    for i in 0..<N {
        for j in 0..<k where F[i][j] != 0 { A.append(row: j, column: i, value: F[i][j]) }
        A.append(row: k, column: i, value: 1)
        A.append(row: k + 1 + i, column: i, value: 1)
    }
    for j in 0..<k { A.append(row: j, column: N + j, value: -1) }
    return (P, try A.build())
}

/// W (N×p, row by row) minimizing ‖features·Wᵀ − returns‖²: the normal equations (p×p, Cholesky).
func leastSquaresForecaster(_ f: [[Double]], _ r: [[Double]]) -> [Double] {
    let p = f[0].count, N = r[0].count
    var G = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
    var B = [[Double]](repeating: [Double](repeating: 0, count: N), count: p)
    for (row, ret) in zip(f, r) {
        for a in 0..<p {
            for b in 0..<p { G[a][b] += row[a] * row[b] }
            for i in 0..<N { B[a][i] += row[a] * ret[i] }
        }
    }
    // G = L Lᵀ, then L Lᵀ X = B column by column.
    var L = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
    for j in 0..<p {
        var s = G[j][j]
        for c in 0..<j { s -= L[j][c] * L[j][c] }
        L[j][j] = s.squareRoot()
        for i in (j + 1)..<max(p, j + 1) {
            var t = G[i][j]
            for c in 0..<j { t -= L[i][c] * L[j][c] }
            L[i][j] = t / L[j][j]
        }
    }
    var W = [Double](repeating: 0, count: N * p)
    for i in 0..<N {
        var z = [Double](repeating: 0, count: p)
        for a in 0..<p {
            var t = B[a][i]
            for c in 0..<a { t -= L[a][c] * z[c] }
            z[a] = t / L[a][a]
        }
        for a in stride(from: p - 1, through: 0, by: -1) {
            var t = z[a]
            for c in (a + 1)..<max(p, a + 1) { t -= L[c][a] * z[c] }
            z[a] = t / L[a][a]
        }
        for a in 0..<p { W[i * p + a] = z[a] }
    }
    return W
}
