import ArgumentParser
import Foundation
import Sparse
import KKT
import QP
import ADMM
import Generators

/// `sparseqp sequence`: a parametric sequence solved with one solver object (warm starts, one
/// symbolic analysis, vector updates without refactorization), with its factorization profile.
struct Sequence: ParsableCommand {
    enum Kind: String, ExpressibleByArgument, CaseIterable { case mpc, lasso }

    static let configuration = CommandConfiguration(
        abstract: "Solve a parametric sequence (MPC steps or a lasso path) with warm starts and print the factorization work.",
        discussion: """
        mpc:   control-sparse with horizon --size; closed loop: after each solve the initial state moves to
               x0 ← Ad·x0 + Bd·u0* + w (w uniform in ±0.05, seeded), which changes l = u on the x0 rows only.
        lasso: lasso-sparse with --size features; λ runs geometrically from λmax/2 down to λmax/200, which
               changes q on the penalty columns only.
        Every step warm-starts from the previous solution. --write-sequence stores the exact updates (and
        --write-problem the problem) so Benchmarks/peers/sequence_osqp.py replays the same sequence on OSQP.
        """)

    @Argument(help: "mpc or lasso.")
    var kind: Kind
    @Option(parsing: .unconditional, help: "Horizon (mpc) or number of features (lasso).")
    var size: Int = 1000
    @Option(parsing: .unconditional, help: "Number of solves in the sequence.")
    var steps: Int = 100
    @Option(parsing: .unconditional, help: "Seed of the generated problem and of the disturbances.")
    var seed: UInt64 = 1
    @Flag(help: "Also solve every step from scratch (new solver: analysis + factorization) for comparison.")
    var compareCold = false
    @Option(name: .customLong("write-problem"), help: "Write the initial problem (.qpb or .qps).")
    var writeProblem: String?
    @Option(name: .customLong("write-sequence"), help: "Write the sequence of updates as JSON (for sequence_osqp.py).")
    var writeSequence: String?
    @Flag(help: "Write the summary as one JSON object to stdout.")
    var json = false
    @OptionGroup var solverOptions: SolverOptions

    struct Step { var iterations: Int; var status: String; var time: Double; var objective: Double }

    func run() throws {
        guard steps >= 1 else { throw fail("--steps must be ≥ 1") }
        let settings = solverOptions.settings()
        let problem: GeneratedProblem
        do { problem = try generate(kind == .mpc ? .controlSparse : .lassoSparse, size: size, seed: seed) }
        catch { throw fail("\(error)") }
        let qp = problem.program
        if let path = writeProblem {
            do {
                if path.lowercased().hasSuffix(".qpb") { try QPBinary.write(qp, to: path) }
                else { try QPSWriter.write(qp, name: problem.name, to: path) }
            } catch { throw failOutput("\(error)") }
        }
        progress("[sequence] \(problem.name): n = \(qp.n), m = \(qp.m), nnz(A) = \(qp.A.nonzeroCount), \(steps) steps")

        // The updates of every step: mpc moves the initial state from step 1 on (step 0 solves the
        // problem as generated); lasso sets λ at every step, step 0 included.
        var q = qp.q, l = qp.l, u = qp.u
        var updates: [[(String, JSON)]] = []
        let solver: ADMMSolver
        do { solver = try ADMMSolver(problem: qp, settings: settings, log: settings.verbose ? ConsoleLog() : NullLog()) }
        catch { throw fail("\(error)") }
        var rng = SeededGenerator(seed: seed &+ 0x5EED)
        var stepsDone: [Step] = []
        var coldTimes: [Double] = []
        var coldProfiles = (analyses: 0, factorizations: 0)
        let t0 = ContinuousClock.now
        var polishTime = 0.0, iterationTime = 0.0
        var lastX: [Double] = []
        var warmTime = 0.0
        for k in 0..<steps {
            let tw = ContinuousClock.now
            var entries: [(String, JSON)] = []
            if let c = problem.control, k > 0 {
                let x0 = c.initialStateRows.map { l[$0] }
                let u0 = (0..<c.nu).map { lastX.isEmpty ? 0 : lastX[c.inputIndex(step: 0, component: $0)] }
                // x0 ← Ad·x0 + Bd·u0* + w
                let next = (0..<c.nx).map { i in
                    let v = (0..<c.nu).reduce((0..<c.nx).reduce(0.0) { $0 + c.dynamics[i][$1] * x0[$1] }) {
                        $0 + c.input[i][$1] * u0[$1]
                    }
                    return v + rng.nextUniform(-0.05, 0.05)
                }
                let rows = Array(c.initialStateRows)
                for (i, row) in rows.enumerated() { l[row] = next[i]; u[row] = next[i] }
                entries = [("lu_idx", .integers(rows)), ("l_val", .numbers(next)), ("u_val", .numbers(next))]
                do { try solver.update(l: l, u: u) } catch { throw fail("step \(k): \(error)") }
            } else if let lasso = problem.lasso {
                let lambda = lassoLambda(lasso, step: k)
                let cols = Array(lasso.penaltyColumns)
                for j in cols { q[j] = lambda }
                entries = [("q_idx", .integers(cols)), ("q_val", .numbers(cols.map { _ in lambda }))]
                do { try solver.update(q: q) } catch { throw fail("step \(k): \(error)") }
            }
            updates.append(entries)
            let solution = solveInterruptibly(solver)
            warmTime += seconds(since: tw)
            lastX = solution.x
            let info = solution.info
            // Polishing tried during the iterations (which can end a solve) is part of solveTime;
            // count it with the final polish, together with the residual checks and ρ updates.
            polishTime += info.polishTime + max(0, info.solveTime - info.iterationTime)
            iterationTime += info.iterationTime
            stepsDone.append(Step(iterations: info.iterations, status: info.status.name,
                                  time: info.solveTime + info.polishTime, objective: info.objective))
            if compareCold {
                let tc = ContinuousClock.now
                let data: QuadraticProgram
                do { data = try QuadraticProgram(P: qp.P, q: q, A: qp.A, l: l, u: u) } catch { throw fail("\(error)") }
                do {
                    let cold = try ADMMSolver(problem: data, settings: settings, log: NullLog())
                    let s = solveInterruptibly(cold)
                    coldTimes.append(seconds(since: tc))
                    coldProfiles.analyses += s.info.factorization?.symbolicAnalyses ?? 0
                    coldProfiles.factorizations += s.info.factorization?.numericFactorizations ?? 0
                } catch { throw fail("cold step \(k): \(error)") }
            }
            if (k + 1) % max(1, steps / 10) == 0 || k + 1 == steps {
                let elapsed = seconds(since: t0)
                progress("[sequence] step \(k + 1)/\(steps): \(info.status.name), \(info.iterations) iterations | elapsed \(formatSeconds(elapsed)), ETA \(formatSeconds(elapsed / Double(k + 1) * Double(steps - k - 1)))")
            }
            // Ctrl-C: report the steps done so far, then exit with ExitStatus.interrupted.
            if Interrupt.happened { break }
        }
        let total = warmTime  // updates + solves of the warm sequence (the cold comparison excluded)
        guard let p = solver.profile else { throw fail("no factorization profile") }
        let setup = solver.setupTime
        let iterations = stepsDone.map(\.iterations)
        let solved = stepsDone.filter { $0.status == "solved" }.count

        if let path = writeSequence {
            let seqJSON = JSON.object([
                ("problem", .string(writeProblem ?? "")),
                ("eps_abs", .number(settings.epsAbs)), ("eps_rel", .number(settings.epsRel)),
                ("polish", .bool(settings.polish)), ("max_iter", .integer(settings.maxIterations)),
                ("steps", .array(updates.map { JSON.object($0) })),
            ])
            try writeText(seqJSON.rendered() + "\n", to: path)
        }
        let summary: [(String, JSON)] = [
            ("problem", .string(problem.name)), ("n", .integer(qp.n)), ("m", .integer(qp.m)),
            ("steps", .integer(stepsDone.count)), ("solved", .integer(solved)),
            ("iterations_total", .integer(iterations.reduce(0, +))),
            ("iterations_per_step", .integers(iterations)),
            ("symbolic_analyses", .integer(p.symbolicAnalyses)),
            ("numeric_factorizations", .integer(p.numericFactorizations)),
            ("kkt_solves", .integer(p.solves)),
            ("times", .object([
                ("setup", .number(setup)), ("symbolic", .number(p.symbolicTime)), ("numeric", .number(p.numericTime)),
                ("kkt_solves", .number(p.solveTime)), ("admm_iterations", .number(iterationTime)),
                ("polish", .number(polishTime)), ("sequence_total", .number(total + setup)),
            ])),
            ("cold", compareCold ? .object([
                ("symbolic_analyses", .integer(coldProfiles.analyses)),
                ("numeric_factorizations", .integer(coldProfiles.factorizations)),
                ("total", .number(coldTimes.reduce(0, +))),
            ]) : .null),
        ]
        if json {
            Console.output(JSON.object(summary).rendered())
        } else {
            printText(kind: kind, problem: problem, qp: qp, solved: solved, iterations: iterations, profile: p, setup: setup,
                      times: (iterationTime, polishTime, total), cold: compareCold ? (coldProfiles.analyses, coldProfiles.factorizations, coldTimes.reduce(0, +)) : nil)
        }
        if Interrupt.happened { throw ExitCode(ExitStatus.interrupted) }
    }

    func printText(kind: Kind, problem: GeneratedProblem, qp: QuadraticProgram, solved: Int, iterations: [Int], profile p: FactorizationProfile, setup: Double,
                   times: (iteration: Double, polish: Double, total: Double), cold: (analyses: Int, factorizations: Int, time: Double)?) {
        let (iterationTime, polishTime, total) = times
        Console.output("sequence:   \(kind.rawValue), \(problem.name) (n = \(qp.n), m = \(qp.m)), \(iterations.count) steps, \(solved) solved")
        Console.output("iterations: total \(iterations.reduce(0, +)), first step \(iterations[0]), median of the others \(median(Array(iterations.dropFirst())))")
        Console.output("work:       \(p.symbolicAnalyses) symbolic analyses, \(p.numericFactorizations) numeric factorizations (setup, ρ updates and polishing), \(p.solves) KKT solves")
        Console.output("time:       setup \(formatSeconds(setup)) (symbolic \(formatSeconds(p.symbolicTime)), numeric total \(formatSeconds(p.numericTime))), KKT solves \(formatSeconds(p.solveTime)), ADMM iterations \(formatSeconds(iterationTime)), polish (with in-loop tries, residual checks, ρ updates) \(formatSeconds(polishTime)), whole sequence \(formatSeconds(total + setup))")
        if let cold {
            Console.output("cold:       every step from scratch: \(cold.analyses) symbolic analyses, \(cold.factorizations) numeric factorizations, \(formatSeconds(cold.time)) (\(String(format: "%.1f", cold.time / (total + setup)))× the warm sequence)")
        }
    }

    func lassoLambda(_ lasso: LassoInstance, step k: Int) -> Double {
        let t = steps > 1 ? Double(k) / Double(steps - 1) : 0
        return lasso.lambdaMax / 2 * pow(0.01, t)
    }

}

func median(_ v: [Int]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
