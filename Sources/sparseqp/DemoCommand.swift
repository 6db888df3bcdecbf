import ArgumentParser
import Foundation
import Sparse
import KKT
import QP
import ADMM
import Implicit
import Generators

/// `sparseqp demo`: the main job. Generates a sparse MPC problem (~10⁵ variables), solves it,
/// differentiates a tracking loss through the solution, checks the gradient against a central
/// finite difference (two warm-started re-solves), and prints the factorization profile.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve and differentiate a ~10⁵-variable sparse MPC problem (the main demo).",
        discussion: """
        Problem: `sparseqp generate control-sparse --size HORIZON --seed SEED` (nx = 10 states, nu = 5
        inputs, box constraints, x0 equality rows) with the initial state scaled by --initial-scale
        (default 1.9, so that inputs saturate: a non-trivial active set). Loss: L(x*) = ½ Σ_t ‖x_t − r_t‖² with the reference
        r_t = (sin(2πt/200), 0, …, 0). The backward pass (implicit differentiation at the active set,
        rule kkt) gives dL/dq, dL/dl, dL/du, dL/dP, dL/dA; dL/dx0 (the sensitivity to the initial state)
        is dl + du on the x0 rows. The check compares the directional derivative along a random unit
        direction of x0 with a central finite difference of re-solved problems (h = 1e-4).
        """)

    @Option(parsing: .unconditional, help: "MPC horizon T (variables = 15T + 10).")
    var horizon: Int = 6666
    @Option(parsing: .unconditional, help: "Seed of the generated problem.")
    var seed: UInt64 = 1
    @Option(name: .customLong("initial-scale"), parsing: .unconditional, help: "Factor applied to the generated initial state (1.9 keeps it inside the state box and saturates inputs).")
    var initialScale: Double = 1.9
    @OptionGroup var solverOptions: SolverOptions

    func run() throws {
        let tStart = ContinuousClock.now
        let settings = solverOptions.settings()
        let tg = ContinuousClock.now
        let problem: GeneratedProblem
        do { problem = try generate(.controlSparse, size: horizon, seed: seed) } catch { throw fail("\(error)") }
        guard let c = problem.control else { throw fail("generator returned no control structure") }
        let qp = problem.program
        let generateTime = seconds(since: tg)
        Console.output("== problem: \(problem.name) — sparse MPC, nx = \(c.nx), nu = \(c.nu), horizon \(c.horizon), initial state × \(initialScale)")
        Console.output("   n = \(qp.n) variables, m = \(qp.m) constraints, nnz(P) = \(qp.P.nonzeroCount), nnz(A) = \(qp.A.nonzeroCount) (generated in \(formatSeconds(generateTime)))")

        // Start far from the origin (x0 scaled by `initialScale`, still inside the state box, which
        // holds x0/2 … x0 ∈ [xmin/2, xmax/2]) so that inputs saturate and the active set is not trivial.
        let rows = Array(c.initialStateRows)
        var l0 = qp.l, u0Bound = qp.u
        for row in rows { l0[row] *= initialScale; u0Bound[row] *= initialScale }
        let data: QuadraticProgram
        do { data = try QuadraticProgram(P: qp.P, q: qp.q, A: qp.A, l: l0, u: u0Bound) } catch { throw fail("\(error)") }
        let solver: ADMMSolver
        do { solver = try ADMMSolver(problem: data, settings: settings, log: settings.verbose ? ConsoleLog() : NullLog()) }
        catch { throw fail("\(error)") }
        let solution = solveInterruptibly(solver)
        let info = solution.info
        Console.output("\n== solve (εabs = \(settings.epsAbs), εrel = \(settings.epsRel), polish \(settings.polish ? "on" : "off"))")
        Console.output("   status \(info.status), objective \(String(format: "%.8g", info.objective)), \(info.iterations) iterations, polish \(info.polish.rawValue), ρ updates \(info.rhoUpdates)")
        Console.output("   residuals: primal \(String(format: "%.2e", info.primalResidual)), dual \(String(format: "%.2e", info.dualResidual)), duality gap \(String(format: "%.2e", info.dualityGap))")
        Console.output("   time: setup \(formatSeconds(info.setupTime)), solve \(formatSeconds(info.solveTime)), polish \(formatSeconds(info.polishTime))")
        try exitForStatus(info.status)
        let u0 = (0..<c.nu).map { solution.x[c.inputIndex(step: 0, component: $0)] }
        Console.output("   first input u0* = [\(u0.map { String(format: "%.4f", $0) }.joined(separator: ", "))]")

        // Tracking loss and its gradient with respect to x*.
        func reference(_ t: Int, _ i: Int) -> Double { i == 0 ? sin(2 * Double.pi * Double(t) / 200) : 0 }
        func loss(_ x: [Double]) -> Double {
            var s = 0.0
            for t in 0...c.horizon { for i in 0..<c.nx { let d = x[c.stateIndex(step: t, component: i)] - reference(t, i); s += d * d } }
            return s / 2
        }
        var dx = [Double](repeating: 0, count: qp.n)
        for t in 0...c.horizon { for i in 0..<c.nx {
            let j = c.stateIndex(step: t, component: i)
            dx[j] = solution.x[j] - reference(t, i)
        } }
        let tb = ContinuousClock.now
        let gradients: Gradients
        let binfo: BackwardInfo
        do {
            let d = try Differentiator(solver: solver, solution: solution)
            (gradients, binfo) = try d.adjoint(dx: dx)
        } catch { throw fail("backward pass: \(error)") }
        let backwardTime = seconds(since: tb)
        let dx0 = rows.map { gradients.dl[$0] + gradients.du[$0] }
        Console.output("\n== backward: L = ½ Σ_t ‖x_t − r_t‖² = \(String(format: "%.8g", loss(solution.x)))")
        Console.output("   time \(formatSeconds(backwardTime)) (\(String(format: "%.2f", backwardTime / info.runTime)) × the forward time), \(binfo.numericFactorizations) numeric factorizations, factorization reused: \(binfo.factorizationReused)")
        Console.output("   active set: \(binfo.upperActive) upper, \(binfo.lowerActive) lower, \(binfo.equality) equality, \(binfo.weaklyActive) weakly active (released), \(binfo.inactive) inactive; KKT residual \(String(format: "%.1e", binfo.residual))")
        Console.output("   ‖dL/dq‖∞ = \(sci(infinityNorm(gradients.dq))), ‖dL/dl‖∞ = \(sci(infinityNorm(gradients.dl))), ‖dL/du‖∞ = \(sci(infinityNorm(gradients.du)))")
        Console.output("   ‖dL/dP‖∞ = \(sci(infinityNorm(gradients.dP.values))) (on P's \(gradients.dP.nonzeroCount) stored entries), ‖dL/dA‖∞ = \(sci(infinityNorm(gradients.dA.values))) (on A's \(gradients.dA.nonzeroCount) entries)")
        Console.output("   dL/dx0 = [\(dx0.map { String(format: "%.5g", $0) }.joined(separator: ", "))]")

        // Finite-difference check along a random unit direction of x0 (warm-started re-solves).
        var rng = SeededGenerator(seed: seed &+ 99)
        var e = (0..<c.nx).map { _ in rng.nextNormal() }
        let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
        e = e.map { $0 / norm }
        let predicted = zip(dx0, e).reduce(0) { $0 + $1.0 * $1.1 }
        let h = 1e-4
        var tightSettings = settings
        tightSettings.epsAbs = 1e-9
        tightSettings.epsRel = 1e-9
        var values: [Double] = []
        var fdStatus: [String] = []
        for sign in [1.0, -1.0] {
            var l = data.l, u = data.u
            for (k, row) in rows.enumerated() { l[row] += sign * h * e[k]; u[row] += sign * h * e[k] }
            do {
                try solver.update(settings: tightSettings)
                try solver.update(l: l, u: u)
            } catch { throw fail("finite-difference re-solve: \(error)") }
            let s = solveInterruptibly(solver)
            fdStatus.append(s.info.status.name)
            values.append(loss(s.x))
        }
        let fd = (values[0] - values[1]) / (2 * h)
        let rel = abs(fd - predicted) / max(abs(fd), 1e-12)
        Console.output("\n== finite-difference check along a random unit direction e of x0 (h = \(h), re-solves at ε = 1e-9: \(fdStatus.joined(separator: ", ")))")
        Console.output("   ⟨dL/dx0, e⟩ = \(String(format: "%.10g", predicted)), central difference = \(String(format: "%.10g", fd)), relative difference \(String(format: "%.1e", rel))")

        if let p = solver.profile {
            Console.output("\n== factorization profile (forward, polish, backward and the two re-solves)")
            Console.output("   strategy \(p.strategy.rawValue), ordering \(p.direct.map { $0.ordering.rawValue } ?? "none"), dimension \(p.dimension), nnz(L) \(p.direct?.nonzerosInL ?? 0), predicted flops \(String(format: "%.3g", (p.direct?.predictedFlops ?? 0)))")
            Console.output("   \(p.symbolicAnalyses) symbolic analysis (\(formatSeconds(p.symbolicTime))), \(p.numericFactorizations) numeric factorizations (\(formatSeconds(p.numericTime))), \(p.solves) solves (\(formatSeconds(p.solveTime))), CHOLMOD peak \(String(format: "%.0f", Double(p.peakMemoryBytes) / 1048576)) MiB")
        }
        Console.output("\n   total \(formatSeconds(seconds(since: tStart))), peak RSS \(String(format: "%.0f", MemoryProbe.peakMiB())) MiB")
    }

    private func sci(_ v: Double) -> String { String(format: "%.3e", v) }
}
