// KKTBench: cost of factorizing the ADMM linear system with each strategy and ordering.
//
// Problems (deterministic, `makeProblem`): P is the upper triangle of a strictly diagonally dominant
// 5-point stencil on a √n × √n grid (a Laplacian-like SPD matrix), A (m = n/2) has 3 nonzeros per
// row at columns 2i−1, 2i, 2i+1, σ = 1e-6, ρ = 0.1 with ρ = 1e3·0.1 on every 10th row
// (equality-like). For each size × strategy × ordering, a fresh child process (this executable with
// `--single n strategy ordering`) builds the problem, then measures: symbolic analysis, first numeric
// factorization, refactorization after a ρ change (median of 3), solve (median of 5), nnz(L),
// CHOLMOD's predicted flops and peak memory, the process peak RSS (getrusage; one process per
// configuration because the RSS is a process-wide peak) and the relative residual
// ‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞). The parent prints a markdown table to stdout, progress to
// stderr, and JSON to `--out FILE`.
//
// Usage:
//   KKTBench [--sizes 10000,100000,1000000] [--strategies kkt,reduced] [--orderings amd,metis]
//            [--no-auto] [--timeout SECONDS] [--out FILE]
//   KKTBench --single N STRATEGY ORDERING       (one configuration; one JSON line on stdout)
//   KKTBench --write-example PATH [--n 200]     (the K = [P+σI, Aᵀ; A, −diag(1/ρ)] of a small
//                                                problem as a symmetric Matrix Market file)
//   KKTBench --write-generated CLASS SIZE SEED PATH
//                                               (K of a generated QP (`sparseqp generate` classes),
//                                                σ = 1e-6, ρ = 0.1, as a Matrix Market file for
//                                                `sparseqp factor`; see Benchmarks/mumps-heavy-fill.sh)
//
// Build and run in release: swift build -c release --scratch-path .build-factor --product KKTBench
//                           .build-factor/release/KKTBench --out Benchmarks/results/kkt-bench.json

import Foundation
import KKT
import Sparse
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Problem generation


struct Problem {
    var P: CSCMatrix
    var A: CSCMatrix
    var sigma: Double
    var rho: [Double]
    var n: Int { P.columnCount }
    var m: Int { A.rowCount }
}

let baseRho = 0.1
let equalityFactor = 1e3
let sigmaValue = 1e-6

func makeProblem(n: Int, seed: UInt64 = 1) -> Problem {
    var g = SeededGenerator(seed: seed)
    let nx = max(1, Int(Double(n).squareRoot()))
    // P: column j couples to its left (j−1, same grid row) and upper (j−nx) neighbours.
    var cp = [Int](repeating: 0, count: n + 1)
    var ri = [Int](), vals = [Double]()
    ri.reserveCapacity(3 * n); vals.reserveCapacity(3 * n)
    var absRowSum = [Double](repeating: 0, count: n)
    var diagonalPosition = [Int](repeating: 0, count: n)
    for j in 0..<n {
        if j >= nx {
            let w = -g.nextUniform(0.5, 1)
            ri.append(j - nx); vals.append(w)
            absRowSum[j - nx] += -w; absRowSum[j] += -w
        }
        if j % nx != 0 {
            let w = -g.nextUniform(0.5, 1)
            ri.append(j - 1); vals.append(w)
            absRowSum[j - 1] += -w; absRowSum[j] += -w
        }
        diagonalPosition[j] = ri.count
        ri.append(j); vals.append(0)
        cp[j + 1] = ri.count
    }
    // Strict diagonal dominance (every column's diagonal is written after all its neighbours' weights
    // are known, so fill it in a second pass).
    for j in 0..<n { vals[diagonalPosition[j]] = absRowSum[j] + 0.05 }
    let P = CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: n, columnCount: n, columnPointers: cp, rowIndices: ri),
                      values: vals)

    // A (m×n), built as Aᵀ: row i of A has columns 2i−1, 2i, 2i+1 (clipped to 0..<n).
    let m = n / 2
    var tp = [Int](repeating: 0, count: m + 1)
    var ti = [Int](), tv = [Double]()
    ti.reserveCapacity(3 * m); tv.reserveCapacity(3 * m)
    for i in 0..<m {
        for c in (2 * i - 1)...(2 * i + 1) where c >= 0 && c < n {
            let magnitude = g.nextUniform(0.5, 1.5)
            ti.append(c); tv.append(g.next() & 1 == 0 ? magnitude : -magnitude)
        }
        tp[i + 1] = ti.count
    }
    let At = CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: n, columnCount: m, columnPointers: tp, rowIndices: ti),
                       values: tv)
    let rho = (0..<m).map { $0 % 10 == 0 ? baseRho * equalityFactor : baseRho }
    return Problem(P: P, A: At.transposed(), sigma: sigmaValue, rho: rho)
}

/// Upper triangle of K = [P+σI, Aᵀ; A, −diag(1/ρ)].
func assembleKKT(_ p: Problem) -> CSCMatrix {
    let n = p.n, m = p.m
    let At = p.A.transposed()
    var cp = [Int](repeating: 0, count: n + m + 1)
    var ri = [Int](), vals = [Double]()
    for j in 0..<n {
        for q in p.P.pattern.range(ofColumn: j) {
            ri.append(p.P.rowIndices[q])
            vals.append(p.P.values[q] + (p.P.rowIndices[q] == j ? p.sigma : 0))
        }
        cp[j + 1] = ri.count
    }
    for i in 0..<m {
        for q in At.pattern.range(ofColumn: i) { ri.append(At.rowIndices[q]); vals.append(At.values[q]) }
        ri.append(n + i); vals.append(-1 / p.rho[i])
        cp[n + i + 1] = ri.count
    }
    return CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: n + m, columnCount: n + m, columnPointers: cp, rowIndices: ri),
                     values: vals)
}

/// ‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞) for K = [P+σI, Aᵀ; A, −diag(1/ρ)], z = [x; ν], b = [r1; r2].
func relativeResidual(_ p: Problem, x: [Double], nu: [Double], r1: [Double], r2: [Double]) -> Double {
    let n = p.n, m = p.m
    var top = p.P.symmetricUpperMultiply(x)
    let atNu = p.A.transposeMultiply(nu)
    let ax = p.A.multiply(x)
    var error = 0.0
    for j in 0..<n { top[j] += p.sigma * x[j] + atNu[j]; error = max(error, abs(top[j] - r1[j])) }
    for i in 0..<m { error = max(error, abs(ax[i] - nu[i] / p.rho[i] - r2[i])) }
    // ‖K‖∞: absolute row sums.
    var rows = [Double](repeating: 0, count: n + m)
    for j in 0..<n {
        for q in p.P.pattern.range(ofColumn: j) {
            let i = p.P.rowIndices[q], a = abs(p.P.values[q])
            rows[i] += a
            if i != j { rows[j] += a }
        }
        rows[j] += p.sigma
        for q in p.A.pattern.range(ofColumn: j) {
            let a = abs(p.A.values[q])
            rows[j] += a
            rows[n + p.A.rowIndices[q]] += a
        }
    }
    for i in 0..<m { rows[n + i] += 1 / p.rho[i] }
    let kNorm = rows.max() ?? 0
    let denominator = kNorm * max(infinityNorm(x), infinityNorm(nu)) + max(infinityNorm(r1), infinityNorm(r2))
    return denominator > 0 ? error / denominator : 0
}

// MARK: - One configuration (child process)

/// One row of the benchmark. Optional fields are absent when the configuration failed or timed out.
struct Measurement: Codable {
    var n: Int
    var m: Int
    var requestedStrategy: String
    var requestedOrdering: String
    var status: String = "ok"  // ok | error | timeout
    var error: String?
    var strategy: String?
    var ordering: String?
    var factorizedDimension: Int?
    var factorizedNonzeros: Int?
    var generateSeconds: Double?
    var symbolicSeconds: Double?
    var selectionSeconds: Double?
    var numericSeconds: Double?
    var refactorSeconds: [Double]?
    var refactorMedianSeconds: Double?
    var solveSeconds: [Double]?
    var solveMedianSeconds: Double?
    var nnzL: Int?
    var predictedNnzL: Double?
    var predictedFlops: Double?
    var cholmodPeakBytes: Int?
    var rssBeforeFactorizationBytes: Int?
    var peakRssBytes: Int?
    /// User + system CPU time of the child (all threads): compare with `wallSeconds` to see contention.
    var cpuSeconds: Double?
    var relativeResidual: Double?
    var wallSeconds: Double?
}

func resourceUsage() -> rusage {
    var usage = rusage()
    _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage
}

func peakRSSBytes() -> Int { Int(resourceUsage().ru_maxrss) * 1024 }  // kilobytes on Linux

func cpuSeconds() -> Double {
    let u = resourceUsage()
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
}

/// Writes one JSON line to stdout, unbuffered (the parent keeps the last complete line).
func emit(_ m: Measurement) {
    let data = (try? jsonEncoder().encode(m)) ?? Data("{}".utf8)
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.isEmpty ? .nan : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func jsonEncoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    e.outputFormatting = [.sortedKeys]
    return e
}

func jsonDecoder() -> JSONDecoder {
    let d = JSONDecoder()
    d.keyDecodingStrategy = .convertFromSnakeCase
    d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return d
}

func runSingle(n: Int, strategy: StrategyChoice, ordering: OrderingChoice) -> Measurement {
    let start = ContinuousClock.now
    var r = Measurement(n: n, m: n / 2, requestedStrategy: strategy.rawValue, requestedOrdering: ordering.rawValue)
    let t0 = ContinuousClock.now
    let problem = makeProblem(n: n)
    r.generateSeconds = seconds(since: t0)
    r.rssBeforeFactorizationBytes = peakRSSBytes()
    do {
        let system = try LinearSystemFactory.make(P: problem.P, A: problem.A, parameters: KKTParameters(sigma: problem.sigma, rho: problem.rho),
                                   options: KKTOptions(strategy: strategy, ordering: ordering))
        let first = system.profile
        r.strategy = first.strategy.rawValue
        r.ordering = first.direct.map { $0.ordering.rawValue } ?? "none"
        r.factorizedDimension = first.dimension
        r.factorizedNonzeros = first.matrixNonzeros
        r.symbolicSeconds = first.symbolicTime
        r.selectionSeconds = first.selectionTime
        r.numericSeconds = first.numericTime
        r.nnzL = (first.direct?.nonzerosInL ?? 0)
        r.predictedNnzL = (first.direct?.predictedNonzerosInL ?? 0)
        r.predictedFlops = (first.direct?.predictedFlops ?? 0)
        r.cholmodPeakBytes = first.peakMemoryBytes
        // A partial result, so that a configuration stopped later still reports its analysis.
        var partial = r
        partial.status = "partial"
        partial.peakRssBytes = peakRSSBytes()
        partial.cpuSeconds = cpuSeconds()
        partial.wallSeconds = seconds(since: start)
        emit(partial)

        // Refactorizations after ρ changes; the last one returns to the original ρ.
        var refactor = [Double]()
        for factor in [10.0, 0.1, 1.0] {
            let parameters = KKTParameters(sigma: problem.sigma, rho: problem.rho.map { $0 * factor })
            let t = ContinuousClock.now
            try system.update(parameters: parameters)
            refactor.append(seconds(since: t))
        }
        r.refactorSeconds = refactor
        r.refactorMedianSeconds = median(refactor)

        var g = SeededGenerator(seed: 12345)
        let r1 = (0..<problem.n).map { _ in g.nextUniform(-1, 1) }
        let r2 = (0..<problem.m).map { _ in g.nextUniform(-1, 1) }
        var x = [Double](repeating: 0, count: problem.n), nu = [Double](repeating: 0, count: problem.m)
        var solves = [Double]()
        for _ in 0..<5 {
            try r1.withUnsafeBufferPointer { (a) throws(FactorizationError) in
                try r2.withUnsafeBufferPointer { (b) throws(FactorizationError) in
                    try x.withUnsafeMutableBufferPointer { (xb) throws(FactorizationError) in
                        try nu.withUnsafeMutableBufferPointer { (nb) throws(FactorizationError) in
                            let t = ContinuousClock.now
                            try system.solve(r1: a, r2: b, x: xb, nu: nb)
                            solves.append(seconds(since: t))
                        }
                    }
                }
            }
        }
        r.solveSeconds = solves
        r.solveMedianSeconds = median(solves)
        r.relativeResidual = relativeResidual(problem, x: x, nu: nu, r1: r1, r2: r2)

        let last = system.profile
        r.nnzL = (last.direct?.nonzerosInL ?? 0)
        r.predictedNnzL = (last.direct?.predictedNonzerosInL ?? 0)
        r.predictedFlops = (last.direct?.predictedFlops ?? 0)
        r.cholmodPeakBytes = last.peakMemoryBytes
    } catch {
        r.status = "error"
        r.error = "\(error)"
    }
    r.peakRssBytes = peakRSSBytes()
    r.cpuSeconds = cpuSeconds()
    r.wallSeconds = seconds(since: start)
    return r
}

// MARK: - Parent: one child process per configuration

func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

func runChild(n: Int, strategy: StrategyChoice, ordering: OrderingChoice, timeout: Double) -> Measurement {
    var failed = Measurement(n: n, m: n / 2, requestedStrategy: strategy.rawValue, requestedOrdering: ordering.rawValue)
    failed.status = "error"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executablePath())
    process.arguments = ["--single", String(n), strategy.rawValue, ordering.rawValue]
    let pipe = Pipe()
    process.standardOutput = pipe
    let start = ContinuousClock.now
    do { try process.run() } catch {
        failed.error = "could not start the child process: \(error)"
        return failed
    }
    // The child writes at most two short lines, so the pipe cannot fill up while we wait.
    var timedOut = false
    while process.isRunning {
        if seconds(since: start) > timeout {
            process.terminate()  // SIGTERM to our own child only
            process.waitUntilExit()
            timedOut = true
            break
        }
        usleep(50_000)
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    let decoded = try? jsonDecoder().decode(Measurement.self, from: Data(line.utf8))
    if timedOut {
        var result = decoded ?? failed
        result.status = "timeout"
        result.error = "stopped after " + String(format: "%g", timeout) + " s"
            + (decoded == nil ? " before the first factorization finished" : " after the first factorization (partial results)")
        result.wallSeconds = seconds(since: start)
        return result
    }
    guard var result = decoded, result.status != "partial" else {
        failed.error = "child exited with status \(process.terminationStatus) without a result"
        failed.wallSeconds = seconds(since: start)
        return failed
    }
    result.wallSeconds = seconds(since: start)
    return result
}

// MARK: - Report

func ms(_ s: Double?) -> String {
    guard let s, s.isFinite else { return "–" }
    let v = s * 1e3
    return String(format: v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v)
}

func mega(_ b: Int?) -> String { b.map { String(format: "%.0f", Double($0) / 1_048_576) } ?? "–" }

func sci(_ v: Double?) -> String { v.map { String(format: "%.2e", $0) } ?? "–" }

func machineDescription() -> (machine: String, cpu: String, cores: Int) {
    var u = utsname()
    uname(&u)
    let machine = withUnsafeBytes(of: u.machine) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
    return (machine, model, ProcessInfo.processInfo.activeProcessorCount)
}

func markdown(_ results: [Measurement], command: String, totalSeconds: Double) -> String {
    let (machine, cpu, cores) = machineDescription()
    let date = ISO8601DateFormatter().string(from: Date())
    #if DEBUG
    let build = "debug (numbers not representative)"
    #else
    let build = "release"
    #endif
    var s = """
        # KKT factorization benchmark

        - Date: \(date)
        - Machine: `uname -m` = \(machine), `nproc` = \(cores), CPU: \(cpu)
        - Build: \(build); command: `\(command)`
        - Problem: P = upper triangle of a strictly diagonally dominant 5-point stencil on a √n×√n grid, \
        A (m = n/2) with 3 nonzeros per row at columns 2i−1, 2i, 2i+1, σ = 1e-6, ρ = 0.1 (every 10th row 100). \
        K = [P+σI, Aᵀ; A, −diag(1/ρ)] has dimension n + m.
        - Times in milliseconds. refactor = `update(parameters:)` after a ρ change (median of 3); solve = median of 5. \
        nnz(L) as stored by CHOLMOD (supernodal: including amalgamation zeros). CHOLMOD peak = CHOLMOD's own \
        allocations; RSS = process peak (`ru_maxrss`, problem generation included), one process per row. \
        residual = ‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞) for a random b. auto rows: the symbolic column adds the \
        analysis done only to choose the strategy.

        | n | dim K | strategy | ordering | symbolic | numeric | refactor | solve | nnz(L) | pred. flops | CHOLMOD peak (MiB) | peak RSS (MiB) | residual |
        |--:|--:|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|

        """
    var footnotes = [String]()
    for r in results {
        let strategy = r.requestedStrategy == "auto" ? "auto→\(r.strategy ?? "?")" : r.requestedStrategy
        let ordering = r.requestedOrdering == "auto" ? "auto→\(r.ordering ?? "?")" : r.requestedOrdering
        if r.status != "ok" && r.symbolicSeconds == nil {
            s += "| \(r.n) | \(r.n + r.m) | \(strategy) | \(ordering) | \(r.status): \(r.error ?? "") | | | | | | | | |\n"
            continue
        }
        let stopped = r.status == "ok" ? nil : "\(r.status)¹"
        if r.status != "ok" { footnotes.append("¹ \(r.n) \(strategy)/\(ordering): \(r.error ?? r.status); the other columns are from the first factorization.") }
        var symbolic = ms(r.symbolicSeconds)
        if let sel = r.selectionSeconds, sel > 0 { symbolic += " + \(ms(sel))" }
        s += "| \(r.n) | \(r.n + r.m) | \(strategy) | \(ordering) | \(symbolic) | \(ms(r.numericSeconds)) | \(stopped ?? ms(r.refactorMedianSeconds)) | "
        s += "\(stopped ?? ms(r.solveMedianSeconds)) | \(r.nnzL.map(String.init) ?? "–") | \(sci(r.predictedFlops)) | \(mega(r.cholmodPeakBytes)) | "
        s += "\(mega(r.peakRssBytes)) | \(sci(r.relativeResidual)) |\n"
    }
    for note in footnotes { s += "\n" + note + "\n" }
    s += "\nTotal wall time \(String(format: "%.0f", totalSeconds)) s.\n"
    return s
}

// MARK: - Command line

@MainActor func usage() -> Never {
    log("""
        usage: KKTBench [--sizes N,N,…] [--strategies kkt,reduced] [--orderings amd,metis] [--no-auto]
                        [--timeout SECONDS] [--out FILE]
               KKTBench --single N STRATEGY ORDERING
               KKTBench --write-example PATH [--n N]
               KKTBench --write-generated CLASS SIZE SEED PATH
        """)
    exit(64)
}

func parseSize(_ s: Substring) -> Int? {
    if let i = Int(s) { return i }
    if let d = Double(s), d.isFinite, d >= 1, d == d.rounded() { return Int(d) }
    return nil
}

let args = Array(CommandLine.arguments.dropFirst())
var sizes = [10_000, 100_000, 1_000_000]
var strategies: [StrategyChoice] = [.quasiDefinite, .reduced]
var orderings: [OrderingChoice] = [.amd, .metis]
var includeAuto = true
var timeout = 180.0
var outPath: String?
var examplePath: String?
var exampleN = 200

var k = 0
@MainActor func value() -> String {
    k += 1
    guard k < args.count else { usage() }
    return args[k]
}
while k < args.count {
    switch args[k] {
    case "--single":
        guard k + 3 < args.count, let n = parseSize(Substring(args[k + 1])), n >= 2,
              let s = StrategyChoice(rawValue: args[k + 2]), let o = OrderingChoice(rawValue: args[k + 3]) else { usage() }
        let result = runSingle(n: n, strategy: s, ordering: o)
        emit(result)
        exit(result.status == "ok" ? 0 : 1)
    case "--sizes":
        let list = value().split(separator: ",").map(parseSize)
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) >= 2 }) else { usage() }
        sizes = list.compactMap { $0 }
    case "--strategies":
        let list = value().split(separator: ",").map { StrategyChoice(rawValue: String($0)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { usage() }
        strategies = list.compactMap { $0 }
    case "--orderings":
        let list = value().split(separator: ",").map { OrderingChoice(rawValue: String($0)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else { usage() }
        orderings = list.compactMap { $0 }
    case "--no-auto": includeAuto = false
    case "--timeout":
        guard let t = Double(value()), t > 0 else { usage() }
        timeout = t
    case "--out": outPath = value()
    case "--write-generated":
        guard k + 4 < args.count, let c = ProblemClass(rawValue: args[k + 1]), let size = Int(args[k + 2]),
              let seed = UInt64(args[k + 3]) else { usage() }
        exit(writeGenerated(c, size: size, seed: seed, path: args[k + 4]))
    case "--write-example": examplePath = value()
    case "--n":
        guard let n = parseSize(Substring(value())), n >= 2 else { usage() }
        exampleN = n
    default: usage()
    }
    k += 1
}

if let examplePath {
    let problem = makeProblem(n: exampleN)
    let kkt = assembleKKT(problem)
    do {
        var text = try MatrixMarket.format(kkt, symmetry: .symmetric)
        let header = """
            % Quasi-definite KKT matrix K = [P+σI, Aᵀ; A, −diag(1/ρ)], n = \(problem.n), m = \(problem.m), written by
            % `KKTBench --write-example \(examplePath) --n \(exampleN)` (Benchmarks/KKTBench/main.swift, makeProblem):
            % P = 5-point stencil on a \(Int(Double(exampleN).squareRoot()))-wide grid (strictly diagonally dominant), A with 3 nonzeros
            % per row at columns 2i-1, 2i, 2i+1, sigma = 1e-6, rho = 0.1 (every 10th row 100).
            % Factorize with: sparseqp factor \(examplePath)

            """
        if let newline = text.firstIndex(of: "\n") { text.insert(contentsOf: header, at: text.index(after: newline)) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: examplePath))
        log("wrote \(examplePath): dimension \(problem.n + problem.m), \(kkt.nonzeroCount) stored entries (upper triangle)")
    } catch {
        log("KKTBench: error: \(error)")
        exit(1)
    }
    exit(0)
}

/// Writes K = [P+σI, Aᵀ; A, −diag(1/ρ)] of a generated QP with σ = 1e-6 and ρ = 0.1 on every row.
func writeGenerated(_ c: ProblemClass, size: Int, seed: UInt64, path: String) -> Int32 {
    do {
        let generated = try generate(c, size: size, seed: seed)
        let p = generated.program
        let problem = Problem(P: p.P, A: p.A, sigma: sigmaValue, rho: [Double](repeating: baseRho, count: p.A.rowCount))
        let kkt = assembleKKT(problem)
        var text = try MatrixMarket.format(kkt, symmetry: .symmetric)
        let header = """
            % Quasi-definite KKT matrix K = [P+σI, Aᵀ; A, −diag(1/ρ)] of \(generated.name) (n = \(problem.n), m = \(problem.m)),
            % sigma = 1e-6, rho = 0.1, written by `KKTBench --write-generated \(c.rawValue) \(size) \(seed) PATH`.

            """
        if let newline = text.firstIndex(of: "\n") { text.insert(contentsOf: header, at: text.index(after: newline)) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        log("wrote \(path): n = \(problem.n), m = \(problem.m), dimension \(problem.n + problem.m), \(kkt.nonzeroCount) stored entries (upper triangle)")
        return 0
    } catch {
        log("KKTBench: error: \(error)")
        return 1
    }
}

var configurations = [(Int, StrategyChoice, OrderingChoice)]()
for n in sizes {
    for s in strategies { for o in orderings { configurations.append((n, s, o)) } }
    if includeAuto { configurations.append((n, .automatic, .automatic)) }
}
let benchStart = ContinuousClock.now
var results = [Measurement]()
for (index, (n, s, o)) in configurations.enumerated() {
    log(String(format: "[%d/%d] n = %d, %@ / %@ (elapsed %.1f s)", index + 1, configurations.count, n, s.rawValue, o.rawValue,
               seconds(since: benchStart)))
    let r = runChild(n: n, strategy: s, ordering: o, timeout: timeout)
    log(String(format: "        %@ in %.1f s%@", r.status, r.wallSeconds ?? 0, r.error.map { ": " + $0 } ?? ""))
    results.append(r)
}
let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
let total = seconds(since: benchStart)
print(markdown(results, command: command, totalSeconds: total), terminator: "")
if let outPath {
    struct Report: Encodable {
        var date: String
        var machine: String
        var cpu: String
        var cores: Int
        var command: String
        var results: [Measurement]
    }
    let (machine, cpu, cores) = machineDescription()
    let report = Report(date: ISO8601DateFormatter().string(from: Date()), machine: machine, cpu: cpu, cores: cores,
                        command: command, results: results)
    let encoder = jsonEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    do { try encoder.encode(report).write(to: URL(fileURLWithPath: outPath)) } catch {
        log("KKTBench: error: could not write \(outPath): \(error)")
        exit(1)
    }
}
