import ArgumentParser
import Foundation
import Sparse
import KKT
import QP
import ADMM
import Implicit

extension DerivativeRule: ExpressibleByArgument {}

/// `sparseqp grad`: solve a QPS or .qpb file and print the gradients of L = dxᵀx* + dyᵀy* with respect to
/// the file's data, in file indices.
///
/// Layout: `dq` per column; `dl_rows`/`du_rows` per non-objective file row in ROWS order (0 for free
/// rows); `dl_bounds`/`du_bounds` per column (0 for free columns); `dP` on the upper triangle of the
/// file's Q (stored-value convention: an off-diagonal entry stands for Q_ij and Q_ji); `dA` over the
/// file's constraint rows only (bound rows are identity rows, not file coefficients). For an
/// OBJSENSE MAX file, dP and dq are gradients with respect to the file's Q and c (negated from the
/// solver's minimization form). `dy` refers to the duals of the minimization form.
struct Grad: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gradients of dxᵀx* + dyᵀy* with respect to the data of a QPS or .qpb file (implicit differentiation).")

    @Argument(help: "The problem file: QPS text or .qpb binary, told apart by content, not by extension.")
    var file: String
    @Option(help: "dx: 'ones' or a JSON file holding an array of n numbers (or {\"dx\": [...]}).")
    var dx: String
    @Option(help: "dy: a JSON file holding an array of m numbers in solver row order (or {\"dy\": [...]}, or {\"dy_rows\": [...], \"dy_bounds\": [...]} in file layout). Default zero.")
    var dy: String?
    @Option(help: "Derivative rule: kkt or fixed-point.")
    var rule: DerivativeRule = .kkt
    @Flag(help: "Allow derivatives at a solution whose status is not 'solved'.")
    var allowInaccurate = false
    @Flag(help: "Return the gradient even when rows of the active set are ambiguous at the forward accuracy (kkt rule; the count is reported in backward.ambiguous_rows).")
    var allowAmbiguous = false
    @Flag(inversion: .prefixedNo, help: "Identify the active set by crossover to an exact solution before differentiating (kkt rule; default on).")
    var crossover = true
    @OptionGroup var solverOptions: SolverOptions
    @Flag(help: "Write exactly one JSON object to stdout.")
    var json = false

    func run() throws {
        var solverSettings = solverOptions.settings()
        guard joinDistributedRun(&solverSettings) else { return }
        let model = try readModel(file)
        let qp = model.program
        let dxVector = try readVector(dx, key: "dx", count: qp.n, model: model, allowOnes: true)
        let dyVector = try dy.map { try readVector($0, key: "dy", count: qp.m, model: model, allowOnes: false) }
        let solver: ADMMSolver
        do { solver = try ADMMSolver(problem: qp, settings: solverSettings, log: ConsoleLog()) }
        catch { throw fail("\(error)") }
        let solution = solveInterruptibly(solver)
        var settings = DifferentiationSettings(rule: rule, allowInaccurate: allowInaccurate)
        settings.rule = rule
        settings.allowAmbiguous = allowAmbiguous
        settings.crossover = crossover
        let gradients: Gradients
        let info: BackwardInfo
        do {
            let differentiator = try Differentiator(solver: solver, solution: solution, settings: settings)
            (gradients, info) = try differentiator.adjoint(dx: dxVector, dy: dyVector)
        } catch {
            if json {
                Console.output(JSON.object([("status", .string(solution.status.name)), ("rule", .string(rule.name)),
                                   ("error", .string(error.description))]).rendered())
            }
            Console.error("sparseqp: error: \(error)")
            // The gradient exists only at a solved point: the forward status decides the exit
            // status (2, or 130 after Ctrl-C); a failure at a solved point is also 2.
            if let report = notSolvedReport(solution.status) {
                Console.error(report.message)
                throw ExitCode(report.exitStatus)
            }
            throw ExitCode(ExitStatus.notSolved)
        }
        let sign: Double = model.objectiveSense == .maximize ? -1 : 1
        let dq = gradients.dq.map { sign * $0 }
        func rows(_ v: [Double]) -> [Double] { model.rowToConstraint.map { $0.map { v[$0] } ?? 0 } }
        func bounds(_ v: [Double]) -> [Double] { model.columnToBoundRow.map { $0.map { v[$0] } ?? 0 } }
        // dP in file indices (the program's columns are the file's columns).
        var pRow: [Int] = [], pCol: [Int] = [], pVal: [Double] = []
        let P = gradients.dP
        for j in 0..<P.columnCount {
            for p in P.pattern.range(ofColumn: j) {
                pRow.append(P.rowIndices[p]); pCol.append(j); pVal.append(sign * P.values[p])
            }
        }
        // dA over the file's constraint rows.
        var fileRow = [Int?](repeating: nil, count: qp.m)
        for (k, r) in model.rowToConstraint.enumerated() { if let r { fileRow[r] = k } }
        var aRow: [Int] = [], aCol: [Int] = [], aVal: [Double] = []
        let A = gradients.dA
        for j in 0..<A.columnCount {
            for p in A.pattern.range(ofColumn: j) {
                guard let r = fileRow[A.rowIndices[p]] else { continue }
                aRow.append(r); aCol.append(j); aVal.append(A.values[p])
            }
        }
        if json {
            let fields: [(String, JSON)] = [
                ("status", .string(solution.status.name)),
                ("rule", .string(rule.name)),
                ("dq", .numbers(dq)),
                ("dl_rows", .numbers(rows(gradients.dl))),
                ("du_rows", .numbers(rows(gradients.du))),
                ("dl_bounds", .numbers(bounds(gradients.dl))),
                ("du_bounds", .numbers(bounds(gradients.du))),
                ("dP", .object([("row", .integers(pRow)), ("col", .integers(pCol)), ("val", .numbers(pVal))])),
                ("dA", .object([("row", .integers(aRow)), ("col", .integers(aCol)), ("val", .numbers(aVal))])),
                ("backward", backwardJSON(info)),
            ]
            Console.output(JSON.object(fields).rendered())
        } else {
            Console.output("problem:   \(model.name) (n = \(qp.n), m = \(qp.m)), status \(solution.status)")
            Console.output("rule:      \(rule.name); rows: \(info.upperActive) upper, \(info.lowerActive) lower, \(info.equality) equality, \(info.weaklyActive) weakly active, \(info.inactive) inactive")
            Console.output("active set: \(info.activeSetCertified ? "certified by crossover (\(info.crossoverRounds) rounds)" : "not certified"), \(info.ambiguousRows) ambiguous rows, degenerate \(info.degenerate)")
            Console.output("backward:  residual \(info.residual), \(info.refinementSteps) steps, converged \(info.converged), time \(info.time)s, symbolic analyses \(info.symbolicAnalysesTotal)")
            for (k, name) in model.columnNames.enumerated() { Console.output("dq[\(name)] = \(dq[k])") }
        }
        // --allow-inaccurate accepts solved_inaccurate; any other status keeps its exit status.
        if !(allowInaccurate && solution.status == .solvedInaccurate) { try exitForStatus(solution.status) }
    }

    func backwardJSON(_ b: BackwardInfo) -> JSON {
        .object([
            ("rule", .string(b.rule.name)),
            ("forward_status", .string(b.forwardStatus.name)),
            ("upper_active", .integer(b.upperActive)),
            ("lower_active", .integer(b.lowerActive)),
            ("equality", .integer(b.equality)),
            ("weakly_active", .integer(b.weaklyActive)),
            ("inactive", .integer(b.inactive)),
            ("dual_activity_tolerance", .number(b.dualActivityTolerance)),
            ("regularization", .number(b.regularization)),
            ("refinement_steps", .integer(b.refinementSteps)),
            ("residual", .number(b.residual)),
            ("converged", .bool(b.converged)),
            ("least_squares_iterations", .integer(b.leastSquaresIterations)),
            ("factorization_reused", .bool(b.factorizationReused)),
            ("numeric_factorizations", .integer(b.numericFactorizations)),
            ("symbolic_analyses_total", .integer(b.symbolicAnalysesTotal)),
            ("forward_eps_abs", .number(b.forwardEpsAbs)),
            ("forward_eps_rel", .number(b.forwardEpsRel)),
            ("forward_primal_residual", .number(b.forwardPrimalResidual)),
            ("forward_dual_residual", .number(b.forwardDualResidual)),
            ("time", .number(b.time)),
            ("active_set_certified", .bool(b.activeSetCertified)),
            ("crossover_resolved", .bool(b.crossoverResolved)),
            ("identification_time", .number(b.identificationTime)),
            ("crossover_rounds", .integer(b.crossoverRounds)),
            ("crossover_factorizations", .integer(b.crossoverFactorizations)),
            ("distance_to_returned_point", .number(b.distanceToReturnedPoint)),
            ("ambiguous_rows", .integer(b.ambiguousRows)),
            ("active_set_ambiguous", .bool(b.activeSetAmbiguous)),
            ("active_rows", .integer(b.activeRows)),
            ("multipliers_unique", b.multipliersUnique.map { .bool($0) } ?? .null),
            ("degenerate", .bool(b.degenerate)),
            ("differentiable", .bool(b.differentiable)),
            ("pieces", .integer(b.pieces)),
        ])
    }

    /// Reads `ones` or a JSON array / object. For dy, {"dy_rows", "dy_bounds"} is mapped from the file layout.
    func readVector(_ spec: String, key: String, count: Int, model: QPSModel, allowOnes: Bool) throws -> [Double] {
        if allowOnes, spec == "ones" { return [Double](repeating: 1, count: count) }
        let input: JSONVectorInput
        do { input = try JSONVectorReader.read(path: spec) } catch {
            if case .io = error { throw fail("\(error)") }
            throw fail("\(spec): \(error)")
        }
        var values = input.array ?? input.fields[key]
        if values == nil, key == "dy", input.fields["dy_rows"] != nil || input.fields["dy_bounds"] != nil {
            let r = input.fields["dy_rows"] ?? [], b = input.fields["dy_bounds"] ?? []
            var v = [Double](repeating: 0, count: count)
            for (k, row) in model.rowToConstraint.enumerated() where k < r.count { if let row { v[row] = r[k] } }
            for (k, row) in model.columnToBoundRow.enumerated() where k < b.count { if let row { v[row] = b[k] } }
            values = v
        }
        guard let values else {
            let wrong = input.otherKeys.filter { [key, "dy_rows", "dy_bounds"].contains($0) }
            if let first = wrong.first { throw fail("\(spec): \"\(first)\" is not an array of numbers") }
            throw fail("\(spec): expected a JSON array of numbers or {\"\(key)\": [...]}")
        }
        guard values.count == count else { throw fail("\(spec): \(values.count) entries, expected \(count)") }
        return values
    }
}
