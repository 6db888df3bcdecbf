import _Differentiation
import Foundation
import Implicit

/// Progress lines "[name   1.2s] message" on standard output (as the Python examples print them).
struct Progress {
    let name: String
    let start = Date()

    func callAsFunction(_ message: String) {
        let line = String(format: "[%@ %6.1fs] ", name, Date().timeIntervalSince(start)) + message + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered: progress shows as it happens
    }
}

/// Writes a CSV file: a header line and one line per row.
func writeCSV(_ path: String, header: [String], rows: [[Double]]) throws {
    var text = header.joined(separator: ",") + "\n"
    for row in rows { text += row.map { String($0) }.joined(separator: ",") + "\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Adam (Kingma & Ba) on a flat parameter vector, with the usual defaults for β₁, β₂ and ε.
struct Adam {
    var learningRate: Double
    var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    private var m: [Double] = [], v: [Double] = [], t = 0

    init(learningRate: Double) { self.learningRate = learningRate }

    mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        if m.isEmpty {
            m = .init(repeating: 0, count: parameters.count)
            v = m
        }
        t += 1
        let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
        for i in parameters.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
            parameters[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
    }
}

// MARK: Differentiable building blocks (each with its derivative; Swift AD composes them)

/// The batch's items: `template`'s data with the differentiable parts replaced by `PValues`
/// (shared by every item) and `q` (one row per item; empty: the template's).
@differentiable(reverse, wrt: (PValues, q))
func items(PValues: [Double], q: [[Double]], template: [QPData]) -> [QPData] {
    template.indices.map { k in
        QPData(PValues: PValues.isEmpty ? template[k].PValues : PValues, q: q.isEmpty ? template[k].q : q[k],
               AValues: template[k].AValues, l: template[k].l, u: template[k].u)
    }
}

@derivative(of: items, wrt: (PValues, q))
func itemsVJP(PValues: [Double], q: [[Double]], template: [QPData])
    -> (value: [QPData], pullback: (Array<QPData>.TangentVector) -> ([Double].TangentVector, [[Double]].TangentVector)) {
    (items(PValues: PValues, q: q, template: template), { v in
        var dP = [Double](repeating: 0, count: PValues.count)
        var dq = q.map { [Double](repeating: 0, count: $0.count) }
        for (k, t) in v.base.enumerated() {
            for i in 0..<min(dP.count, t.PValues.count) { dP[i] += t.PValues[i] }
            if k < dq.count { for i in 0..<min(dq[k].count, t.q.count) { dq[k][i] += t.q[i] } }
        }
        return (.init(dP), .init(dq.map { .init($0) }))
    })
}

/// Mean over all entries of (z − target)².
@differentiable(reverse, wrt: z)
func meanSquaredDistance(_ z: [[Double]], _ target: [[Double]]) -> Double {
    var total = 0.0, count = 0
    for b in z.indices {
        for i in z[b].indices { total += (z[b][i] - target[b][i]) * (z[b][i] - target[b][i]) }
        count += z[b].count
    }
    return total / Double(max(count, 1))
}

@derivative(of: meanSquaredDistance, wrt: z)
func meanSquaredDistanceVJP(_ z: [[Double]], _ target: [[Double]])
    -> (value: Double, pullback: (Double) -> [[Double]].TangentVector) {
    let count = Double(max(z.reduce(0) { $0 + $1.count }, 1))
    return (meanSquaredDistance(z, target), { v in
        .init(z.indices.map { b in .init(z[b].indices.map { i in 2 * v * (z[b][i] - target[b][i]) / count }) })
    })
}
