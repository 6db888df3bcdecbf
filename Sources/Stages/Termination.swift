import Sparse

/// The requested accuracy: OSQP's termination test on the unscaled residuals.
package struct Tolerances: Equatable {
    package var epsAbs: Double
    package var epsRel: Double
    /// Whether the duality gap is part of the test.
    package var checkGap: Bool

    package init(epsAbs: Double, epsRel: Double, checkGap: Bool) {
        self.epsAbs = epsAbs
        self.epsRel = epsRel
        self.checkGap = checkGap
    }
}

/// Residuals of the unscaled problem at the current scaled iterate, and their tolerances.
package struct Residuals {
    package var primal = 0.0
    package var dual = 0.0
    package var gap = 0.0
    package var primalTolerance = 0.0
    package var dualTolerance = 0.0
    package var gapTolerance = 0.0
    /// max(‖Ax‖∞, ‖z‖∞) and max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞), unscaled: the scales of the two residuals.
    package var primalScale = 0.0
    package var dualScale = 0.0
    /// Scaled-space relative residuals used by the ρ estimate.
    package var scaledPrimalRatio = 0.0
    package var scaledDualRatio = 0.0
    /// Objective (unscaled, with constant).
    package var objective = 0.0

    package init() {}

    /// The largest residual/tolerance ratio (≤ 1 means converged).
    package var worstRatio: Double {
        let p = primal / max(primalTolerance, 1e-300), d = dual / max(dualTolerance, 1e-300)
        let g = gap / max(gapTolerance, 1e-300)
        let w = max(p, d, g)
        return w.isNaN ? .infinity : w
    }

    package func converged(checkGap: Bool, factor: Double = 1) -> Bool {
        primal <= factor * primalTolerance && dual <= factor * dualTolerance
            && (!checkGap || gap <= factor * gapTolerance)
    }
}

extension Residuals {
    /// Within `factor` times the tolerances (the gap as `tolerances.checkGap` says).
    package func converged(_ tolerances: Tolerances, factor: Double = 1) -> Bool {
        converged(checkGap: tolerances.checkGap, factor: factor)
    }
}

/// The termination test every stage uses: the residuals of the unscaled problem at a scaled point
/// (x, z, y), with their tolerances. Owns its work vectors (no allocation per test). Not thread-safe.
package final class Termination {
    package let problem: ScaledProblem
    package var tolerances: Tolerances
    private let workM: Vector
    private let workN: Vector
    private let workN2: Vector

    package init(problem: ScaledProblem, tolerances: Tolerances) {
        self.problem = problem
        self.tolerances = tolerances
        workM = Vector(count: problem.m)
        workN = Vector(count: problem.n)
        workN2 = Vector(count: problem.n)
    }

    /// The residuals at (x, z, y), scaled iterates. Primal E⁻¹(Ax − z), dual c⁻¹D⁻¹(Px + q + Aᵀy),
    /// gap |xᵀPx + qᵀx + uᵀy₊ + lᵀy₋|/c, each with its tolerance ε_abs + ε_rel·(its scale).
    package func residuals(x: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>) -> Residuals {
        let Ax = workM.buffer, Px = workN.buffer, Aty = workN2.buffer
        let n = problem.n, m = problem.m, scaling = problem.scaling
        problem.A.multiply(x, into: Ax)
        problem.P.symmetricUpperMultiply(x, into: Px)
        problem.A.transposeMultiply(y, into: Aty)
        let Einv = scaling.Einv, Dinv = scaling.Dinv, cinv = scaling.cinv
        let q = problem.q.buffer, l = problem.l.buffer, u = problem.u.buffer
        var r = Residuals()
        // Primal: E⁻¹(Ax − z), scaled ratio for ρ.
        var pr = 0.0, axN = 0.0, zN = 0.0, prS = 0.0, axS = 0.0, zS = 0.0
        for i in 0..<m {
            let d = Ax[i] - z[i]
            prS = max(prS, abs(d)); axS = max(axS, abs(Ax[i])); zS = max(zS, abs(z[i]))
            pr = max(pr, abs(d * Einv[i])); axN = max(axN, abs(Ax[i] * Einv[i])); zN = max(zN, abs(z[i] * Einv[i]))
        }
        // Dual: c⁻¹D⁻¹(Px + q + Aᵀy).
        var du = 0.0, pxN = 0.0, atyN = 0.0, qN = 0.0, duS = 0.0, pxS = 0.0, atyS = 0.0, qS = 0.0
        var xPx = 0.0, qx = 0.0
        for j in 0..<n {
            let s = Px[j] + q[j] + Aty[j]
            duS = max(duS, abs(s)); pxS = max(pxS, abs(Px[j])); atyS = max(atyS, abs(Aty[j])); qS = max(qS, abs(q[j]))
            let f = cinv * Dinv[j]
            du = max(du, abs(s * f)); pxN = max(pxN, abs(Px[j] * f)); atyN = max(atyN, abs(Aty[j] * f)); qN = max(qN, abs(q[j] * f))
            xPx += x[j] * Px[j]
            qx += q[j] * x[j]
        }
        // Support term uᵀy₊ + lᵀy₋ (terms with y_i = 0 contribute 0 even at infinite bounds).
        var support = 0.0
        for i in 0..<m {
            let yi = y[i]
            if yi > 0 { support += u[i] * yi } else if yi < 0 { support += l[i] * yi }
        }
        let eps = (tolerances.epsAbs, tolerances.epsRel)
        r.primal = pr
        r.primalScale = max(axN, zN)
        r.dualScale = max(pxN, atyN, qN)
        r.primalTolerance = eps.0 + eps.1 * max(axN, zN)
        r.dual = du
        r.dualTolerance = eps.0 + eps.1 * max(pxN, atyN, qN)
        r.gap = abs(xPx + qx + support) * cinv
        r.gapTolerance = eps.0 + eps.1 * max(abs(xPx), abs(qx), abs(support)) * cinv
        if !r.gap.isFinite { r.gap = .infinity }
        let tiny = 1e-30
        r.scaledPrimalRatio = prS / (max(axS, zS) + tiny)
        r.scaledDualRatio = duS / (max(pxS, atyS, qS) + tiny)
        r.objective = (0.5 * xPx + qx) * cinv + problem.objectiveConstant
        return r
    }

    /// Array convenience.
    package func residuals(x: [Double], z: [Double], y: [Double]) -> Residuals {
        x.withUnsafeBufferPointer { xb in
            z.withUnsafeBufferPointer { zb in y.withUnsafeBufferPointer { yb in residuals(x: xb, z: zb, y: yb) } }
        }
    }
}
