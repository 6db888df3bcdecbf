/// The parameters of the ADMM linear system
///
///     [P + σI    Aᵀ        ] [x]   [r₁]
///     [A        −diag(1/ρ) ] [ν] = [r₂]
///
/// `rho[i] == 0` decouples row i: its equation becomes ν_i = 0 (the row is inactive). In a factorized
/// system ρ must be finite; in an *exact* operator used for iterative refinement `rho[i] == .infinity`
/// is allowed and means the hard equality A_i x = r₂ᵢ.
public struct KKTParameters: Sendable, Equatable {
    public var sigma: Double
    public var rho: [Double]

    public init(sigma: Double, rho: [Double]) {
        self.sigma = sigma
        self.rho = rho
    }

    /// Checks ranges: σ ≥ 0 finite; ρ_i ≥ 0 and finite unless `allowInfiniteRho`.
    public func validate(rowCount m: Int, allowInfiniteRho: Bool) throws(FactorizationError) {
        guard sigma.isFinite, sigma >= 0 else { throw .invalidParameter("sigma = \(sigma) must be finite and ≥ 0") }
        guard rho.count == m else { throw .dimensionMismatch("rho has \(rho.count) entries, expected m = \(m)") }
        for (i, r) in rho.enumerated() {
            guard !r.isNaN, r >= 0, allowInfiniteRho || r.isFinite else {
                throw .invalidParameter("rho[\(i)] = \(r) must be \(allowInfiniteRho ? "≥ 0" : "finite and ≥ 0")")
            }
        }
    }
}

/// The outcome of a refined solve.
public struct RefinementReport: Sendable, Equatable {
    /// Corrections applied.
    public var steps: Int
    /// ‖b − K·[x; ν]‖∞ of the exact operator at the returned point.
    public var residual: Double
    /// max(1, ‖b‖∞), the scale the tolerance is relative to.
    public var scale: Double
    /// Whether residual ≤ tolerance·scale.
    public var converged: Bool

    public init(steps: Int, residual: Double, scale: Double, converged: Bool) {
        self.steps = steps
        self.residual = residual
        self.scale = scale
        self.converged = converged
    }
}
