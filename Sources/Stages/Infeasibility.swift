import Sparse

// The infeasibility certificates every method uses (ADMM on its iterate differences δx, δy; the
// interior-point method on the differences of its diverging iterates): one test, on the scaled
// problem, returning the certificate unscaled and normalized to ‖·‖∞ = 1.

/// A certificate that passed its test: the unscaled direction normalized to ‖·‖∞ = 1, and the
/// (scaled-weighted) ∞-norm of the tested direction before normalization.
package typealias CertificateCandidate = (certificate: [Double], norm: Double)

extension ScaledProblem {
    /// An infeasibility certificate must exclude feasible points (primal) or optimal pairs (dual) up
    /// to this many times the current iterates' size (scaled, ∞-norm, at least 1).
    package static let certificateRadiusFactor = 10.0

    /// Primal infeasibility test on δy (scaled; projected in place onto the polar of the recession
    /// cone of [l, u]): ‖E δy‖∞ > 0, uᵀδy₊ + lᵀδy₋ < −ε‖Eδy‖∞, ‖D⁻¹Aᵀδy‖∞ < ε‖Eδy‖∞, and (scaled)
    /// uᵀδy₊ + lᵀδy₋ < −10·max(1, ‖x‖∞)·‖Aᵀδy‖₁ (see below). `work` (n entries) receives Aᵀδy.
    /// On success returns the unscaled certificate E δy normalized to ‖·‖∞ = 1.
    package func primalInfeasibilityCertificate(deltaY dy: UnsafeMutableBufferPointer<Double>, x: UnsafeBufferPointer<Double>,
                                                epsilon: Double, work: UnsafeMutableBufferPointer<Double>) -> CertificateCandidate? {
        guard m > 0 else { return nil }
        let l = self.l.buffer, u = self.u.buffer, E = scaling.E
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
        A.transposeMultiply(UnsafeBufferPointer(dy), into: work)
        var atNorm = 0.0
        for j in 0..<n { atNorm = max(atNorm, abs(work[j] * scaling.Dinv[j])) }
        guard atNorm < epsilon * norm else { return nil }
        // A point x̄ with ‖x̄‖∞ ≤ R and Āx̄ ∈ [l̄, ū] has δȳᵀĀx̄ ≤ support and δȳᵀĀx̄ ≥ −‖Āᵀδȳ‖₁·R: the
        // certificate excludes feasible points only within R = support / ‖Āᵀδȳ‖₁. Require that
        // radius to exceed the iterate's size by `certificateRadiusFactor`, so that a small Āᵀδȳ
        // against a large support from far-away bounds is not taken for a proof (ε alone compares
        // them without the scale of x).
        var atOne = 0.0, xMax = 1.0
        for j in 0..<n { atOne += abs(work[j]); xMax = max(xMax, abs(x[j])) }
        guard support < -Self.certificateRadiusFactor * xMax * atOne else { return nil }
        return ((0..<m).map { dy[$0] * E[$0] / norm }, norm)
    }

    /// Dual infeasibility test on δx (scaled): ‖Dδx‖∞ > 0, qᵀδx < −ε‖Dδx‖∞, ‖Pδx‖∞ < ε‖Dδx‖∞ and Aδx
    /// in the recession cone of [l, u] up to ε‖Dδx‖∞, and (scaled) q̄ᵀδx below −10·max(1, ‖x̄‖∞, ‖ȳ‖∞)
    /// times ‖P̄δx‖₁ plus the cone violations of Āδx (see below). `workN`, `workM` receive Pδx and Aδx.
    /// Returns the unscaled certificate D δx normalized to ‖·‖∞ = 1.
    package func dualInfeasibilityCertificate(deltaX dx: UnsafeBufferPointer<Double>, x: UnsafeBufferPointer<Double>,
                                              y: UnsafeBufferPointer<Double>, epsilon: Double,
                                              workN: UnsafeMutableBufferPointer<Double>,
                                              workM: UnsafeMutableBufferPointer<Double>) -> CertificateCandidate? {
        let D = scaling.D, l = self.l.buffer, u = self.u.buffer
        var norm = 0.0
        for j in 0..<n { norm = max(norm, abs(dx[j] * D[j])) }
        guard norm > 1e-30 else { return nil }
        var qdx = 0.0
        for j in 0..<n { qdx += q.buffer[j] * dx[j] }
        guard qdx * scaling.cinv < -epsilon * norm else { return nil }
        P.symmetricUpperMultiply(dx, into: workN)
        var pNorm = 0.0
        for j in 0..<n { pNorm = max(pNorm, abs(workN[j] * scaling.Dinv[j] * scaling.cinv)) }
        guard pNorm < epsilon * norm else { return nil }
        A.multiply(dx, into: workM)
        var violation = 0.0
        for i in 0..<m {
            let a = workM[i] * scaling.Einv[i]
            if u[i] < .infinity && a > epsilon * norm { return nil }
            if l[i] > -.infinity && a < -epsilon * norm { return nil }
            if u[i] < .infinity { violation += max(0, workM[i]) }
            if l[i] > -.infinity { violation += max(0, -workM[i]) }
        }
        // An optimal pair (x̄, ȳ) of the scaled problem with ‖x̄‖∞, ‖ȳ‖∞ ≤ R has
        // q̄ᵀδx = −x̄ᵀP̄δx − ȳᵀĀδx ≥ −R·(‖P̄δx‖₁ + Σ recession-cone violations of Āδx): the certificate
        // excludes optima only within that radius. Require it to exceed the iterates' size by
        // `certificateRadiusFactor` (the primal test's rule).
        var pOne = 0.0, size = 1.0
        for j in 0..<n { pOne += abs(workN[j]); size = max(size, abs(x[j])) }
        for i in 0..<m { size = max(size, abs(y[i])) }
        guard qdx < -Self.certificateRadiusFactor * size * (pOne + violation) else { return nil }
        return ((0..<n).map { dx[$0] * D[$0] / norm }, norm)
    }
}

/// Infeasibility is declared only when the certificate test passes at two consecutive checks and
/// ‖δ‖∞ has not decayed by more than half between them: for an infeasible problem δy (or δx)
/// converges to a nonzero vector (ADMM) or grows (the interior-point method), for a feasible one it
/// goes to zero, and a single passing test is not enough (docs/SOLVER-HISTORY.md).
package struct InfeasibilityTracker {
    private var primalNorm: Double?
    private var dualNorm: Double?

    package init() {}

    package mutating func confirmPrimal(_ candidate: CertificateCandidate?) -> [Double]? {
        defer { primalNorm = candidate?.norm }
        guard let candidate, let previous = primalNorm, candidate.norm >= 0.5 * previous else { return nil }
        return candidate.certificate
    }

    package mutating func confirmDual(_ candidate: CertificateCandidate?) -> [Double]? {
        defer { dualNorm = candidate?.norm }
        guard let candidate, let previous = dualNorm, candidate.norm >= 0.5 * previous else { return nil }
        return candidate.certificate
    }
}
