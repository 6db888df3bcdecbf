#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Dispatch
import Synchronization
import Sparse
import ADMM

/// The CLI's exit statuses (README "Errors and exit statuses"); the same with and without --json.
enum ExitStatus {
    /// The problem was solved to the requested tolerances (status `solved`), or the command succeeded.
    static let success: Int32 = 0
    /// Usage or input error: bad option or option value, invalid settings, a file that cannot be
    /// read or parsed, a problem the solver cannot set up; for bench and maros-meszaros, any
    /// problem that could not be read or generated.
    static let inputError: Int32 = 1
    /// The solver ran but returned no solution to the requested tolerances: solved_inaccurate,
    /// (primal|dual)_infeasible[_inaccurate], max_iterations, time_limit, non_convex.
    static let notSolved: Int32 = 2
    /// Output could not be written: standard output or standard error closed or full, or an
    /// output file (--json-out, --markdown-out, --out, --write-sequence) could not be written.
    static let outputError: Int32 = 3
    /// Interrupted by SIGINT (128 + 2, the shell's convention): the run ended with status
    /// `cancelled` after a first Ctrl-C, or at once after a second.
    static let interrupted: Int32 = 130
}

/// Standard output and standard error with checked writes.
///
/// `FileHandle.write` traps when the descriptor is closed or full; these writes never trap: the
/// first failure is recorded, and `Console.exit` turns it into `ExitStatus.outputError` with a
/// message on whichever stream still works. SIGPIPE is ignored (`prepare`), so writing to a
/// closed pipe is the error EPIPE ("Broken pipe") and exit status 3, not a death by signal.
enum Console {
    private struct State {
        var stdoutFailure: String?
        var stderrFailure: String?
        /// Descriptors 0–2 found closed at start (a /dev/null placeholder now holds the number).
        var closed: Set<Int32> = []
        /// Standard output not yet written.
        var pending: [UInt8] = []
        /// Flush after every line (standard output is a terminal).
        var lineBuffered = false
    }
    /// Bytes of standard output collected before a `write` (when not a terminal).
    static let outputBufferSize = 1 << 16
    private static let state = Mutex(State())

    /// Ignores SIGPIPE and occupies descriptors 0–2 if they are closed, so that no file opened
    /// later gets descriptor 1 or 2 and receives the program's output by accident.
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 && errno == EBADF {
            let placeholder = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY)
            if placeholder == descriptor { state.withLock { _ = $0.closed.insert(descriptor) } }
        }
        let terminal = isatty(1) == 1
        state.withLock { $0.lineBuffered = terminal }
    }

    /// Writes `line` and a newline to standard output (buffered; line by line on a terminal).
    static func output(_ line: String) {
        state.withLock { s in
            s.pending.append(contentsOf: (line + "\n").utf8)
            if s.lineBuffered || s.pending.count >= outputBufferSize { flush(&s) }
        }
    }

    /// Writes the pending standard output; records the first failure and drops output after it.
    private static func flush(_ s: inout State) {
        defer { s.pending.removeAll(keepingCapacity: true) }
        guard s.stdoutFailure == nil, !s.pending.isEmpty else { return }
        if s.closed.contains(1) { s.stdoutFailure = "Bad file descriptor"; return }
        s.stdoutFailure = s.pending.withUnsafeBytes { OutputFile.writeAll(1, $0) }
    }

    /// Writes `line` and a newline to standard error (unbuffered, one `write` per line).
    static func error(_ line: String) {
        var text = line + "\n"
        if state.withLock({ $0.closed.contains(2) }) { return recordStderr("Bad file descriptor") }
        let failure = text.withUTF8 { OutputFile.writeAll(2, UnsafeRawBufferPointer($0)) }
        if let failure { recordStderr(failure) }
    }

    private static func recordStderr(_ message: String) {
        state.withLock { if $0.stderrFailure == nil { $0.stderrFailure = message } }
    }

    /// Flushes standard output and exits with `status`, or with `ExitStatus.outputError` if a
    /// write to standard output or standard error failed (unless `status` already reports an
    /// input error or an interruption, which take precedence).
    static func exit(_ status: Int32) -> Never {
        state.withLock { flush(&$0) }
        var status = status
        let (stdoutFailure, stderrFailure) = state.withLock { ($0.stdoutFailure, $0.stderrFailure) }
        if let stdoutFailure {
            error("sparseqp: error: cannot write standard output: \(stdoutFailure)")
        }
        if stdoutFailure != nil || stderrFailure != nil, status == ExitStatus.success || status == ExitStatus.notSolved {
            status = ExitStatus.outputError
        }
        terminate(status)
    }

    /// Reports `error` (thrown by parsing or by a command) and exits: `ExitCode`s keep their
    /// status (their message is already written); the argument parser's errors print its
    /// message and exit with `ExitStatus.inputError` (help requests: stdout, status 0).
    static func exit(after error: any Error) -> Never {
        if let code = error as? ExitCode { exit(code.rawValue) }
        let message = SparseQP.fullMessage(for: error)
        if SparseQP.exitCode(for: error) == .success {
            if !message.isEmpty { output(message) }
            exit(ExitStatus.success)
        }
        if !message.isEmpty { self.error(message) }
        exit(ExitStatus.inputError)
    }

    static func errorText() -> String {
        guard let message = strerror(errno) else { return "error \(errno)" }
        return String(cString: message)
    }
}

/// The CLI's log sink: the solver's iteration log through `Console.error` (checked writes).
struct ConsoleLog: LogSink {
    func write(_ line: String) { Console.error(line) }
}

/// Ctrl-C handling: the first SIGINT cancels every registered solve through its
/// `CancellationToken` (the solve ends with status `cancelled` and the command prints the best
/// point it has, then exits with `ExitStatus.interrupted`); a second SIGINT exits at once with the
/// same status, and so does the first when no solve has started yet (reading, generating, factor). The signal is received by a `DispatchSource` on its own queue (SIGINT's default
/// action is ignored), so no Swift code runs in signal-handler context.
enum Interrupt {
    private struct State {
        var signals = 0
        var tokens: [CancellationToken] = []
    }
    private static let state = Mutex(State())
    private static let queue = DispatchQueue(label: "sparseqp.sigint")
    nonisolated(unsafe) private static var source: (any DispatchSourceSignal)?

    static func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
        source.setEventHandler { received() }
        source.resume()
        Interrupt.source = source
    }

    private static func received() {
        let (count, tokens) = state.withLock { s in
            s.signals += 1
            return (s.signals, s.tokens)
        }
        if count >= 2 {
            Console.error("sparseqp: interrupted again: exiting")
            _exit(ExitStatus.interrupted)
        }
        if tokens.isEmpty {
            // No solve has started (reading input, generating, factor): nothing to cancel.
            Console.error("sparseqp: interrupted")
            _exit(ExitStatus.interrupted)
        }
        Console.error("sparseqp: interrupt: stopping the solve (Ctrl-C again exits at once)")
        for token in tokens { token.cancel() }
    }

    /// Registers the token of a solver about to run; cancels it at once if Ctrl-C was pressed.
    static func register(_ token: CancellationToken) {
        let interrupted = state.withLock { s in
            s.tokens.append(token)
            return s.signals > 0
        }
        if interrupted { token.cancel() }
    }

    /// True once Ctrl-C was pressed.
    static var happened: Bool { state.withLock { $0.signals > 0 } }
}

/// The one-line stderr report of a status other than `solved`, and the exit status that goes
/// with it (nil for `solved`).
func notSolvedReport(_ status: Status) -> (message: String, exitStatus: Int32)? {
    let sentence: String
    switch status {
    case .solved: return nil
    case .cancelled: return ("sparseqp: interrupted (status cancelled)", ExitStatus.interrupted)
    case .solvedInaccurate: sentence = "solution is inaccurate: the tolerances were not met"
    case .primalInfeasible: sentence = "problem is primal infeasible"
    case .primalInfeasibleInaccurate: sentence = "problem is probably primal infeasible (inaccurate certificate)"
    case .dualInfeasible: sentence = "problem is dual infeasible (unbounded below)"
    case .dualInfeasibleInaccurate: sentence = "problem is probably dual infeasible (inaccurate certificate)"
    case .maxIterations: sentence = "iteration limit reached before the tolerances were met"
    case .timeLimit: sentence = "time limit reached before the tolerances were met"
    case .nonConvex: sentence = "problem is non-convex"
    }
    return ("sparseqp: \(sentence) (status \(status.name))", ExitStatus.notSolved)
}

/// Ends a command whose result was `status`: nothing for `solved`; otherwise the one-line report
/// on stderr and the matching exit status (thrown as an `ExitCode`).
func exitForStatus(_ status: Status) throws {
    guard let report = notSolvedReport(status) else { return }
    Console.error(report.message)
    throw ExitCode(report.exitStatus)
}

/// `exit(3)` (a file-scope name: inside `Console`, `exit` names the type's own methods).
private func terminate(_ status: Int32) -> Never { exit(status) }

/// `solver.solve()` with Ctrl-C wired to the solver's cancellation token (see `Interrupt`).
func solveInterruptibly(_ solver: ADMMSolver) -> Solution {
    Interrupt.register(solver.cancellation)
    return solver.solve()
}
