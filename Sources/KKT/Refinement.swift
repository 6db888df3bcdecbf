import Sparse

/// Work vectors of the counted and refined solves, allocated once per system (companions get their own).
final class RefinementWorkspace {
    /// b − K_exact·[x; ν] (n + m).
    var residual: [Double]
    /// The correction F⁻¹·residual (n + m).
    var correction: [Double]
    /// Aᵀν (n).
    var workN: [Double]

    init(n: Int, m: Int) {
        residual = [Double](repeating: 0, count: n + m)
        correction = [Double](repeating: 0, count: n + m)
        workN = [Double](repeating: 0, count: n)
    }
}

/// What a backend provides so that the counted solve and iterative refinement are written once,
/// here, for every backend: one uncounted solve with the current factorization, the shared profile
/// counters and a workspace.
protocol FactorizedSystem: LinearSystem {
    /// One solve with the current factorization, not counted in the profile. Rows with ρ_i = 0
    /// return ν_i = 0. No allocation.
    func solveFactorized(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                         x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError)
    var recorder: ProfileRecorder { get }
    var workspace: RefinementWorkspace { get }
}

extension FactorizedSystem {
    func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>) throws(FactorizationError) {
        let t0 = ContinuousClock.now
        try solveFactorized(r1: r1, r2: r2, x: x, nu: nu)
        let elapsed = seconds(since: t0)
        recorder.update { $0.solves += 1; $0.solveTime += elapsed }
    }

    /// Iterative refinement x ← x + F⁻¹(b − K_exact·x) with the factorized operator F, stopped at the
    /// tolerance, at `maxSteps`, or when a correction does not decrease the residual (that correction
    /// is undone: the exact operator is too far from F, or refinement stagnates).
    @discardableResult
    func solve(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
               x: UnsafeMutableBufferPointer<Double>, nu: UnsafeMutableBufferPointer<Double>,
               refiningAgainst exact: KKTParameters, settings: RefinementSettings) throws(FactorizationError) -> RefinementReport {
        try exact.validate(rowCount: m, allowInfiniteRho: true)
        let t0 = ContinuousClock.now
        try solveFactorized(r1: r1, r2: r2, x: x, nu: nu)
        for i in 0..<m where exact.rho[i] == 0 { nu[i] = 0 }
        var scale = 1.0
        for j in 0..<n { scale = max(scale, abs(r1[j])) }
        let weighted = settings.weightRowsByRho
        for i in 0..<m where exact.rho[i] != 0 {
            scale = max(scale, abs(r2[i]) * (weighted ? min(1, exact.rho[i]) : 1))
        }
        let w = workspace
        var steps = 0
        var res = exactResidual(r1: r1, r2: r2, x: UnsafeBufferPointer(x), nu: UnsafeBufferPointer(nu), exact: exact, weighted: weighted)
        while res > settings.tolerance * scale, steps < settings.maxSteps {
            let before = res
            try w.residual.withUnsafeBufferPointer { (r) throws(FactorizationError) in
                try w.correction.withUnsafeMutableBufferPointer { (d) throws(FactorizationError) in
                    try solveFactorized(r1: UnsafeBufferPointer(rebasing: r[0..<n]), r2: UnsafeBufferPointer(rebasing: r[n...]),
                                        x: UnsafeMutableBufferPointer(rebasing: d[0..<n]), nu: UnsafeMutableBufferPointer(rebasing: d[n...]))
                }
            }
            for j in 0..<n { x[j] += w.correction[j] }
            for i in 0..<m where exact.rho[i] != 0 { nu[i] += w.correction[n + i] }
            steps += 1
            res = exactResidual(r1: r1, r2: r2, x: UnsafeBufferPointer(x), nu: UnsafeBufferPointer(nu), exact: exact, weighted: weighted)
            if !(res < before) {
                for j in 0..<n { x[j] -= w.correction[j] }
                for i in 0..<m where exact.rho[i] != 0 { nu[i] -= w.correction[n + i] }
                res = before
                break
            }
        }
        let elapsed = seconds(since: t0)
        let s = steps
        recorder.update { $0.solves += 1 + s; $0.solveTime += elapsed; $0.refinementSteps += s }
        return RefinementReport(steps: steps, residual: res, scale: scale, converged: res <= settings.tolerance * scale)
    }

    /// workspace.residual ← b − K_exact·[x; ν]; returns its ∞-norm (rows of the second block
    /// weighted by min(1, ρ_i) when `weighted`).
    private func exactResidual(r1: UnsafeBufferPointer<Double>, r2: UnsafeBufferPointer<Double>,
                               x: UnsafeBufferPointer<Double>, nu: UnsafeBufferPointer<Double>, exact: KKTParameters,
                               weighted: Bool) -> Double {
        let P = self.P, A = self.A, w = workspace
        return w.residual.withUnsafeMutableBufferPointer { res in
            let top = UnsafeMutableBufferPointer(rebasing: res[0..<n])
            let bottom = UnsafeMutableBufferPointer(rebasing: res[n...])
            P.symmetricUpperMultiply(x, into: top)
            w.workN.withUnsafeMutableBufferPointer { t in
                A.transposeMultiply(nu, into: t)
                for j in 0..<n { top[j] = r1[j] - top[j] - exact.sigma * x[j] - t[j] }
            }
            A.multiply(x, into: bottom)
            for i in 0..<m {
                let r = exact.rho[i]
                if r == 0 { bottom[i] = 0 } else if r.isInfinite { bottom[i] = r2[i] - bottom[i] } else {
                    bottom[i] = r2[i] - (bottom[i] - nu[i] / r)
                }
            }
            var norm = 0.0
            for j in 0..<n { norm = max(norm, abs(res[j])) }
            for i in 0..<m { norm = max(norm, abs(res[n + i]) * (weighted ? min(1, exact.rho[i]) : 1)) }
            return norm
        }
    }
}
