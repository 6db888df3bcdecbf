// Smoke tests of the `sparseqp` executable (built next to the test bundle by `swift build
// --build-tests`): the benchmark runner on tiny sizes, `generate` → `solve`, and `sequence`.
// They check the JSON contract and real properties (verified residuals, profile counts), never times.

import Foundation
import Testing

/// The `sparseqp` binary in the build products directory of this test bundle.
func sparseqpBinary() -> URL? { productBinary("sparseqp") }

/// An executable product named `name` in the build products directory of this test bundle.
func productBinary(_ name: String) -> URL? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    return nil
}

/// Runs the binary; returns (exit status, stdout, stderr).
func run(_ arguments: [String]) throws -> (Int32, String, String) {
    let binary = try #require(sparseqpBinary(), "sparseqp executable not found next to the test bundle")
    return try runProcess(binary, arguments)
}

/// Runs `binary` with `arguments`; returns (exit status, stdout, stderr).
func run(_ binary: URL, _ arguments: [String]) throws -> (Int32, String, String) {
    try runProcess(binary, arguments)
}

/// Runs an executable (with `environment`, or this process' when nil); returns (exit status, stdout, stderr).
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparseqp-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct RunnerSmokeTests {
    @Test func benchRunsTinyGrid() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("bench.json").path
        let md = dir.appendingPathComponent("bench.md").path
        let (status, _, stderr) = try run([
            "bench", "--classes", "control-sparse,portfolio-sparse,lasso-sparse,random", "--sizes", "8",
            "--problem", "svm-sparse:20", "--no-stream", "--problems-dir", dir.path,
            "--eps-abs", "1e-6", "--eps-rel", "1e-6", "--json-out", json, "--markdown-out", md])
        #expect(status == 0, "\(stderr)")
        // Progress lines "[k/N] …" on stderr.
        #expect(stderr.contains("[5/5]"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(object["tool"] as? String == "sparseqp")
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 5)
        for p in problems {
            let name = p["problem"] as? String ?? "?"
            #expect(p["status"] as? String == "solved", "\(name)")
            #expect(p["verified"] as? Bool == true, "\(name)")
            #expect((p["rel_primal"] as? Double ?? 2) <= 1 && (p["rel_dual"] as? Double ?? 2) <= 1, "\(name)")
            let factorization = try #require(p["factorization"] as? [String: Any])
            #expect(factorization["symbolic_analyses"] as? Int == 1, "\(name)")
            #expect((factorization["numeric_factorizations"] as? Int ?? 0) >= 1, "\(name)")
            let timings = try #require(p["timings"] as? [String: Any])
            #expect(timings["backward"] as? Double != nil, "\(name): backward pass ran")
            let backward = try #require(p["backward"] as? [String: Any])
            #expect(backward["symbolic_analyses_total"] as? Int == 1, "\(name)")
            // The generated problem was stored for the peers, under the name the runner reports.
            let file = try #require(p["file"] as? String)
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            #expect(file.hasSuffix("\(name).qpb"))
        }
        let table = try String(contentsOfFile: md, encoding: .utf8)
        #expect(table.contains("| control-sparse_n8_s1 |"))
    }

    @Test func generatedQPSSolvesFromTheCommandLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lasso.qps").path
        let (g, _, gerr) = try run(["generate", "lasso-sparse", "--size", "30", "--seed", "3", "--out", file])
        #expect(g == 0, "\(gerr)")
        let (s, out, serr) = try run(["solve", file, "--eps-abs", "1e-8", "--eps-rel", "1e-8", "--json"])
        #expect(s == 0, "\(serr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "solved")
        #expect((object["x"] as? [Any])?.count == 90)  // lasso-sparse: 3n variables
        #expect((object["primal_residual"] as? Double ?? 1) <= 1e-7)
    }

    @Test func unknownClassIsAClearError() throws {
        let (status, _, stderr) = try run(["bench", "--classes", "nonsense", "--sizes", "10", "--no-stream"])
        #expect(status != 0)
        #expect(stderr.contains("unknown class 'nonsense'"))
        #expect(stderr.contains("control-sparse"))
    }

    @Test func sequenceReusesTheSymbolicAnalysis() throws {
        let (status, out, stderr) = try run(["sequence", "mpc", "--size", "10", "--steps", "4", "--json"])
        #expect(status == 0, "\(stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["steps"] as? Int == 4)
        #expect(object["solved"] as? Int == 4)
        #expect(object["symbolic_analyses"] as? Int == 1)
        let perStep = try #require(object["iterations_per_step"] as? [Int])
        #expect(perStep.count == 4)
    }
}
