import Sparse
import KKT
import Stages

/// Which algorithm `solve()` runs first (`SolverSettings.method`).
public enum SolverMethod: String, Sendable, Equatable, CaseIterable {
    /// ADMM, then polishing and the interior-point stage as configured (the default path).
    case admm
    /// The interior-point method from its own start. It returns a solution that meets the
    /// tolerances, or an infeasibility certificate (ADMM's form and test, from its diverging
    /// iterates); otherwise ADMM runs after it (with its polish and its own certificates).
    case interiorPoint = "interior-point"
    /// Chosen per problem by the rule of `MethodCostModel`.
    case automatic = "auto"
}

/// The method a solve ran first and why (`Info.method`, `Info.methodReason`).
public struct MethodChoice: Sendable, Equatable {
    /// `.admm` or `.interiorPoint` (never `.automatic`).
    public var method: SolverMethod
    public var reason: String
}

/// The rule of `.automatic`: run the interior-point method first when at least
/// `interiorPointInequalityShare` of the constrained rows (not free) are inequalities and there are
/// at least `interiorPointRowsPerVariable` constrained rows per variable, else ADMM.
///
/// Why row kinds: ADMM treats equality rows with a 10³× larger ρ and settles them in few
/// iterations, while inequality rows make it search for the active set, which can cost it hundreds
/// of iterations where the interior-point method needs ~25 factorizations whatever the active set.
/// Without equality rows the interior-point method also factorizes the forward system's own form
/// (the reduced one where the factory chose it). The calibration (and why a flop model from the
/// symbolic analysis was dropped) is in the README's "Method choice". Deterministic; chosen once per
/// solver.
///
/// Why rows per variable: at most n rows are active at a vertex, so with m ≥ 1.5n most rows end
/// inactive and ADMM's projections sort them out slowly (random, svm: hundreds of iterations), while
/// with m ≤ n it identified the active set within ~100 iterations on every calibration problem
/// (svm-sparse, and the dense layer batches of `python/benchmarks/layer_bench.py`, where the
/// interior-point method's 9–10 factorizations cost 4× ADMM's 50 iterations).
public enum MethodCostModel {
    /// The inequality share from which the interior-point method runs first: all of them (a single
    /// equality row, as in the portfolio classes' budget and factor rows, tips it to ADMM; any
    /// value in 0.99–1 gives the same choices on the calibration set).
    public static let interiorPointInequalityShare = 1.0
    /// Constrained rows per variable from which the interior-point method runs first.
    public static let interiorPointRowsPerVariable = 1.5
}

extension ADMMSolver {
    /// The method to run first (`settings.method` resolved; `.automatic` by the cost model). Fixed for
    /// the life of the solver once chosen (a parametric sequence keeps its method and its
    /// factorizations, even when bound updates change row kinds), until `update(settings:)` changes
    /// `method` or the tolerances.
    func methodChoice() -> MethodChoice {
        if let chosen = chosenMethod { return chosen }
        let choice: MethodChoice
        switch settings.method {
        case .admm:
            choice = MethodChoice(method: .admm, reason: "requested")
        case .interiorPoint:
            choice = MethodChoice(method: .interiorPoint, reason: "requested")
        case .automatic:
            choice = predictMethod()
        }
        chosenMethod = choice
        return choice
    }

    private func predictMethod() -> MethodChoice {
        var inequality = 0, constrained = 0
        for kind in rowKind where kind != .free {
            constrained += 1
            if kind == .inequality { inequality += 1 }
        }
        let share = constrained > 0 ? Double(inequality) / Double(constrained) : 0
        let threshold = MethodCostModel.interiorPointInequalityShare
        let rowsPerVariable = Double(constrained) / Double(max(n, 1))
        let minimumRows = MethodCostModel.interiorPointRowsPerVariable
        let method: SolverMethod = constrained > 0 && share >= threshold && rowsPerVariable >= minimumRows ? .interiorPoint : .admm
        let percent = Int((100 * share).rounded())
        let reason = "row kinds: \(inequality) of \(constrained) constrained rows are inequalities (\(percent) %), "
            + "\((rowsPerVariable * 100).rounded() / 100) rows per variable; "
            + "interior point first from \(Int(100 * threshold)) % and \(minimumRows) rows per variable"
        return MethodChoice(method: method, reason: reason)
    }

    /// ADMM from the solver's current point with the interior-point method neither first nor after
    /// it, and the method choice and settings restored on return. After a solve by the
    /// interior-point method that point is its solution, so ADMM (warm-started) typically stops at
    /// its first termination check: this gives the fixed-point derivative rule the ADMM iterate it
    /// differentiates (`Differentiator`). The solver's state is then ADMM's.
    public func admmIterate() -> Solution {
        let saved = (chosenMethod, settings)
        defer { chosenMethod = saved.0; settings = saved.1 }
        chosenMethod = MethodChoice(method: .admm, reason: "an ADMM iterate warm-started from the interior-point solution (fixed-point derivative rule)")
        settings.warmStart = true
        settings.interiorPointFallback = false
        return solve()
    }

    /// `.interiorPoint` first: the interior-point stage from its own start (warm starts are not used:
    /// the method starts from its least-squares point). Returns the solution when it met the
    /// tolerances or found an infeasibility certificate (no ADMM iteration then); otherwise records
    /// the attempt in `info` and returns nil (ADMM runs next).
    func interiorPointFirst(_ info: inout Info, start t0: ContinuousClock.Instant) -> Solution? {
        if settings.verbose { log.write("interior-point method first (\(info.methodReason))") }
        var solution = Solution(x: [Double](repeating: 0, count: n), y: [Double](repeating: 0, count: m), info: info)
        solution.info.status = .maxIterations
        polishFactorization = nil
        interiorPointStage(into: &solution)
        guard solution.info.interiorPoint == .succeeded else {
            info.interiorPoint = .failed
            info.interiorPointIterations = solution.info.interiorPointIterations
            info.interiorPointTime = solution.info.interiorPointTime
            if settings.verbose { log.write("interior-point method did not meet the tolerances: ADMM") }
            return nil
        }
        if solution.info.status == .solved { hasStart = true }
        solution.info.iterations = 0
        solution.info.solveTime = max(0, seconds(since: t0) - solution.info.interiorPointTime)
        solution.info.factorization = kkt?.profile
        solution.info.polishFactorizations = work.polishFactorizations
        if settings.verbose { logFooter(solution.info) }
        return solution
    }
}
