// Smoke test of the Swift examples (examples/swift, executable `SwiftExamples`, built next to the
// test bundle by `swift build --build-tests`): each subcommand with --quick trains through the QP
// layer with Swift's AD, prints its progress and writes its CSV; the training must improve.

import Foundation
import Testing

@Suite struct SwiftExamplesTests {
    /// Runs the example; returns its exit status, stdout, stderr and the CSV's rows (header first).
    static func runExample(_ name: String) throws -> (status: Int32, stdout: String, stderr: String, csv: [[String]], path: String) {
        let binary = try #require(productBinary("SwiftExamples"), "SwiftExamples not found next to the test bundle")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("\(name).csv").path
        let (status, stdout, stderr) = try run(binary, [name, "--quick", "--out", path])
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let csv = text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        return (status, stdout, stderr, csv, path)
    }

    /// Checks the progress lines ("[name …] …", the last one "saved <path>") and the CSV's header and length.
    static func checkOutput(_ r: (status: Int32, stdout: String, stderr: String, csv: [[String]], path: String),
                            prefix: String, header: [String], steps: Int) -> Bool {
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("[\(prefix)") }
        #expect(lines.count >= 3 && lines.last?.hasSuffix("saved \(r.path)") == true, "\(r.stdout)")
        #expect(r.csv.count == steps + 1, "header + \(steps) steps: \(r.csv)")
        #expect(r.csv.first == header)
        return r.status == 0 && r.csv.count == steps + 1
    }

    @Test func mpcLearningImprovesTheWeights() throws {
        let r = try Self.runExample("mpc")
        guard Self.checkOutput(r, prefix: "mpc", header: ["step", "trajectory_mse", "weight_error"], steps: 10) else { return }
        let first = try #require(Double(r.csv[1][2])), last = try #require(Double(r.csv[10][2]))
        #expect(last < 0.5 * first, "weight error \(first) → \(last)")
        #expect(r.csv[1...].allSatisfy { Double($0[1])?.isFinite == true })
    }

    @Test func portfolioDecisionFocusedBeatsLeastSquaresOnTraining() throws {
        let r = try Self.runExample("portfolio")
        let header = ["step", "train_return", "test_return", "least_squares_test_return"]
        guard Self.checkOutput(r, prefix: "portfolio", header: header, steps: 6) else { return }
        let first = try #require(Double(r.csv[1][1])), last = try #require(Double(r.csv[6][1]))
        #expect(last > first, "train return \(first) → \(last)")
    }

    @Test func unknownSubcommandFails() throws {
        let r = try Self.runExample("nothing")
        #expect(r.status == 64, "usage error (EX_USAGE): \(r.status)")
        #expect(r.stderr.contains("Usage: SwiftExamples <subcommand>"), "\(r.stderr)")
        #expect(r.csv.isEmpty)
    }
}
