import KKT
import Stages

/// Settings of the ADMM solver. Every field has one documented default (OSQP's unless noted) and
/// `validate()` checks the ranges. Fields marked *setup* only take effect when a solver is created;
/// `ADMMSolver.update(settings:)` rejects changes to them.
public struct SolverSettings: Sendable, Equatable {
    /// Initial step size ρ (setup, and on `update(settings:)` it resets ρ). Default 0.1.
    public var rho: Double = 0.1
    /// Proximal term σ on x. Default 1e-6 (setup).
    public var sigma: Double = 1e-6
    /// Relaxation α ∈ (0, 2). Default 1.6.
    public var alpha: Double = 1.6
    /// Absolute and relative tolerances of the termination test. Default 1e-3 each.
    public var epsAbs: Double = 1e-3
    public var epsRel: Double = 1e-3
    /// Tolerances of the primal and dual infeasibility certificates (ADMM's and the interior-point
    /// method's: the same tests). Default 1e-4 each.
    public var epsPrimalInfeasible: Double = 1e-4
    public var epsDualInfeasible: Double = 1e-4
    /// Iteration limit. Default 4000.
    public var maxIterations: Int = 4000
    /// Residuals are checked every this many iterations (≥ 1). Default 25.
    public var checkTermination: Int = 25
    /// Also require the duality gap test for `solved`. Default true.
    public var checkDualityGap: Bool = true
    /// Passes of modified Ruiz equilibration; 0 disables scaling (setup). Default 10.
    public var scalingIterations: Int = 10
    /// Adaptive ρ on/off. Default true.
    public var adaptiveRho: Bool = true
    /// ρ is re-estimated every this many iterations (at iterations k·`adaptiveRhoInterval`, with the
    /// residuals computed there; deterministic, never wall-clock based). Default 25.
    public var adaptiveRhoInterval: Int = 25
    /// A new ρ is applied (numeric refactorization) only when it differs by more than this factor. Default 5.
    public var adaptiveRhoTolerance: Double = 5
    /// Cost rule of the ρ updates: a new ρ that passes the ratio test (`adaptiveRhoTolerance`) is
    /// applied, after the first update of a solve (which corrects the initial guess and is never
    /// deferred), only when the ADMM iterations since the last numeric factorization cost at least this
    /// fraction of one factorization, so refactorizations cost at most 1/fraction times the
    /// iterations between them. Costs are CHOLMOD's predicted flops (`WorkModel`), not measured time,
    /// so the decision is deterministic. 0 gives the plain ratio test. Default 0.4 (OSQP's
    /// `adaptive_rho_fraction`, which it applies to measured setup time instead).
    public var adaptiveRhoCostFraction: Double = 0.4
    /// Polishing after ADMM. Default true (OSQP's default is false; our polish is cheap next to the
    /// ADMM iterations and is only accepted when it does not worsen the residuals).
    public var polish: Bool = true
    /// Regularization δ of the polishing system. Default 1e-6.
    public var polishRegularization: Double = 1e-6
    /// Maximum iterative-refinement steps per polishing solve. Default 25 (OSQP: 3).
    public var polishRefinementSteps: Int = 25
    /// Rounds of active-set correction in polishing (each is one numeric factorization); rounds whose
    /// corrections still shrink geometrically may continue up to twice this (see `polishWorkFraction`). Default 10.
    public var polishActiveSetRounds: Int = 10
    /// Cost budget of polishing in one `solve()`, as a fraction of the work so far of ADMM (iterations
    /// and the factorizations they ran on) and of the interior-point stage, in the predicted-flop
    /// units of `WorkModel` (deterministic).
    /// Polishing tried during ADMM runs a round only while it fits; the final polish and the polish
    /// after the interior-point stage always get their first round (one factorization and refined
    /// solve), further rounds and the augmented-Lagrangian continuation only within the budget.
    /// `.infinity` removes the budget. Default 0.5 (polishing then takes at most about a third of ADMM plus polishing, less of a run with setup).
    public var polishWorkFraction: Double = 0.5
    /// Run the interior-point stage (see `ADMMSolver.interiorPoint`) when ADMM and polishing end
    /// without meeting the tolerances (iteration limit, inaccurate status) or with an infeasibility
    /// verdict, which it then re-checks, or when ADMM hit its limit and the polish only just met the
    /// tolerances (kept only if more accurate). With it on, ADMM also hands over early when it stalls
    /// (see `ADMMSolver.stallTestStart`). Default true (not in OSQP).
    public var interiorPointFallback: Bool = true
    /// Iteration limit of each interior-point attempt (standard, then proximal when the first does not
    /// converge; each iteration is one numeric factorization and two refined solves). Default 100.
    public var interiorPointIterations: Int = 100
    /// Regularization δ of the interior-point method's Newton matrix (σ = δ on the scaled data, and
    /// the start point's system; ×100 after a factorization with the wrong inertia): small enough that
    /// refinement against δ = 0 converges in a few steps, large enough to keep the LDLᵀ pivots away
    /// from zero. The proximal method of multipliers (third attempt) has its own schedule. In (0, 1).
    /// Default 1e-8.
    public var interiorPointRegularization: Double = 1e-8
    /// The interior-point method stops once every residual of the termination test (ADMM's: εabs +
    /// εrel·scale on the unscaled residuals at (x, Π[l,u](Ax), y), gap as `checkDualityGap` says) is
    /// this fraction of its tolerance and the linear constraints hold to 10⁻¹² relative: its last
    /// iterations converge fast, and the point then also passes stricter checks. Its result counts as
    /// solved at factor 1, like ADMM's. In (0, 1]. Default 1e-2.
    public var interiorPointTargetFactor: Double = 1e-2
    /// An interior-point attempt gives up when its best residual/tolerance ratio has not halved for
    /// this many iterations (the third attempt, the proximal method of multipliers, twice as many).
    /// ≥ 1. Default 30.
    public var interiorPointStallIterations: Int = 30
    /// Wall-clock limit for `solve()` in seconds (setup excluded); 0, or 1e9 and more, means none. ADMM, polishing and
    /// the interior-point stage check it (and `ADMMSolver.cancellation`) between iterations and
    /// factorizations, so the overshoot is at most one numeric factorization or solve; a solve it
    /// cuts short ends with `.timeLimit` (`.cancelled`) and the best point reached, unless that point
    /// already met the tolerances. Default 0.
    public var timeLimit: Double = 0
    /// Iteration log (banner, table, footer) to the solver's log sink. Default false.
    public var verbose: Bool = false
    /// Start `solve()` from the previous solution (or a `warmStart`). Default true.
    public var warmStart: Bool = true
    /// Flush-to-zero / denormals-are-zero (`FlushToZero`) on the calling thread while the solver
    /// computes (setup, solve, updates; restored on return): on some x86 CPUs subnormal doubles cost
    /// ~100× per operation, and only values below 2.2·10⁻³⁰⁸ change. Default true.
    public var flushToZero: Bool = true
    /// Which method `solve()` runs first: `.admm` (then polish and the interior-point stage as
    /// configured), `.interiorPoint` (the interior-point method from its own start, ADMM after it if
    /// it misses the tolerances), or `.automatic` (chosen once per solver by `MethodCostModel`).
    /// Default `.automatic`.
    public var method: SolverMethod = .automatic
    /// Linear-system options: strategy (auto|kkt|reduced) and ordering (setup).
    public var kkt: KKTOptions = KKTOptions()
    /// Check at setup (and after `update(PValues:)`) that P is positive semidefinite, so a
    /// non-convex problem ends with `.nonConvex` (and a direction of negative curvature when one is
    /// found) instead of a stationary point that is not a minimum (see `SemidefinitenessTest`: O(nnz(P))
    /// when P is zero, diagonal or diagonally dominant, else one Cholesky factorization of P alone).
    /// Default true (setup).
    public var checkConvexity: Bool = true
    /// Relative tolerance τ of that check, on the scaled P: P is accepted when P + τ·max|Pᵢⱼ|·I is
    /// positive definite (λ_min(P) ≳ −τ·max|Pᵢⱼ|). Default 1e-6, the size of diagonal perturbation
    /// Gurobi's PSDTol forgives by default: far above the rounding of a positive semidefinite P
    /// (≈ n·10⁻¹⁶), while a curvature beyond it is a property of the model, not of rounding (setup).
    public var convexityTolerance: Double = 1e-6

    public init() {}

    public func validate() throws(SolverError) {
        func check(_ ok: Bool, _ message: String) throws(SolverError) {
            if !ok { throw .invalidSettings(message) }
        }
        try check(rho.isFinite && rho > 0, "rho must be finite and > 0 (got \(rho))")
        try check(sigma.isFinite && sigma > 0, "sigma must be finite and > 0 (got \(sigma))")
        try check(alpha > 0 && alpha < 2, "alpha must be in (0, 2) (got \(alpha))")
        try check(epsAbs.isFinite && epsAbs >= 0, "epsAbs must be finite and ≥ 0 (got \(epsAbs))")
        try check(epsRel.isFinite && epsRel >= 0, "epsRel must be finite and ≥ 0 (got \(epsRel))")
        try check(epsAbs > 0 || epsRel > 0, "epsAbs and epsRel cannot both be 0")
        try check(epsPrimalInfeasible.isFinite && epsPrimalInfeasible > 0, "epsPrimalInfeasible must be finite and > 0")
        try check(epsDualInfeasible.isFinite && epsDualInfeasible > 0, "epsDualInfeasible must be finite and > 0")
        try check(maxIterations > 0, "maxIterations must be > 0 (got \(maxIterations))")
        try check(checkTermination > 0, "checkTermination must be > 0 (got \(checkTermination))")
        try check(scalingIterations >= 0, "scalingIterations must be ≥ 0")
        try check(adaptiveRhoInterval > 0, "adaptiveRhoInterval must be > 0")
        try check(adaptiveRhoTolerance.isFinite && adaptiveRhoTolerance >= 1, "adaptiveRhoTolerance must be ≥ 1")
        try check(polishRegularization.isFinite && polishRegularization > 0, "polishRegularization must be > 0")
        try check(polishRefinementSteps >= 0, "polishRefinementSteps must be ≥ 0")
        try check(polishActiveSetRounds >= 1, "polishActiveSetRounds must be ≥ 1")
        try check(polishWorkFraction >= 0, "polishWorkFraction must be ≥ 0 (got \(polishWorkFraction))")
        try check(adaptiveRhoCostFraction.isFinite && adaptiveRhoCostFraction >= 0,
                  "adaptiveRhoCostFraction must be finite and ≥ 0 (got \(adaptiveRhoCostFraction))")
        try check(interiorPointIterations >= 1, "interiorPointIterations must be ≥ 1")
        try check(interiorPointRegularization.isFinite && interiorPointRegularization > 0 && interiorPointRegularization < 1,
                  "interiorPointRegularization must be in (0, 1) (got \(interiorPointRegularization))")
        try check(interiorPointTargetFactor.isFinite && interiorPointTargetFactor > 0 && interiorPointTargetFactor <= 1,
                  "interiorPointTargetFactor must be in (0, 1] (got \(interiorPointTargetFactor))")
        try check(interiorPointStallIterations >= 1, "interiorPointStallIterations must be ≥ 1 (got \(interiorPointStallIterations))")
        try check(timeLimit.isFinite && timeLimit >= 0, "timeLimit must be finite and ≥ 0 (0 = none)")
        try check(convexityTolerance.isFinite && convexityTolerance >= 0 && convexityTolerance < 1,
                  "convexityTolerance must be in [0, 1) (got \(convexityTolerance))")
        do { try kkt.validate() } catch { throw .invalidSettings(error.description) }
    }
}

extension SolverSettings {
    /// The termination test's tolerances (ADMM and every stage).
    var tolerances: Tolerances { Tolerances(epsAbs: epsAbs, epsRel: epsRel, checkGap: checkDualityGap) }

    var polishSettings: PolishSettings {
        PolishSettings(regularization: polishRegularization, refinementSteps: polishRefinementSteps,
                       activeSetRounds: polishActiveSetRounds, workFraction: polishWorkFraction)
    }

    var interiorPointSettings: InteriorPointSettings {
        InteriorPointSettings(iterations: interiorPointIterations, regularization: interiorPointRegularization,
                              targetFactor: interiorPointTargetFactor, stallIterations: interiorPointStallIterations,
                              epsPrimalInfeasible: epsPrimalInfeasible, epsDualInfeasible: epsDualInfeasible)
    }
}
