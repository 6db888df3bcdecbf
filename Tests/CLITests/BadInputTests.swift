// Bad input, faults and signals against the built `sparseqp` executable (issue 12): one row per
// case, each asserting the exit status and the message text (README "Errors and exit statuses").
// To add a case, append a `BadInputCase` to `BadInputTests.cases`.

import Foundation
import Testing

/// Where a standard stream of the run goes.
enum Redirect: Sendable {
    /// Captured into a file the test reads.
    case captured
    /// Closed (`>&-` / `2>&-`).
    case closed
    /// `/dev/full` (every write fails with ENOSPC).
    case full
    /// A pipe whose reading end is closed before the run (every write fails with EPIPE).
    case brokenPipe
}

/// What one run produced.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The run's scratch directory (files the case created or the command wrote).
    var directory: URL
}

/// One row of the bad-input table.
struct BadInputCase: Sendable, CustomTestStringConvertible {
    var name: String
    /// Arguments after `sparseqp`. `{tmp}` is replaced by the run's scratch directory and
    /// `{datasets}` by this package's `datasets` directory.
    var arguments: [String]
    var stdout: Redirect = .captured
    var stderr: Redirect = .captured
    /// A shell command whose output is piped into the command's standard input (placeholders replaced).
    var stdinCommand: String?
    /// Prepares the scratch directory before the run.
    var setup: (@Sendable (URL) throws -> Void)?
    /// Sends SIGINT once stderr contains this text.
    var interruptWhenStderrContains: String?
    /// Sends SIGINT this many seconds after the start (when there is no text to wait for).
    var interruptAfterSeconds: Double?
    /// The run is killed and the case fails after this many seconds.
    var timeout: Double = 120
    /// The expected exit status.
    var status: Int32
    /// Texts stderr must contain (placeholders replaced).
    var stderrContains: [String] = []
    /// Texts stdout must contain.
    var stdoutContains: [String] = []
    /// Further checks of the result.
    var check: (@Sendable (RunResult) throws -> Void)?

    var testDescription: String { name }
}

/// The package's `datasets` directory.
let datasetsDirectory: String = {
    let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    return (components.dropLast(3) + ["datasets"]).joined(separator: "/")
}()

let hs21 = "{datasets}/maros-meszaros/HS21.QPS"

/// Writes `text` to `name` in the scratch directory.
func writeFile(_ name: String, _ text: String) -> @Sendable (URL) throws -> Void {
    { dir in try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
}

/// Creates `name` as a sparse file of 1 TB of zeros (its size is not to be trusted for one allocation).
func sparseFile(_ name: String) -> @Sendable (URL) throws -> Void {
    { dir in
        let path = dir.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 1 << 40) == 0, "truncate: \(String(cString: strerror(errno)))")
    }
}

/// Creates `name` in the scratch directory as a symbolic link to `device`.
func deviceLink(_ name: String, _ device: String) -> @Sendable (URL) throws -> Void {
    { dir in try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(name).path, withDestinationPath: device) }
}

/// Replaces the placeholders of a case's text.
func expand(_ text: String, _ dir: URL) -> String {
    text.replacingOccurrences(of: "{tmp}", with: dir.path).replacingOccurrences(of: "{datasets}", with: datasetsDirectory)
}

/// Single-quotes `s` for /bin/sh.
func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// Runs a case: the binary under /bin/sh (for the redirections), output into files, with a timeout.
func runCase(_ c: BadInputCase) throws -> RunResult {
    // SPARSEQP_BINARY runs the table against another build (e.g. a release build or an older commit).
    let override = ProcessInfo.processInfo.environment["SPARSEQP_BINARY"].map { URL(fileURLWithPath: $0) }
    let binary = try #require(override ?? sparseqpBinary(), "sparseqp executable not found next to the test bundle")
    let dir = try temporaryDirectory()
    try c.setup?(dir)
    let out = dir.appendingPathComponent("stdout.txt"), err = dir.appendingPathComponent("stderr.txt")
    func redirection(_ r: Redirect, _ fd: Int, _ file: URL) -> String {
        switch r {
        case .captured: return "\(fd)>\(shellQuoted(file.path))"
        case .closed: return "\(fd)>&-"
        case .full: return "\(fd)>/dev/full"
        case .brokenPipe: return ""
        }
    }
    let command = ([binary.path] + c.arguments.map { expand($0, dir) }).map(shellQuoted).joined(separator: " ")
    let redirections = redirection(c.stdout, 1, out) + " " + redirection(c.stderr, 2, err)
    let script = c.stdinCommand.map { "\(expand($0, dir)) | \(command) \(redirections)" }
        ?? "exec \(command) \(redirections)"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    var pipes: [Pipe] = []
    for (redirect, assign) in [(c.stdout, { process.standardOutput = $0 }), (c.stderr, { process.standardError = $0 })] as [(Redirect, (Pipe) -> Void)]
    where redirect == .brokenPipe {
        let pipe = Pipe()
        assign(pipe)
        try pipe.fileHandleForReading.close()
        pipes.append(pipe)
    }
    try process.run()
    let start = Date()
    let deadline = start.addingTimeInterval(c.timeout)
    var interrupted = c.interruptWhenStderrContains == nil && c.interruptAfterSeconds == nil
    while process.isRunning {
        if Date() > deadline {
            // SIGKILL: a child spawned from a test thread can inherit a mask blocking SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("\(c.name): still running after \(c.timeout) s; killed")
            break
        }
        if !interrupted, let marker = c.interruptWhenStderrContains,
           let text = try? String(contentsOf: err, encoding: .utf8), text.contains(marker) {
            process.interrupt()
            interrupted = true
        }
        if !interrupted, let delay = c.interruptAfterSeconds, Date() > start.addingTimeInterval(delay) {
            process.interrupt()
            interrupted = true
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    process.waitUntilExit()
    let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    return RunResult(status: process.terminationStatus, stdout: stdout, stderr: stderr, directory: dir)
}

/// The QPS text of min ½x² subject to x ≥ 1 and x ≤ 0 (rows c1, c2): primal infeasible.
let infeasibleQPS = """
    NAME          INFEAS
    ROWS
     N  obj
     G  c1
     L  c2
    COLUMNS
        x  c1  1.0  c2  1.0
    RHS
        RHS  c1  1.0
    QUADOBJ
        x  x  1.0
    ENDATA

    """

/// min ½(x₁² + x₂²) − x₁ without constraints (m = 0).
/// min ½xᵀPx over −1 ≤ x ≤ 1 with P = [[1, 1.05], [1.05, 1]] (indefinite): (0, 0) is a saddle point.
let saddleQPS = """
NAME          SADDLE
ROWS
 N  obj
COLUMNS
    x1        obj       0.0
    x2        obj       0.0
RHS
BOUNDS
 LO BND       x1        -1
 UP BND       x1        1
 LO BND       x2        -1
 UP BND       x2        1
QUADOBJ
    x1        x1        1.0
    x1        x2        1.05
    x2        x2        1.0
ENDATA

"""

let unconstrainedQPS = """
    NAME          FREE
    ROWS
     N  obj
    COLUMNS
        x1  obj  -1.0
        x2  obj  0.0
    BOUNDS
     FR BND  x1
     FR BND  x2
    QUADOBJ
        x1  x1  1.0
        x2  x2  1.0
    ENDATA

    """

/// The JSON object printed on stdout.
func stdoutObject(_ r: RunResult) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout.prefix(200))")
}

func fileType(_ path: String) -> FileAttributeType? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
}

@Suite struct BadInputTests {
    static let cases: [BadInputCase] = [
        // Directories and endless or binary input.
        BadInputCase(name: "solve a directory", arguments: ["solve", "{tmp}"], status: 1,
                     stderrContains: ["sparseqp: error: {tmp}: is a directory, expected a file\n"]),
        BadInputCase(name: "factor a directory", arguments: ["factor", "{tmp}"], status: 1,
                     stderrContains: ["sparseqp factor: error: {tmp}: is a directory, expected a file\n"]),
        BadInputCase(name: "bench a directory named .qpb", arguments: ["bench", "{tmp}/d.qpb", "--no-stream"],
                     setup: { try FileManager.default.createDirectory(at: $0.appendingPathComponent("d.qpb"), withIntermediateDirectories: false) },
                     status: 1, stderrContains: ["sparseqp: error: {tmp}/d.qpb: is a directory, expected a file\n",
                                                 "sparseqp: error: 1 of 1 problems could not be read or generated\n"]),
        BadInputCase(name: "bench an unreadable file", arguments: ["bench", "{tmp}/missing.qpb", "--no-stream"], status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/missing.qpb: No such file or directory\n",
                                      "1 of 1 problems could not be read or generated"]),
        BadInputCase(name: "solve /dev/zero", arguments: ["solve", "/dev/zero"], timeout: 60, status: 1,
                     stderrContains: ["sparseqp: error: /dev/zero: QPS line 1: binary content (byte 0x00 at column 1); not a text file\n"]),
        BadInputCase(name: "factor /dev/zero", arguments: ["factor", "/dev/zero"], timeout: 60, status: 1,
                     stderrContains: ["sparseqp factor: error: /dev/zero: line 1: binary content (byte 0x00 at column 1); not a text file\n"]),
        BadInputCase(name: "grad --dx /dev/zero", arguments: ["grad", hs21, "--dx", "/dev/zero"], timeout: 60, status: 1,
                     stderrContains: ["sparseqp: error: /dev/zero: JSON line 1, column 1 (byte offset 0): unexpected '\\u0000', expected a value\n"]),
        BadInputCase(name: "1 TB sparse file to solve", arguments: ["solve", "{tmp}/sparse.qps"], setup: sparseFile("sparse.qps"), timeout: 60, status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/sparse.qps: QPS line 1: binary content (byte 0x00 at column 1); not a text file\n"]),
        BadInputCase(name: "1 TB sparse file to bench", arguments: ["bench", "{tmp}/sparse.qpb", "--no-stream"], setup: sparseFile("sparse.qpb"), timeout: 60, status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/sparse.qpb: QPS line 1: binary content (byte 0x00 at column 1); not a text file\n"]),
        BadInputCase(name: "QPS with an overlong line", arguments: ["solve", "{tmp}/long.qps"],
                     setup: writeFile("long.qps", "NAME x\nROWS\n" + String(repeating: "A", count: 70_000) + "\n"), status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/long.qps: QPS line 3: line longer than 65536 bytes; not a text file\n"]),
        BadInputCase(name: "QPS error before the binary line keeps its line", arguments: ["solve", "{tmp}/early.qps"],
                     setup: writeFile("early.qps", "NAME x\nROWZ\n\u{0}\u{0}\n"), status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/early.qps: QPS line 2: unknown section 'ROWZ'\n"]),
        BadInputCase(name: "truncated .qpb named .qps given to solve", arguments: ["solve", "{tmp}/p.qps"],
                     setup: { try Data(Array("SPQPBIN1".utf8) + [UInt8](repeating: 0, count: 40)).write(to: $0.appendingPathComponent("p.qps")) },
                     status: 1, stderrContains: ["sparseqp: error: {tmp}/p.qps: QPB byte offset 48: file truncated in P column pointers: needs 56 bytes, has 48\n"]),
        BadInputCase(name: "QPS from a pipe", arguments: ["solve", "/dev/stdin"], stdinCommand: "cat " + hs21, status: 0,
                     stdoutContains: ["status:     solved"]),
        BadInputCase(name: "QPS from a pipe, endless text after ENDATA", arguments: ["solve", "/dev/stdin"],
                     stdinCommand: "(cat \(hs21); yes)", timeout: 60, status: 0, stdoutContains: ["status:     solved"]),
        BadInputCase(name: "endless text that is not QPS", arguments: ["solve", "/dev/stdin"], stdinCommand: "yes", timeout: 60, status: 1,
                     stderrContains: ["sparseqp: error: /dev/stdin: QPS line 1: unknown section 'Y'\n"]),

        // Standard output and standard error closed or full.
        BadInputCase(name: "stderr closed", arguments: ["solve", hs21, "--verbose"], stderr: .closed, status: 3,
                     stdoutContains: ["status:     solved"]),
        BadInputCase(name: "stderr /dev/full", arguments: ["solve", hs21, "--verbose"], stderr: .full, status: 3,
                     stdoutContains: ["status:     solved"]),
        BadInputCase(name: "stdout /dev/full", arguments: ["solve", hs21, "--json"], stdout: .full, status: 3,
                     stderrContains: ["sparseqp: error: cannot write standard output: No space left on device\n"]),
        BadInputCase(name: "stdout a broken pipe", arguments: ["solve", hs21, "--json"], stdout: .brokenPipe, status: 3,
                     stderrContains: ["sparseqp: error: cannot write standard output: Broken pipe\n"]),
        BadInputCase(name: "stdout closed", arguments: ["solve", hs21], stdout: .closed, status: 3,
                     stderrContains: ["sparseqp: error: cannot write standard output: Bad file descriptor\n"]),

        // Output files: write through links and devices, report errno's text.
        BadInputCase(name: "--write-sequence through a symlink", arguments: ["sequence", "mpc", "--size", "5", "--steps", "2", "--write-sequence", "{tmp}/link.json"],
                     setup: { dir in
                         try Data("old".utf8).write(to: dir.appendingPathComponent("target.json"))
                         try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link.json").path, withDestinationPath: "target.json")
                     },
                     status: 0,
                     check: { r in
                         let link = r.directory.appendingPathComponent("link.json").path
                         #expect(fileType(link) == .typeSymbolicLink, "the symlink was replaced")
                         let target = try String(contentsOf: r.directory.appendingPathComponent("target.json"), encoding: .utf8)
                         #expect(target.contains("\"steps\""), "the link's target holds the sequence")
                     }),
        // Devices are reached through links in the scratch directory: a build without the fix
        // (SPARSEQP_BINARY) then replaces the link, never the machine's /dev/full or /dev/null.
        BadInputCase(name: "--json-out /dev/full", arguments: ["bench", "--problem", "random:5", "--no-stream", "--no-backward", "--json-out", "{tmp}/full"],
                     setup: deviceLink("full", "/dev/full"), status: 3,
                     stderrContains: ["sparseqp: error: {tmp}/full: cannot write: No space left on device\n"],
                     check: { r in #expect(fileType(r.directory.appendingPathComponent("full").path) == .typeSymbolicLink, "the link to /dev/full was replaced") }),
        BadInputCase(name: "generate --out /dev/null", arguments: ["generate", "random", "--size", "5", "--out", "{tmp}/null", "--format", "qps"],
                     setup: deviceLink("null", "/dev/null"), status: 0,
                     check: { r in #expect(fileType(r.directory.appendingPathComponent("null").path) == .typeSymbolicLink, "the link to /dev/null was replaced") }),
        BadInputCase(name: "--write-sequence into a FIFO", arguments: ["sequence", "mpc", "--size", "5", "--steps", "2", "--write-sequence", "{tmp}/fifo"],
                     stdinCommand: "(timeout 60 cat {tmp}/fifo > {tmp}/from-fifo &)",
                     setup: { dir in #expect(mkfifo(dir.appendingPathComponent("fifo").path, 0o600) == 0) }, status: 0,
                     check: { r in
                         var status = stat()
                         #expect(lstat(r.directory.appendingPathComponent("fifo").path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
                         Thread.sleep(forTimeInterval: 0.5)
                         let text = try String(contentsOf: r.directory.appendingPathComponent("from-fifo"), encoding: .utf8)
                         #expect(text.contains("\"steps\""), "the reader of the FIFO got the sequence")
                     }),
        BadInputCase(name: "generate --out into a missing directory", arguments: ["generate", "random", "--size", "5", "--out", "{tmp}/no/x.qps"], status: 3,
                     stderrContains: ["sparseqp: error: {tmp}/no/x.qps: cannot write: No such file or directory\n"]),

        BadInputCase(name: "--problems-dir below a device", arguments: ["bench", "--problem", "random:5", "--no-stream", "--problems-dir", "/dev/null/x"], status: 3,
                     stderrContains: ["sparseqp: error: cannot create /dev/null/x: Not a directory\n"],
                     check: { r in #expect(!r.stderr.contains("NSCocoaErrorDomain")) }),
        BadInputCase(name: "maros-meszaros --filter not a regex", arguments: ["maros-meszaros", "{datasets}/maros-meszaros", "--filter", "("], status: 1,
                     stderrContains: ["sparseqp: error: --filter '(': expected ')'\n"]),

        // Negative option values reach the real validation.
        BadInputCase(name: "--eps-abs -1", arguments: ["solve", hs21, "--eps-abs", "-1"], status: 1,
                     stderrContains: ["Error: invalid settings: epsAbs must be finite and ≥ 0 (got -1.0)\n"]),
        BadInputCase(name: "--max-iter -5", arguments: ["grad", hs21, "--dx", "ones", "--max-iter", "-5"], status: 1,
                     stderrContains: ["Error: invalid settings: maxIterations must be > 0 (got -5)\n"]),
        BadInputCase(name: "--time-limit -1", arguments: ["bench", "--problem", "random:5", "--time-limit", "-1"], status: 1,
                     stderrContains: ["Error: invalid settings: timeLimit must be finite and ≥ 0"]),
        BadInputCase(name: "--interior-point-regularization 0", arguments: ["solve", hs21, "--interior-point-regularization", "0"], status: 1,
                     stderrContains: ["Error: invalid settings: interiorPointRegularization must be in (0, 1) (got 0.0)\n"]),
        BadInputCase(name: "--interior-point-target-factor 2", arguments: ["solve", hs21, "--interior-point-target-factor", "2"], status: 1,
                     stderrContains: ["Error: invalid settings: interiorPointTargetFactor must be in (0, 1] (got 2.0)\n"]),
        BadInputCase(name: "--interior-point-stall-iterations 0", arguments: ["maros-meszaros", "{datasets}/maros-meszaros", "--interior-point-stall-iterations", "0"], status: 1,
                     stderrContains: ["Error: invalid settings: interiorPointStallIterations must be ≥ 1 (got 0)\n"]),
        BadInputCase(name: "--steps -1", arguments: ["sequence", "mpc", "--steps", "-1"], status: 1,
                     stderrContains: ["sparseqp: error: --steps must be ≥ 1\n"]),
        BadInputCase(name: "--size -3", arguments: ["generate", "random", "--size", "-3", "--out", "{tmp}/x.qps"], status: 1,
                     stderrContains: ["sparseqp: error: invalid size -3 for class random: the size must be positive\n"]),

        // JSON inputs: positioned syntax errors, bounded quotes.
        BadInputCase(name: "malformed JSON names its position", arguments: ["grad", hs21, "--dx", "{tmp}/bad.json"],
                     setup: writeFile("bad.json", "[1,\n 2 x]"), status: 1,
                     stderrContains: ["sparseqp: error: {tmp}/bad.json: JSON line 2, column 4 (byte offset 7): unexpected 'x', expected ',' or ']' in an array\n"],
                     check: { r in #expect(!r.stderr.contains("NSCocoaErrorDomain")) }),
        BadInputCase(name: "10 MB token is truncated", arguments: ["grad", hs21, "--dx", "{tmp}/huge.json"],
                     setup: writeFile("huge.json", "[" + String(repeating: "7", count: 10_000_000) + "x]"), status: 1,
                     stderrContains: ["JSON line 1, column 2 (byte offset 1): invalid number '" + String(repeating: "7", count: 40) + "…'\n"],
                     check: { r in #expect(r.stderr.utf8.count < 500) }),

        // Exit statuses: the same with and without --json; the status named on stderr.
        BadInputCase(name: "infeasible, text", arguments: ["solve", "{tmp}/inf.qps"], setup: writeFile("inf.qps", infeasibleQPS), status: 2,
                     stderrContains: ["sparseqp: problem is primal infeasible (status primal_infeasible)\n"],
                     stdoutContains: ["status:     primal_infeasible"]),
        BadInputCase(name: "infeasible, --json", arguments: ["solve", "{tmp}/inf.qps", "--json"], setup: writeFile("inf.qps", infeasibleQPS), status: 2,
                     stderrContains: ["sparseqp: problem is primal infeasible (status primal_infeasible)\n"],
                     stdoutContains: ["\"status\":\"primal_infeasible\""]),
        BadInputCase(name: "max_iterations", arguments: ["solve", hs21, "--method", "admm", "--max-iter", "1", "--no-polish", "--no-interior-point", "--json"], status: 2,
                     stderrContains: ["sparseqp: iteration limit reached before the tolerances were met (status max_iterations)\n"]),
        BadInputCase(name: "m = 0 has y_bounds per column", arguments: ["solve", "{tmp}/free.qps", "--json"], setup: writeFile("free.qps", unconstrainedQPS), status: 0,
                     check: { r in
                         let object = try stdoutObject(r)
                         #expect((object["x"] as? [Double])?.count == 2)
                         #expect((object["y_rows"] as? [Double]) == [])
                         #expect((object["y_bounds"] as? [Double]) == [0, 0])
                     }),

        // Non-convex P: status non_convex with a direction of negative curvature, and grad refuses.
        BadInputCase(name: "non-convex P, --json", arguments: ["solve", "{tmp}/saddle.qps", "--json"], setup: writeFile("saddle.qps", saddleQPS), status: 2,
                     stderrContains: ["sparseqp: problem is non-convex (status non_convex)\n"],
                     check: { r in
                         let object = try stdoutObject(r)
                         #expect(object["status"] as? String == "non_convex")
                         #expect(object["convexity_check"] as? String == "cholesky")
                         let d = try #require(object["negative_curvature_direction"] as? [Double])
                         // dᵀPd for P = [[1, 1.05], [1.05, 1]].
                         #expect(d.count == 2 && d[0] * d[0] + 2.1 * d[0] * d[1] + d[1] * d[1] < 0)
                         #expect((object["negative_curvature"] as? Double).map { $0 < 0 } == true)
                     }),
        BadInputCase(name: "non-convex P, text", arguments: ["solve", "{tmp}/saddle.qps"], setup: writeFile("saddle.qps", saddleQPS), status: 2,
                     stderrContains: ["sparseqp: problem is non-convex (status non_convex)\n"],
                     stdoutContains: ["status:     non_convex"]),
        BadInputCase(name: "grad refuses a non-convex problem", arguments: ["grad", "{tmp}/saddle.qps", "--dx", "ones", "--json"],
                     setup: writeFile("saddle.qps", saddleQPS), status: 2,
                     stderrContains: ["status non_convex"],
                     check: { r in
                         let object = try stdoutObject(r)
                         #expect(object["status"] as? String == "non_convex")
                         #expect(object["dq"] == nil)
                     }),
        BadInputCase(name: "time limit", arguments: ["solve", "{tmp}/mid.qps", "--eps-abs", "1e-12", "--eps-rel", "1e-12", "--time-limit", "1e-9", "--json"],
                     setup: { dir in
                         let (g, _, gerr) = try run(["generate", "random", "--size", "50", "--out", dir.appendingPathComponent("mid.qps").path])
                         #expect(g == 0, "\(gerr)")
                     },
                     status: 2, stderrContains: ["sparseqp: time limit reached before the tolerances were met (status time_limit)\n"],
                     check: { r in
                         let object = try stdoutObject(r)
                         #expect(object["status"] as? String == "time_limit")
                         #expect((object["x"] as? [Double])?.count == 50)
                     }),

        // Ctrl-C: the first cancels (status cancelled, the point printed, exit 130).
        BadInputCase(name: "SIGINT cancels the solve", arguments: ["solve", "{tmp}/mid.qps", "--eps-abs", "1e-14", "--eps-rel", "1e-14",
                                                                    "--max-iter", "100000000", "--no-interior-point", "--verbose", "--json"],
                     setup: { dir in
                         let (g, _, gerr) = try run(["generate", "random", "--size", "150", "--out", dir.appendingPathComponent("mid.qps").path])
                         #expect(g == 0, "\(gerr)")
                     },
                     interruptWhenStderrContains: " iter ", status: 130,
                     stderrContains: ["sparseqp: interrupt: stopping the solve", "sparseqp: interrupted (status cancelled)\n"],
                     check: { r in
                         let object = try stdoutObject(r)
                         #expect(object["status"] as? String == "cancelled")
                         #expect((object["x"] as? [Double])?.count == 150)
                     }),
        // Before any solve (here: blocked opening a FIFO nobody writes), the first Ctrl-C exits.
        BadInputCase(name: "SIGINT before the solve exits at once", arguments: ["solve", "{tmp}/fifo"],
                     setup: { dir in #expect(mkfifo(dir.appendingPathComponent("fifo").path, 0o600) == 0) },
                     interruptAfterSeconds: 1, timeout: 30, status: 130, stderrContains: ["sparseqp: interrupted\n"]),
    ]

    @Test(arguments: BadInputTests.cases)
    func badInput(_ c: BadInputCase) throws {
        let r = try runCase(c)
        defer { try? FileManager.default.removeItem(at: r.directory) }
        #expect(r.status == c.status, "\(c.name): exit status; stderr: \(r.stderr.prefix(500))")
        for text in c.stderrContains {
            #expect(r.stderr.contains(expand(text, r.directory)), "\(c.name): stderr lacks \(expand(text, r.directory)); stderr: \(r.stderr.prefix(500))")
        }
        for text in c.stdoutContains {
            #expect(r.stdout.contains(expand(text, r.directory)), "\(c.name): stdout lacks \(text); stdout: \(r.stdout.prefix(300))")
        }
        try c.check?(r)
    }
}
