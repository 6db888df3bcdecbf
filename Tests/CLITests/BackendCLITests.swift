import Foundation
import Testing

/// `--backend auto|cholmod|mumps` on `solve` and `factor`.
@Suite struct BackendCLITests {
    @Test func solveWithEitherBackendGivesTheSameSolution() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lasso.qps").path
        let (g, _, gerr) = try run(["generate", "lasso-sparse", "--size", "30", "--seed", "5", "--out", file])
        #expect(g == 0, "\(gerr)")
        var objectives: [Double] = []
        for backend in ["cholmod", "mumps"] {
            let (s, out, serr) = try run(["solve", file, "--backend", backend, "--eps-abs", "1e-8", "--eps-rel", "1e-8", "--json"])
            #expect(s == 0, "\(serr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            #expect(object["status"] as? String == "solved", "\(backend)")
            let factorization = try #require(object["factorization"] as? [String: Any])
            #expect(factorization["backend"] as? String == backend)
            objectives.append(try #require(object["objective"] as? Double))
        }
        #expect(abs(objectives[0] - objectives[1]) <= 1e-6 * max(1, abs(objectives[0])), "\(objectives)")
    }

    @Test func factorWithMUMPSReportsItsBackendAndInertiaError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // K = [2 1; 1 -1] (n = 1, m = 1); then H = [1 2; 2 1] (indefinite) with one constraint row.
        let good = dir.appendingPathComponent("k.mtx").path
        try "%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n1 1 2\n2 1 1\n2 2 -1\n".write(toFile: good, atomically: true, encoding: .utf8)
        let (s, out, serr) = try run(["factor", good, "--backend", "mumps", "--strategy", "kkt", "--ordering", "amd", "--json"])
        #expect(s == 0, "\(serr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["backend"] as? String == "mumps")
        #expect(object["symbolic_analyses"] as? Int == 1)
        #expect((object["relative_residual"] as? Double ?? 1) <= 1e-14)
        let bad = dir.appendingPathComponent("bad.mtx").path
        try "%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n1 1 1\n2 1 2\n2 2 1\n3 1 1\n3 3 -1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let (b, _, berr) = try run(["factor", bad, "--backend", "mumps"])
        #expect(b == 2, "\(berr)")
        #expect(berr.contains("factorization failed: LDLᵀ inertia (1 positive, 2 negative, 0 zero pivots) differs from the expected (2, 1)"), "\(berr)")
        let (u, _, uerr) = try run(["factor", good, "--backend", "petsc"])
        #expect(u != 0)
        #expect(uerr.contains("invalid backend 'petsc'; expected one of: auto, cholmod, mumps"), "\(uerr)")
    }
}
