import Sparse
import KKT

/// Which algorithm `solve()` runs first (`SolverSettings.method`).
public enum SolverMethod: String, Sendable, Equatable, CaseIterable {
    /// ADMM, then polishing and the interior-point stage as configured (the default path).
    case admm
    /// The interior-point method from its own start; when it does not meet the tolerances, ADMM
    /// runs after it (with its polish), which also detects infeasibility.
    case interiorPoint = "interior-point"
    /// Chosen per problem by the cost model of `ADMMSolver.methodChoice()`.
    case automatic = "auto"
}

/// The method a solve ran first and why (`Info.method`, `Info.methodReason`).
public struct MethodChoice: Sendable, Equatable {
    /// `.admm` or `.interiorPoint` (never `.automatic`).
    public var method: SolverMethod
    public var reason: String
    /// The cost model's predictions in flops (0 when the method was not chosen by the model).
    public var predictedADMMFlops: Double
    public var predictedInteriorPointFlops: Double
}

/// The cost model of `.automatic`, in flops of the forward factorization (CHOLMOD's prediction F,
/// nnz(L) from the symbolic analysis):
///
///     ADMM ≈ N(ε)·(4·nnz(L) + 2·nnz(A) + 2·nnz(P) + 10(n + m)) + R·F
///     IP   ≈ K·(F + S·nnz(L))
///
/// with N(ε) the ADMM iterations expected at tolerance ε = max(εabs, εrel), R the factorizations
/// that ADMM's ρ updates and polishing add, K the interior-point iterations and S the weight of one
/// interior-point iteration's refined solves. The constants are the best fit (by the fraction of runs
/// within 10 % of the faster method) on 28 benchmark problems at ε = 1e-3 and 1e-6, run once with
/// each method on a shared 2-core machine (README "Method choice"); the fit is weak (62 % of runs),
/// because ADMM's iteration count is not predictable from the structure alone. Deterministic: only
/// the analysis' predictions, the sizes and ε enter.
public enum MethodCostModel {
    /// ADMM iterations expected at ε = 1e-3, and the factor per decade of ε below it.
    public static let admmIterationsAt1e3 = 25.0
    public static let admmIterationsPerDecade = 1.5
    /// Factorizations ADMM adds (ρ updates, polish rounds).
    public static let admmRefactorizations = 50.0
    /// Interior-point iterations (each one factorization) and the weight of their refined solves
    /// (refinement against the unregularized operator takes many steps).
    public static let interiorPointIterations = 25.0
    public static let interiorPointSolveWeight = 50.0

    /// N(ε): `admmIterationsAt1e3` times `admmIterationsPerDecade` per whole decade of ε below 1e-3.
    public static func admmIterations(epsilon: Double) -> Double {
        var iterations = admmIterationsAt1e3
        var e = max(epsilon, 1e-15)
        while e < 0.999e-3 { e *= 10; iterations *= admmIterationsPerDecade }
        return iterations
    }
}

extension ADMMSolver {
    /// The method to run first (`settings.method` resolved; `.automatic` by the cost model). Fixed for
    /// the life of the solver once chosen (a parametric sequence keeps its method and its
    /// factorizations), until `update(settings:)` changes `method` or the tolerances.
    func methodChoice() -> MethodChoice {
        if let chosen = chosenMethod { return chosen }
        let choice: MethodChoice
        switch settings.method {
        case .admm:
            choice = MethodChoice(method: .admm, reason: "requested", predictedADMMFlops: 0, predictedInteriorPointFlops: 0)
        case .interiorPoint:
            choice = MethodChoice(method: .interiorPoint, reason: "requested", predictedADMMFlops: 0, predictedInteriorPointFlops: 0)
        case .automatic:
            choice = predictMethod()
        }
        chosenMethod = choice
        return choice
    }

    private func predictMethod() -> MethodChoice {
        guard let profile = kkt?.profile else {
            return MethodChoice(method: .admm, reason: "no factorization profile", predictedADMMFlops: 0, predictedInteriorPointFlops: 0)
        }
        let f = max(profile.predictedFlops, 1)
        let l = max(profile.predictedNonzerosInL, Double(profile.nonzerosInL))
        let data = 2 * Double(problem.A.nonzeroCount + problem.P.nonzeroCount) + 10 * Double(n + m)
        let epsilon = max(settings.epsAbs, settings.epsRel)
        let iterations = MethodCostModel.admmIterations(epsilon: epsilon)
        let admm = iterations * (4 * l + data) + MethodCostModel.admmRefactorizations * f
        let ip = MethodCostModel.interiorPointIterations * (f + MethodCostModel.interiorPointSolveWeight * l)
        let method: SolverMethod = ip < admm ? .interiorPoint : .admm
        let reason = "cost model: ADMM \(fmt(admm, 0)) flop (\(Int(iterations)) iterations at ε = \(fmt(epsilon, 0))), "
            + "interior point \(fmt(ip, 0)) flop (factorization \(fmt(f, 0)) flop, nnz(L) \(Int(l)))"
        return MethodChoice(method: method, reason: reason, predictedADMMFlops: admm, predictedInteriorPointFlops: ip)
    }

    /// `.interiorPoint` first: the interior-point stage from its own start (warm starts are not used:
    /// the method starts from its least-squares point). Returns the solution when it met the
    /// tolerances; otherwise records the attempt in `info` and returns nil (ADMM runs next).
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
        hasStart = true
        solution.info.iterations = 0
        solution.info.solveTime = max(0, seconds(since: t0) - solution.info.interiorPointTime)
        solution.info.factorization = kkt?.profile
        if settings.verbose { logFooter(solution.info) }
        return solution
    }
}
