import Sparse
import KKT
import QP
import ADMM

/// Derivatives of the solution (x*, y*) of a solved QP with respect to its data (P, q, A, l, u).
///
/// Create one from a solver right after `solve()`; it snapshots the solver's state. Then call
/// `adjoint(dx:dy:)` (reverse mode / VJP) and `jvp(dP:dq:dA:dl:du:)` (forward mode) as often as
/// needed: the `.kkt` rule factorizes its derivative matrix lazily once (on the forward symbolic
/// analysis) and every further call is solves only; the `.fixedPoint` rule never factorizes.
///
/// ## The four contracts
/// 1. *Primal problem*: the QP as given to the solver (unscaled). `.kkt`: at the exact solution the
///    crossover reaches from the returned point (`BackwardInfo.activeSetCertified`, distance in
///    `distanceToReturnedPoint`; see `ActiveSetIdentification`), or, when it does not converge, at
///    the returned point (`Solution.x`, `Solution.y`) with the rows the forward accuracy cannot
///    classify counted in `BackwardInfo.ambiguousRows` (more than `maxAmbiguousRows` throw
///    `.ambiguousActiveSet` unless `allowAmbiguous`). `.fixedPoint`: at the returned ADMM iterate.
/// 2. *Solution convention* (`.kkt`): with τ = `dualActivityTolerance` (at rounding level after a
///    crossover), a row is upper-active when
///    y_i > τ, lower-active when y_i < −τ, an equality row when l_i = u_i (always active), and
///    inactive otherwise (dy_i = 0). A *weakly active* row — tight at a bound but |y_i| ≤ τ — is
///    treated as inactive: the derivative returned is that of the solution on the face where the
///    constraint is released (the one-sided derivative for perturbations that move the bound away
///    from the solution) in `adjoint`; `jvp` returns the exact one-sided directional derivative
///    instead (the directional-derivative QP over the critical cone, `DirectionalDerivative.swift`,
///    `BackwardInfo.oneSided`). Weakly active rows are counted in `BackwardInfo.weaklyActive`, and
///    `BackwardInfo.differentiable` is false (the VJP is then this convention, not a gradient).
///    An equality row's bound gradient goes to `du` when y_i ≥ 0 and to `dl` when y_i < 0 (it is
///    the gradient with respect to the common value l_i = u_i; moving only one side turns the row
///    into an inequality, whose derivative is one-sided). In a JVP an equality row reads its bound
///    change from `du` when y_i ≥ 0, from `dl` otherwise.
///    Non-unique solutions (P singular on the active face, rank-deficient active rows): the
///    derivative matrix is regularized by δ and refined against the unregularized one. For a
///    consistent singular system the refinement iteration (a proximal-point iteration started at 0)
///    converges to a solution of the singular system, the minimum-norm one in the δ-metric; when the
///    system is inconsistent (e.g. duplicated active rows whose bounds are perturbed differently)
///    refinement stagnates above 1e-8 relative, and the minimum-norm least-squares solution of the
///    scaled system is returned instead (CGLS from zero on the exact operator;
///    `BackwardInfo.leastSquaresIterations` > 0, `converged` = normal equations met, `residual` =
///    the remaining ‖b − K·w‖∞). A refinement that stalls below 1e-8 relative (rounding level on
///    systems with millions of rows) keeps its solution and reports `converged` = false.
///    Dependent active rows (non-unique multipliers) are detected by a probe solve and reported in
///    `BackwardInfo.multipliersUnique` / `degenerate`; there `jvp` returns the exact one-sided
///    directional derivative (`DependentRows.swift`) and `adjoint` the true gradient when the loss is
///    differentiable (`DependentRowsVJP.swift`, `Pieces.swift`), the convention flagged otherwise.
/// 3. *Derivative rule*: `DerivativeRule`. See `FixedPoint.swift` for `.fixedPoint`.
/// 4. *Tolerance*: forward eps and residuals, backward residual and steps in `BackwardInfo`.
///
/// The `.kkt` derivative system is [P, A_actᵀ; A_act, 0], solved in the solver's scaled variables
/// (K̄ = S K S with S = diag(√c·D, E/√c)) through a companion of the forward `LinearSystem`
/// factorized as [P̄ + δI, Āᵀ; Ā, −δI] on active rows, inactive rows decoupled (ρ_i = 0).
///
/// Not thread-safe (one instance per thread); create a new one after every `solve()`.
public final class Differentiator {
    public let settings: DifferentiationSettings
    public let problem: QuadraticProgram
    public let solution: Solution
    let forwardSystem: any LinearSystem
    let state: ADMMState
    let forwardSettings: SolverSettings
    let n: Int
    let m: Int
    let x: [Double]
    let y: [Double]
    /// `.kkt`: +1 the row's bound is u (upper-active, or equality with y ≥ 0), −1 it is l, 0 inactive.
    let side: [Int8]
    /// `.kkt`: weakly active rows (tight, |y| ≤ τ, released): +1 tight at u, −1 at l, 0 otherwise.
    let weakSide: [Int8]
    let counts: RowCounts
    let tauY: Double
    /// Outcome of the active-set identification: certified by crossover, crossover rounds and
    /// numeric factorizations, ambiguous rows, ‖x_differentiated − x_returned‖∞.
    let identification: (certified: Bool, rounds: Int, factorizations: Int, ambiguous: Int, distance: Double, resolved: Bool,
                         time: Double)
    /// Lazily factorized derivative matrix (`.kkt`).
    var derivativeSystem: (any LinearSystem)?
    /// The forward polish's factorization when its active rows are exactly this instance's `.kkt`
    /// active rows: the derivative matrix is then already factorized (see `derivativeMatrix()`).
    let reusablePolish: (system: any LinearSystem, regularization: Double)?
    /// δ of the factorization the `.kkt` solves use (the polish's when it is reused).
    var derivativeRegularization: Double
    /// CGLS iterations of the last `.kkt` solve's least-squares fallback (0 if not needed).
    var lastLeastSquaresIterations = 0
    /// `.kkt`: whether the active rows are linearly independent, probed once the derivative matrix
    /// is factorized (see `probeMultiplierUniqueness()`).
    var multipliersUnique: Bool?
    /// `.kkt` at a degenerate point: the valid pieces, enumerated on the first `adjoint` (see `Pieces.swift`).
    var pieces: [Piece]?
    /// `.kkt` with weakly active rows: whether all tight rows are independent (probed once, see
    /// `tightRowsIndependent()`), and the numeric factorizations the probe did (reported once).
    var tightRowsIndependence: Bool?
    var tightRowsProbeFactorizations = 0
    /// `.kkt` with dependent tight rows: the analysis of `DependentRowsVJP.swift`, computed once
    /// (`dependentAnalysisDone`; nil when it does not apply).
    var dependentAnalysis: DependentRowsAnalysis?
    var dependentAnalysisDone = false
    /// `.fixedPoint` after `prepare()`: a private copy of the forward factor (no factorization).
    var forwardCopy: (any LinearSystem)?
    let exactParameters: KKTParameters
    /// `.fixedPoint`: +1 / −1 the last projection clamps the row at u / l (or the row is an equality
    /// row), 0 the row is free in the projection.
    let clamp: [Int8]
    let fixedPointCounts: RowCounts

    struct RowCounts: Equatable {
        var upper = 0, lower = 0, equality = 0, weak = 0, inactive = 0
    }

    /// Snapshots `solver` after `solution = solver.solve()`.
    /// Throws `.notSolved` unless the status is `.solved` (or `allowInaccurate` and a point exists).
    public init(solver: ADMMSolver, solution: Solution, settings: DifferentiationSettings = DifferentiationSettings()) throws(DerivativeError) {
        try settings.validate()
        // Flush-to-zero as the forward solver computes (its setting), the caller's mode restored.
        let mode = FlushToZero.enableForCurrentThread(if: solver.settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        let status = solution.status
        let hasPoint = !status.isInfeasible && status != .nonConvex && status != .numericalError
            && solution.x.count == solver.n && solution.y.count == solver.m
        guard hasPoint, status == .solved || settings.allowInaccurate else { throw .notSolved(status) }
        guard let system = solver.linearSystem else { throw .noLinearSystem }
        var solution = solution
        if settings.rule == .fixedPoint, solution.info.method == .interiorPoint, solution.info.iterations == 0 {
            // The fixed-point rule differentiates the ADMM iteration: ADMM runs from the interior-point
            // solution (warm start) and the derivative is taken at its iterate.
            let admm = solver.admmIterate()
            guard admm.info.iterations > 0, admm.status == .solved || (settings.allowInaccurate && admm.status == .solvedInaccurate) else {
                throw .ruleNotApplicable("the fixed-point rule differentiates the ADMM iteration; this solution came from the interior-point method, and ADMM warm-started from it ended \(admm.status.name) after \(admm.info.iterations) iterations; use the kkt rule (CLI: --rule kkt) or solve with method admm")
            }
            solution = admm
        }
        self.settings = settings
        self.problem = solver.problem
        self.solution = solution
        self.forwardSystem = system
        self.state = solver.state
        self.forwardSettings = solver.settings
        n = solver.n
        m = solver.m
        // `.kkt` classification and the point to differentiate at (see `ActiveSetIdentification`).
        let identificationStart = ContinuousClock.now
        let id = Self.identifyActiveSet(solver: solver, solution: solution, state: state, system: system, settings: settings)
        x = id.x
        y = id.y
        tauY = id.tauY
        side = id.side
        weakSide = id.weakSide
        counts = id.counts
        identification = (id.certified, id.rounds, id.factorizations, id.ambiguous, id.distance, id.resolved,
                          seconds(since: identificationStart))
        var regRho = [Double](repeating: 0, count: m)
        var exactRho = [Double](repeating: 0, count: m)
        for i in 0..<m where side[i] != 0 {
            regRho[i] = 1 / settings.regularization
            exactRho[i] = .infinity
        }
        self.exactParameters = KKTParameters(sigma: 0, rho: exactRho)
        self.regularizedParameters = KKTParameters(sigma: settings.regularization, rho: regRho)
        let mask = side.map { $0 != 0 }
        if settings.rule == .kkt, let s = id.system, id.factoredMask == mask {
            // The crossover's last factorization is the derivative matrix.
            reusablePolish = (s, id.factoredRegularization)
        } else if settings.rule == .kkt, let pf = solver.polishFactorization, pf.active == mask {
            // Same active rows: take the polish factorization over (no copy, no refactorization).
            reusablePolish = solver.takePolishFactorization().map { ($0.system, $0.regularization) }
        } else {
            reusablePolish = nil
        }
        derivativeRegularization = settings.regularization
        // `.fixedPoint` classification from the last projection, w = z̄ + ȳ/ρ.
        var clamp = [Int8](repeating: 0, count: m)
        var fpCounts = RowCounts()
        let rho = state.rho
        for i in 0..<m {
            let l = state.scaledL[i], u = state.scaledU[i]
            let w = state.z[i] + state.y[i] / rho[i]
            if Self.isEquality(solver.problem.l[i], solver.problem.u[i]) {
                clamp[i] = state.y[i] >= 0 ? 1 : -1; fpCounts.equality += 1
            } else if w > u {
                clamp[i] = 1; fpCounts.upper += 1
            } else if w < l {
                clamp[i] = -1; fpCounts.lower += 1
            } else if w == u || w == l {
                fpCounts.weak += 1
            } else {
                fpCounts.inactive += 1
            }
        }
        self.clamp = clamp
        self.fixedPointCounts = fpCounts
    }

    let regularizedParameters: KKTParameters

    /// A row whose bounds differ by at most this relative amount is an equality row (rounding of
    /// bounds that were meant to be equal, e.g. after unscaling).
    static let equalityRowTolerance = 1e-14

    static func isEquality(_ l: Double, _ u: Double) -> Bool {
        l.isFinite && u.isFinite && u - l <= equalityRowTolerance * max(1, abs(l))
    }

    // MARK: Public entry points

    /// Makes the instance independent of the solver's later updates: `.kkt` factorizes its derivative
    /// matrix now (instead of on the first call); `.fixedPoint` copies the forward numeric factor
    /// (a copy, not a factorization). Call it before the solver is updated or re-solved if this
    /// instance is to be used afterwards.
    public func prepare() throws(DerivativeError) {
        let mode = FlushToZero.enableForCurrentThread(if: forwardSettings.flushToZero)
        defer { FlushToZero.restore(mode) }
        switch settings.rule {
        case .kkt: _ = try derivativeMatrix()
        case .fixedPoint:
            if forwardCopy == nil {
                do { forwardCopy = try forwardSystem.makeCompanion() } catch { throw .factorization(error) }
            }
        }
    }

    /// Reverse mode: the gradients of L = dxᵀx* + dyᵀy* with respect to (P, q, A, l, u).
    /// `dy` nil means zero. One linear solve (plus refinement) with `.kkt`; the first call on an
    /// instance also does one numeric factorization.
    public func adjoint(dx: [Double], dy: [Double]? = nil) throws(DerivativeError) -> (gradients: Gradients, info: BackwardInfo) {
        let mode = FlushToZero.enableForCurrentThread(if: forwardSettings.flushToZero)
        defer { FlushToZero.restore(mode) }
        guard dx.count == n else { throw .dimensionMismatch("dx has \(dx.count) entries, expected n = \(n)") }
        if let dy, dy.count != m { throw .dimensionMismatch("dy has \(dy.count) entries, expected m = \(m)") }
        for v in dx where !v.isFinite { throw .dimensionMismatch("dx has a non-finite entry") }
        if let dy { for v in dy where !v.isFinite { throw .dimensionMismatch("dy has a non-finite entry") } }
        let dyv = dy ?? [Double](repeating: 0, count: m)
        try checkAmbiguity()
        switch settings.rule {
        case .kkt: return try kktAdjoint(dx: dx, dy: dyv)
        case .fixedPoint: return try fixedPointAdjoint(dx: dx, dy: dyv)
        }
    }

    /// Forward mode: (dx*, dy*) for a direction in the data. Each argument nil means zero; `dP` and
    /// `dA` must be on the patterns of P and A (same symmetric convention as `Gradients`).
    public func jvp(dP: CSCMatrix? = nil, dq: [Double]? = nil, dA: CSCMatrix? = nil,
                    dl: [Double]? = nil, du: [Double]? = nil) throws(DerivativeError) -> (dx: [Double], dy: [Double], info: BackwardInfo) {
        let mode = FlushToZero.enableForCurrentThread(if: forwardSettings.flushToZero)
        defer { FlushToZero.restore(mode) }
        try checkAmbiguity()
        if let dP, dP.pattern != problem.P.pattern { throw .dimensionMismatch("dP is not on P's pattern") }
        if let dA, dA.pattern != problem.A.pattern { throw .dimensionMismatch("dA is not on A's pattern") }
        if let dq, dq.count != n { throw .dimensionMismatch("dq has \(dq.count) entries, expected \(n)") }
        if let dl, dl.count != m { throw .dimensionMismatch("dl has \(dl.count) entries, expected \(m)") }
        if let du, du.count != m { throw .dimensionMismatch("du has \(du.count) entries, expected \(m)") }
        // c = dq + dP·x + dAᵀy (n), e = dA·x (m): the data part of the linearized KKT conditions.
        var cx = dq ?? [Double](repeating: 0, count: n)
        var ex = [Double](repeating: 0, count: m)
        if let dP { let v = dP.symmetricUpperMultiply(x); for j in 0..<n { cx[j] += v[j] } }
        if let dA {
            let v = dA.transposeMultiply(y); for j in 0..<n { cx[j] += v[j] }
            ex = dA.multiply(x)
        }
        let lo = dl ?? [Double](repeating: 0, count: m)
        let hi = du ?? [Double](repeating: 0, count: m)
        switch settings.rule {
        case .kkt: return try kktJVP(dP: dP, dq: dq, dA: dA, c: cx, e: ex, dl: lo, du: hi)
        case .fixedPoint: return try fixedPointJVP(dP: dP, dq: dq, dA: dA, dl: lo, du: hi)
        }
    }

    /// A JVP along a direction given as a `Gradients` value.
    public func jvp(_ direction: Gradients) throws(DerivativeError) -> (dx: [Double], dy: [Double], info: BackwardInfo) {
        try jvp(dP: direction.dP, dq: direction.dq, dA: direction.dA, dl: direction.dl, du: direction.du)
    }

    /// Dense Jacobians ∂x*/∂q (n×n), ∂x*/∂l and ∂x*/∂u (n×m), row k = ∂x*_k. n adjoint solves on one
    /// factorization; meant for small problems (O(n·(n + m)) memory).
    public func jacobian() throws(DerivativeError) -> SolutionJacobian {
        var jq: [[Double]] = [], jl: [[Double]] = [], ju: [[Double]] = []
        var e = [Double](repeating: 0, count: n)
        for k in 0..<n {
            e[k] = 1
            let (g, _) = try adjoint(dx: e)
            e[k] = 0
            jq.append(g.dq); jl.append(g.dl); ju.append(g.du)
        }
        return SolutionJacobian(dxdq: jq, dxdl: jl, dxdu: ju)
    }

    // MARK: Shared pieces

    /// Gradients from the pair (h, k) with dL = hᵀ(dq + dP·x + dAᵀy) + kᵀ(dA·x) + Σ_i b_i·(bound change of row i):
    /// dq = h; dP on the stored pattern (symmetric convention); dA_ij = y_i h_j + k_i x_j.
    func gradients(h: [Double], k: [Double], xv: [Double], yv: [Double], boundGradient b: [Double], sides: [Int8]) -> Gradients {
        var g = Gradients.zeros(like: problem.P, problem.A)
        g.dq = h
        let P = problem.P.pattern
        for j in 0..<n {
            for p in P.range(ofColumn: j) {
                let i = P.rowIndices[p]
                g.dP.values[p] = i == j ? h[i] * xv[i] : h[i] * xv[j] + h[j] * xv[i]
            }
        }
        let A = problem.A.pattern
        for j in 0..<n {
            for p in A.range(ofColumn: j) {
                let i = A.rowIndices[p]
                g.dA.values[p] = yv[i] * h[j] + k[i] * xv[j]
            }
        }
        for i in 0..<m {
            if sides[i] > 0 { g.du[i] = b[i] } else if sides[i] < 0 { g.dl[i] = b[i] }
        }
        return g
    }

    func info(rule: DerivativeRule, counts c: RowCounts, steps: Int, residual: Double, converged: Bool,
              factorizations: Int, start: ContinuousClock.Instant) -> BackwardInfo {
        BackwardInfo(forwardStatus: solution.status, upperActive: c.upper, lowerActive: c.lower, equality: c.equality,
                     weaklyActive: c.weak, inactive: c.inactive,
                     dualActivityTolerance: rule == .kkt ? tauY : 0, rule: rule,
                     regularization: rule == .kkt ? derivativeRegularization : 0,
                     forwardEpsAbs: forwardSettings.epsAbs, forwardEpsRel: forwardSettings.epsRel,
                     forwardPrimalResidual: solution.info.primalResidual, forwardDualResidual: solution.info.dualResidual,
                     refinementSteps: steps, residual: residual, converged: converged,
                     factorizationReused: factorizations == 0, numericFactorizations: factorizations,
                     symbolicAnalysesTotal: forwardSystem.profile.symbolicAnalyses, time: seconds(since: start),
                     leastSquaresIterations: rule == .kkt ? lastLeastSquaresIterations : 0,
                     activeSetCertified: rule == .kkt && identification.certified,
                     identificationTime: identification.time,
                     crossoverResolved: rule == .kkt && identification.resolved,
                     crossoverRounds: rule == .kkt ? identification.rounds : 0,
                     crossoverFactorizations: rule == .kkt ? identification.factorizations : 0,
                     distanceToReturnedPoint: rule == .kkt ? identification.distance : 0,
                     ambiguousRows: rule == .kkt ? identification.ambiguous : 0,
                     activeRows: c.upper + c.lower + c.equality,
                     multipliersUnique: rule == .kkt ? multipliersUnique : nil,
                     differentiable: rule == .kkt && c.weak == 0 && multipliersUnique == true)
    }

    /// `.kkt`: throws when more rows are ambiguous than the settings allow.
    func checkAmbiguity() throws(DerivativeError) {
        guard settings.rule == .kkt, !settings.allowAmbiguous,
              identification.ambiguous > settings.maxAmbiguousRows else { return }
        throw .ambiguousActiveSet(rows: identification.ambiguous, allowed: settings.maxAmbiguousRows)
    }
}

/// Dense Jacobians of x* (rows) with respect to q, l and u (columns).
public struct SolutionJacobian: Sendable, Equatable {
    public var dxdq: [[Double]]
    public var dxdl: [[Double]]
    public var dxdu: [[Double]]
}
