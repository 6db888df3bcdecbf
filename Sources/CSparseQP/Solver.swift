import CSparseQPTypes
import Sparse
import QP
import ADMM
import Implicit

/// The object behind `sqp_solver *`: one `ADMMSolver`, its last solution and the `Differentiator`
/// made from it on the first derivative call after a solve.
final class SolverHandle: HandleBase {
    var solver: ADMMSolver?
    var settings = BoundarySettings()
    var solution: Solution?
    var differentiator: Differentiator?

    func requireSolver() throws(BoundaryError) -> ADMMSolver {
        guard let solver else { throw BoundaryError(SQP_ERR_STATE, "the solver is not set up (call sqp_solver_setup first)") }
        return solver
    }

    /// The derivative object of the last solve (made once per solve).
    func requireDifferentiator() throws(BoundaryError) -> Differentiator {
        let solver = try requireSolver()
        if let differentiator { return differentiator }
        guard let solution else { throw BoundaryError(SQP_ERR_STATE, "no solve since the last setup or update (call sqp_solver_solve first)") }
        do throws(DerivativeError) {
            let d = try Differentiator(solver: solver, solution: solution, settings: settings.derivative)
            differentiator = d
            return d
        } catch { throw boundaryError(error) }
    }

    /// Data changed: the last solution no longer belongs to the problem.
    func invalidateSolution() {
        solution = nil
        differentiator = nil
    }
}

func withSolver(_ p: OpaquePointer?, _ body: (SolverHandle) throws(BoundaryError) -> Void) -> sqp_error {
    withHandle(p, as: SolverHandle.self, body)
}

@_cdecl("sqp_solver_new")
public func sqp_solver_new() -> OpaquePointer? { retainedPointer(SolverHandle()) }

@_cdecl("sqp_solver_free")
public func sqp_solver_free(_ p: OpaquePointer?) { release(p) }

@_cdecl("sqp_solver_error_message")
public func sqp_solver_error_message(_ p: OpaquePointer?) -> UnsafePointer<CChar>? { message(p) }

@_cdecl("sqp_solver_setup")
public func sqp_solver_setup(_ p: OpaquePointer?, _ settings: UnsafePointer<sqp_settings>?,
                             _ P: UnsafePointer<sqp_csc>?, _ q: UnsafePointer<Double>?, _ qLength: Int64,
                             _ A: UnsafePointer<sqp_csc>?, _ l: UnsafePointer<Double>?, _ lLength: Int64,
                             _ u: UnsafePointer<Double>?, _ uLength: Int64) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        h.solver = nil
        h.invalidateSolution()
        let s = try readSettings(settings)
        let problem = try readProblem(P: P, q: q, qLength: qLength, A: A, l: l, lLength: lLength, u: u, uLength: uLength)
        do throws(SolverError) {
            h.solver = try ADMMSolver(problem: problem, settings: s.solver,
                                      log: s.solver.verbose ? StandardErrorLog() : NullLog())
        } catch { throw boundaryError(error) }
        h.settings = s
    }
}

/// A validated problem from C arrays.
func readProblem(P: UnsafePointer<sqp_csc>?, q: UnsafePointer<Double>?, qLength: Int64,
                 A: UnsafePointer<sqp_csc>?, l: UnsafePointer<Double>?, lLength: Int64,
                 u: UnsafePointer<Double>?, uLength: Int64) throws(BoundaryError) -> QuadraticProgram {
    let Pm = try readCSC(P, "P", withValues: true)
    let Am = try readCSC(A, "A", withValues: true)
    guard Pm.rowCount == Pm.columnCount else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "P is \(Pm.rowCount)×\(Pm.columnCount), expected square")
    }
    let n = Pm.columnCount, m = Am.rowCount
    guard Am.columnCount == n else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "A has \(Am.columnCount) columns, expected n = \(n)")
    }
    let qv = try readVector(q, qLength, expected: n, "q")
    let lv = try readVector(l, lLength, expected: m, "l", .noNaN)
    let uv = try readVector(u, uLength, expected: m, "u", .noNaN)
    do { return try QuadraticProgram(P: Pm, q: qv, A: Am, l: lv, u: uv) }
    catch { throw BoundaryError(SQP_ERR_INVALID_PROBLEM, "invalid problem: \(error)") }
}

@_cdecl("sqp_solver_dimensions")
public func sqp_solver_dimensions(_ p: OpaquePointer?, _ n: UnsafeMutablePointer<Int64>?, _ m: UnsafeMutablePointer<Int64>?,
                                  _ pNNZ: UnsafeMutablePointer<Int64>?, _ aNNZ: UnsafeMutablePointer<Int64>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        n?.pointee = Int64(s.n)
        m?.pointee = Int64(s.m)
        pNNZ?.pointee = Int64(s.problem.P.nonzeroCount)
        aNNZ?.pointee = Int64(s.problem.A.nonzeroCount)
    }
}

@_cdecl("sqp_solver_solve")
public func sqp_solver_solve(_ p: OpaquePointer?, _ x: UnsafeMutablePointer<Double>?, _ y: UnsafeMutablePointer<Double>?,
                             _ info: UnsafeMutablePointer<sqp_info>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        h.invalidateSolution()
        let solution = s.solve()
        h.solution = solution
        let point = hasPoint(solution, n: s.n, m: s.m)
        writePoint(point ? solution.x : [], count: s.n, to: x)
        writePoint(point ? solution.y : [], count: s.m, to: y)
        info?.pointee = makeInfo(solution, n: s.n, m: s.m)
    }
}

@_cdecl("sqp_solver_warm_start")
public func sqp_solver_warm_start(_ p: OpaquePointer?, _ x: UnsafePointer<Double>?, _ xLength: Int64,
                                  _ y: UnsafePointer<Double>?, _ yLength: Int64) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let xv = try readOptionalVector(x, xLength, expected: s.n, "x")
        let yv = try readOptionalVector(y, yLength, expected: s.m, "y")
        do throws(SolverError) { try s.warmStart(x: xv, y: yv) } catch { throw boundaryError(error) }
    }
}

@_cdecl("sqp_solver_update_vectors")
public func sqp_solver_update_vectors(_ p: OpaquePointer?, _ q: UnsafePointer<Double>?, _ qLength: Int64,
                                      _ l: UnsafePointer<Double>?, _ lLength: Int64,
                                      _ u: UnsafePointer<Double>?, _ uLength: Int64) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let qv = try readOptionalVector(q, qLength, expected: s.n, "q")
        let lv = try readOptionalVector(l, lLength, expected: s.m, "l", .noNaN)
        let uv = try readOptionalVector(u, uLength, expected: s.m, "u", .noNaN)
        h.invalidateSolution()
        do throws(SolverError) { try s.update(q: qv, l: lv, u: uv) } catch { throw boundaryError(error) }
    }
}

@_cdecl("sqp_solver_update_matrices")
public func sqp_solver_update_matrices(_ p: OpaquePointer?, _ pValues: UnsafePointer<Double>?, _ pLength: Int64,
                                       _ aValues: UnsafePointer<Double>?, _ aLength: Int64) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let pv = try readOptionalVector(pValues, pLength, expected: s.problem.P.nonzeroCount, "P_values")
        let av = try readOptionalVector(aValues, aLength, expected: s.problem.A.nonzeroCount, "A_values")
        h.invalidateSolution()
        do throws(SolverError) { try s.update(PValues: pv, AValues: av) } catch { throw boundaryError(error) }
    }
}

/// `current` with `count` entries replaced: `values[k]` at position `indices[k]` (OSQP's partial
/// update; a repeated index keeps its last value), or every entry when `indices` is NULL.
func replacedEntries(_ current: [Double], values: UnsafePointer<Double>?, indices: UnsafePointer<Int64>?,
                     count: Int64, _ name: String) throws(BoundaryError) -> [Double]? {
    guard values != nil else { return nil }
    guard let indices else { return try readVector(values, count, expected: current.count, "\(name)_values") }
    let c = try checkedLength(count, "\(name)_count")
    let new = try readVector(values, count, expected: c, "\(name)_values")
    var out = current
    for k in 0..<c {
        let i = indices[k]
        guard i >= 0, i < Int64(current.count) else {
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name)_indices[\(k)] = \(i) is out of range (0..<\(current.count), nnz(\(name)))")
        }
        out[Int(i)] = new[k]
    }
    return out
}

@_cdecl("sqp_solver_update_matrix_entries")
public func sqp_solver_update_matrix_entries(_ p: OpaquePointer?,
                                             _ pValues: UnsafePointer<Double>?, _ pIndices: UnsafePointer<Int64>?, _ pCount: Int64,
                                             _ aValues: UnsafePointer<Double>?, _ aIndices: UnsafePointer<Int64>?, _ aCount: Int64) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let pv = try replacedEntries(s.problem.P.values, values: pValues, indices: pIndices, count: pCount, "P")
        let av = try replacedEntries(s.problem.A.values, values: aValues, indices: aIndices, count: aCount, "A")
        guard pv != nil || av != nil else { return }
        h.invalidateSolution()
        do throws(SolverError) { try s.update(PValues: pv, AValues: av) } catch { throw boundaryError(error) }
    }
}

@_cdecl("sqp_solver_update_settings")
public func sqp_solver_update_settings(_ p: OpaquePointer?, _ settings: UnsafePointer<sqp_settings>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let new = try readSettings(settings)
        do throws(SolverError) { try s.update(settings: new.solver) } catch { throw boundaryError(error) }
        s.log = new.solver.verbose ? StandardErrorLog() : NullLog()
        if new.derivative != h.settings.derivative { h.differentiator = nil }
        h.settings = new
    }
}

@_cdecl("sqp_solver_profile")
public func sqp_solver_profile(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<sqp_profile>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let out = try require(out, "profile")
        guard let profile = try h.requireSolver().profile else {
            throw BoundaryError(SQP_ERR_STATE, "the solver has no factorization (non-convex problem)")
        }
        out.pointee = makeProfile(profile)
    }
}

@_cdecl("sqp_solver_adjoint")
public func sqp_solver_adjoint(_ p: OpaquePointer?, _ dx: UnsafePointer<Double>?, _ dxLength: Int64,
                               _ dy: UnsafePointer<Double>?, _ dyLength: Int64,
                               _ dP: UnsafeMutablePointer<Double>?, _ dq: UnsafeMutablePointer<Double>?,
                               _ dA: UnsafeMutablePointer<Double>?, _ dl: UnsafeMutablePointer<Double>?,
                               _ du: UnsafeMutablePointer<Double>?, _ info: UnsafeMutablePointer<sqp_backward_info>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let dxv = try readVector(dx, dxLength, expected: s.n, "dx")
        let dyv = try readOptionalVector(dy, dyLength, expected: s.m, "dy")
        let outputs = (try require(dP, "dP"), try require(dq, "dq"), try require(dA, "dA"),
                       try require(dl, "dl"), try require(du, "du"))
        let d = try h.requireDifferentiator()
        do throws(DerivativeError) {
            let (g, b) = try d.adjoint(dx: dxv, dy: dyv)
            writeGradients(g, dP: outputs.0, dq: outputs.1, dA: outputs.2, dl: outputs.3, du: outputs.4)
            info?.pointee = makeBackwardInfo(b)
        } catch { throw boundaryError(error) }
    }
}

@_cdecl("sqp_solver_jvp")
public func sqp_solver_jvp(_ p: OpaquePointer?, _ dP: UnsafePointer<Double>?, _ dPLength: Int64,
                           _ dq: UnsafePointer<Double>?, _ dqLength: Int64,
                           _ dA: UnsafePointer<Double>?, _ dALength: Int64,
                           _ dl: UnsafePointer<Double>?, _ dlLength: Int64,
                           _ du: UnsafePointer<Double>?, _ duLength: Int64,
                           _ dxOut: UnsafeMutablePointer<Double>?, _ dyOut: UnsafeMutablePointer<Double>?,
                           _ info: UnsafeMutablePointer<sqp_backward_info>?) -> sqp_error {
    withSolver(p) { h throws(BoundaryError) in
        let s = try h.requireSolver()
        let P = s.problem.P, A = s.problem.A
        let dPv = try readOptionalVector(dP, dPLength, expected: P.nonzeroCount, "dP")
        let dqv = try readOptionalVector(dq, dqLength, expected: s.n, "dq")
        let dAv = try readOptionalVector(dA, dALength, expected: A.nonzeroCount, "dA")
        let dlv = try readOptionalVector(dl, dlLength, expected: s.m, "dl")
        let duv = try readOptionalVector(du, duLength, expected: s.m, "du")
        let dxOut = try require(dxOut, "dx_out"), dyOut = try require(dyOut, "dy_out")
        let d = try h.requireDifferentiator()
        do throws(DerivativeError) {
            let r = try d.jvp(dP: dPv.map { CSCMatrix(uncheckedPattern: P.pattern, values: $0) }, dq: dqv,
                              dA: dAv.map { CSCMatrix(uncheckedPattern: A.pattern, values: $0) }, dl: dlv, du: duv)
            write(r.dx, to: dxOut)
            write(r.dy, to: dyOut)
            info?.pointee = makeBackwardInfo(r.info)
        } catch { throw boundaryError(error) }
    }
}
