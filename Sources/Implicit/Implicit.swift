import Sparse
import KKT
import ADMM

/// How the derivative of the QP solution is defined (contract 3 of the README's "Derivatives" section).
public enum DerivativeRule: String, Sendable, Equatable, CaseIterable {
    /// Implicit differentiation of the KKT conditions of the QP at the returned (x, y), with the
    /// active set read from (Ax, y). A new numeric factorization on the forward symbolic analysis.
    case kkt
    /// Implicit differentiation of the ADMM fixed-point map at the final (scaled) iterate (x, z, y),
    /// solved with the forward pass's own numeric factorization (no factorization at all).
    case fixedPoint = "fixed-point"

    /// snake_case name used in JSON output.
    public var name: String { self == .kkt ? "kkt" : "fixed_point" }
}

/// Gradients of a scalar loss L(x*, y*) with respect to the problem data, or a direction in the data
/// (the input of `jvp`).
///
/// **Symmetric convention for P.** `dP` lives on P's stored (upper-triangle) pattern and is the
/// gradient with respect to the *stored values*: an off-diagonal stored value p_ij (i < j) stands for
/// both P_ij and P_ji, so its entry is ∂L/∂P_ij + ∂L/∂P_ji. (OSQP and most papers report the
/// gradient with respect to the symmetric matrix, ½(r_x xᵀ + x r_xᵀ); its off-diagonal entries are
/// half of ours, its diagonal equal.) As a JVP direction, `dP` is likewise a change of the stored
/// values, i.e. the symmetric perturbation with both (i, j) and (j, i) changed by the stored entry.
///
/// `dA` lives on A's pattern. `dl`, `du` are per row of A; entries of infinite bounds are 0.
public struct Gradients: Sendable, Equatable {
    public var dP: CSCMatrix
    public var dq: [Double]
    public var dA: CSCMatrix
    public var dl: [Double]
    public var du: [Double]

    public init(dP: CSCMatrix, dq: [Double], dA: CSCMatrix, dl: [Double], du: [Double]) {
        self.dP = dP
        self.dq = dq
        self.dA = dA
        self.dl = dl
        self.du = du
    }

    /// Zero gradients on the patterns of P and A.
    public static func zeros(like P: CSCMatrix, _ A: CSCMatrix) -> Gradients {
        Gradients(dP: CSCMatrix(uncheckedPattern: P.pattern, values: .init(repeating: 0, count: P.nonzeroCount)),
                  dq: .init(repeating: 0, count: P.columnCount),
                  dA: CSCMatrix(uncheckedPattern: A.pattern, values: .init(repeating: 0, count: A.nonzeroCount)),
                  dl: .init(repeating: 0, count: A.rowCount), du: .init(repeating: 0, count: A.rowCount))
    }

    /// The Euclidean inner product over all stored values (finite entries only; a direction's entry
    /// at an infinite bound is ignored).
    public func dot(_ other: Gradients) -> Double {
        func d(_ a: [Double], _ b: [Double]) -> Double {
            var s = 0.0
            for k in 0..<min(a.count, b.count) where a[k].isFinite && b[k].isFinite { s += a[k] * b[k] }
            return s
        }
        return d(dP.values, other.dP.values) + d(dq, other.dq) + d(dA.values, other.dA.values)
            + d(dl, other.dl) + d(du, other.du)
    }
}

/// Settings of the backward pass. Every field has one documented default.
public struct DifferentiationSettings: Sendable, Equatable {
    /// The derivative rule. Default `.kkt`.
    public var rule: DerivativeRule = .kkt
    /// Allow derivatives at a point whose status is not `.solved` (`.solvedInaccurate`,
    /// `.maxIterations`, `.timeLimit`, `.cancelled` with a returned point). Default false: such a
    /// status throws `DerivativeError.notSolved`. Infeasible and non-convex problems always throw.
    public var allowInaccurate: Bool = false
    /// Activity threshold τ for the `.kkt` rule. A row is active when |y_i| > τ; a row that is tight
    /// (within `primalActivityTolerance` of a bound) with |y_i| ≤ τ is *weakly active*. nil (default):
    /// τ = 10·a·(1 + max(1, ‖y‖∞)) with a = min(max(primal, dual residual of the returned point),
    /// epsAbs + epsRel): the accuracy the forward solution actually reached.
    public var dualActivityTolerance: Double? = nil
    /// Tightness threshold for classifying weakly active rows. nil (default):
    /// 10·(epsAbs + epsRel·max(1, |bound|)) from the forward settings.
    public var primalActivityTolerance: Double? = nil
    /// `.kkt`: identify the active set by crossover (a primal–dual active-set iteration from the
    /// returned point to an exact solution, see `ActiveSetIdentification`) and differentiate at the
    /// point it reaches. Default true. Off: rows are classified at the returned point by the
    /// complementarity bands, and ambiguous rows are counted.
    public var crossover: Bool = true
    /// `.kkt`: at most this many active-set rounds (one numeric factorization each) in the crossover.
    /// Default 10: from a point that met a forward ε the guess is usually right or a few rounds off;
    /// a cycling iteration is stopped earlier.
    public var crossoverMaxRounds: Int = 10
    /// `.kkt`: when the active-set iteration from the returned point does not converge, re-solve
    /// from that point at ε = 1e-9 on a companion solver (same symbolic analysis; ADMM, polish and
    /// the interior-point stage as configured) and run the crossover from there. Default true.
    public var crossoverResolve: Bool = true
    /// `.kkt`: the largest number of ambiguous rows (inside both complementarity bands: slack and
    /// multiplier too small for the forward accuracy to decide) at which `adjoint`/`jvp` still return
    /// a derivative. Default 0. A certified (crossover) classification has no ambiguous rows.
    public var maxAmbiguousRows: Int = 0
    /// Return derivatives whatever the number of ambiguous rows (they are still counted and flagged in
    /// `BackwardInfo`). Default false.
    public var allowAmbiguous: Bool = false
    /// `.kkt` JVP with weakly active rows: the exact one-sided directional derivative from the
    /// directional-derivative QP over the critical cone (see `DirectionalDerivative.swift`) instead of
    /// the released-face derivative; with dependent active rows (non-unique multipliers) the two-stage
    /// directional derivative (a first-order LP, then the QP over its optimal face; see
    /// `DependentRows.swift`) instead of the minimum-norm solve. Default true.
    public var oneSidedJVP: Bool = true
    /// `.kkt` `adjoint` at a degenerate point with dependent tight rows (weakly active rows beside
    /// independent ones need no enumeration): enumerate the pieces of the solution map (2^k numeric
    /// factorizations on the first call, k the tight inequality rows) when k ≤ this, to return the
    /// true gradient where the loss is differentiable (see `Pieces.swift`). Default 8 (at most 256
    /// factorizations, once per instance); 0 turns the enumeration off.
    public var maxPieceRows: Int = 8
    /// `.kkt` `adjoint` with dependent tight rows: decide differentiability without enumeration (a
    /// dense null space of the tight rows, one small LP per row with a non-unique multiplier, one
    /// factorization; see `DependentRowsVJP.swift`) when there are at most this many tight rows.
    /// Default 500 (the dense Gram matrix is 500² doubles, its factorization ~10⁸ flops).
    public var maxDependentTightRows: Int = 500
    /// Regularization δ of the `.kkt` derivative matrix [P̄+δI, Āᵀ; Ā, −δI] (scaled data). Default 1e-7.
    public var regularization: Double = 1e-7
    /// Iterative refinement of the `.kkt` solves against the unregularized system.
    /// Default: tolerance 1e-13 relative to max(1, ‖b‖∞), at most 50 steps.
    public var refinement = RefinementSettings(tolerance: 1e-13, maxSteps: 50)
    /// `.fixedPoint`: iterations of the linearized ADMM map. Default 100 000.
    public var fixedPointMaxIterations: Int = 100_000
    /// `.fixedPoint`: stop when ‖v_{k+1} − v_k‖∞ ≤ tolerance·max(1, ‖v_{k+1}‖∞). Default 1e-12.
    public var fixedPointTolerance: Double = 1e-12

    public init(rule: DerivativeRule = .kkt, allowInaccurate: Bool = false) {
        self.rule = rule
        self.allowInaccurate = allowInaccurate
    }

    public func validate() throws(DerivativeError) {
        guard regularization.isFinite, regularization > 0 else { throw .invalidSettings("regularization = \(regularization) must be finite and > 0") }
        if let t = dualActivityTolerance, !(t.isFinite && t >= 0) { throw .invalidSettings("dualActivityTolerance = \(t) must be finite and ≥ 0") }
        if let t = primalActivityTolerance, !(t.isFinite && t >= 0) { throw .invalidSettings("primalActivityTolerance = \(t) must be finite and ≥ 0") }
        guard refinement.tolerance > 0, refinement.maxSteps >= 0 else { throw .invalidSettings("refinement settings out of range") }
        guard crossoverMaxRounds >= 1 else { throw .invalidSettings("crossoverMaxRounds = \(crossoverMaxRounds) must be ≥ 1") }
        guard maxPieceRows >= 0, maxPieceRows <= 30 else { throw .invalidSettings("maxPieceRows = \(maxPieceRows) must be in 0...30") }
        guard maxDependentTightRows >= 0 else { throw .invalidSettings("maxDependentTightRows = \(maxDependentTightRows) must be ≥ 0") }
        guard maxAmbiguousRows >= 0 else { throw .invalidSettings("maxAmbiguousRows = \(maxAmbiguousRows) must be ≥ 0") }
        guard fixedPointMaxIterations > 0 else { throw .invalidSettings("fixedPointMaxIterations must be > 0") }
        guard fixedPointTolerance > 0, fixedPointTolerance.isFinite else { throw .invalidSettings("fixedPointTolerance must be finite and > 0") }
    }
}

/// Errors of the backward pass.
public enum DerivativeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The forward status is not `.solved` (and `allowInaccurate` is off), or the status has no
    /// solution point at all (infeasible, non-convex): no gradient at a point the solver did not reach.
    case notSolved(Status)
    /// Arrays or matrices of the wrong shape / pattern.
    case dimensionMismatch(String)
    /// A settings value out of range.
    case invalidSettings(String)
    /// The solver has no KKT system (non-convex problem).
    case noLinearSystem
    /// The derivative linear system could not be factorized.
    case factorization(FactorizationError)
    /// `.kkt`: more rows than `maxAmbiguousRows` could not be classified active or inactive at the
    /// forward accuracy (the crossover did not certify the active set), and `allowAmbiguous` is off.
    case ambiguousActiveSet(rows: Int, allowed: Int)
    /// The derivative rule cannot be applied to this solution (`.fixedPoint` after a solve by the
    /// interior-point method when ADMM warm-started from its solution does not reach the tolerances).
    case ruleNotApplicable(String)

    public var description: String {
        switch self {
        case .notSolved(let s): return "the forward solve ended with status \(s.name); no derivative (set allowInaccurate to opt in where a point exists)"
        case .dimensionMismatch(let s): return "dimension mismatch: \(s)"
        case .invalidSettings(let s): return "invalid settings: \(s)"
        case .noLinearSystem: return "the solver has no KKT system (non-convex problem)"
        case .factorization(let e): return "derivative factorization failed: \(e)"
        case .ruleNotApplicable(let s): return "derivative rule not applicable: \(s)"
        case .ambiguousActiveSet(let rows, let allowed):
            return "\(rows) constraint row\(rows == 1 ? "" : "s") could not be classified active or inactive at the forward accuracy (allowed: \(allowed)); the gradient may be wrong. Solve more tightly, or accept it with allowAmbiguous (CLI: --allow-ambiguous)"
        }
    }
}

/// What a derivative means and how accurate it is: the four contracts of the README's "Derivatives" section made visible.
public struct BackwardInfo: Sendable, Equatable {
    // Contract 1: primal problem.
    /// The forward status at which the derivative was taken.
    public var forwardStatus: Status
    // Contract 2: solution convention (row classification).
    /// Rows active at u (y > τ), inequality rows only.
    public var upperActive: Int
    /// Rows active at l (y < −τ), inequality rows only.
    public var lowerActive: Int
    /// Equality rows (l = u), always active.
    public var equality: Int
    /// Tight rows with |y| ≤ τ, treated as inactive (released; see `Differentiator`).
    public var weaklyActive: Int
    /// Inactive rows (dy = 0), weakly active ones excluded.
    public var inactive: Int
    /// The threshold τ used for |y| (`.kkt`) — 0 for `.fixedPoint`, which reads the active set from
    /// the projection in the last ADMM step.
    public var dualActivityTolerance: Double
    // Contract 3: derivative rule.
    public var rule: DerivativeRule
    /// δ of the regularized derivative matrix (scaled data); 0 for `.fixedPoint`.
    public var regularization: Double
    // Contract 4: numerical tolerance.
    /// Forward tolerances and residuals at the returned point.
    public var forwardEpsAbs: Double
    public var forwardEpsRel: Double
    public var forwardPrimalResidual: Double
    public var forwardDualResidual: Double
    /// Refinement steps (`.kkt`) or linearized ADMM iterations (`.fixedPoint`) of this call.
    public var refinementSteps: Int
    /// Final backward residual: ‖b − K·w‖∞ of the unregularized scaled system (`.kkt`), or the last
    /// relative increment of the linearized fixed-point iteration (`.fixedPoint`).
    public var residual: Double
    /// Whether the backward solve met its tolerance. A false value is reported, not thrown.
    public var converged: Bool
    /// True when this call did no numeric factorization: `.fixedPoint` always (it uses the forward
    /// factor), `.kkt` from the second call on (the derivative factor is reused) and on the first call
    /// too when the forward polish left the same active-set matrix factorized.
    public var factorizationReused: Bool
    /// Numeric factorizations done by this call (0 or 1; a one-sided JVP adds one per set of
    /// enforced weakly active rows).
    public var numericFactorizations: Int
    /// Symbolic analyses for forward + backward together (1 when the analysis was reused).
    public var symbolicAnalysesTotal: Int
    /// Seconds spent in this call.
    public var time: Double
    /// Iterations of the minimum-norm least-squares fallback (0 when refinement converged): when the
    /// derivative system is singular and inconsistent (rank-deficient active rows with incompatible
    /// right-hand sides), `.kkt` returns the minimum-norm least-squares solution of the scaled system,
    /// computed by CGLS from zero; `converged` then means the normal equations were met and `residual`
    /// is the remaining ‖b − K·w‖∞.
    public var leastSquaresIterations: Int = 0
    // Active-set identification (see `ActiveSetIdentification`).
    /// True when the `.kkt` classification was certified by crossover: the derivative is taken at a
    /// point satisfying the KKT conditions to rounding level (`x`, `y` of this point may differ from
    /// the returned ones by `distanceToReturnedPoint`). False for `.fixedPoint` and for the fallback.
    public var activeSetCertified: Bool = false
    /// Seconds the active-set identification (crossover, re-solve) took at `init`; not in `time`.
    public var identificationTime: Double = 0
    /// The crossover needed a warm-started re-solve at ε = 1e-9 (see `DifferentiationSettings.crossoverResolve`).
    public var crossoverResolved: Bool = false
    /// Crossover rounds and the numeric factorizations they did (once per instance, at `init`;
    /// those of a re-solve are not included).
    public var crossoverRounds: Int = 0
    public var crossoverFactorizations: Int = 0
    /// ‖x_differentiated − x_returned‖∞: how far the crossover moved the point.
    public var distanceToReturnedPoint: Double = 0
    /// Rows whose classification the forward accuracy cannot decide (slack and multiplier both
    /// inside their bands); 0 when certified.
    public var ambiguousRows: Int = 0
    /// ambiguousRows > 0: the gradient may be wrong by an amount the forward accuracy cannot bound.
    public var activeSetAmbiguous: Bool { ambiguousRows > 0 }
    // Degeneracy.
    /// Active rows (upper + lower + equality) in the derivative system.
    public var activeRows: Int = 0
    /// False when the active rows are linearly dependent (more active rows than the rank of their
    /// matrix): the multipliers are not unique and the returned bound gradients are the
    /// minimum-norm convention. nil when not determined (`.fixedPoint`, or before the `.kkt` matrix
    /// was factorized).
    public var multipliersUnique: Bool? = nil
    /// Weakly active rows (strict complementarity fails) or non-unique multipliers: the solution map
    /// may not be differentiable here; the derivative is the documented one-sided convention.
    public var degenerate: Bool { weaklyActive > 0 || multipliersUnique == false }
    /// Whether the returned derivative is known to be a true derivative (`.kkt`): at a
    /// non-degenerate point (no weakly active row, unique multipliers) always; at a degenerate point
    /// after an `adjoint` that found that every adjacent piece of the solution map gives the same
    /// gradient of the loss — with weakly active rows beside linearly independent tight rows by one
    /// orthogonality test (any number of rows), with dependent tight rows by enumerating the pieces
    /// (`pieces`, at most `maxPieceRows` tight rows; see `Pieces.swift`). Otherwise false: the VJP
    /// is the documented convention (weakly active rows released; minimum-norm for dependent rows),
    /// and the JVP the one-sided directional derivative (`oneSided`).
    public var differentiable: Bool = false
    /// `adjoint` at a degenerate point: the number of adjacent pieces enumerated (0: not enumerated —
    /// decided by the orthogonality test, or more dependent tight rows than
    /// `DifferentiationSettings.maxPieceRows`, in which case `differentiable` stays false).
    public var pieces: Int = 0
    /// This JVP solved the directional-derivative QP (weakly active rows or dependent active rows
    /// present): the exact one-sided directional derivative along the given direction (t → 0⁺).
    public var oneSided: Bool = false
    /// Tight inequality rows that the directional-derivative QP held at their bound beyond those that
    /// stay strongly active (weakly active rows; with dependent rows, rows off the first-order face).
    public var enforcedWeaklyActive: Int = 0
}
