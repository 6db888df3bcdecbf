// `solve`, `grad` and `bench` read QPS and `.qpb` files by their content, not by their extension
// (issue 13, part 3): the same generated problem stored both ways, under misleading names, gives
// the same answers.

import Foundation
import Testing

@Suite struct ProblemFormatTests {
    /// Writes one generated problem four ways: QPS and .qpb under their own extensions, the .qpb
    /// bytes as `binary.qps` and `binary` (no extension), the QPS text as `text.qpb`.
    func files(_ dir: URL) throws -> (qps: String, qpb: String, binaryAsQPS: String, binaryNoExtension: String, textAsQPB: String) {
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        for (name, format) in [("p.qps", "qps"), ("p.qpb", "qpb"), ("binary.qps", "qpb"), ("binary", "qpb"), ("text.qpb", "qps")] {
            let (status, _, stderr) = try run(["generate", "control-sparse", "--size", "6", "--seed", "2",
                                               "--out", path(name), "--format", format])
            try #require(status == 0, "\(stderr)")
        }
        return (path("p.qps"), path("p.qpb"), path("binary.qps"), path("binary"), path("text.qpb"))
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
        let (status, out, stderr) = try run(arguments)
        #expect(status == 0, "\(arguments): \(stderr)")
        return try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(arguments): \(out)")
    }

    @Test func solveReadsEitherFormatWhateverTheName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try files(dir)
        let reference = try json(["solve", f.qps, "--json"])
        let x = try #require(reference["x"] as? [Double])
        #expect(reference["status"] as? String == "solved")
        for path in [f.qpb, f.binaryAsQPS, f.binaryNoExtension, f.textAsQPB] {
            let result = try json(["solve", path, "--json"])
            // The QPS writer is exact: both formats hold the same program, so the run is identical.
            #expect(result["status"] as? String == "solved", "\(path)")
            #expect(result["x"] as? [Double] == x, "\(path)")
            #expect(result["objective"] as? Double == reference["objective"] as? Double, "\(path)")
        }
        // A .qpb has no bound rows: every row of A is a file row (as in the writer's QPS), y_bounds all 0.
        let binary = try json(["solve", f.binaryAsQPS, "--json"])
        #expect(binary["y_rows"] as? [Double] == reference["y_rows"] as? [Double])
        #expect(binary["y_bounds"] as? [Double] == [Double](repeating: 0, count: x.count))
        let (status, text, _) = try run(["solve", f.binaryNoExtension])
        #expect(status == 0)
        #expect(text.contains("problem:    binary (n = \(x.count), m = "))
    }

    @Test func gradReadsEitherFormatWhateverTheName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try files(dir)
        let reference = try json(["grad", f.qps, "--dx", "ones", "--json"])
        let dq = try #require(reference["dq"] as? [Double])
        for path in [f.binaryAsQPS, f.binaryNoExtension, f.textAsQPB] {
            let result = try json(["grad", path, "--dx", "ones", "--json"])
            #expect(result["status"] as? String == "solved", "\(path)")
            #expect(result["dq"] as? [Double] == dq, "\(path)")
        }
    }

    @Test func benchReadsEitherFormatWhateverTheName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try files(dir)
        let out = dir.appendingPathComponent("bench.json").path
        let (status, _, stderr) = try run(["bench", f.binaryAsQPS, f.textAsQPB, f.binaryNoExtension, "--no-stream", "--no-backward",
                                           "--json-out", out])
        #expect(status == 0, "\(stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.count == 3)
        let objectives = problems.compactMap { $0["objective"] as? Double }
        #expect(objectives.count == 3 && Set(objectives).count == 1)
        for p in problems {
            #expect(p["status"] as? String == "solved" && p["verified"] as? Bool == true, "\(p["problem"] ?? "?")")
        }
    }
}
