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

/// `mpirun -np 2 sparseqp solve|grad …`: rank 0 drives, rank 1 serves MUMPS's collective calls.
@Suite struct DistributedMUMPSTests {
    /// mpirun with the environment OpenMPI needs to run as root (CI containers) and the oversubscription
    /// a 2-core machine needs for 2 ranks.
    static func mpirun(_ arguments: [String], ranks: Int = 2) throws -> (Int32, String, String) {
        // This test process may have initialized MPI itself (the KKT tests' MUMPS systems, same bundle):
        // OpenMPI's singleton init sets OMPI_MCA_ess=singleton and the like in its environment, which
        // would make mpirun's ranks singletons. Start mpirun with a clean MPI environment.
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !(key.hasPrefix("OMPI_") || key.hasPrefix("PMIX_") || key.hasPrefix("OPAL_"))
        }
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        // One BLAS thread per rank: two ranks on two cores.
        environment["OPENBLAS_NUM_THREADS"] = "1"
        return try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["mpirun", "--oversubscribe", "-np", "\(ranks)"] + arguments,
                              environment: environment)
    }

    /// Why 2 MPI ranks cannot start here, or nil when they can (`mpirun -np 2 true`).
    static let unavailable: String? = {
        guard let (status, _, err) = try? mpirun(["true"]) else { return "mpirun (openmpi-bin) is not installed" }
        return status == 0 ? nil : "mpirun -np 2 true failed (\(status)): \(err.prefix(300))"
    }()

    @Test(.enabled(if: unavailable == nil, "MPI ranks cannot start on this machine"))
    func oneRankFinalizesMPI() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("k.mtx").path
        try "%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n1 1 2\n2 1 1\n2 2 -1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let binary = try #require(sparseqpBinary()).path
        // One rank initializes MPI for MUMPS and must finalize it, or mpirun reports an improper exit.
        let (status, out, err) = try Self.mpirun([binary, "factor", file, "--backend", "mumps", "--json"], ranks: 1)
        #expect(status == 0, "\(err)")
        #expect(!err.contains("exiting improperly"), "\(err)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object["backend"] as? String == "mumps")
    }

    @Test(.enabled(if: unavailable == nil, "2 MPI ranks cannot start on this machine"))
    func twoRanksSolveAndDifferentiateLikeOne() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("eq.qpb").path
        let (g, _, gerr) = try run(["generate", "eq-sparse", "--size", "60", "--seed", "2", "--out", file])
        #expect(g == 0, "\(gerr)")
        let binary = try #require(sparseqpBinary()).path
        for command in ["solve", "grad"] {
            let arguments = [command, file, "--backend", "mumps", "--eps-abs", "1e-9", "--eps-rel", "1e-9", "--json"]
                + (command == "grad" ? ["--dx", "ones"] : [])
            let (s1, out1, err1) = try run(arguments)
            #expect(s1 == 0, "\(err1)")
            let (s2, out2, err2) = try Self.mpirun([binary] + arguments)
            #expect(s2 == 0, "\(err2)")
            // Exactly one JSON object: only rank 0 writes.
            let one = try #require(JSONSerialization.jsonObject(with: Data(out1.utf8)) as? [String: Any])
            let two = try #require(JSONSerialization.jsonObject(with: Data(out2.utf8)) as? [String: Any], "\(out2)\n\(err2)")
            if command == "solve" {
                #expect(two["status"] as? String == "solved")
                let f = try #require(two["factorization"] as? [String: Any])
                #expect(f["backend"] as? String == "mumps")
                let x1 = try #require(one["x"] as? [Double]), x2 = try #require(two["x"] as? [Double])
                #expect(x1.count == x2.count)
                #expect(zip(x1, x2).map { abs($0 - $1) }.max() ?? 1 <= 1e-6, "x differs between 1 and 2 ranks")
            } else {
                let g1 = try #require(one["dq"] as? [Double]), g2 = try #require(two["dq"] as? [Double])
                #expect(g1.count == g2.count && !g1.isEmpty)
                #expect(zip(g1, g2).map { abs($0 - $1) }.max() ?? 1 <= 1e-5, "dq differs between 1 and 2 ranks")
            }
        }
    }
}
