import ArgumentParser
import Foundation
import KKT
import Sparse

/// `sparseqp factor MATRIX.mtx`: factorize a symmetric quasi-definite matrix [H, Bᵀ; B, −diag(c)]
/// from a Matrix Market file with the KKT module, solve against b = (1, …, 1), and report the
/// factorization profile and the relative residual ‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞).
struct Factor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Factorize a symmetric quasi-definite KKT matrix from a Matrix Market file and report the profile.",
        discussion: """
            The file holds a symmetric matrix K = [H, Bᵀ; B, −diag(c)] with c > 0 (symmetric or symmetric \
            general Matrix Market). The trailing block is detected as the longest suffix of columns with a \
            negative diagonal and no other entries in its rows. K is factorized through the linear-system factory with \
            P = upper(H), A = B, σ = 0, ρ = 1/c, then solved against a right-hand side of all ones.

            Exit status: 0 on success, 1 for an unreadable or malformed file or a matrix not of the \
            quasi-definite form, 2 when the factorization or the solve fails.
            """)

    @Argument(help: "The Matrix Market file (coordinate real/integer, symmetric or general).")
    var matrix: String

    @Option(help: "Factorized matrix: auto, kkt (quasi-definite LDLᵀ of K) or reduced (LLᵀ of H + Bᵀdiag(1/c)B). Default: auto.",
            transform: Factor.parse(StrategyChoice.self, "strategy"))
    var strategy: StrategyChoice = .automatic

    @Option(help: "Fill-reducing ordering: auto, amd or metis. Default: auto.",
            transform: Factor.parse(OrderingChoice.self, "ordering"))
    var ordering: OrderingChoice = .automatic

    @Option(help: "Factorization engine: auto (cost rule), cholmod or mumps (quasi-definite form only). Default: auto.",
            transform: Factor.parse(BackendChoice.self, "backend"))
    var backend: BackendChoice = .automatic

    @Flag(help: "Write exactly one JSON object to stdout.")
    var json = false

    func run() throws {
        // Under `mpirun -np K` (K > 1): rank 0 factorizes with MUMPS over the K ranks, the others serve.
        var backend = self.backend
        switch DistributedMUMPS.begin() {
        case .single: break
        case .worker:
            DistributedMUMPS.serve()
            return
        case .host:
            if backend == .automatic { backend = .mumps }
        }
        let t0 = ContinuousClock.now
        let upper: CSCMatrix
        do {
            upper = try MatrixMarket.read(path: matrix).upperTriangle()
        } catch {
            // The reader's messages name the file already (`.io`, and parse errors "(in PATH)").
            let message = "\(error)"
            throw Self.failure(message.contains(matrix) ? message : "\(matrix): \(message)", code: 1)
        }
        let readTime = seconds(since: t0)

        let split: (P: CSCMatrix, A: CSCMatrix, rho: [Double])
        do { split = try LinearSystemFactory.splitQuasiDefinite(upper) } catch {
            throw Self.failure("\(matrix): \(error)", code: 1)
        }
        let n = split.P.columnCount, m = split.A.rowCount
        let system: any LinearSystem
        let x: [Double], nu: [Double]
        do {
            system = try LinearSystemFactory.make(P: split.P, A: split.A, parameters: KKTParameters(sigma: 0, rho: split.rho),
                                   options: KKTOptions(strategy: strategy, ordering: ordering, backend: backend))
            (x, nu) = try system.solve(r1: [Double](repeating: 1, count: n), r2: [Double](repeating: 1, count: m))
        } catch {
            throw Self.failure("\(matrix): factorization failed: \(error)", code: 2)
        }
        let residual = Self.relativeResidual(upper: upper, z: x + nu)
        let profile = system.profile

        if json {
            let report = JSON.object([
                ("matrix", .string(matrix)),
                ("dimension", .integer(n + m)),
                ("n", .integer(n)),
                ("m", .integer(m)),
                ("nnz", .integer(upper.nonzeroCount)),
                ("strategy", .string(profile.strategy.rawValue)),
                ("backend", .string(profile.backend.rawValue)),
                ("ordering", .string(profile.direct.map { $0.ordering.rawValue } ?? "none")),
                ("symbolic_analyses", .integer(profile.symbolicAnalyses)),
                ("selection_analyses", .integer(profile.selectionAnalyses)),
                ("numeric_factorizations", .integer(profile.numericFactorizations)),
                ("solves", .integer(profile.solves)),
                ("nnz_l", .integer(profile.direct?.nonzerosInL ?? 0)),
                ("predicted_nnz_l", .number(profile.direct?.predictedNonzerosInL ?? 0)),
                ("predicted_flops", .number(profile.direct?.predictedFlops ?? 0)),
                ("peak_memory_bytes", .integer(profile.peakMemoryBytes)),
                ("times", .object([
                    ("symbolic", .number(profile.symbolicTime)),
                    ("numeric", .number(profile.numericTime)),
                    ("solve", .number(profile.solveTime)),
                ])),
                ("relative_residual", .number(residual)),
            ])
            Console.output(report.rendered())
        } else {
            let rows: [(String, String)] = [
                ("matrix", matrix),
                ("dimension", "\(n + m)  (n = \(n), m = \(m))"),
                ("stored nonzeros", "\(upper.nonzeroCount)  (upper triangle)"),
                ("backend", "\(profile.backend.rawValue)  (requested \(backend.rawValue); \(profile.kind))"),
                ("strategy", "\(profile.strategy.rawValue)  (requested \(strategy.rawValue); factorized dimension \(profile.dimension), \(profile.matrixNonzeros) stored entries)"),
                ("ordering", "\(profile.direct.map { $0.ordering.rawValue } ?? "none")  (requested \(ordering.rawValue))"),
                ("symbolic analyses", "\(profile.symbolicAnalyses)  (+ \(profile.selectionAnalyses) for the strategy choice)"),
                ("numeric factorizations", "\(profile.numericFactorizations)"),
                ("solves", "\(profile.solves)"),
                ("nnz(L)", "\(profile.direct?.nonzerosInL ?? 0)  (predicted \(Self.format(profile.direct?.predictedNonzerosInL ?? 0)))"),
                ("predicted flops", Self.format(profile.direct?.predictedFlops ?? 0)),
                ("\(profile.backend == .mumps ? "MUMPS" : "CHOLMOD") peak memory", "\(profile.peakMemoryBytes) bytes  (\(String(format: "%.1f", Double(profile.peakMemoryBytes) / 1_048_576)) MiB)"),
                ("time read", Self.time(readTime)),
                ("time symbolic", Self.time(profile.symbolicTime)
                    + (profile.selectionAnalyses > 0 ? "  (+ \(Self.time(profile.selectionTime)) for the strategy choice)" : "")),
                ("time numeric", Self.time(profile.numericTime)),
                ("time solve", Self.time(profile.solveTime)),
                ("relative residual", String(format: "%.3e", residual) + "  (‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞), b = 1)"),
            ]
            let width = rows.map(\.0.count).max() ?? 0
            for (name, value) in rows {
                Console.output(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
            }
        }
    }

    /// ‖Kz − b‖∞ / (‖K‖∞‖z‖∞ + ‖b‖∞) for b = 1, with K the symmetric matrix whose upper triangle is `upper`.
    static func relativeResidual(upper: CSCMatrix, z: [Double]) -> Double {
        let kz = upper.symmetricUpperMultiply(z)
        var error = 0.0
        for v in kz { error = max(error, abs(v - 1)) }
        // ‖K‖∞ = max absolute row sum of the full matrix: off-diagonal entries count in two rows.
        var rowSums = [Double](repeating: 0, count: upper.rowCount)
        for j in 0..<upper.columnCount {
            for p in upper.pattern.range(ofColumn: j) {
                let i = upper.rowIndices[p], a = abs(upper.values[p])
                rowSums[i] += a
                if i != j { rowSums[j] += a }
            }
        }
        let kNorm = rowSums.max() ?? 0
        let bNorm: Double = z.isEmpty ? 0 : 1
        let denominator = kNorm * infinityNorm(z) + bNorm
        if error.isNaN || denominator.isNaN { return .nan }
        return denominator > 0 ? error / denominator : 0
    }

    /// An option parser for a `RawRepresentable` enum with string raw values (auto|kkt|reduced, …).
    static func parse<T: RawRepresentable & CaseIterable & Sendable>(_: T.Type, _ name: String) -> @Sendable (String) throws -> T
    where T.RawValue == String {
        { text in
            guard let value = T(rawValue: text.lowercased()) else {
                throw ValidationError("invalid \(name) '\(text)'; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }

    /// Writes a one-line error to stderr and returns the exit code to throw.
    static func failure(_ message: String, code: Int32) -> ExitCode {
        Console.error("sparseqp factor: error: " + message.replacingOccurrences(of: "\n", with: " "))
        return ExitCode(code)
    }

    static func format(_ v: Double) -> String { String(format: v.magnitude >= 1e6 ? "%.3e" : "%.0f", v) }
    static func time(_ s: Double) -> String { String(format: "%.6f s", s) }
}
