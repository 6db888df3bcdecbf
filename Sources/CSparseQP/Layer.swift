import CSparseQPTypes
import Foundation
import Sparse
import QP
import ADMM
import Implicit

/// The object behind `sqp_layer *`: the patterns, the settings and the `QPLayer` of the last forward
/// batch (its base problem is the batch's element 0, so its Ruiz scaling serves the whole batch).
final class LayerHandle: HandleBase {
    var P: SparsityPattern?
    var A: SparsityPattern?
    var settings = BoundarySettings()
    var layer: QPLayer?
    var lastBatch = 0
    var symbolicAnalyses: Int64 = 0
    /// Report mode (`sqp_layer_set_failure_mode(layer, 1)`): element failures do not fail a call.
    var reportFailures = false
    /// Failures of the elements in the last forward/backward/JVP call (report mode; nil: none).
    private(set) var elementErrors: [ElementError?] = []

    func clearElementErrors(count: Int) {
        elementErrors = .init(repeating: nil, count: count)
    }

    func record(_ e: QPLayerError) {
        let d = describe(e)
        guard d.element >= 0, d.element < Int64(elementErrors.count) else { return }
        elementErrors[Int(d.element)] = ElementError(code: d.error.code, message: d.error.message, status: d.status)
    }

    func requirePatterns() throws(BoundaryError) -> (P: SparsityPattern, A: SparsityPattern) {
        guard let P, let A else { throw BoundaryError(SQP_ERR_STATE, "the layer is not set up (call sqp_layer_setup first)") }
        return (P, A)
    }
}

/// One element's failure in report mode: its code, status (-1: none) and message (a C string it owns).
final class ElementError {
    let code: sqp_error
    let status: Int32
    let message: UnsafeMutablePointer<CChar>
    init(code: sqp_error, message: String, status: Int32) {
        self.code = code
        self.status = status
        self.message = strdupOrEmpty(message)
    }
    deinit { message.deallocate() }
}

func withLayer(_ p: OpaquePointer?, _ body: (LayerHandle) throws(BoundaryError) -> Void) -> sqp_error {
    withHandle(p, as: LayerHandle.self, body)
}

@_cdecl("sqp_layer_new")
public func sqp_layer_new() -> OpaquePointer? { retainedPointer(LayerHandle()) }

@_cdecl("sqp_layer_free")
public func sqp_layer_free(_ p: OpaquePointer?) { release(p) }

@_cdecl("sqp_layer_error_message")
public func sqp_layer_error_message(_ p: OpaquePointer?) -> UnsafePointer<CChar>? { message(p) }

@_cdecl("sqp_layer_failed_element")
public func sqp_layer_failed_element(_ p: OpaquePointer?) -> Int64 {
    object(p, as: LayerHandle.self)?.failedElement ?? -1
}

@_cdecl("sqp_layer_failed_status")
public func sqp_layer_failed_status(_ p: OpaquePointer?) -> Int32 {
    object(p, as: LayerHandle.self)?.failedStatus ?? -1
}

@_cdecl("sqp_layer_symbolic_analyses")
public func sqp_layer_symbolic_analyses(_ p: OpaquePointer?) -> Int64 {
    object(p, as: LayerHandle.self)?.symbolicAnalyses ?? 0
}

@_cdecl("sqp_layer_setup")
public func sqp_layer_setup(_ p: OpaquePointer?, _ settings: UnsafePointer<sqp_settings>?,
                            _ P: UnsafePointer<sqp_csc>?, _ A: UnsafePointer<sqp_csc>?) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        h.P = nil
        h.A = nil
        h.layer = nil
        let s = try readSettings(settings)
        let Pm = try readCSC(P, "P_pattern", withValues: false)
        let Am = try readCSC(A, "A_pattern", withValues: false)
        guard Pm.rowCount == Pm.columnCount else {
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "P_pattern is \(Pm.rowCount)×\(Pm.columnCount), expected square")
        }
        guard Pm.pattern.isUpperTriangular else {
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "P_pattern has entries below the diagonal (pass the upper triangle)")
        }
        guard Am.columnCount == Pm.columnCount else {
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "A_pattern has \(Am.columnCount) columns, expected n = \(Pm.columnCount)")
        }
        h.settings = s
        h.P = Pm.pattern
        h.A = Am.pattern
    }
}

/// `batch` × `width` doubles, element-major, checked; one array per element.
func readBatch(_ p: UnsafePointer<Double>?, batch: Int, width: Int, _ name: String,
               _ rule: FiniteRule = .finite) throws(BoundaryError) -> [[Double]] {
    let p = try require(p, name)
    var out: [[Double]] = []
    out.reserveCapacity(batch)
    for b in 0..<batch {
        let values = Array(UnsafeBufferPointer(start: p + b * width, count: width))
        do { try checkValues(values, name, rule) } catch {
            throw BoundaryError(error.code, "batch element \(b): \(error.message)")
        }
        out.append(values)
    }
    return out
}

func checkedBatch(_ batch: Int64, widths: [Int]) throws(BoundaryError) -> Int {
    let b = try checkedLength(batch, "batch")
    guard b > 0 else { throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "batch = 0: nothing to solve") }
    for w in widths where b.multipliedReportingOverflow(by: w).overflow || b * w > Int(maximumLength) {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "batch = \(b) × \(w) entries is too large")
    }
    return b
}

/// A QPLayer failure as a code and message, with the element it concerns (-1: none) and, when the
/// element was not solved, its status (-1: none).
func describe(_ e: QPLayerError) -> (error: BoundaryError, element: Int64, status: Int32) {
    switch e {
    case .solver(let item, let message):
        let code = message.hasPrefix("invalid problem") ? SQP_ERR_INVALID_PROBLEM : SQP_ERR_FACTORIZATION
        return (BoundaryError(code, "batch element \(item): \(message)"), Int64(item), -1)
    case .derivative(let item, let error):
        var status: Int32 = -1
        if case .notSolved(let s) = error { status = statusCode(s) }
        let inner = boundaryError(error)
        return (BoundaryError(inner.code, "batch element \(item): \(inner.message)"), Int64(item), status)
    case .batchMismatch(let message):
        return (BoundaryError(SQP_ERR_INVALID_ARGUMENT, message), -1, -1)
    }
}

/// A QPLayer failure with its element, recorded on the handle.
func boundaryError(_ e: QPLayerError, handle: LayerHandle) -> BoundaryError {
    let d = describe(e)
    handle.failedElement = d.element
    handle.failedStatus = d.status
    return d.error
}

/// Per-element results of a forward, backward or JVP call. In raise mode the first failure (in
/// index order) fails the call; in report mode every failure is recorded on the handle and its
/// element is nil (its outputs are NaN).
func settle<R>(_ results: [Result<R, QPLayerError>], handle h: LayerHandle) throws(BoundaryError) -> [R?] {
    var out: [R?] = []
    out.reserveCapacity(results.count)
    for r in results {
        switch r {
        case .success(let v): out.append(v)
        case .failure(let e):
            guard h.reportFailures else { throw boundaryError(e, handle: h) }
            h.record(e)
            out.append(nil)
        }
    }
    return out
}

@_cdecl("sqp_layer_forward")
public func sqp_layer_forward(_ p: OpaquePointer?, _ batch: Int64,
                              _ pValues: UnsafePointer<Double>?, _ q: UnsafePointer<Double>?,
                              _ aValues: UnsafePointer<Double>?, _ l: UnsafePointer<Double>?,
                              _ u: UnsafePointer<Double>?, _ x: UnsafeMutablePointer<Double>?,
                              _ y: UnsafeMutablePointer<Double>?, _ info: UnsafeMutablePointer<sqp_info>?) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        h.layer = nil
        h.symbolicAnalyses = 0
        h.clearElementErrors(count: 0)
        let (P, A) = try h.requirePatterns()
        let n = P.columnCount, m = A.rowCount
        let b = try checkedBatch(batch, widths: [n, m, P.nonzeroCount, A.nonzeroCount])
        let x = try require(x, "x")
        let Pv = try readBatch(pValues, batch: b, width: P.nonzeroCount, "P_values")
        let qv = try readBatch(q, batch: b, width: n, "q")
        let Av = try readBatch(aValues, batch: b, width: A.nonzeroCount, "A_values")
        let lv = try readBatch(l, batch: b, width: m, "l", .noNaN)
        let uv = try readBatch(u, batch: b, width: m, "u", .noNaN)
        let items = (0..<b).map { k in QPParameters(PValues: Pv[k], q: qv[k], AValues: Av[k], l: lv[k], u: uv[k]) }
        let base: QuadraticProgram
        do {
            base = try QuadraticProgram(P: CSCMatrix(uncheckedPattern: P, values: Pv[0]), q: qv[0],
                                        A: CSCMatrix(uncheckedPattern: A, values: Av[0]), l: lv[0], u: uv[0])
        } catch {
            h.failedElement = 0
            throw BoundaryError(SQP_ERR_INVALID_PROBLEM, "batch element 0: invalid problem: \(error)")
        }
        let workers = h.settings.workers > 0 ? h.settings.workers : ProcessInfo.processInfo.activeProcessorCount
        let layer = QPLayer(base: base, solverSettings: h.settings.solver, differentiation: h.settings.derivative,
                            workers: workers)
        let results: [(solution: Solution?, failure: QPLayerError?)]
        do throws(QPLayerError) { results = try layer.forwardReportingFailures(items) } catch { throw boundaryError(error, handle: h) }
        h.clearElementErrors(count: b)
        let outcomes: [Result<Solution?, QPLayerError>] = results.map { r in r.failure.map { .failure($0) } ?? .success(r.solution) }
        let settled = try settle(outcomes, handle: h)
        for (k, r) in results.enumerated() {
            let solved = settled[k] != nil
            writePoint(solved ? r.solution?.x ?? [] : [], count: n, to: x + k * n)
            if let y { writePoint(solved ? r.solution?.y ?? [] : [], count: m, to: y + k * m) }
            if let info {
                if let s = r.solution {
                    info[k] = makeInfo(s, n: n, m: m)
                    if !solved { info[k].has_solution = 0 }
                } else {
                    info[k] = sqp_info()
                    info[k].status = -1
                }
            }
        }
        h.layer = layer
        h.lastBatch = b
        h.symbolicAnalyses = Int64(layer.symbolicAnalyses)
    }
}

/// The layer of the last forward batch, after checking that `batch` is its size.
func requireForward(_ h: LayerHandle, batch: Int64) throws(BoundaryError) -> QPLayer {
    guard let layer = h.layer else { throw BoundaryError(SQP_ERR_STATE, "no successful forward batch to differentiate (call sqp_layer_forward first)") }
    guard batch == Int64(h.lastBatch) else {
        throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "batch = \(batch) but the last forward batch had \(h.lastBatch) elements")
    }
    return layer
}

@_cdecl("sqp_layer_backward")
public func sqp_layer_backward(_ p: OpaquePointer?, _ batch: Int64, _ dx: UnsafePointer<Double>?, _ dy: UnsafePointer<Double>?,
                               _ dP: UnsafeMutablePointer<Double>?, _ dq: UnsafeMutablePointer<Double>?,
                               _ dA: UnsafeMutablePointer<Double>?, _ dl: UnsafeMutablePointer<Double>?,
                               _ du: UnsafeMutablePointer<Double>?, _ info: UnsafeMutablePointer<sqp_backward_info>?) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        h.clearElementErrors(count: 0)
        let (P, A) = try h.requirePatterns()
        let layer = try requireForward(h, batch: batch)
        let n = P.columnCount, m = A.rowCount, b = h.lastBatch
        let dxv = try readBatch(dx, batch: b, width: n, "dx")
        let dyv: [[Double]]? = dy == nil ? nil : try readBatch(dy, batch: b, width: m, "dy")
        let dP = try require(dP, "dP"), dq = try require(dq, "dq"), dA = try require(dA, "dA")
        let dl = try require(dl, "dl"), du = try require(du, "du")
        let results: [Result<(gradients: Gradients, info: BackwardInfo), QPLayerError>]
        do throws(QPLayerError) { results = try layer.backwardReportingFailures(dx: dxv, dy: dyv) } catch { throw boundaryError(error, handle: h) }
        h.clearElementErrors(count: b)
        for (k, r) in try settle(results, handle: h).enumerated() {
            let (pP, pq, pA, pl, pu) = (dP + k * P.nonzeroCount, dq + k * n, dA + k * A.nonzeroCount, dl + k * m, du + k * m)
            guard let r else {
                for (p, c) in [(pP, P.nonzeroCount), (pq, n), (pA, A.nonzeroCount), (pl, m), (pu, m)] { p.update(repeating: .nan, count: c) }
                info?[k] = sqp_backward_info()
                continue
            }
            writeGradients(r.gradients, dP: pP, dq: pq, dA: pA, dl: pl, du: pu)
            info?[k] = makeBackwardInfo(r.info)
        }
    }
}

/// `batch` × `width` doubles like `readBatch`, or nil for a NULL pointer (a zero direction).
func readOptionalBatch(_ p: UnsafePointer<Double>?, batch: Int, width: Int, _ name: String) throws(BoundaryError) -> [[Double]]? {
    guard p != nil else { return nil }
    return try readBatch(p, batch: batch, width: width, name)
}

@_cdecl("sqp_layer_jvp")
public func sqp_layer_jvp(_ p: OpaquePointer?, _ batch: Int64,
                          _ dP: UnsafePointer<Double>?, _ dq: UnsafePointer<Double>?, _ dA: UnsafePointer<Double>?,
                          _ dl: UnsafePointer<Double>?, _ du: UnsafePointer<Double>?,
                          _ dxOut: UnsafeMutablePointer<Double>?, _ dyOut: UnsafeMutablePointer<Double>?,
                          _ info: UnsafeMutablePointer<sqp_backward_info>?) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        h.clearElementErrors(count: 0)
        let (P, A) = try h.requirePatterns()
        let layer = try requireForward(h, batch: batch)
        let n = P.columnCount, m = A.rowCount, b = h.lastBatch
        let dxOut = try require(dxOut, "dx_out")
        let dPv = try readOptionalBatch(dP, batch: b, width: P.nonzeroCount, "dP")
        let dqv = try readOptionalBatch(dq, batch: b, width: n, "dq")
        let dAv = try readOptionalBatch(dA, batch: b, width: A.nonzeroCount, "dA")
        let dlv = try readOptionalBatch(dl, batch: b, width: m, "dl")
        let duv = try readOptionalBatch(du, batch: b, width: m, "du")
        let directions = (0..<b).map { k in
            QPParameters(PValues: dPv?[k] ?? [], q: dqv?[k] ?? [], AValues: dAv?[k] ?? [], l: dlv?[k] ?? [], u: duv?[k] ?? [])
        }
        let results: [Result<(dx: [Double], dy: [Double], info: BackwardInfo), QPLayerError>]
        do throws(QPLayerError) { results = try layer.jvpReportingFailures(directions) } catch { throw boundaryError(error, handle: h) }
        h.clearElementErrors(count: b)
        for (k, r) in try settle(results, handle: h).enumerated() {
            writePoint(r?.dx ?? [], count: n, to: dxOut + k * n)
            if let dyOut { writePoint(r?.dy ?? [], count: m, to: dyOut + k * m) }
            info?[k] = r.map { makeBackwardInfo($0.info) } ?? sqp_backward_info()
        }
    }
}

@_cdecl("sqp_layer_set_failure_mode")
public func sqp_layer_set_failure_mode(_ p: OpaquePointer?, _ mode: Int32) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        switch mode {
        case 0: h.reportFailures = false
        case 1: h.reportFailures = true
        default: throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "failure mode = \(mode) must be 0 (raise) or 1 (report)")
        }
    }
}

@_cdecl("sqp_layer_failed_count")
public func sqp_layer_failed_count(_ p: OpaquePointer?) -> Int64 {
    guard let h = object(p, as: LayerHandle.self) else { return 0 }
    return Int64(h.elementErrors.reduce(0) { $0 + ($1 == nil ? 0 : 1) })
}

/// The recorded failure of `element` in the last forward/backward/JVP call, if any.
func elementError(_ p: OpaquePointer?, _ element: Int64) -> ElementError? {
    guard let h = object(p, as: LayerHandle.self), element >= 0, element < Int64(h.elementErrors.count) else { return nil }
    return h.elementErrors[Int(element)]
}

@_cdecl("sqp_layer_element_error")
public func sqp_layer_element_error(_ p: OpaquePointer?, _ element: Int64) -> sqp_error {
    elementError(p, element)?.code ?? SQP_OK
}

@_cdecl("sqp_layer_element_status")
public func sqp_layer_element_status(_ p: OpaquePointer?, _ element: Int64) -> Int32 {
    elementError(p, element)?.status ?? -1
}

@_cdecl("sqp_layer_element_message")
public func sqp_layer_element_message(_ p: OpaquePointer?, _ element: Int64) -> UnsafePointer<CChar> {
    guard let e = elementError(p, element) else { return emptyMessage }
    return UnsafePointer(e.message)
}
