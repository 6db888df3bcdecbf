// The "Control" class of the OSQP benchmarks (osqp_benchmarks problem_classes/control.py): a
// linear MPC problem over a finite horizon, and its long-horizon sparse variant.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sparse
import QP

/// control (size nx; nu = nx/2, T = 10) and control-sparse (size T; nx = 10, nu = 5):
///
///     minimize   Σ_{t=1}^{T−1} x_tᵀQx_t + x_TᵀQ_N x_T + Σ_{t=0}^{T−1} u_tᵀRu_t
///     subject to x_0 = x0,  x_{t+1} = Ad·x_t + Bd·u_t,  xmin ≤ x_t ≤ xmax,  umin ≤ u_t ≤ umax
///
/// in variables (x_0, …, x_T, u_0, …, u_{T−1}) (see `ControlInstance` for the indices), so
/// P = 2·blkdiag(0, Q, …, Q, Q_N, R, …, R) and A has the rows, in this order: x_0 = x0 (nx rows,
/// `initialStateRows`), −x_{t+1} + Ad·x_t + Bd·u_t = 0 (T blocks of nx rows), the state boxes
/// ((T+1)·nx rows) and the input boxes (T·nu rows).
///
/// Data, drawn in OSQP's order: Ad = I + 0.1·N(0,1)^{nx×nx} (column-major), Bd = N(0,1)^{nx×nu},
/// R = 0.1·I, Q = diag(U·1[U′ < 0.7]) (nx mask uniforms, then nx values), umin = −U^{nu}, umax = −umin,
/// xmin = −1 − U^{nx}, xmax = −xmin, x0 uniform in [xmin/2, xmax/2].
///
/// Deviations from control.py:
/// - Stability: OSQP rescales each eigenvalue of Ad with |λ| ≥ 0.99 to λ/(|λ| + 0.01) (needs a
///   nonsymmetric eigensolver); here all of Ad is scaled by 0.99/ρ̂ when ρ̂ > 0.99, where
///   ρ̂ = ‖Ad^256‖_F^{1/256} ≥ ρ(Ad) (Gelfand; 8 squarings), so ρ(Ad) ≤ 0.99 is guaranteed.
/// - Terminal cost: OSQP uses Q_N = X·Xᵀ with X the DARE solution; here Q_N is the 50-step
///   Riccati cost-to-go (X_{k+1} = Q + AdᵀX_kAd − AdᵀX_kBd(R + BdᵀX_kBd)⁻¹BdᵀX_kAd from X_0 = Q,
///   the DARE solution in the limit) when nx ≤ 100, and Q_N = Q for larger nx.
/// - The x_0 rows are +x_0 = x0 (OSQP writes −x_0 = −x0).
/// - Zero entries of Q are left out of P's pattern.
///
/// Witness: u = 0 and x_t = Ad^t·x0, which satisfies every equality row; it satisfies the state
/// boxes only when the trajectory stays inside them (likely, not guaranteed: OSQP's class is not
/// guaranteed feasible either).
func control<G: RandomNumberGenerator>(states nx: Int, inputs nu: Int, horizon T: Int,
                                       using g: inout G) throws(QPError) -> GeneratedParts {
    var ad = DenseMatrix(rows: nx, columns: nx)
    for j in 0..<nx { for i in 0..<nx { ad[i, j] = (i == j ? 1 : 0) + 0.1 * g.nextNormal() } }
    let rho = spectralRadiusBound(ad)
    if rho > 0.99 { ad.scale(by: 0.99 / rho) }
    var bd = DenseMatrix(rows: nx, columns: nu)
    for j in 0..<nu { for i in 0..<nx { bd[i, j] = g.nextNormal() } }
    let r = 0.1
    let keep = g.units(nx).map { $0 < 0.7 }
    let qDiagonal = (0..<nx).map { i in
        let v = g.nextUnit()
        return keep[i] ? v : 0
    }
    let umax = g.units(nu)
    let xmax = g.units(nx).map { 1 + $0 }
    let x0 = (0..<nx).map { i in -0.5 * xmax[i] + g.nextUnit() * xmax[i] }
    let qN = nx <= 100 ? riccatiCostToGo(ad: ad, bd: bd, q: qDiagonal, r: r, steps: 50)
                       : DenseMatrix(diagonal: qDiagonal)

    let n = (T + 1) * nx + T * nu
    let stateBoxRow = (T + 1) * nx, inputBoxRow = 2 * (T + 1) * nx
    let m = inputBoxRow + T * nu

    // P = 2·blkdiag(0, Q, …, Q, Q_N, R, …, R), upper triangle.
    var p = ColumnAssembler(rowCount: n, columns: n, entries: T * nx + nx * (nx + 1) / 2 + T * nu)
    for t in 0...T {
        for i in 0..<nx {
            if t == T {
                for k in 0...i where qN[k, i] != 0 { p.append(row: T * nx + k, 2 * qN[k, i]) }
            } else if t > 0 && qDiagonal[i] != 0 {
                p.append(row: t * nx + i, 2 * qDiagonal[i])
            }
            p.endColumn()
        }
    }
    for t in 0..<T {
        for k in 0..<nu {
            p.append(row: (T + 1) * nx + t * nu + k, 2 * r)
            p.endColumn()
        }
    }

    var a = ColumnAssembler(rowCount: m, columns: n, entries: T * nx * (nx + nu + 2) + 2 * nx + T * nu)
    for t in 0...T {
        for i in 0..<nx {                  // x_t[i]
            a.append(row: t * nx + i, t == 0 ? 1 : -1)
            if t < T { for k in 0..<nx { a.append(row: (t + 1) * nx + k, ad[k, i]) } }
            a.append(row: stateBoxRow + t * nx + i, 1)
            a.endColumn()
        }
    }
    for t in 0..<T {
        for k in 0..<nu {                  // u_t[k]
            for i in 0..<nx { a.append(row: (t + 1) * nx + i, bd[i, k]) }
            a.append(row: inputBoxRow + t * nu + k, 1)
            a.endColumn()
        }
    }
    var l = repeated(0, m), u = repeated(0, m)
    for i in 0..<nx { l[i] = x0[i]; u[i] = x0[i] }
    for t in 0...T {
        for i in 0..<nx { l[stateBoxRow + t * nx + i] = -xmax[i]; u[stateBoxRow + t * nx + i] = xmax[i] }
    }
    for t in 0..<T {
        for k in 0..<nu { l[inputBoxRow + t * nu + k] = -umax[k]; u[inputBoxRow + t * nu + k] = umax[k] }
    }

    // Witness: the zero-input trajectory.
    var witness = repeated(0, n)
    var x = x0
    for t in 0...T {
        for i in 0..<nx { witness[t * nx + i] = x[i] }
        x = ad.multiply(x)
    }
    let program = try QuadraticProgram(P: p.build(), q: repeated(0, n), A: a.build(), l: l, u: u)
    let instance = ControlInstance(nx: nx, nu: nu, horizon: T, dynamics: ad.rowArrays, input: bd.rowArrays,
                                   initialState: x0, initialStateRows: 0..<nx)
    return GeneratedParts(program: program, witness: witness, control: instance)
}

/// ‖A^256‖_F^{1/256}, an upper bound of the spectral radius of A that is within a factor
/// (√n·κ)^{1/256} of it (κ the condition number of the eigenvectors); by 8 squarings with
/// normalization, O(8n³).
private func spectralRadiusBound(_ a: DenseMatrix) -> Double {
    var b = a
    var logScale = 0.0 // A^(2^s) = exp(logScale)·b
    var c = b.frobeniusNorm
    guard c > 0 else { return 0 }
    b.scale(by: 1 / c); logScale = log(c)
    let squarings = 8
    for _ in 0..<squarings {
        b = b.multiply(b)
        c = b.frobeniusNorm
        guard c > 0 else { return 0 } // nilpotent
        b.scale(by: 1 / c)
        logScale = 2 * logScale + log(c)
    }
    return exp(logScale / Double(1 << squarings))
}

/// X_steps of the Riccati recursion X_{k+1} = Q + AᵀX_kA − AᵀX_kB(R + BᵀX_kB)⁻¹BᵀX_kA, X_0 = Q,
/// with Q = diag(q), R = r·I (each iterate symmetrized).
private func riccatiCostToGo(ad a: DenseMatrix, bd b: DenseMatrix, q: [Double], r: Double, steps: Int) -> DenseMatrix {
    let nu = b.columns
    var x = DenseMatrix(diagonal: q)
    let at = a.transposed(), bt = b.transposed()
    for _ in 0..<steps {
        let xa = x.multiply(a), xb = x.multiply(b)
        var s = bt.multiply(xb)                    // R + BᵀXB
        for k in 0..<nu { s[k, k] += r }
        let gain = s.choleskySolve(bt.multiply(xa)) // (R + BᵀXB)⁻¹ BᵀXA
        var next = at.multiply(xa)
        let correction = at.multiply(xb).multiply(gain)
        for i in 0..<next.rows {
            for j in 0..<next.columns { next[i, j] -= correction[i, j] }
            next[i, i] += q[i]
        }
        x = next.symmetrized()
    }
    return x
}

/// A small dense row-major matrix for the control setup.
struct DenseMatrix {
    let rows: Int, columns: Int
    private(set) var storage: [Double]

    init(rows: Int, columns: Int) {
        self.rows = rows; self.columns = columns
        storage = repeated(0, rows * columns)
    }

    init(diagonal d: [Double]) {
        self.init(rows: d.count, columns: d.count)
        for i in 0..<d.count { self[i, i] = d[i] }
    }

    subscript(i: Int, j: Int) -> Double {
        get { storage[i * columns + j] }
        set { storage[i * columns + j] = newValue }
    }

    var rowArrays: [[Double]] { (0..<rows).map { Array(storage[($0 * columns)..<(($0 + 1) * columns)]) } }

    var frobeniusNorm: Double { storage.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    mutating func scale(by s: Double) { for k in storage.indices { storage[k] *= s } }

    func transposed() -> DenseMatrix {
        var t = DenseMatrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    func symmetrized() -> DenseMatrix {
        var s = self
        for i in 0..<rows { for j in 0..<i { let v = 0.5 * (self[i, j] + self[j, i]); s[i, j] = v; s[j, i] = v } }
        return s
    }

    func multiply(_ x: [Double]) -> [Double] {
        (0..<rows).map { i in
            var s = 0.0
            for j in 0..<columns { s += self[i, j] * x[j] }
            return s
        }
    }

    func multiply(_ other: DenseMatrix) -> DenseMatrix {
        var c = DenseMatrix(rows: rows, columns: other.columns)
        storage.withUnsafeBufferPointer { a in
            other.storage.withUnsafeBufferPointer { b in
                c.storage.withUnsafeMutableBufferPointer { out in
                    for i in 0..<rows {
                        for k in 0..<columns {
                            let aik = a[i * columns + k]
                            if aik == 0 { continue }
                            for j in 0..<other.columns { out[i * other.columns + j] += aik * b[k * other.columns + j] }
                        }
                    }
                }
            }
        }
        return c
    }

    /// self⁻¹·rhs for a symmetric positive definite self, by Cholesky.
    func choleskySolve(_ rhs: DenseMatrix) -> DenseMatrix {
        let n = rows
        var l = DenseMatrix(rows: n, columns: n)
        for j in 0..<n {
            var d = self[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            let root = max(d, .leastNormalMagnitude).squareRoot()
            l[j, j] = root
            for i in (j + 1)..<max(n, j + 1) {
                var s = self[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / root
            }
        }
        var x = rhs
        for c in 0..<rhs.columns {
            for i in 0..<n {                       // L y = b
                var s = x[i, c]
                for k in 0..<i { s -= l[i, k] * x[k, c] }
                x[i, c] = s / l[i, i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) { // Lᵀ x = y
                var s = x[i, c]
                for k in (i + 1)..<max(n, i + 1) { s -= l[k, i] * x[k, c] }
                x[i, c] = s / l[i, i]
            }
        }
        return x
    }
}
