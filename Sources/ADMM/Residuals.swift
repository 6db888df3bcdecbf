import Sparse
import Stages

extension ADMMSolver {
    /// Computes the residuals at (x, z, y) (scaled iterates). Uses workM (Ax), workN (Px), workN2 (Aᵀy).
    /// An infeasibility certificate must exclude feasible points (primal) or optimal pairs (dual) up
    /// to this many times the current iterates' size (scaled, ∞-norm, at least 1).
    static let certificateRadiusFactor = 10.0

    /// Primal infeasibility test on δy (scaled): after projecting δy onto the polar of the recession
    /// cone of [l, u], ‖E δy‖∞ > 0, uᵀδy₊ + lᵀδy₋ < −ε‖Eδy‖∞, ‖D⁻¹Aᵀδy‖∞ < ε‖Eδy‖∞, and (scaled)
    /// uᵀδy₊ + lᵀδy₋ < −10·max(1, ‖x‖∞)·‖Aᵀδy‖₁ (see below).
    /// On success returns the unscaled certificate normalized to ‖·‖∞ = 1.
    func primalInfeasibilityCertificate(epsilon: Double) -> (certificate: [Double], norm: Double)? {
        guard m > 0 else { return nil }
        let dy = deltaY.buffer, l = ls.buffer, u = us.buffer, E = scaling.E
        for i in 0..<m {
            if u[i] == .infinity { dy[i] = min(dy[i], 0) }
            if l[i] == -.infinity { dy[i] = max(dy[i], 0) }
        }
        var norm = 0.0
        for i in 0..<m { norm = max(norm, abs(dy[i] * E[i])) }
        guard norm > 1e-30 else { return nil }
        var support = 0.0
        for i in 0..<m {
            if dy[i] > 0 { support += u[i] * dy[i] } else if dy[i] < 0 { support += l[i] * dy[i] }
        }
        guard support < -epsilon * norm else { return nil }
        As.transposeMultiply(deltaY.readOnly, into: workN.buffer)
        var atNorm = 0.0
        for j in 0..<n { atNorm = max(atNorm, abs(workN.buffer[j] * scaling.Dinv[j])) }
        guard atNorm < epsilon * norm else { return nil }
        // A point x̄ with ‖x̄‖∞ ≤ R and Āx̄ ∈ [l̄, ū] has δȳᵀĀx̄ ≤ support and δȳᵀĀx̄ ≥ −‖Āᵀδȳ‖₁·R: the
        // certificate excludes feasible points only within R = support / ‖Āᵀδȳ‖₁. Require that
        // radius to exceed the iterate's size by `certificateRadiusFactor`, so that a small Āᵀδȳ
        // against a large support from far-away bounds is not taken for a proof (ε alone compares
        // them without the scale of x).
        var atOne = 0.0, xMax = 1.0
        for j in 0..<n { atOne += abs(workN.buffer[j]); xMax = max(xMax, abs(x.buffer[j])) }
        guard support < -Self.certificateRadiusFactor * xMax * atOne else { return nil }
        return ((0..<m).map { dy[$0] * E[$0] / norm }, norm)
    }

    /// Dual infeasibility test on δx (scaled): ‖Dδx‖∞ > 0, qᵀδx < −ε‖Dδx‖∞, ‖Pδx‖∞ < ε‖Dδx‖∞ and Aδx
    /// in the recession cone of [l, u] up to ε‖Dδx‖∞, and (scaled) q̄ᵀδx below −10·max(1, ‖x̄‖∞, ‖ȳ‖∞)
    /// times ‖P̄δx‖₁ plus the cone violations of Āδx (see below). Returns the unscaled normalized
    /// certificate.
    func dualInfeasibilityCertificate(epsilon: Double) -> (certificate: [Double], norm: Double)? {
        let dx = deltaX.buffer, D = scaling.D
        var norm = 0.0
        for j in 0..<n { norm = max(norm, abs(dx[j] * D[j])) }
        guard norm > 1e-30 else { return nil }
        var qdx = 0.0
        for j in 0..<n { qdx += qs.buffer[j] * dx[j] }
        guard qdx * scaling.cinv < -epsilon * norm else { return nil }
        Ps.symmetricUpperMultiply(deltaX.readOnly, into: workN.buffer)
        var pNorm = 0.0
        for j in 0..<n { pNorm = max(pNorm, abs(workN.buffer[j] * scaling.Dinv[j] * scaling.cinv)) }
        guard pNorm < epsilon * norm else { return nil }
        As.multiply(deltaX.readOnly, into: workM.buffer)
        var violation = 0.0
        for i in 0..<m {
            let a = workM.buffer[i] * scaling.Einv[i]
            if us.buffer[i] < .infinity && a > epsilon * norm { return nil }
            if ls.buffer[i] > -.infinity && a < -epsilon * norm { return nil }
            if us.buffer[i] < .infinity { violation += max(0, workM.buffer[i]) }
            if ls.buffer[i] > -.infinity { violation += max(0, -workM.buffer[i]) }
        }
        // An optimal pair (x̄, ȳ) of the scaled problem with ‖x̄‖∞, ‖ȳ‖∞ ≤ R has
        // q̄ᵀδx = −x̄ᵀP̄δx − ȳᵀĀδx ≥ −R·(‖P̄δx‖₁ + Σ recession-cone violations of Āδx): the certificate
        // excludes optima only within that radius. Require it to exceed the iterates' size by
        // `certificateRadiusFactor` (the primal test's rule).
        var pOne = 0.0, size = 1.0
        for j in 0..<n { pOne += abs(workN.buffer[j]); size = max(size, abs(x.buffer[j])) }
        for i in 0..<m { size = max(size, abs(y.buffer[i])) }
        guard qdx < -Self.certificateRadiusFactor * size * (pOne + violation) else { return nil }
        return ((0..<n).map { dx[$0] * D[$0] / norm }, norm)
    }
}

/// Infeasibility is declared only when the certificate test passes at two consecutive termination
/// checks and ‖δ‖∞ has not decayed by more than half between them: for an infeasible problem δy (or
/// δx) converges to a nonzero vector, for a feasible one it goes to zero, and a single passing test
/// early in the run is not enough (docs/SOLVER-HISTORY.md).
struct InfeasibilityTracker {
    private var primalNorm: Double?
    private var dualNorm: Double?

    mutating func confirmPrimal(_ candidate: (certificate: [Double], norm: Double)?) -> [Double]? {
        defer { primalNorm = candidate?.norm }
        guard let candidate, let previous = primalNorm, candidate.norm >= 0.5 * previous else { return nil }
        return candidate.certificate
    }

    mutating func confirmDual(_ candidate: (certificate: [Double], norm: Double)?) -> [Double]? {
        defer { dualNorm = candidate?.norm }
        guard let candidate, let previous = dualNorm, candidate.norm >= 0.5 * previous else { return nil }
        return candidate.certificate
    }
}
