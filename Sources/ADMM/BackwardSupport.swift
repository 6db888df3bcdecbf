import Sparse
import KKT
import Stages

/// The internal state of a solver after `solve()`, exposed read-only for modules that differentiate
/// through the solve (the `.fixedPoint` derivative rule needs the scaled iterates, the scaling and
/// the ρ vector of the final iteration).
public struct ADMMState: Sendable {
    /// Ruiz scaling: P̄ = c·D P D, q̄ = c·D q, Ā = E A D, l̄ = E l, ū = E u; x = D x̄, y = E ȳ / c.
    public var D: [Double]
    public var E: [Double]
    public var c: Double
    /// Scaled data as factorized.
    public var scaledP: CSCMatrix
    public var scaledA: CSCMatrix
    public var scaledQ: [Double]
    public var scaledL: [Double]
    public var scaledU: [Double]
    /// Scaled iterates at the end of the last solve (after polishing, if accepted).
    public var x: [Double]
    public var z: [Double]
    public var y: [Double]
    /// ρ vector, σ and α of the last iteration.
    public var rho: [Double]
    public var sigma: Double
    public var alpha: Double
}

extension ADMMSolver {
    /// Hands the accepted polish's factorization over to the caller (no copy of the factor): the
    /// solver forgets it and builds a new polish companion (symbolic copy only) when it next polishes.
    /// Nil when the last solve left no such factorization.
    public func takePolishFactorization() -> PolishFactorization? {
        guard let pf = polishFactorization else { return nil }
        polishFactorization = nil
        polisher.discardSystem()
        return pf
    }

    /// A snapshot of the scaled data and iterates (copies; O(nnz + n + m)).
    public var state: ADMMState {
        ADMMState(D: scaling.D, E: scaling.E, c: scaling.c, scaledP: Ps, scaledA: As, scaledQ: qs.array,
                  scaledL: ls.array, scaledU: us.array, x: x.array, z: z.array, y: y.array,
                  rho: rhoVector.array, sigma: settings.sigma, alpha: settings.alpha)
    }
}

/// The factorization the accepted polish left on the polish companion: the regularized active-set
/// KKT matrix [P̄ + δI, Ā_actᵀ; Ā_act, −δI] (scaled data, inactive rows decoupled) — exactly the
/// matrix a KKT-rule backward pass needs when its active set is the same. Valid until the solver's
/// next `solve()` or update; copy it (`LinearSystem.makeCompanion()`, no factorization) to keep it, or
/// take it over with `ADMMSolver.takePolishFactorization()` (no copy).
public struct PolishFactorization {
    public let system: any LinearSystem
    /// Rows active in the factorized matrix (ρ_i = 1/δ); the others are decoupled.
    public let active: [Bool]
    public let regularization: Double
}
