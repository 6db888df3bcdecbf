import ArgumentParser
import Foundation
import Sparse
import KKT
import QP
import ADMM
import Implicit
import Generators

extension ProblemClass: ExpressibleByArgument {}

/// `sparseqp bench`: solves (and differentiates) a class × size grid of generated problems, or
/// given problem files, and records per problem the timings, the factorization profile, the
/// verified accuracy, peak memory and the fraction of the memory bandwidth one ADMM iteration uses.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark suite: solve + differentiate generated problems (class × size grid) or files; JSON + markdown.",
        discussion: """
        Problems: the cross product --classes × --sizes, plus every --problem CLASS:SIZE, plus FILES
        (.qpb or QPS, told apart by content, not by extension). With --problems-dir, generated problems are written there as
        CLASS_nSIZE_sSEED.qpb (read back if the file already exists) so that peer solvers
        (Benchmarks/peers/suite.py) solve exactly the same problems.

        Per problem: forward solve with the given settings, then (unless --no-backward) one adjoint
        pass of L = sum(x*) (dx = ones, rule kkt). "verified" recomputes the residuals from (x, y)
        and the problem data: ‖Ax − Π(Ax)‖∞ ≤ εabs + εrel·max(‖Ax‖∞, ‖Π(Ax)‖∞) and
        ‖Px + q + Aᵀy‖∞ ≤ εabs + εrel·max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞) (status ignored).
        Peak RSS is the process' VmHWM, reset before each problem. Progress goes to stderr.
        """)

    @Argument(help: "Problem files (.qpb or QPS, told apart by content) to solve in addition to the generated grid.")
    var files: [String] = []
    @Option(help: "Comma-separated problem classes (see `sparseqp generate --help`); repeatable, each paired with the --sizes at the same position.")
    var classes: [String] = []
    @Option(parsing: .unconditionalSingleValue, help: "Comma-separated sizes, crossed with the --classes at the same position.")
    var sizes: [String] = []
    @Option(name: .customLong("problem"), parsing: .unconditionalSingleValue, help: "One problem CLASS:SIZE (repeatable).")
    var problems: [String] = []
    @Option(parsing: .unconditional, help: "Seed of the generated problems.")
    var seed: UInt64 = 1
    @Option(name: .customLong("problems-dir"), help: "Write (or reuse) generated problems here as .qpb.")
    var problemsDir: String?
    @Flag(inversion: .prefixedNo, help: "Run one adjoint (backward) pass per solved problem (default on).")
    var backward = true
    @Flag(inversion: .prefixedNo, help: "Measure the memory bandwidth (STREAM triad) first (default on).")
    var stream = true
    @Option(name: .customLong("json-out"), help: "Write the results as JSON here.")
    var jsonOut: String?
    @Option(name: .customLong("markdown-out"), help: "Write the results table as markdown here.")
    var markdownOut: String?
    @OptionGroup var solverOptions: SolverOptions

    struct Job {
        var label: String
        var cls: ProblemClass?
        var size: Int?
        /// A file given on the command line.
        var file: String?
        /// Where a generated problem is stored (--problems-dir).
        var generatedFile: String?
        var path: String? { file ?? generatedFile }
    }

    func jobs() throws -> [Job] {
        var out: [Job] = []
        func parseClass(_ s: String) throws -> ProblemClass {
            guard let c = ProblemClass(rawValue: s.trimmingCharacters(in: .whitespaces)) else {
                throw fail("unknown class '\(s)'; valid: \(ProblemClass.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return c
        }
        func parseSize(_ s: String) throws -> Int {
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v > 0 else { throw fail("invalid size '\(s)'") }
            return v
        }
        guard classes.count == sizes.count else { throw fail("give one --sizes for every --classes") }
        for (classList, sizeList) in zip(classes, sizes) {
            for c in classList.split(separator: ",") {
                let cls = try parseClass(String(c))
                for s in sizeList.split(separator: ",") {
                    let size = try parseSize(String(s))
                    out.append(Job(label: "\(cls.rawValue)_n\(size)_s\(seed)", cls: cls, size: size))
                }
            }
        }
        for p in problems {
            let parts = p.split(separator: ":")
            guard parts.count == 2 else { throw fail("--problem expects CLASS:SIZE, got '\(p)'") }
            let cls = try parseClass(String(parts[0])), size = try parseSize(String(parts[1]))
            out.append(Job(label: "\(cls.rawValue)_n\(size)_s\(seed)", cls: cls, size: size))
        }
        if let dir = problemsDir {
            for k in out.indices where out[k].file == nil {
                out[k].generatedFile = (dir as NSString).appendingPathComponent(out[k].label + ".qpb")
            }
        }
        for f in files {
            let stem = ((f as NSString).lastPathComponent as NSString).deletingPathExtension
            out.append(Job(label: stem, file: f))
        }
        if out.isEmpty { throw fail("nothing to run: give --classes and --sizes, --problem, or files") }
        return out
    }

    func run() throws {
        let jobs = try jobs()
        let settings = solverOptions.settings()
        do { try settings.validate() } catch { throw fail("\(error)") }
        if let dir = problemsDir {
            if let message = createDirectories(dir) { throw failOutput("cannot create \(dir): \(message)") }
        }
        var bandwidth: [StreamTriad.Result] = []
        if stream {
            progress("[bench] measuring memory bandwidth (STREAM triad, 3 × 256 MiB arrays)")
            let cores = ProcessInfo.processInfo.activeProcessorCount
            for t in Set([1, cores]).sorted() {
                let r = StreamTriad.measure(threads: t)
                progress(String(format: "[bench] triad, %d thread(s): %.2f GB/s", t, r.gigabytesPerSecond))
                bandwidth.append(r)
            }
        }
        let triadBest = bandwidth.map(\.gigabytesPerSecond).max()
        let started = ContinuousClock.now
        var records: [Record] = []
        for (k, job) in jobs.enumerated() {
            let record = runOne(job, settings: settings, triad: triadBest)
            records.append(record)
            let elapsed = seconds(since: started)
            let eta = elapsed / Double(k + 1) * Double(jobs.count - k - 1)
            progress("[\(k + 1)/\(jobs.count)] \(job.label): \(record.status) \(record.verified ? "verified" : "not verified"), total \(formatSeconds(record.total)), backward \(formatSeconds(record.backward)) | elapsed \(formatSeconds(elapsed)), ETA \(formatSeconds(eta))")
            if let error = record.error { Console.error("sparseqp: error: \(error)") }
            // Ctrl-C: write the results so far, then exit with ExitStatus.interrupted.
            if Interrupt.happened { break }
        }
        let command = CommandLine.arguments.joined(separator: " ")
        let json = JSON.object([
            ("tool", .string("sparseqp")),
            ("date", .string(utcTimestamp())),
            ("machine", .string(machineDescription())),
            ("command", .string(command)),
            ("settings", .object([
                ("eps_abs", .number(settings.epsAbs)), ("eps_rel", .number(settings.epsRel)),
                ("max_iter", .integer(settings.maxIterations)), ("polish", .bool(settings.polish)),
                ("time_limit", .number(settings.timeLimit)),
                ("strategy", .string(settings.kkt.strategy.rawValue)), ("ordering", .string(settings.kkt.ordering.rawValue)),
            ])),
            ("memory_bandwidth", .array(bandwidth.map {
                .object([("threads", .integer($0.threads)), ("array_bytes", .integer($0.bytesPerArray)),
                         ("triad_gb_per_s", .number($0.gigabytesPerSecond))])
            })),
            ("problems", .array(records.map(\.json))),
        ])
        if let jsonOut { try writeText(json.rendered() + "\n", to: jsonOut) }
        let table = markdown(records, settings: settings, bandwidth: bandwidth, command: command)
        if let markdownOut { try writeText(table, to: markdownOut) }
        if jsonOut == nil && markdownOut == nil { Console.output(table) }
        if Interrupt.happened { throw ExitCode(ExitStatus.interrupted) }
        let failed = records.filter(\.loadFailed).count
        if failed > 0 {
            Console.error("sparseqp: error: \(failed) of \(jobs.count) problems could not be read or generated")
            throw ExitCode(ExitStatus.inputError)
        }
    }

    // MARK: - One problem

    struct Record {
        var job: Job
        var n = 0, m = 0, nnzP = 0, nnzA = 0
        var status = "error"
        var verified = false
        var objective = Double.nan
        var iterations = 0
        var residuals: IndependentResiduals?
        var generate = Double.nan, setup = Double.nan, solve = Double.nan, polish = Double.nan
        var iterationTime = Double.nan
        /// The interior-point stage (0 when it did not run).
        var interiorPoint = 0.0
        /// Polish tries during ADMM (part of `solve`).
        var polishDuringADMM = 0.0
        var polishFactorizations = 0
        var rhoUpdatesDeferred = 0
        /// The convexity check (part of `setup`) and how it decided.
        var convexityTime = Double.nan
        var convexityMethod: String?
        var backward = Double.nan
        var backwardInfo: BackwardInfo?
        var backwardError: String?
        var profile: FactorizationProfile?
        var rhoUpdates = 0
        var polishStatus = "not_run"
        var interiorPointStatus = "not_run"
        var method = "admm"
        var methodReason = ""
        var peakRSS = Double.nan
        var bytesPerIteration = Double.nan
        var bandwidthFraction = Double.nan
        var error: String?
        /// The problem could not be read or generated (bench then exits with `ExitStatus.inputError`).
        var loadFailed = false
        var total: Double { setup + solve + polish + interiorPoint }

        var json: JSON {
            func num(_ v: Double) -> JSON { .number(v) }
            var fields: [(String, JSON)] = [
                ("problem", .string(job.label)),
                ("file", job.path.map { .string($0) } ?? .null),
                ("class", job.cls.map { .string($0.rawValue) } ?? .null),
                ("size", job.size.map { .integer($0) } ?? .null),
                ("n", .integer(n)), ("m", .integer(m)), ("nnz_p", .integer(nnzP)), ("nnz_a", .integer(nnzA)),
                ("status", .string(status)), ("verified", .bool(verified)),
                ("objective", num(objective)), ("iterations", .integer(iterations)),
                ("primal_residual", num(residuals?.primal ?? .nan)), ("dual_residual", num(residuals?.dual ?? .nan)),
                ("rel_primal", num(residuals?.relPrimal ?? .nan)), ("rel_dual", num(residuals?.relDual ?? .nan)),
                ("rho_updates", .integer(rhoUpdates)), ("rho_updates_deferred", .integer(rhoUpdatesDeferred)),
                ("polish", .string(polishStatus)), ("polish_factorizations", .integer(polishFactorizations)),
                ("interior_point", .string(interiorPointStatus)),
                ("method", .string(method)), ("method_reason", .string(methodReason)),
                ("timings", .object([
                    ("generate", num(generate)), ("setup", num(setup)), ("solve", num(solve)), ("polish", num(polish)),
                    ("interior_point", num(interiorPoint)), ("polish_during_admm", num(polishDuringADMM)),
                    ("backward", backward.isNaN ? .null : num(backward)), ("total", num(total)),
                    ("iterations", num(iterationTime)),
                    ("convexity_check", num(convexityTime)),
                ])),
                ("convexity_check", convexityMethod.map { .string($0) } ?? .null),
                ("factorization", profileJSON(profile)),
                ("peak_rss_mib", num(peakRSS)),
                ("bytes_per_iteration", num(bytesPerIteration)),
                ("bandwidth_fraction", num(bandwidthFraction)),
            ]
            if let b = backwardInfo {
                fields.append(("backward", .object([
                    ("numeric_factorizations", .integer(b.numericFactorizations)),
                    ("factorization_reused", .bool(b.factorizationReused)),
                    ("symbolic_analyses_total", .integer(b.symbolicAnalysesTotal)),
                    ("refinement_steps", .integer(b.refinementSteps)),
                    ("least_squares_iterations", .integer(b.leastSquaresIterations)),
                    ("residual", num(b.residual)), ("converged", .bool(b.converged)),
                ])))
            } else if let e = backwardError {
                fields.append(("backward", .object([("error", .string(e))])))
            }
            fields.append(("error", error.map { .string($0) } ?? .null))
            return .object(fields)
        }
    }

    /// The job's problem; errors are messages (recorded per problem, and they make bench exit 1).
    func load(_ job: Job) throws(InputError) -> QuadraticProgram {
        if let file = job.file { return try loadProgram(file) }
        guard let cls = job.cls, let size = job.size else { throw InputError(description: "bad job") }
        if let path = job.generatedFile, FileManager.default.fileExists(atPath: path) { return try loadProgram(path) }
        let problem: GeneratedProblem
        do { problem = try generate(cls, size: size, seed: seed) } catch { throw InputError(description: "\(job.label): \(error)") }
        if let path = job.generatedFile {
            do { try QPBinary.write(problem.program, to: path) } catch { throw InputError(description: "\(error)") }
        }
        return problem.program
    }

    func runOne(_ job: Job, settings: SolverSettings, triad: Double?) -> Record {
        MemoryProbe.resetPeak()
        var r = measure(job, settings: settings, triad: triad)
        r.peakRSS = MemoryProbe.peakMiB()
        return r
    }

    private func measure(_ job: Job, settings: SolverSettings, triad: Double?) -> Record {
        var r = Record(job: job)
        let tg = ContinuousClock.now
        let program: QuadraticProgram
        do { program = try load(job) } catch {
            r.error = error.description
            r.loadFailed = true
            return r
        }
        r.generate = seconds(since: tg)
        r.n = program.n; r.m = program.m; r.nnzP = program.P.nonzeroCount; r.nnzA = program.A.nonzeroCount
        let solver: ADMMSolver
        do { solver = try ADMMSolver(problem: program, settings: settings, log: settings.verbose ? ConsoleLog() : NullLog()) }
        catch {
            r.error = "\(error)"
            return r
        }
        let solution = solveInterruptibly(solver)
        let info = solution.info
        r.status = info.status.name
        r.iterations = info.iterations
        r.objective = info.objective
        r.setup = info.setupTime; r.solve = info.solveTime; r.polish = info.polishTime
        r.interiorPoint = info.interiorPointTime
        r.polishDuringADMM = info.polishTimeDuringADMM
        r.polishFactorizations = info.polishFactorizations
        r.rhoUpdatesDeferred = info.rhoUpdatesDeferred
        r.convexityTime = info.convexityCheckTime; r.convexityMethod = info.convexityCheck?.rawValue
        r.iterationTime = info.iterationTime
        r.rhoUpdates = info.rhoUpdates
        r.polishStatus = info.polish.rawValue
        r.interiorPointStatus = info.interiorPoint.rawValue
        r.method = info.method.rawValue
        r.methodReason = info.methodReason
        r.profile = info.factorization
        if !solution.x.isEmpty {
            let res = IndependentResiduals(program: program, x: solution.x, y: solution.y,
                                           epsAbs: settings.epsAbs, epsRel: settings.epsRel)
            r.residuals = res
            r.verified = res.verified
        }
        if let p = info.factorization, info.iterations > 0, info.iterationTime > 0 {
            r.bytesPerIteration = bytesPerIteration(profile: p, n: r.n, m: r.m, nnzA: r.nnzA)
            if let triad {
                r.bandwidthFraction = r.bytesPerIteration / (info.iterationTime / Double(info.iterations)) / (triad * 1e9)
            }
        }
        if backward, info.status.isSolved {
            let tb = ContinuousClock.now
            do {
                let d = try Differentiator(solver: solver, solution: solution,
                                           settings: DifferentiationSettings(rule: .kkt, allowInaccurate: true))
                let (_, binfo) = try d.adjoint(dx: [Double](repeating: 1, count: program.n))
                r.backward = seconds(since: tb)
                r.backwardInfo = binfo
            } catch {
                r.backwardError = "\(error)"
            }
            r.profile = solver.profile
        }
        return r
    }

    // MARK: - Markdown

    func markdown(_ records: [Record], settings: SolverSettings, bandwidth: [StreamTriad.Result], command: String) -> String {
        var s = "Generated by `\(command)` on \(utcTimestamp()); \(machineDescription()).\n"
        s += "Settings: εabs = \(settings.epsAbs), εrel = \(settings.epsRel), max_iter = \(settings.maxIterations), polish = \(settings.polish)"
        s += settings.timeLimit > 0 ? ", time limit \(settings.timeLimit) s.\n" : ".\n"
        if !bandwidth.isEmpty {
            s += "Memory bandwidth (STREAM triad): " + bandwidth.map { String(format: "%.2f GB/s with %d thread(s)", $0.gigabytesPerSecond, $0.threads) }.joined(separator: ", ") + ".\n"
        }
        s += "\n| problem | n | m | nnz(P)+nnz(A) | status | verified | iter | setup | solve | polish | backward | bwd/solve | strategy | sym/num | nnz(L) | peak RSS | bandwidth |\n"
        s += "|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n"
        for r in records {
            let p = r.profile
            let ratio = r.backward.isNaN ? "–" : String(format: "%.2f", r.backward / (r.setup + r.solve + r.polish))
            let bw = r.bandwidthFraction.isNaN ? "–" : String(format: "%.0f %%", 100 * r.bandwidthFraction)
            let status = r.error.map { "error: \($0.prefix(60))" } ?? r.status
            s += "| \(r.job.label) | \(r.n) | \(r.m) | \(r.nnzP + r.nnzA) | \(status) | \(r.verified ? "yes" : "no") | \(r.iterations) | \(formatSeconds(r.setup)) | \(formatSeconds(r.solve)) | \(formatSeconds(r.polish)) | \(formatSeconds(r.backward)) | \(ratio) | \(p?.strategy.rawValue ?? "–") | \(p.map { "\($0.symbolicAnalyses)/\($0.numericFactorizations)" } ?? "–") | \(p.map { String($0.direct?.nonzerosInL ?? 0) } ?? "–") | \(r.peakRSS.isNaN ? "–" : String(format: "%.0f MiB", r.peakRSS)) | \(bw) |\n"
        }
        s += "\nbwd/solve = backward time / (setup + solve + polish). bandwidth = modelled bytes per ADMM iteration / (time per iteration) / best triad bandwidth (model: `bytesPerIteration` in Sources/sparseqp/BenchSupport.swift).\n"
        return s
    }
}
