import ArgumentParser
import Foundation
import Sparse
import KKT
import QP
import ADMM

/// Options shared by commands that run the ADMM solver.
struct SolverOptions: ParsableArguments {
    @Option(name: .customLong("eps-abs"), parsing: .unconditional, help: "Absolute tolerance (default 1e-3).")
    var epsAbs: Double?
    @Option(name: .customLong("eps-rel"), parsing: .unconditional, help: "Relative tolerance (default 1e-3).")
    var epsRel: Double?
    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: "Iteration limit (default 4000).")
    var maxIter: Int?
    @Flag(inversion: .prefixedNo, help: "Polish the ADMM solution (default on).")
    var polish: Bool = true
    @Flag(name: .customLong("interior-point"), inversion: .prefixedNo,
          help: "Run the interior-point stage when ADMM + polish miss the tolerances or claim infeasibility (default on).")
    var interiorPoint: Bool = true
    @Option(name: .customLong("interior-point-iterations"), parsing: .unconditional, help: "Iteration limit of each interior-point attempt (default 100).")
    var interiorPointIterations: Int?
    @Option(name: .customLong("interior-point-regularization"), parsing: .unconditional,
            help: "Regularization δ of the interior-point Newton matrix, scaled data, in (0, 1) (default 1e-8).")
    var interiorPointRegularization: Double?
    @Option(name: .customLong("interior-point-target-factor"), parsing: .unconditional,
            help: "The interior-point method stops at this fraction of the tolerances, in (0, 1] (default 1e-2).")
    var interiorPointTargetFactor: Double?
    @Option(name: .customLong("interior-point-stall-iterations"), parsing: .unconditional,
            help: "An interior-point attempt stops when its best residual ratio has not halved in this many iterations (default 30).")
    var interiorPointStallIterations: Int?
    @Option(name: .customLong("time-limit"), parsing: .unconditional, help: "Wall-clock limit of the solve in seconds (default none).")
    var timeLimit: Double?
    @Option(help: "Method run first: admm (then polish and the interior-point stage), interior-point (ADMM after it if it misses the tolerances) or auto (every constrained row an inequality: interior point, else ADMM; the default).")
    var method: SolverMethod = .automatic
    @Option(help: "Linear system: auto, kkt (quasi-definite LDLᵀ) or reduced (LLᵀ of P+σI+AᵀρA).")
    var strategy: StrategyChoice = .automatic
    @Option(help: "Fill-reducing ordering: auto, amd or metis.")
    var ordering: OrderingChoice = .automatic
    @Option(help: "Factorization engine: auto (cost rule), cholmod or mumps.")
    var backend: BackendChoice = .automatic
    @Flag(help: "Print the iteration log to stderr.")
    var verbose = false
    @Flag(name: .customLong("convexity-check"), inversion: .prefixedNo,
          help: "Check at setup that P is positive semidefinite; a non-convex P ends with status non_convex (default on).")
    var convexityCheck: Bool = true
    @Option(name: .customLong("convexity-tolerance"), parsing: .unconditional,
            help: "Relative tolerance τ of the convexity check: P is accepted when λ_min ≳ −τ·max|Pᵢⱼ| (scaled P; default 1e-6).")
    var convexityTolerance: Double?
    @Flag(name: .customLong("flush-to-zero"), inversion: .prefixedNo,
          help: "Flush subnormal numbers to zero while the solver computes (FTZ/DAZ; default on).")
    var flushToZero: Bool = true

    /// Checks the settings while parsing, so every command shows the validation message (and
    /// exits with `ExitStatus.inputError`) before reading any file.
    func validate() throws {
        do { try settings().validate() } catch { throw ValidationError("\(error)") }
    }

    func settings() -> SolverSettings {
        var s = SolverSettings()
        if let epsAbs { s.epsAbs = epsAbs }
        if let epsRel { s.epsRel = epsRel }
        if let maxIter { s.maxIterations = maxIter }
        if let timeLimit { s.timeLimit = timeLimit }
        s.polish = polish
        s.interiorPointFallback = interiorPoint
        if let interiorPointIterations { s.interiorPointIterations = interiorPointIterations }
        if let interiorPointRegularization { s.interiorPointRegularization = interiorPointRegularization }
        if let interiorPointTargetFactor { s.interiorPointTargetFactor = interiorPointTargetFactor }
        if let interiorPointStallIterations { s.interiorPointStallIterations = interiorPointStallIterations }
        s.verbose = verbose
        s.checkConvexity = convexityCheck
        if let convexityTolerance { s.convexityTolerance = convexityTolerance }
        s.flushToZero = flushToZero
        s.kkt.strategy = strategy
        s.kkt.ordering = ordering
        s.kkt.backend = backend
        s.method = method
        return s
    }
}

/// Under `mpirun -np K` with K > 1 (OpenMPI), for `solve` and `grad`: the ranks other than 0 serve
/// rank 0's MUMPS calls and return false (the command then ends without output, status 0); rank
/// 0 returns true and runs the command with MUMPS distributed over the K ranks (`--backend auto`
/// becomes `mumps`: the point of the run). Without a launcher nothing changes.
func joinDistributedRun(_ settings: inout SolverSettings) -> Bool {
    switch DistributedMUMPS.begin() {
    case .single: return true
    case .worker:
        DistributedMUMPS.serve()
        return false
    case .host:
        if settings.kkt.backend == .automatic { settings.kkt.backend = .mumps }
        return true
    }
}

extension StrategyChoice: ExpressibleByArgument {}
extension SolverMethod: ExpressibleByArgument {}
extension OrderingChoice: ExpressibleByArgument {}
extension BackendChoice: ExpressibleByArgument {}

/// Prints a one-line error to stderr; returns the exit code (`ExitStatus.inputError`) to throw.
func fail(_ message: String) -> ExitCode {
    Console.error("sparseqp: error: " + message)
    return ExitCode(ExitStatus.inputError)
}

/// Prints a one-line error about output that could not be written; returns the exit code
/// (`ExitStatus.outputError`) to throw.
func failOutput(_ message: String) -> ExitCode {
    Console.error("sparseqp: error: " + message)
    return ExitCode(ExitStatus.outputError)
}

/// The message of a reading error, naming `path` once (`.io` errors already start with it).
func readingMessage(_ path: String, _ error: QPError) -> String {
    switch error {
    case .io, .qpbGivenToQPSReader: return "\(error)"
    default: return "\(path): \(error)"
    }
}

/// Reads a problem file, QPS or `.qpb` by its content (`ProblemFile`); errors exit with a message.
func readModel(_ path: String) throws -> QPSModel {
    do { return try ProblemFile.read(path: path).model } catch { throw fail(readingMessage(path, error)) }
}

func profileJSON(_ p: FactorizationProfile?) -> JSON {
    guard let p else { return .null }
    return .object([
        ("strategy", .string(p.strategy.rawValue)),
        ("backend", .string(p.backend.rawValue)),
        ("ordering", .string(p.direct.map { $0.ordering.rawValue } ?? "none")),
        ("symbolic_analyses", .integer(p.symbolicAnalyses)),
        ("numeric_factorizations", .integer(p.numericFactorizations)),
        ("solves", .integer(p.solves)),
        ("nnz_l", .integer(p.direct?.nonzerosInL ?? 0)),
        ("predicted_nnz_l", .number(p.direct?.predictedNonzerosInL ?? 0)),
        ("predicted_flops", .number(p.direct?.predictedFlops ?? 0)),
        ("symbolic_time", .number(p.symbolicTime)),
        ("selection_analyses", .integer(p.selectionAnalyses)),
        ("selection_time", .number(p.selectionTime)),
        ("numeric_time", .number(p.numericTime)),
        ("solve_time", .number(p.solveTime)),
        ("peak_memory_bytes", .integer(p.peakMemoryBytes)),
    ])
}

struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve a QP from a QPS file (free or fixed MPS with QUADOBJ/QMATRIX) or a .qpb file (recognized by its content).")

    @Argument(help: "The problem file: QPS text or .qpb binary, told apart by content, not by extension.")
    var file: String
    @OptionGroup var solverOptions: SolverOptions
    @Flag(help: "Write exactly one JSON object to stdout (logs go to stderr).")
    var json = false

    func run() throws {
        var settings = solverOptions.settings()
        guard joinDistributedRun(&settings) else { return }
        let model = try readModel(file)
        let solver: ADMMSolver
        do { solver = try ADMMSolver(problem: model.program, settings: settings, log: ConsoleLog()) }
        catch { throw fail("\(error)") }
        let solution = solveInterruptibly(solver)
        let info = solution.info
        let objective = model.fileObjective(fromSolverObjective: info.objective)
        // One entry per file row / column even when m = 0 (zeros: no constraint) or when no dual
        // point exists (null entries).
        let duals = model.fileRowDuals(solution.y)
        if json {
            var fields: [(String, JSON)] = [
                ("status", .string(info.status.name)),
                ("objective", .number(objective)),
                ("iterations", .integer(info.iterations)),
                ("x", .numbers(solution.x)),
                ("y_rows", .numbers(duals.rows)),
                ("y_bounds", .numbers(duals.bounds)),
                ("primal_residual", .number(info.primalResidual)),
                ("dual_residual", .number(info.dualResidual)),
                ("duality_gap", .number(info.dualityGap)),
                ("timings", .object([
                    ("setup", .number(info.setupTime)), ("solve", .number(info.solveTime)),
                    ("polish", .number(info.polishTime)), ("total", .number(info.runTime)),
                    ("interior_point", .number(info.interiorPointTime)),
                ])),
                ("factorization", profileJSON(info.factorization)),
                ("polish", .string(info.polish.rawValue)),
                ("rho_updates", .integer(info.rhoUpdates)),
                ("interior_point", .string(info.interiorPoint.rawValue)),
                ("interior_point_iterations", .integer(info.interiorPointIterations)),
                ("method", .string(info.method.rawValue)),
                ("method_reason", .string(info.methodReason)),
            ]
            if let c = solution.primalInfeasibilityCertificate { fields.append(("primal_infeasibility_certificate", .numbers(c))) }
            if let c = solution.dualInfeasibilityCertificate { fields.append(("dual_infeasibility_certificate", .numbers(c))) }
            fields.append(("convexity_check", solution.info.convexityCheck.map { .string($0.rawValue) } ?? .string("off")))
            fields.append(("convexity_check_time", .number(solution.info.convexityCheckTime)))
            if let d = solution.negativeCurvatureDirection { fields.append(("negative_curvature_direction", .numbers(d))) }
            if let c = solution.negativeCurvature { fields.append(("negative_curvature", .number(c))) }
            Console.output(JSON.object(fields).rendered())
        } else {
            Console.output("problem:    \(model.name) (n = \(model.program.n), m = \(model.program.m))")
            Console.output("status:     \(info.status)")
            Console.output("objective:  \(objective)")
            Console.output("method:     \(info.method.rawValue) (\(info.methodReason))")
            Console.output("iterations: \(info.iterations) (polish: \(info.polish.rawValue), rho updates: \(info.rhoUpdates), interior point: \(info.interiorPoint.rawValue), \(info.interiorPointIterations) iterations)")
            Console.output("residuals:  primal \(info.primalResidual), dual \(info.dualResidual), gap \(info.dualityGap)")
            Console.output("time:       setup \(info.setupTime)s, solve \(info.solveTime)s, polish \(info.polishTime)s, interior point \(info.interiorPointTime)s, total \(info.runTime)s")
            if let p = info.factorization {
                Console.output("linsys:     \(p.strategy.rawValue), ordering \(p.direct.map { $0.ordering.rawValue } ?? "none"), nnz(L) \(p.direct?.nonzerosInL ?? 0), \(p.symbolicAnalyses) symbolic / \(p.numericFactorizations) numeric factorizations, \(p.solves) solves")
            }
        }
        try exitForStatus(info.status)
    }
}
