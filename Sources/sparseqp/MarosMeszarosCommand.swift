import ArgumentParser
import Foundation
import QP
import ADMM
import Sparse

/// Runs every QPS file of a folder and checks each result against `reference.csv`.
///
/// Verification rule (the same as Benchmarks/peers/maros_meszaros.py, so counts are comparable):
/// with f = ½xᵀPx + qᵀx + r recomputed from the returned x, a problem is verified when
/// |f − f*| ≤ 1e-6·max(1, |f*|) and ‖max(l − Ax, Ax − u, 0)‖∞ ≤ 1e-6·max(1, ‖Ax‖∞), where A holds
/// the constraint rows and one identity row per column with a finite bound. The solver's status does
/// not count. Time per problem is setup + solve + polish; the shifted geometric mean is
/// exp(mean(log(t + 10))) − 10 over all problems, with unverified problems charged the time limit.
struct MarosMeszaros: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maros-meszaros",
        abstract: "Solve every QPS file of a folder and verify against its reference.csv.")

    @Argument(help: "Folder with *.QPS files and reference.csv.")
    var folder: String = "../shared/datasets/maros-meszaros"
    @OptionGroup var solverOptions: SolverOptions
    @Option(help: "Only problems whose name matches this regular expression.")
    var filter: String?
    @Option(name: .customLong("json-out"), help: "Write per-problem results as JSON to this file.")
    var jsonOut: String?

    static let shift = 10.0

    func run() throws {
        var settings = solverOptions.settings()
        if solverOptions.timeLimit == nil { settings.timeLimit = 100 }
        settings.verbose = false
        let timeLimit = settings.timeLimit
        let references = try readReferences()
        let fm = FileManager.default
        let files = (try? fm.contentsOfDirectory(atPath: folder)) ?? []
        var names = files.filter { $0.uppercased().hasSuffix(".QPS") }.map { String($0.dropLast(4)) }.sorted()
        if let filter {
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(filter) } catch { throw fail("--filter '\(filter)': \(error)") }
            names = names.filter { $0.contains(regex) }
        }
        guard !names.isEmpty else { throw fail("no .QPS files in \(folder)") }
        var rows: [JSON] = []
        var verified = 0
        var unreadable = 0
        var logSum = 0.0
        let start = ContinuousClock.now
        for (k, name) in names.enumerated() {
            let path = (folder as NSString).appendingPathComponent(name + ".QPS")
            var fields: [(String, JSON)] = [("name", .string(name))]
            var time = timeLimit
            var ok = false
            do {
                let model = try QPSReader.read(path: path)
                let solver = try ADMMSolver(problem: model.program, settings: settings)
                let solution = solveInterruptibly(solver)
                let info = solution.info
                fields.append(("status", .string(info.status.name)))
                fields.append(("iterations", .integer(info.iterations)))
                fields.append(("polish", .string(info.polish.rawValue)))
                fields.append(("setup_time", .number(info.setupTime)))
                fields.append(("solve_time", .number(info.solveTime)))
                fields.append(("polish_time", .number(info.polishTime)))
                fields.append(("interior_point", .string(info.interiorPoint.rawValue)))
                fields.append(("interior_point_iterations", .integer(info.interiorPointIterations)))
                fields.append(("interior_point_time", .number(info.interiorPointTime)))
                fields.append(("run_time", .number(info.runTime)))
                if let p = info.factorization {
                    fields.append(("strategy", .string(p.strategy.rawValue)))
                    fields.append(("nnz_l", .integer(p.direct?.nonzerosInL ?? 0)))
                }
                if let reference = references[name], !solution.x.isEmpty {
                    let f = model.fileObjective(at: solution.x)
                    let relative = abs(f - reference) / max(1, abs(reference))
                    let infeasibility = Self.boundViolation(model: model, x: solution.x)
                    ok = relative <= 1e-6 && infeasibility.violation <= 1e-6 * max(1, infeasibility.scale)
                    fields.append(("objective", .number(f)))
                    fields.append(("reference", .number(reference)))
                    fields.append(("objective_error", .number(relative)))
                    fields.append(("infeasibility", .number(infeasibility.violation)))
                }
                if ok { time = info.runTime }
            } catch {
                fields.append(("status", .string("error")))
                fields.append(("error", .string("\(error)")))
                if error is QPError { unreadable += 1 }
                Console.error("sparseqp: error: \(name): \(error)")
            }
            fields.append(("verified", .bool(ok)))
            if ok { verified += 1 }
            logSum += Foundation.log(time + Self.shift)
            rows.append(.object(fields))
            let elapsed = seconds(since: start)
            let status = fields.first { $0.0 == "status" }.map { "\($0.1.rendered())" } ?? ""
            progress("[\(k + 1)/\(names.count)] \(name): \(status) \(ok ? "verified" : "NOT verified") (elapsed \(Int(elapsed)) s)")
            // Ctrl-C: write the results so far, then exit with ExitStatus.interrupted.
            if Interrupt.happened { break }
        }
        let geomean = exp(logSum / Double(max(1, rows.count))) - Self.shift
        let summary = JSON.object([
            ("problems", .integer(rows.count)), ("verified", .integer(verified)),
            ("shifted_geometric_mean_time", .number(geomean)), ("shift", .number(Self.shift)),
            ("eps_abs", .number(settings.epsAbs)), ("eps_rel", .number(settings.epsRel)),
            ("max_iter", .integer(settings.maxIterations)), ("polish", .bool(settings.polish)), ("interior_point", .bool(settings.interiorPointFallback)),
            ("time_limit", .number(timeLimit)),
        ])
        if let jsonOut {
            let document = JSON.object([("summary", summary), ("problems", .array(rows))]).rendered()
            try writeText(document, to: jsonOut)
        }
        Console.output("verified \(verified) of \(rows.count); shifted geometric mean time \(geomean) s (shift \(Self.shift) s, failures charged \(timeLimit) s)")
        Console.output(summary.rendered())
        if Interrupt.happened { throw ExitCode(ExitStatus.interrupted) }
        if unreadable > 0 {
            Console.error("sparseqp: error: \(unreadable) of \(names.count) problems could not be read")
            throw ExitCode(ExitStatus.inputError)
        }
    }

    func readReferences() throws -> [String: Double] {
        let path = (folder as NSString).appendingPathComponent("reference.csv")
        let contents: InputFile.Contents
        do { contents = try InputFile.read(path: path, mode: .text(maximumLineLength: InputFile.maximumLineLength, lineCheck: nil)) }
        catch { throw fail("\(path): \(error)") }
        if let stop = contents.stop { throw fail("\(path): line \(stop.line): \(stop)") }
        let text = String(decoding: contents.bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, let nameColumn = header.firstIndex(of: "name"),
              let objectiveColumn = header.firstIndex(of: "objective") else { throw fail("\(path): no name/objective columns") }
        var result: [String: Double] = [:]
        for row in lines.dropFirst() where row.count > max(nameColumn, objectiveColumn) {
            if let v = Double(row[objectiveColumn]) { result[row[nameColumn]] = v }
        }
        return result
    }

    /// ‖max(l − Ax, Ax − u, 0)‖∞ and ‖Ax‖∞ over the constraint rows and the finite bounds.
    static func boundViolation(model: QPSModel, x: [Double]) -> (violation: Double, scale: Double) {
        let qp = model.program
        let ax = qp.A.multiply(x)
        var violation = 0.0, scale = 0.0
        for i in 0..<qp.m where qp.l[i].isFinite || qp.u[i].isFinite {
            violation = max(violation, qp.l[i] - ax[i], ax[i] - qp.u[i])
            scale = max(scale, abs(ax[i]))
        }
        return (violation, scale)
    }
}
