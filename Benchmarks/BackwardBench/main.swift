// BackwardBench: cost of the backward pass (adjoint / VJP) next to the forward solve.
//
// Problems (deterministic, SplitMix64 with fixed seeds):
//   control  MPC-like: T steps of 4 states + 2 inputs (n = 6T + 4). P = diag(w) + c·(path Laplacian)
//            (diagonal + tridiagonal, strictly diagonally dominant), q = −P·x_ref with references
//            outside the box. A = [x_0 = x_init (1 nnz); x_{t+1,i} − a_i x_{t,i} − b_i u_{t,i mod 2} = 0
//            (3 nnz); identity box rows: states two-sided |x| ≤ 5 except state 3 one-sided x ≥ −5,
//            inputs |u| ≤ 1]. Equality + box rows.
//   random   P = MᵀM + 1e-2·I with M n×n, 3 nonzeros per column; A (m = n/2) with 4 nonzeros per
//            column; rows cycle equality / lower-only / upper-only / two-sided around A·x0.
// For each problem and each eps (default 1e-3 and 1e-6, polish on, maxIterations 10000): fresh
// solver, solve, then
//   kkt1  Differentiator(.kkt) init + adjoint(dx: ones)  (includes its one numeric factorization)
//   kkt2  second adjoint on the same instance with another dx (solves only)
//   fp    Differentiator(.fixedPoint) init + adjoint(dx: ones)  (no factorization)
// Medians over `--repeats` (default 3 for n ≤ 10⁴, 1 above).
//
// Usage:
//   BackwardBench [--sizes 1000,10000,100000] [--classes control,random] [--eps 1e-3,1e-6]
//                 [--repeats R] [--write-qps DIR] [--out-json FILE] [--out-md FILE]
//   BackwardBench --qps FILE... [--eps ...] [--out-json FILE] [--out-md FILE]
// With --write-qps, each problem is written to DIR/<name>.qps and our kkt dq (dx = ones) to
// DIR/<name>_eps<E>.dq (one number per line) so that peers solve the same problems. With --qps the
// dq files go next to the QPS files.
//
// Build: swift build -c release --scratch-path .build-bench --product BackwardBench

import Foundation
import Sparse
import TestSupport
import QP
import KKT
import ADMM
import Implicit

// MARK: - Random numbers


// MARK: - Problem generators

func controlQP(targetN: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    let nx = 4, nu = 2
    let T = max(1, (targetN - nx) / (nx + nu))
    let n = T * (nx + nu) + nx
    // Variable layout: step t (0..<T): x_t (nx) then u_t (nu); final x_T.
    func xi(_ t: Int, _ i: Int) -> Int { t * (nx + nu) + i }
    func ui(_ t: Int, _ k: Int) -> Int { t * (nx + nu) + nx + k }
    let a = (0..<nx).map { _ in g.nextUniform(0.8, 1.0) }
    let b = (0..<nx).map { _ in g.nextUniform(0.5, 1.0) }
    // P = diag(w) + c·L (L the path Laplacian over consecutive variables).
    var pb = TripletBuilder(rowCount: n, columnCount: n)
    let c = 0.1
    for j in 0..<n {
        let w = g.nextUniform(0.5, 2.0)
        let deg = (j > 0 ? 1.0 : 0) + (j < n - 1 ? 1.0 : 0)
        pb.append(row: j, column: j, value: w + c * deg)
        if j > 0 { pb.append(row: j - 1, column: j, value: -c) }
    }
    let P = try pb.build()
    let xref = (0..<n).map { _ in g.nextUniform(-8, 8) }
    let px = P.symmetricUpperMultiply(xref)
    let q = px.map { -$0 }
    var l: [Double] = [], u: [Double] = []
    var tr: [Int] = [], tc: [Int] = [], tv: [Double] = []
    var m = 0
    func addRow(_ entries: [(Int, Double)], _ lo: Double, _ hi: Double) {
        for (j, v) in entries { tr.append(m); tc.append(j); tv.append(v) }
        l.append(lo); u.append(hi); m += 1
    }
    for i in 0..<nx {
        let x0 = g.nextUniform(-2, 2)
        addRow([(xi(0, i), 1)], x0, x0)
    }
    for t in 0..<T {
        for i in 0..<nx {
            addRow([(xi(t + 1, i), 1), (xi(t, i), -a[i]), (ui(t, i % nu), -b[i])], 0, 0)
        }
    }
    for t in 0...T {
        for i in 0..<nx {
            if i == 3 { addRow([(xi(t, i), 1)], -5, .infinity) } else { addRow([(xi(t, i), 1)], -5, 5) }
        }
        if t < T { for k in 0..<nu { addRow([(ui(t, k), 1)], -1, 1) } }
    }
    var ab = TripletBuilder(rowCount: m, columnCount: n)
    for k in 0..<tv.count { ab.append(row: tr[k], column: tc[k], value: tv[k]) }
    return try QuadraticProgram(P: P, q: q, A: try ab.build(), l: l, u: u)
}

/// k distinct random rows in 0..<rows.
func distinctRows(_ k: Int, _ rows: Int, _ g: inout SeededGenerator) -> [Int] {
    var out: [Int] = []
    while out.count < min(k, rows) {
        let r = g.nextIndex(below: rows)
        if !out.contains(r) { out.append(r) }
    }
    return out
}

func randomQP(n: Int, seed: UInt64) throws -> QuadraticProgram {
    var g = SeededGenerator(seed: seed)
    // M: n×n, 3 nonzeros per column; rows of M as lists for MᵀM.
    var mRows = [[(Int, Double)]](repeating: [], count: n)
    for j in 0..<n {
        for r in distinctRows(3, n, &g) { mRows[r].append((j, g.nextUniform(-1, 1))) }
    }
    var pb = TripletBuilder(rowCount: n, columnCount: n)
    for j in 0..<n { pb.append(row: j, column: j, value: 1e-2) }
    for row in mRows {
        for (i, vi) in row {
            for (j, vj) in row where i <= j { pb.append(row: i, column: j, value: vi * vj) }
        }
    }
    let P = try pb.build()
    let m = n / 2
    var ab = TripletBuilder(rowCount: m, columnCount: n)
    for j in 0..<n {
        for r in distinctRows(4, m, &g) { ab.append(row: r, column: j, value: g.nextUniform(-1, 1)) }
    }
    let A = try ab.build()
    let x0 = (0..<n).map { _ in g.nextUniform(-1, 1) }
    let ax = A.multiply(x0)
    let (l, u) = cyclingRowBounds(around: ax, minGap: 0, using: &g)
    let q = (0..<n).map { _ in g.nextUniform(-10, 10) }
    return try QuadraticProgram(P: P, q: q, A: A, l: l, u: u)
}

// MARK: - Measurement

func now() -> ContinuousClock.Instant { ContinuousClock.now }

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    if s.isEmpty { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

struct Run {
    var status = ""
    var iterations = 0
    var polish = ""
    var setup = 0.0, solve = 0.0, polishTime = 0.0, forwardWall = 0.0
    var kkt1 = Double.nan, kkt1Call = Double.nan, kkt2 = Double.nan, fp = Double.nan
    var kkt1Residual = Double.nan, kkt2Residual = Double.nan, fpResidual = Double.nan
    var kkt1Converged = false, fpConverged = false
    var kkt1Steps = 0, fpIterations = 0
    var kkt1NumFact = -1, kkt2NumFact = -1, fpNumFact = -1
    var symbolicTotal = -1
    var profileSymbolic = -1, profileNumeric = -1, nnzL = -1
    var counts = [String: Int]()
    var error: String?
    var dq: [Double] = []
}

func measure(_ qp: QuadraticProgram, eps: Double) -> Run {
    var r = Run()
    var settings = SolverSettings()
    settings.epsAbs = eps
    settings.epsRel = eps
    settings.maxIterations = 10_000
    settings.polish = true
    let t0 = now()
    let solver: ADMMSolver
    do { solver = try ADMMSolver(problem: qp, settings: settings) } catch { r.error = "setup: \(error)"; return r }
    let sol = solver.solve()
    r.forwardWall = seconds(since: t0)
    r.status = sol.status.name
    r.iterations = sol.info.iterations
    r.polish = sol.info.polish.rawValue
    r.setup = sol.info.setupTime
    r.solve = sol.info.solveTime
    r.polishTime = sol.info.polishTime
    let n = qp.n
    let ones = [Double](repeating: 1, count: n)
    let dx2 = (0..<n).map { j in j % 2 == 0 ? 1.0 : -0.5 }
    do {
        let t1 = now()
        let d = try Differentiator(solver: solver, solution: sol, settings: DifferentiationSettings(rule: .kkt))
        let (g1, i1) = try d.adjoint(dx: ones)
        r.kkt1 = seconds(since: t1)
        r.kkt1Call = i1.time
        r.kkt1Residual = i1.residual
        r.kkt1Converged = i1.converged
        r.kkt1Steps = i1.refinementSteps
        r.kkt1NumFact = i1.numericFactorizations + i1.crossoverFactorizations  // the crossover factorizes at init
        r.counts = ["upper": i1.upperActive, "lower": i1.lowerActive, "equality": i1.equality,
                    "weak": i1.weaklyActive, "inactive": i1.inactive]
        r.dq = g1.dq
        let t2 = now()
        let (_, i2) = try d.adjoint(dx: dx2)
        r.kkt2 = seconds(since: t2)
        r.kkt2Residual = i2.residual
        r.kkt2NumFact = i2.numericFactorizations
        r.symbolicTotal = i2.symbolicAnalysesTotal
    } catch { r.error = "kkt: \(error)" }
    do {
        let t3 = now()
        let d = try Differentiator(solver: solver, solution: sol, settings: DifferentiationSettings(rule: .fixedPoint))
        let (_, i3) = try d.adjoint(dx: ones)
        r.fp = seconds(since: t3)
        r.fpResidual = i3.residual
        r.fpConverged = i3.converged
        r.fpIterations = i3.refinementSteps
        r.fpNumFact = i3.numericFactorizations
        r.symbolicTotal = max(r.symbolicTotal, i3.symbolicAnalysesTotal)
    } catch { r.error = (r.error.map { $0 + "; " } ?? "") + "fixedPoint: \(error)" }
    if let p = solver.profile {
        r.profileSymbolic = p.symbolicAnalyses
        r.profileNumeric = p.numericFactorizations
        r.nnzL = p.direct?.nonzerosInL ?? 0
    }
    return r
}

// MARK: - Arguments

var sizes = [1000, 10_000, 100_000]
var classes = ["control", "random"]
var epsList = [1e-3, 1e-6]
var repeatsOverride: Int?
var qpsDir: String?
var qpsFiles: [String] = []
var skip: Set<String> = []
var outJSON = "Benchmarks/results/backward-bench.json"
var outMD = "Benchmarks/results/backward-bench.md"
var args = Array(CommandLine.arguments.dropFirst())
var k = 0
@MainActor func value() -> String {
    k += 1
    guard k < args.count else { FileHandle.standardError.write("missing value for \(args[k - 1])\n".data(using: .utf8)!); exit(2) }
    return args[k]
}
while k < args.count {
    switch args[k] {
    case "--sizes": sizes = value().split(separator: ",").map { Int(Double(String($0))!) }
    case "--classes": classes = value().split(separator: ",").map(String.init)
    case "--eps": epsList = value().split(separator: ",").map { Double(String($0))! }
    case "--repeats": repeatsOverride = Int(value())!
    case "--write-qps": qpsDir = value()
    case "--out-json": outJSON = value()
    case "--out-md": outMD = value()
    case "--skip": skip = Set(value().split(separator: ",").map(String.init))
    case "--qps":
        while k + 1 < args.count, !args[k + 1].hasPrefix("--") { k += 1; qpsFiles.append(args[k]) }
    default:
        FileHandle.standardError.write("unknown argument \(args[k])\n".data(using: .utf8)!); exit(2)
    }
    k += 1
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

// MARK: - Main

struct Item { var name: String; var cls: String; var dqDir: String?; var qp: () throws -> QuadraticProgram }
var items: [Item] = []
if !qpsFiles.isEmpty {
    for f in qpsFiles {
        let name = ((f as NSString).lastPathComponent as NSString).deletingPathExtension
        items.append(Item(name: name, cls: "qps", dqDir: (f as NSString).deletingLastPathComponent, qp: { try QPSReader.read(path: f).program }))
    }
} else {
    for c in classes {
        for n in sizes {
            let seed = UInt64(c == "control" ? 1000 : 2000) + UInt64(n)
            let name = "\(c)_n\(n)"
            if skip.contains(name) { continue }
            items.append(Item(name: name, cls: c, dqDir: qpsDir, qp: {
                c == "control" ? try controlQP(targetN: n, seed: seed) : try randomQP(n: n, seed: seed)
            }))
        }
    }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String {
    if x.isNaN { return "–" }
    return String(format: "%.\(digits)g", x)
}
func ms(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.3g", x * 1000) }

var records: [[String: Any]] = []
var mdRows: [String] = []
for item in items {
    let tg = now()
    let qp: QuadraticProgram
    do { qp = try item.qp() } catch { log("\(item.name): generation failed: \(error)"); continue }
    let genTime = seconds(since: tg)
    log("\(item.name): n=\(qp.n) m=\(qp.m) nnzP=\(qp.P.nonzeroCount) nnzA=\(qp.A.nonzeroCount) (generated in \(fmt(genTime))s)")
    if let dir = qpsDir {
        do { try QPSWriter.write(qp, name: item.name, to: "\(dir)/\(item.name).qps") } catch { log("write failed: \(error)") }
    }
    let repeats = repeatsOverride ?? (qp.n <= 10_000 ? 3 : 1)
    for eps in epsList {
        var runs: [Run] = []
        for _ in 0..<repeats {
            let r = measure(qp, eps: eps)
            runs.append(r)
            // Expensive problems are measured once (stated in the report).
            let spent = r.forwardWall + (r.kkt1.isNaN ? 0 : r.kkt1) + (r.kkt2.isNaN ? 0 : r.kkt2) + (r.fp.isNaN ? 0 : r.fp)
            log("  eps=\(eps): status=\(r.status) it=\(r.iterations) polish=\(r.polish) setup=\(fmt(r.setup)) solve=\(fmt(r.solve)) polish=\(fmt(r.polishTime)) kkt1=\(fmt(r.kkt1)) kkt2=\(fmt(r.kkt2)) fp=\(fmt(r.fp)) fpIt=\(r.fpIterations) \(r.error ?? "")")
            if r.error != nil || (repeatsOverride == nil && spent > 5) { break }
        }
        let last = runs.last!
        if let dir = item.dqDir, !last.dq.isEmpty {
            let text = last.dq.map { "\($0)" }.joined(separator: "\n") + "\n"
            try? text.write(toFile: "\(dir)/\(item.name)_eps\(eps).dq", atomically: true, encoding: .utf8)
        }
        func med(_ f: (Run) -> Double) -> Double { median(runs.map(f)) }
        let setup = med { $0.setup }, solve = med { $0.solve }, pol = med { $0.polishTime }
        let kkt1 = med { $0.kkt1 }, kkt2 = med { $0.kkt2 }, fp = med { $0.fp }
        let fwd = setup + solve + pol
        let rec: [String: Any] = [
            "name": item.name, "class": item.cls, "n": qp.n, "m": qp.m,
            "nnzP": qp.P.nonzeroCount, "nnzA": qp.A.nonzeroCount, "eps": eps, "repeats": runs.count,
            "status": last.status, "iterations": last.iterations, "polish": last.polish,
            "setup_s": setup, "solve_s": solve, "polish_s": pol, "forward_wall_s": med { $0.forwardWall },
            "kkt_first_s": kkt1, "kkt_first_call_only_s": med { $0.kkt1Call }, "kkt_second_s": kkt2,
            "fixed_point_s": fp,
            "ratio_kkt_first_over_solve": kkt1 / solve, "ratio_kkt_first_over_forward": kkt1 / fwd,
            "ratio_kkt_second_over_solve": kkt2 / solve,
            "ratio_fixed_point_over_solve": fp / solve, "ratio_fixed_point_over_forward": fp / fwd,
            "forward_plus_backward_s": fwd + kkt1,
            "kkt_residual": last.kkt1Residual, "kkt_converged": last.kkt1Converged,
            "kkt_refinement_steps": last.kkt1Steps, "kkt_second_residual": last.kkt2Residual,
            "fixed_point_residual": last.fpResidual, "fixed_point_converged": last.fpConverged,
            "fixed_point_iterations": last.fpIterations,
            "numeric_factorizations": ["kkt_first": last.kkt1NumFact, "kkt_second": last.kkt2NumFact,
                                       "fixed_point": last.fpNumFact,
                                       "forward_plus_backward_total": last.profileNumeric],
            "symbolic_analyses_total": last.symbolicTotal, "forward_nnz_L": last.nnzL, "profile_symbolic_analyses": last.profileSymbolic,
            "active_counts": last.counts, "error": last.error ?? NSNull(),
        ]
        records.append(rec)
        mdRows.append("| \(item.name) | \(qp.n) | \(qp.m) | \(qp.P.nonzeroCount + qp.A.nonzeroCount) | \(String(format: "%.0e", eps)) | \(last.status) (\(last.iterations) it, polish \(last.polish)) | \(ms(setup)) | \(ms(solve)) | \(ms(pol)) | \(ms(kkt1)) | \(ms(kkt2)) | \(ms(fp)) (\(last.fpIterations) it) | \(fmt(kkt1 / solve, 2)) | \(fmt(kkt1 / fwd, 2)) | \(fmt(fp / solve, 2)) | \(fmt(last.kkt1Residual, 2)) / \(fmt(last.fpResidual, 2)) | \(last.kkt1NumFact)/\(last.kkt2NumFact)/\(last.fpNumFact) | \(last.symbolicTotal) | \(last.nnzL) |\(last.error.map { " \($0)" } ?? "")")
    }
}

// Machine and command.
func shell(_ cmd: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", cmd]
    let pipe = Pipe()
    p.standardOutput = pipe
    try? p.run()
    p.waitUntilExit()
    return String(data: pipe.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8)?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
}
let cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-")
let nproc = shell("nproc")
let date = shell("date -u +%Y-%m-%dT%H:%M:%SZ")
let command = CommandLine.arguments.joined(separator: " ")
let header = """
| problem | n | m | nnz(P)+nnz(A) | eps | status | setup ms | solve ms | polish ms | kkt 1st ms | kkt 2nd ms | fixed-point ms | kkt1/solve | kkt1/(setup+solve+polish) | fp/solve | residual kkt / fp | num. fact. kkt1/kkt2/fp | symbolic total | nnz(L) fwd |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
"""
let md = """
# BackwardBench

Date: \(date). Machine: \(nproc) cores, \(cpu) (shared, noisy). Release build.
Command: `\(command)`

kkt 1st = `Differentiator(.kkt)` init + `adjoint(dx: ones)` (includes the one numeric factorization of the
derivative matrix); kkt 2nd = a second `adjoint` with another dx on the same instance (solves only);
fixed-point = `Differentiator(.fixedPoint)` init + `adjoint(dx: ones)` (forward factor, no factorization).
Times are medians of 3 repeats (fresh solver each), or a single run when one run (forward + backward) took over 5 s or n > 10⁴. Forward: maxIterations 10000, polish on.
Residual: final backward residual (BackwardInfo.residual). Numeric factorizations per call; symbolic
total = BackwardInfo.symbolicAnalysesTotal (forward + backward).

\(header)
\(mdRows.joined(separator: "\n"))

"""
print(md)
let json: [String: Any] = ["date": date, "machine": ["nproc": Int(nproc) ?? 0, "cpu": cpu],
                           "command": command, "results": records]
func sanitize(_ v: Any) -> Any {
    if let d = v as? Double { return d.isFinite ? d : NSNull() }
    if let a = v as? [Any] { return a.map(sanitize) }
    if let o = v as? [String: Any] { return o.mapValues(sanitize) }
    return v
}
if let data = try? JSONSerialization.data(withJSONObject: sanitize(json), options: [.prettyPrinted, .sortedKeys]) {
    try? data.write(to: URL(fileURLWithPath: outJSON))
}
try? md.write(toFile: outMD, atomically: true, encoding: .utf8)
