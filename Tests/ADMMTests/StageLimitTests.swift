import Testing
import Foundation
import Synchronization
import QP
import ADMM
import Sparse

// Polishing and the interior-point stage honour cancellation and the time limit: a stop requested
// after ADMM's last iteration ends the solve with `.cancelled` / `.timeLimit` and ADMM's point,
// not with `.maxIterations` after the stages ran anyway. The stop is triggered from the log sink at
// ADMM's last logged iteration, so the tests are deterministic (no race against the clock).

/// A log sink that runs `action` once, at the first iteration-table line (after the header).
private final class TriggerLog: LogSink {
    private let state = Mutex<(header: Bool, fired: Bool)>((false, false))
    private let action: @Sendable () -> Void
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    func write(_ line: String) {
        let fire = state.withLock { s -> Bool in
            if line.hasPrefix(" iter") { s.header = true; return false }
            guard s.header, !s.fired, line.first == " " else { return false }
            s.fired = true
            return true
        }
        if fire { action() }
    }
}

/// ADMM stops at its limit (25 iterations, far from ε = 1e-9): polishing and the interior-point
/// stage would run next.
private func limitedSettings() -> SolverSettings {
    var s = SolverSettings()
    s.epsAbs = 1e-9
    s.epsRel = 1e-9
    s.maxIterations = 25
    s.verbose = true
    return s
}

@Suite struct StageLimitTests {
    @Test("a cancellation at ADMM's last iteration stops polishing (on) or the interior-point stage (polish off)",
          arguments: [true, false])
    func cancellationStopsPolishAndInteriorPoint(polish: Bool) throws {
        let qp = try randomQP(n: 100, m: 70, seed: 25)
        var settings = limitedSettings()
        settings.polish = polish
        // Reference: without a stop the stages solve the problem after ADMM's limit.
        let reference = try ADMMSolver(problem: qp, settings: settings).solve()
        #expect(reference.status == .solved)
        #expect(polish ? reference.info.polish == .succeeded : reference.info.interiorPoint == .succeeded)
        let solver = try ADMMSolver(problem: qp, settings: settings)
        let token = solver.cancellation
        solver.log = TriggerLog { token.cancel() }
        let solution = solver.solve()
        #expect(solution.status == .cancelled)
        #expect(solution.info.iterations == 25)
        #expect(solution.x.count == qp.n && solution.y.count == qp.m)
        #expect(solution.x.allSatisfy { $0.isFinite })
        #expect(solution.info.interiorPointIterations == 0)
        #expect(solution.info.polish != .succeeded)
    }

    @Test func timeLimitStopsTheStages() throws {
        let qp = try randomQP(n: 100, m: 70, seed: 25)
        var settings = limitedSettings()
        settings.timeLimit = 0.3
        // The sink outlasts the limit at ADMM's last iteration; every later stage must see it.
        let solver = try ADMMSolver(problem: qp, settings: settings, log: TriggerLog { Thread.sleep(forTimeInterval: 0.4) })
        let solution = solver.solve()
        #expect(solution.status == .timeLimit)
        #expect(solution.x.count == qp.n)
        #expect(solution.info.interiorPointIterations == 0)
    }
}

/// Records whether flush-to-zero was set on the thread that writes each log line.
private final class ModeLog: LogSink {
    private let modes = Mutex<[Bool]>([])
    func write(_ line: String) { let on = FlushToZero.isEnabledOnCurrentThread; modes.withLock { $0.append(on) } }
    var recorded: [Bool] { modes.withLock { $0 } }
}

@Suite struct FlushToZeroSolverTests {
    @Test("flush-to-zero is set while the solver computes, restored after, and leaves results within tolerance")
    func solverRunsWithFlushToZero() throws {
        #if arch(x86_64) || arch(arm64)
        let qp = try randomQP(n: 80, m: 60, seed: 31)
        var solutions: [Solution] = []
        for flush in [true, false] {
            var settings = tight()
            settings.flushToZero = flush
            settings.verbose = true
            let log = ModeLog()
            let solver = try ADMMSolver(problem: qp, settings: settings, log: log)
            let solution = solver.solve()
            #expect(solution.status == .solved)
            #expect(!log.recorded.isEmpty && log.recorded.allSatisfy { $0 == flush })
            #expect(!FlushToZero.isEnabledOnCurrentThread)
            solutions.append(solution)
        }
        let scale = max(1, solutions[1].x.map(abs).max() ?? 0)
        #expect(zip(solutions[0].x, solutions[1].x).allSatisfy { abs($0 - $1) <= 1e-6 * scale })
        #expect(abs(solutions[0].info.objective - solutions[1].info.objective) <= 1e-6 * max(1, abs(solutions[1].info.objective)))
        #endif
    }
}
