import KKT

/// How a solve ended.
public enum Status: Sendable, Equatable, CustomStringConvertible {
    case solved
    case solvedInaccurate
    case primalInfeasible
    case primalInfeasibleInaccurate
    case dualInfeasible
    case dualInfeasibleInaccurate
    case maxIterations
    case timeLimit
    case nonConvex
    case cancelled
    /// The linear system failed although P passed the convexity check (a wrong inertia or a failed
    /// Cholesky factorization of the ADMM system, or a failed triangular solve): a numerical failure,
    /// not a property of the problem. No point is returned.
    case numericalError

    public var isSolved: Bool { self == .solved || self == .solvedInaccurate }
    public var isInfeasible: Bool {
        switch self {
        case .primalInfeasible, .primalInfeasibleInaccurate, .dualInfeasible, .dualInfeasibleInaccurate: return true
        default: return false
        }
    }

    /// snake_case name used in JSON output ("solved", "primal_infeasible_inaccurate", …).
    public var name: String {
        switch self {
        case .solved: return "solved"
        case .solvedInaccurate: return "solved_inaccurate"
        case .primalInfeasible: return "primal_infeasible"
        case .primalInfeasibleInaccurate: return "primal_infeasible_inaccurate"
        case .dualInfeasible: return "dual_infeasible"
        case .dualInfeasibleInaccurate: return "dual_infeasible_inaccurate"
        case .maxIterations: return "max_iterations"
        case .timeLimit: return "time_limit"
        case .nonConvex: return "non_convex"
        case .cancelled: return "cancelled"
        case .numericalError: return "numerical_error"
        }
    }

    public var description: String { name }
}

/// What polishing did.
public enum PolishStatus: String, Sendable, Equatable {
    /// Polishing was off, or the status is not solved.
    case notRun = "not_run"
    /// The polished solution was accepted.
    case succeeded = "succeeded"
    /// The polished solution was computed but would have worsened the residuals; ADMM's is kept.
    case rejected = "rejected"
    /// The polishing linear system failed (singular after regularization, refinement did not converge).
    case failed = "failed"
}

/// Information about a solve. Residuals are of the unscaled problem, at the returned point.
public struct Info: Sendable, Equatable {
    public var status: Status = .maxIterations
    public var iterations: Int = 0
    /// ½xᵀPx + qᵀx + r at the returned x (NaN when no solution point is returned).
    public var objective: Double = .nan
    /// ‖Ax − z‖∞ (with z the projection of Ax onto [l, u] after polishing).
    public var primalResidual: Double = .nan
    /// ‖Px + q + Aᵀy‖∞.
    public var dualResidual: Double = .nan
    /// |xᵀPx + qᵀx + uᵀy₊ + lᵀy₋| (primal minus dual objective).
    public var dualityGap: Double = .nan
    /// Numeric refactorizations caused by ρ updates.
    public var rhoUpdates: Int = 0
    /// ρ updates the ratio test asked for but the cost rule (`SolverSettings.adaptiveRhoCostFraction`)
    /// deferred because the iterations since the last factorization were too cheap.
    public var rhoUpdatesDeferred: Int = 0
    /// Numeric factorizations done by polishing (tries during ADMM, final polish, augmented-Lagrangian
    /// continuation, polish after the interior-point stage), bounded by `SolverSettings.polishWorkFraction`.
    public var polishFactorizations: Int = 0
    /// The last ρ (scalar) used.
    public var rho: Double = .nan
    public var polish: PolishStatus = .notRun
    /// What the interior-point stage did, its iterations and its seconds (part of `runTime`).
    public var interiorPoint: InteriorPointStatus = .notRun
    public var interiorPointIterations: Int = 0
    public var interiorPointTime: Double = 0
    /// Seconds. Polishing tried during ADMM (which can end the solve) is part of `solveTime`;
    /// `polishTime` is the final polish only.
    public var setupTime: Double = 0
    public var solveTime: Double = 0
    public var polishTime: Double = 0
    /// Seconds of the polish tries during ADMM (part of `solveTime`): with `polishTime` and the
    /// polish after the interior-point stage (part of `interiorPointTime`), all polishing.
    public var polishTimeDuringADMM: Double = 0
    /// Seconds spent in the ADMM iterations themselves (KKT solve and vector updates; no residual
    /// checks, ρ updates or polishing): `iterationTime / iterations` is the cost of one iteration.
    public var iterationTime: Double = 0
    public var runTime: Double { setupTime + solveTime + polishTime + interiorPointTime }
    /// Factorization counts and times of the KKT module (shared by polishing and backward passes).
    public var factorization: FactorizationProfile?
    /// How the convexity check at setup decided (nil when `checkConvexity` is off) and its seconds
    /// (part of `setupTime`).
    public var convexityCheck: SemidefinitenessMethod?
    public var convexityCheckTime: Double = 0
    /// The method the solve ran first (`.admm` or `.interiorPoint`) and why (`SolverSettings.method`).
    public var method: SolverMethod = .admm
    public var methodReason: String = ""
}

/// The result of `ADMMSolver.solve()`.
public struct Solution: Sendable, Equatable {
    /// The primal point (n), unscaled. Empty for nonConvex.
    public var x: [Double]
    /// The dual point (m), unscaled; y > 0 at an active upper bound, y < 0 at an active lower bound.
    public var y: [Double]
    public var info: Info
    public var status: Status { info.status }
    /// With `.primalInfeasible(Inaccurate)`: δy with ‖δy‖∞ = 1, Aᵀδy ≈ 0 and uᵀδy₊ + lᵀδy₋ < 0.
    public var primalInfeasibilityCertificate: [Double]?
    /// With `.dualInfeasible(Inaccurate)`: δx with ‖δx‖∞ = 1, Pδx ≈ 0, qᵀδx < 0, Aδx ∈ recession cone.
    public var dualInfeasibilityCertificate: [Double]?
    /// With `.nonConvex`, when the convexity check found one: d with ‖d‖∞ = 1 and dᵀPd < 0 (unscaled).
    public var negativeCurvatureDirection: [Double]?
    /// dᵀPd for that direction.
    public var negativeCurvature: Double?
}
