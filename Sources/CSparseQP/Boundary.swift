import CSparseQPTypes
import Sparse
import QP
import KKT
import ADMM
import Implicit

/// A failure to report across the C boundary: a code and the message stored in the handle.
struct BoundaryError: Error {
    let code: sqp_error
    let message: String
    init(_ code: sqp_error, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Largest dimension or length accepted from C: far above any problem that fits in memory, and
/// small enough that `count + 1` and products of two such numbers cannot overflow `Int`.
let maximumLength: Int64 = 1 << 40

/// Time limits at or above this many seconds (about 31 years) mean no limit.
let noTimeLimitAbove = 1e9

/// What every handle has: the message of its last failed call, as a C string it owns.
class HandleBase {
    private(set) var message: UnsafeMutablePointer<CChar>
    /// Element of a batch that the last failure concerned (-1: none), and its status when the
    /// failure is that the element was not solved (-1: none).
    var failedElement: Int64 = -1
    var failedStatus: Int32 = -1

    init() { message = strdupOrEmpty("") }
    deinit { message.deallocate() }

    func setMessage(_ text: String) {
        message.deallocate()
        message = strdupOrEmpty(text)
    }

    /// Runs `body`, turning every thrown error into its code and message; nothing escapes.
    func run(_ body: () throws(BoundaryError) -> Void) -> sqp_error {
        failedElement = -1
        failedStatus = -1
        do {
            try body()
            setMessage("")
            return SQP_OK
        } catch {
            setMessage(error.message)
            return error.code
        }
    }
}

// MARK: Handles (`Unmanaged` references behind the C pointers)

func retainedPointer(_ h: HandleBase) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(h).toOpaque())
}

func object<T: HandleBase>(_ p: OpaquePointer?, as type: T.Type) -> T? {
    guard let p else { return nil }
    return Unmanaged<HandleBase>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue() as? T
}

func release(_ p: OpaquePointer?) {
    guard let p else { return }
    Unmanaged<HandleBase>.fromOpaque(UnsafeRawPointer(p)).release()
}

func message(_ p: OpaquePointer?) -> UnsafePointer<CChar> {
    guard let p else { return nullHandleMessage }
    return UnsafePointer(Unmanaged<HandleBase>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue().message)
}

/// Runs `body` on the handle behind `p`; a NULL (or foreign) handle is reported by the code only.
func withHandle<T: HandleBase>(_ p: OpaquePointer?, as type: T.Type, _ body: (T) throws(BoundaryError) -> Void) -> sqp_error {
    guard let h = object(p, as: T.self) else { return SQP_ERR_NULL_POINTER }
    return h.run { () throws(BoundaryError) in try body(h) }
}

/// A NUL-terminated copy of `text` that the caller deallocates.
func strdupOrEmpty(_ text: String) -> UnsafeMutablePointer<CChar> {
    let bytes = text.utf8CString
    let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    bytes.withUnsafeBufferPointer { copy.initialize(from: $0.baseAddress!, count: $0.count) }
    return copy
}

// MARK: Reading C input

func require<T>(_ p: T?, _ name: String) throws(BoundaryError) -> T {
    guard let p else { throw BoundaryError(SQP_ERR_NULL_POINTER, "\(name) is NULL") }
    return p
}

func checkedLength(_ value: Int64, _ name: String) throws(BoundaryError) -> Int {
    guard value >= 0, value <= maximumLength else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name) = \(value) is out of range (0...\(maximumLength))")
    }
    return Int(value)
}

/// Which non-finite values an array may hold.
enum FiniteRule { case finite, noNaN }

/// Copies `length` doubles after checking the pointer, the length against `expected`, and the values.
func readVector(_ p: UnsafePointer<Double>?, _ length: Int64, expected: Int, _ name: String,
                _ rule: FiniteRule = .finite) throws(BoundaryError) -> [Double] {
    let p = try require(p, name)
    guard length == Int64(expected) else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name) has length \(length), expected \(expected)")
    }
    let values = Array(UnsafeBufferPointer(start: p, count: expected))
    try checkValues(values, name, rule)
    return values
}

/// A vector that may be NULL (then nil; the length is ignored).
func readOptionalVector(_ p: UnsafePointer<Double>?, _ length: Int64, expected: Int, _ name: String,
                        _ rule: FiniteRule = .finite) throws(BoundaryError) -> [Double]? {
    guard p != nil else { return nil }
    return try readVector(p, length, expected: expected, name, rule)
}

func checkValues(_ values: [Double], _ name: String, _ rule: FiniteRule) throws(BoundaryError) {
    for (k, v) in values.enumerated() {
        switch rule {
        case .finite where !v.isFinite:
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name)[\(k)] = \(v) is not finite")
        case .noNaN where v.isNaN:
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name)[\(k)] is NaN")
        default: continue
        }
    }
}

/// Reads a CSC matrix: its pattern always, its values when `withValues`.
func readCSC(_ p: UnsafePointer<sqp_csc>?, _ name: String, withValues: Bool) throws(BoundaryError) -> CSCMatrix {
    let c = try require(p, name).pointee
    let rows = try checkedLength(c.rows, "\(name).rows")
    let cols = try checkedLength(c.cols, "\(name).cols")
    let nnz = try checkedLength(c.nnz, "\(name).nnz")
    let colptrPointer = try require(c.colptr, "\(name).colptr")
    let colptr64 = Array(UnsafeBufferPointer(start: colptrPointer, count: cols + 1))
    guard colptr64[cols] == Int64(nnz) else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name).colptr[\(cols)] = \(colptr64[cols]) but \(name).nnz = \(nnz)")
    }
    let rowind64: [Int64] = nnz == 0 ? [] : Array(UnsafeBufferPointer(start: try require(c.rowind, "\(name).rowind"), count: nnz))
    let colptr = colptr64.map { Int(truncatingIfNeeded: $0) }
    let rowind = rowind64.map { Int(truncatingIfNeeded: $0) }
    let pattern: SparsityPattern
    do {
        pattern = try SparsityPattern(rowCount: rows, columnCount: cols, columnPointers: colptr, rowIndices: rowind)
    } catch {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "\(name): \(error)")
    }
    var values = [Double](repeating: 0, count: nnz)
    if withValues, nnz > 0 {
        values = try readVector(c.values, Int64(nnz), expected: nnz, "\(name).values")
    }
    return CSCMatrix(uncheckedPattern: pattern, values: values)
}

// MARK: Settings

/// The library's settings from the C struct (checked: size, enumerations; ranges by `validate()`).
struct BoundarySettings {
    var solver = SolverSettings()
    var derivative = DifferentiationSettings()
    var workers = 0
}

func readSettings(_ p: UnsafePointer<sqp_settings>?) throws(BoundaryError) -> BoundarySettings {
    let c = try require(p, "settings").pointee
    guard c.struct_size == Int64(MemoryLayout<sqp_settings>.size) else {
        throw BoundaryError(SQP_ERR_INVALID_SETTINGS, "settings.struct_size = \(c.struct_size), expected \(MemoryLayout<sqp_settings>.size): initialize with sqp_settings_default")
    }
    func count(_ v: Int64, _ name: String) throws(BoundaryError) -> Int {
        guard v >= 0, v <= Int64(Int32.max) else {
            throw BoundaryError(SQP_ERR_INVALID_SETTINGS, "\(name) = \(v) is out of range (0...\(Int32.max))")
        }
        return Int(v)
    }
    var s = BoundarySettings()
    s.solver.rho = c.rho
    s.solver.sigma = c.sigma
    s.solver.alpha = c.alpha
    s.solver.epsAbs = c.eps_abs
    s.solver.epsRel = c.eps_rel
    s.solver.epsPrimalInfeasible = c.eps_prim_inf
    s.solver.epsDualInfeasible = c.eps_dual_inf
    s.solver.maxIterations = try count(c.max_iter, "max_iter")
    s.solver.checkTermination = try count(c.check_termination, "check_termination")
    s.solver.adaptiveRhoInterval = max(s.solver.checkTermination, 1)
    s.solver.scalingIterations = try count(c.scaling, "scaling")
    s.solver.adaptiveRho = c.adaptive_rho != 0
    s.solver.polish = c.polishing != 0
    s.solver.interiorPointFallback = c.interior_point != 0
    s.solver.warmStart = c.warm_starting != 0
    s.solver.verbose = c.verbose != 0
    // OSQP's default is 1e10 s; ADMM turns the limit into Int64 nanoseconds, so limits that long
    // (more than 30 years) mean "none" here rather than an overflow.
    s.solver.timeLimit = c.time_limit >= noTimeLimitAbove ? 0 : c.time_limit
    switch c.strategy {
    case 0: s.solver.kkt.strategy = .automatic
    case 1: s.solver.kkt.strategy = .quasiDefinite
    case 2: s.solver.kkt.strategy = .reduced
    default: throw BoundaryError(SQP_ERR_INVALID_SETTINGS, "strategy = \(c.strategy) must be 0 (auto), 1 (kkt) or 2 (reduced)")
    }
    switch c.rule {
    case 0: s.derivative.rule = .kkt
    case 1: s.derivative.rule = .fixedPoint
    default: throw BoundaryError(SQP_ERR_INVALID_SETTINGS, "rule = \(c.rule) must be 0 (kkt) or 1 (fixed_point)")
    }
    s.derivative.allowInaccurate = c.allow_inaccurate != 0
    s.derivative.allowAmbiguous = c.allow_ambiguous != 0
    s.derivative.crossover = c.crossover != 0
    s.derivative.regularization = c.derivative_regularization
    s.workers = try count(c.workers, "workers")
    switch c.method {
    case 0: s.solver.method = .automatic
    case 1: s.solver.method = .admm
    case 2: s.solver.method = .interiorPoint
    default: throw BoundaryError(SQP_ERR_INVALID_SETTINGS, "method = \(c.method) must be 0 (auto), 1 (admm) or 2 (interior_point)")
    }
    do { try s.solver.validate() } catch { throw BoundaryError(SQP_ERR_INVALID_SETTINGS, error.description) }
    do { try s.derivative.validate() } catch { throw BoundaryError(SQP_ERR_INVALID_SETTINGS, error.description) }
    return s
}

@_cdecl("sqp_settings_default")
public func sqp_settings_default(_ p: UnsafeMutablePointer<sqp_settings>?) {
    guard let p else { return }
    let s = SolverSettings(), d = DifferentiationSettings()
    p.pointee = sqp_settings(
        struct_size: Int64(MemoryLayout<sqp_settings>.size),
        rho: s.rho, sigma: s.sigma, alpha: s.alpha, eps_abs: s.epsAbs, eps_rel: s.epsRel,
        eps_prim_inf: s.epsPrimalInfeasible, eps_dual_inf: s.epsDualInfeasible,
        max_iter: Int64(s.maxIterations), check_termination: Int64(s.checkTermination),
        scaling: Int64(s.scalingIterations), adaptive_rho: s.adaptiveRho ? 1 : 0, polishing: s.polish ? 1 : 0,
        interior_point: s.interiorPointFallback ? 1 : 0, warm_starting: s.warmStart ? 1 : 0,
        verbose: s.verbose ? 1 : 0, strategy: 0, time_limit: s.timeLimit,
        rule: 0, allow_inaccurate: d.allowInaccurate ? 1 : 0, allow_ambiguous: d.allowAmbiguous ? 1 : 0,
        crossover: d.crossover ? 1 : 0, derivative_regularization: d.regularization, workers: 0,
        method: methodCode(s.method))
}

// MARK: Error mapping

func boundaryError(_ e: SolverError) -> BoundaryError {
    switch e {
    case .invalidSettings, .settingNotUpdatable: return BoundaryError(SQP_ERR_INVALID_SETTINGS, e.description)
    case .invalidProblem: return BoundaryError(SQP_ERR_INVALID_PROBLEM, e.description)
    case .dimensionMismatch, .invalidData: return BoundaryError(SQP_ERR_INVALID_ARGUMENT, e.description)
    case .factorization: return BoundaryError(SQP_ERR_FACTORIZATION, e.description)
    }
}

func boundaryError(_ e: DerivativeError) -> BoundaryError {
    switch e {
    case .notSolved: return BoundaryError(SQP_ERR_NOT_SOLVED, e.description)
    case .dimensionMismatch: return BoundaryError(SQP_ERR_INVALID_ARGUMENT, e.description)
    case .invalidSettings: return BoundaryError(SQP_ERR_INVALID_SETTINGS, e.description)
    case .factorization: return BoundaryError(SQP_ERR_FACTORIZATION, e.description)
    case .noLinearSystem, .ambiguousActiveSet, .ruleNotApplicable: return BoundaryError(SQP_ERR_DERIVATIVE, e.description)
    }
}

// MARK: Writing C output

func statusCode(_ s: Status) -> Int32 {
    switch s {
    case .solved: return 0
    case .solvedInaccurate: return 1
    case .primalInfeasible: return 2
    case .primalInfeasibleInaccurate: return 3
    case .dualInfeasible: return 4
    case .dualInfeasibleInaccurate: return 5
    case .maxIterations: return 6
    case .timeLimit: return 7
    case .nonConvex: return 8
    case .cancelled: return 9
    case .numericalError: return 10
    }
}

let statusNames: [StaticString] = [
    "solved", "solved_inaccurate", "primal_infeasible", "primal_infeasible_inaccurate", "dual_infeasible",
    "dual_infeasible_inaccurate", "max_iterations", "time_limit", "non_convex", "cancelled", "numerical_error",
]

@_cdecl("sqp_status_name")
public func sqp_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    let name: StaticString = status >= 0 && Int(status) < statusNames.count ? statusNames[Int(status)] : "unknown"
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The message for a NULL handle (static storage).
var nullHandleMessage: UnsafePointer<CChar> {
    let text: StaticString = "the handle is NULL"
    return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// An empty message (static storage).
var emptyMessage: UnsafePointer<CChar> {
    let text: StaticString = ""
    return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("sqp_struct_size")
public func sqp_struct_size(_ name: UnsafePointer<CChar>?) -> Int64 {
    guard let name else { return -1 }
    switch String(cString: name) {
    case "sqp_settings": return Int64(MemoryLayout<sqp_settings>.size)
    case "sqp_info": return Int64(MemoryLayout<sqp_info>.size)
    case "sqp_profile": return Int64(MemoryLayout<sqp_profile>.size)
    case "sqp_backward_info": return Int64(MemoryLayout<sqp_backward_info>.size)
    case "sqp_csc": return Int64(MemoryLayout<sqp_csc>.size)
    default: return -1
    }
}

@_cdecl("sqp_version")
public func sqp_version() -> UnsafePointer<CChar> {
    let v: StaticString = "0.1.0"
    return UnsafeRawPointer(v.utf8Start).assumingMemoryBound(to: CChar.self)
}

func makeInfo(_ solution: Solution, n: Int, m: Int) -> sqp_info {
    let i = solution.info
    let polish: Int32 = switch i.polish {
    case .notRun: 0
    case .succeeded: 1
    case .rejected: 2
    case .failed: 3
    }
    let ip: Int32 = switch i.interiorPoint {
    case .notRun: 0
    case .succeeded: 1
    case .failed: 2
    }
    return sqp_info(
        status: statusCode(i.status), polish: polish, interior_point: ip,
        has_solution: hasPoint(solution, n: n, m: m) ? 1 : 0,
        iterations: Int64(i.iterations), interior_point_iterations: Int64(i.interiorPointIterations),
        rho_updates: Int64(i.rhoUpdates), objective: i.objective, primal_residual: i.primalResidual,
        dual_residual: i.dualResidual, duality_gap: i.dualityGap, rho: i.rho, setup_time: i.setupTime,
        solve_time: i.solveTime, polish_time: i.polishTime, interior_point_time: i.interiorPointTime,
        run_time: i.runTime, method: methodCode(i.method))
}

/// `sqp_settings.method` / `sqp_info.method`: 0 auto, 1 admm, 2 interior_point.
func methodCode(_ m: SolverMethod) -> Int32 {
    switch m {
    case .automatic: return 0
    case .admm: return 1
    case .interiorPoint: return 2
    }
}

func hasPoint(_ s: Solution, n: Int, m: Int) -> Bool {
    !s.status.isInfeasible && s.status != .nonConvex && s.status != .numericalError && s.x.count == n && s.y.count == m
}

/// Copies `values` to `p` (exactly `values.count` entries).
func write(_ values: [Double], to p: UnsafeMutablePointer<Double>) {
    values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
}

/// Writes a point, or NaN when there is none.
func writePoint(_ values: [Double], count: Int, to p: UnsafeMutablePointer<Double>?) {
    guard let p else { return }
    if values.count == count { write(values, to: p) } else { p.update(repeating: .nan, count: count) }
}

func makeProfile(_ f: FactorizationProfile) -> sqp_profile {
    // 0 also when the backend has no ordering (no direct factorization).
    let ordering: Int32 = switch f.direct?.ordering {
    case .automatic, nil: 0
    case .amd: 1
    case .metis: 2
    }
    return sqp_profile(
        strategy: f.strategy == .quasiDefinite ? 1 : 2, ordering: ordering, dimension: Int64(f.dimension),
        matrix_nonzeros: Int64(f.matrixNonzeros), symbolic_analyses: Int64(f.symbolicAnalyses),
        symbolic_time: f.symbolicTime, selection_analyses: Int64(f.selectionAnalyses),
        selection_time: f.selectionTime, numeric_factorizations: Int64(f.numericFactorizations),
        numeric_time: f.numericTime, solves: Int64(f.solves), solve_time: f.solveTime,
        refinement_steps: Int64(f.refinementSteps), nonzeros_in_L: Int64(f.direct?.nonzerosInL ?? 0),
        predicted_nonzeros_in_L: f.direct?.predictedNonzerosInL ?? 0, predicted_flops: f.direct?.predictedFlops ?? 0,
        peak_memory_bytes: Int64(f.peakMemoryBytes))
}

func makeBackwardInfo(_ b: BackwardInfo) -> sqp_backward_info {
    func flag(_ v: Bool) -> Int32 { v ? 1 : 0 }
    return sqp_backward_info(
        forward_status: statusCode(b.forwardStatus), rule: b.rule == .kkt ? 0 : 1,
        upper_active: Int64(b.upperActive), lower_active: Int64(b.lowerActive), equality: Int64(b.equality),
        weakly_active: Int64(b.weaklyActive), inactive: Int64(b.inactive), active_rows: Int64(b.activeRows),
        ambiguous_rows: Int64(b.ambiguousRows), active_set_ambiguous: flag(b.activeSetAmbiguous),
        active_set_certified: flag(b.activeSetCertified),
        multipliers_unique: b.multipliersUnique.map { $0 ? 1 : 0 } ?? -1,
        degenerate: flag(b.degenerate), differentiable: flag(b.differentiable), one_sided: flag(b.oneSided),
        converged: flag(b.converged), factorization_reused: flag(b.factorizationReused),
        dual_activity_tolerance: b.dualActivityTolerance, regularization: b.regularization,
        forward_eps_abs: b.forwardEpsAbs, forward_eps_rel: b.forwardEpsRel,
        forward_primal_residual: b.forwardPrimalResidual, forward_dual_residual: b.forwardDualResidual,
        refinement_steps: Int64(b.refinementSteps), residual: b.residual,
        numeric_factorizations: Int64(b.numericFactorizations), symbolic_analyses_total: Int64(b.symbolicAnalysesTotal),
        least_squares_iterations: Int64(b.leastSquaresIterations), pieces: Int64(b.pieces),
        enforced_weakly_active: Int64(b.enforcedWeaklyActive), crossover_rounds: Int64(b.crossoverRounds),
        crossover_factorizations: Int64(b.crossoverFactorizations), crossover_resolved: flag(b.crossoverResolved),
        reserved: 0, distance_to_returned_point: b.distanceToReturnedPoint,
        identification_time: b.identificationTime, time: b.time)
}

/// Writes gradients to the five output buffers (sizes are those of the problem).
func writeGradients(_ g: Gradients, dP: UnsafeMutablePointer<Double>, dq: UnsafeMutablePointer<Double>,
                    dA: UnsafeMutablePointer<Double>, dl: UnsafeMutablePointer<Double>, du: UnsafeMutablePointer<Double>) {
    write(g.dP.values, to: dP)
    write(g.dq, to: dq)
    write(g.dA.values, to: dA)
    write(g.dl, to: dl)
    write(g.du, to: du)
}
