import Foundation
import Dispatch
import Sparse
import KKT
import QP

// Measurement helpers of the benchmark commands (`bench`, `sequence`, `demo`): peak memory,
// machine description, memory bandwidth (STREAM triad), the bytes one ADMM iteration moves, and
// residuals recomputed from (x, y) independently of the solver.

/// Peak resident set size of this process (Linux /proc).
enum MemoryProbe {
    /// Resets the kernel's peak-RSS counter (VmHWM) to the current RSS, so the next `peakMiB()`
    /// is the peak of what runs in between. Returns false where /proc/self/clear_refs is missing.
    @discardableResult
    static func resetPeak() -> Bool {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? h.close() }
        do { try h.write(contentsOf: Data("5".utf8)); return true } catch { return false }
    }

    /// VmHWM in MiB (NaN when /proc is unavailable).
    static func peakMiB() -> Double { statusField("VmHWM:") }
    /// VmRSS in MiB.
    static func currentMiB() -> Double { statusField("VmRSS:") }

    private static func statusField(_ key: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let kb = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Double($0) } ?? .nan
            return kb / 1024
        }
        return .nan
    }
}

/// CPU model, logical cores and memory of this machine.
func machineDescription() -> String {
    var cpu = "unknown CPU"
    if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
       let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
       let value = line.split(separator: ":", maxSplits: 1).last {
        cpu = value.trimmingCharacters(in: .whitespaces)
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let gib = Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)
    return "\(cpu), \(cores) cores, \(String(format: "%.0f", gib)) GiB"
}

func utcTimestamp() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}

/// STREAM-style triad a[i] = b[i] + s·c[i] over arrays much larger than the caches.
///
/// Bandwidth is counted the STREAM way: 24 bytes per element (two reads, one write; the
/// write-allocate read is not counted). Best of `repetitions` runs, after one warm-up.
enum StreamTriad {
    struct Result: Sendable {
        var threads: Int
        var bytesPerArray: Int
        var gigabytesPerSecond: Double
    }

    /// The three arrays of the triad. `@unchecked Sendable`: each thread of `concurrentPerform`
    /// touches its own disjoint index range only.
    private struct Arrays: @unchecked Sendable {
        let a: UnsafeMutableBufferPointer<Double>, b: UnsafeMutableBufferPointer<Double>, c: UnsafeMutableBufferPointer<Double>
    }

    static func measure(elements: Int = 1 << 25, threads: Int, repetitions: Int = 5) -> Result {
        let v = Arrays(a: .allocate(capacity: elements), b: .allocate(capacity: elements), c: .allocate(capacity: elements))
        defer { v.a.deallocate(); v.b.deallocate(); v.c.deallocate() }
        let chunks = max(1, threads)
        let chunk = (elements + chunks - 1) / chunks
        // First touch by the thread that will use the chunk.
        DispatchQueue.concurrentPerform(iterations: chunks) { t in
            for i in (t * chunk)..<min(elements, (t + 1) * chunk) { v.a[i] = 0; v.b[i] = 1; v.c[i] = 2 }
        }
        var best = Double.infinity
        for rep in 0...repetitions {
            let t0 = ContinuousClock.now
            let s = 3.0 + Double(rep)
            if chunks == 1 {
                triad(v, s, 0..<elements)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks) { t in
                    triad(v, s, (t * chunk)..<min(elements, (t + 1) * chunk))
                }
            }
            let dt = seconds(since: t0)
            if rep > 0 { best = min(best, dt) }
        }
        // Keep the result observable so the loop cannot be removed.
        if v.a[elements / 2] == -1 { Console.output("") }
        return Result(threads: chunks, bytesPerArray: elements * 8,
                      gigabytesPerSecond: Double(24 * elements) / best / 1e9)
    }

    @inline(never)
    private static func triad(_ v: Arrays, _ s: Double, _ range: Range<Int>) {
        let a = v.a, b = v.b, c = v.c
        for i in range { a[i] = b[i] + s * c[i] }
    }
}

/// A model of the memory traffic of one ADMM iteration (bytes), stated so it can be checked:
///
/// - the two triangular solves read L once each: CHOLMOD's simplicial LDLᵀ stores 8 bytes of value
///   and 8 of row index per entry, the supernodal LLᵀ 8 bytes of value per stored entry (row
///   indices are per supernode, negligible);
/// - the reduced strategy multiplies by Aᵀ and A once each (16 bytes per entry: value + index);
/// - vectors: the step reads/writes about 11 arrays of length n and 19 of length m (right-hand
///   side, relaxation, projection, dual update) plus the solve's copies and permutations
///   (about 4 passes over n + m for CHOLMOD's solve, 2 for ours), 8 bytes each.
func bytesPerIteration(profile: FactorizationProfile, n: Int, m: Int, nnzA: Int) -> Double {
    let reduced = profile.strategy == .reduced
    let lBytes = Double(profile.direct?.nonzerosInL ?? 0) * (reduced ? 8 : 16)
    let spmv = reduced ? 2 * 16 * Double(nnzA) : 0
    let solveVectors = 6.0 * Double(reduced ? n : n + m)
    let vectors = 11.0 * Double(n) + 19.0 * Double(m) + solveVectors + (reduced ? 6.0 * Double(m) : 0)
    return 2 * lBytes + spmv + 8 * vectors
}

/// Residuals of (x, y) recomputed from the problem data alone, with OSQP's tolerances.
struct IndependentResiduals: Sendable {
    /// ‖Ax − Π[l,u](Ax)‖∞ and ‖Px + q + Aᵀy‖∞.
    var primal: Double
    var dual: Double
    /// The residuals divided by their tolerances ε_abs + ε_rel·(normalizer): ≤ 1 passes.
    var relPrimal: Double
    var relDual: Double
    var verified: Bool { relPrimal <= 1 && relDual <= 1 }

    init(program: QuadraticProgram, x: [Double], y: [Double], epsAbs: Double, epsRel: Double) {
        guard x.count == program.n, y.count == program.m else {
            primal = .nan; dual = .nan; relPrimal = .infinity; relDual = .infinity
            return
        }
        let ax = program.A.multiply(x)
        let px = program.P.symmetricUpperMultiply(x)
        let aty = program.A.transposeMultiply(y)
        var rp = 0.0, axNorm = 0.0, zNorm = 0.0
        for i in 0..<program.m {
            let z = min(max(ax[i], program.l[i]), program.u[i])
            rp = max(rp, abs(ax[i] - z)); axNorm = max(axNorm, abs(ax[i])); zNorm = max(zNorm, abs(z))
        }
        var rd = 0.0, pxNorm = 0.0, atyNorm = 0.0, qNorm = 0.0
        for j in 0..<program.n {
            rd = max(rd, abs(px[j] + program.q[j] + aty[j]))
            pxNorm = max(pxNorm, abs(px[j])); atyNorm = max(atyNorm, abs(aty[j])); qNorm = max(qNorm, abs(program.q[j]))
        }
        primal = rp
        dual = rd
        relPrimal = rp / (epsAbs + epsRel * max(axNorm, zNorm))
        relDual = rd / (epsAbs + epsRel * max(pxNorm, atyNorm, qNorm))
        if rp.isNaN { relPrimal = .infinity }
        if rd.isNaN { relDual = .infinity }
    }
}

/// An error message not yet printed (bench records it per problem).
struct InputError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a problem from `.qpb` (binary) or QPS, told apart by content (`ProblemFile`); the error names the path.
func loadProgram(_ path: String) throws(InputError) -> QuadraticProgram {
    do {
        return try ProblemFile.readProgram(path: path)
    } catch {
        throw InputError(description: readingMessage(path, error))
    }
}

/// "1.23 s" / "45 ms".
func formatSeconds(_ s: Double) -> String {
    if s.isNaN { return "–" }
    if s >= 1 { return String(format: "%.2f s", s) }
    return String(format: "%.1f ms", s * 1000)
}

/// Writes an output file (--json-out, --markdown-out) by the `OutputFile` rule: atomic
/// replacement of a regular file, write-through for a device, FIFO or symlink; a failure exits
/// with `ExitStatus.outputError` and the system's reason.
func writeText(_ text: String, to path: String) throws {
    do { try OutputFile.write(text, to: path) } catch { throw failOutput("\(path): cannot write: \(error.message)") }
}

/// Creates `path` and its missing parents (`mkdir -p`); nil, or the system's reason for the failure.
func createDirectories(_ path: String) -> String? {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component
        if mkdir(prefix, 0o777) != 0 {
            let code = errno
            var status = stat()
            let exists = code == EEXIST && stat(prefix, &status) == 0
            if exists, status.st_mode & S_IFMT != S_IFDIR { return String(cString: strerror(ENOTDIR)) }
            if !exists { return String(cString: strerror(code)) }
        }
        prefix += "/"
    }
    return nil
}

/// A progress line on stderr.
func progress(_ message: String) {
    Console.error(message)
}
