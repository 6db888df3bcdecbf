import ArgumentParser
import Foundation
import Sparse
import QP
import Generators

/// `sparseqp generate CLASS --size N --seed S --out FILE [--format qps|qpb]`.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a generated benchmark QP (OSQP classes and their sparse scaling variants).",
        discussion: "Classes and sizes:\n" + ProblemClass.allCases.map {
            "  \($0.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))size = \($0.sizeMeaning)"
        }.joined(separator: "\n") + "\nThe format follows the extension (.qps/.QPS text, .qpb binary) unless --format is given.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case qps, qpb
    }

    @Argument(help: "Problem class (\(ProblemClass.allCases.map(\.rawValue).joined(separator: ", "))).")
    var problemClass: String
    @Option(parsing: .unconditional, help: "Problem size (see the class list for its meaning).")
    var size: Int
    @Option(parsing: .unconditional, help: "Random seed (default 1).")
    var seed: UInt64 = 1
    @Option(help: "Output file (.qps or .qpb).")
    var out: String
    @Option(help: "Output format, overriding the extension: qps or qpb.")
    var format: Format?

    func run() throws {
        guard let cls = ProblemClass(rawValue: problemClass) else {
            throw fail("unknown class '\(problemClass)'; valid classes: \(ProblemClass.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let chosen: Format
        if let format {
            chosen = format
        } else {
            switch (out as NSString).pathExtension.lowercased() {
            case "qps": chosen = .qps
            case "qpb": chosen = .qpb
            default: throw fail("\(out): cannot tell the format from the extension; use .qps or .qpb, or --format qps|qpb")
            }
        }
        let start = ContinuousClock.now
        let problem: GeneratedProblem
        do { problem = try generate(cls, size: size, seed: seed) } catch { throw fail("\(error)") }
        let generateTime = seconds(since: start)
        let writeStart = ContinuousClock.now
        do {
            switch chosen {
            case .qps: try QPSWriter.write(problem.program, name: problem.name, to: out)
            case .qpb: try QPBinary.write(problem.program, to: out)
            }
        } catch { throw failOutput("\(error)") }
        let p = problem.program
        let line = "\(cls.rawValue) size \(size) seed \(seed): n = \(p.n), m = \(p.m), nnz(P) = \(p.P.nonzeroCount), "
            + "nnz(A) = \(p.A.nonzeroCount) -> \(out) (\(chosen.rawValue)); generate \(format3(generateTime)) s, "
            + "write \(format3(seconds(since: writeStart))) s"
        Console.error(line)
    }

    private func format3(_ x: Double) -> String { String(format: "%.3f", x) }
}
