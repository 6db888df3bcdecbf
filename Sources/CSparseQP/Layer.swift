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

    func requirePatterns() throws(BoundaryError) -> (P: SparsityPattern, A: SparsityPattern) {
        guard let P, let A else { throw BoundaryError(SQP_ERR_STATE, "the layer is not set up (call sqp_layer_setup first)") }
        return (P, A)
    }
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

/// A QPLayer failure with its element.
func boundaryError(_ e: QPLayerError, handle: LayerHandle) -> BoundaryError {
    switch e {
    case .solver(let item, let message):
        handle.failedElement = Int64(item)
        let code = message.hasPrefix("invalid problem") ? SQP_ERR_INVALID_PROBLEM : SQP_ERR_FACTORIZATION
        return BoundaryError(code, "batch element \(item): \(message)")
    case .derivative(let item, let error):
        handle.failedElement = Int64(item)
        if case .notSolved(let status) = error { handle.failedStatus = statusCode(status) }
        let inner = boundaryError(error)
        return BoundaryError(inner.code, "batch element \(item): \(inner.message)")
    case .batchMismatch(let message):
        return BoundaryError(SQP_ERR_INVALID_ARGUMENT, message)
    }
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
        let solutions: [Solution]
        do throws(QPLayerError) { solutions = try layer.forward(items) } catch { throw boundaryError(error, handle: h) }
        for (k, s) in solutions.enumerated() {
            writePoint(s.x, count: n, to: x + k * n)
            if let y { writePoint(s.y, count: m, to: y + k * m) }
            info?[k] = makeInfo(s, n: n, m: m)
        }
        h.layer = layer
        h.lastBatch = b
        h.symbolicAnalyses = Int64(layer.symbolicAnalyses)
    }
}

@_cdecl("sqp_layer_backward")
public func sqp_layer_backward(_ p: OpaquePointer?, _ batch: Int64, _ dx: UnsafePointer<Double>?, _ dy: UnsafePointer<Double>?,
                               _ dP: UnsafeMutablePointer<Double>?, _ dq: UnsafeMutablePointer<Double>?,
                               _ dA: UnsafeMutablePointer<Double>?, _ dl: UnsafeMutablePointer<Double>?,
                               _ du: UnsafeMutablePointer<Double>?, _ info: UnsafeMutablePointer<sqp_backward_info>?) -> sqp_error {
    withLayer(p) { h throws(BoundaryError) in
        let (P, A) = try h.requirePatterns()
        guard let layer = h.layer else { throw BoundaryError(SQP_ERR_STATE, "no successful forward batch to differentiate (call sqp_layer_forward first)") }
        guard batch == Int64(h.lastBatch) else {
            throw BoundaryError(SQP_ERR_INVALID_ARGUMENT, "batch = \(batch) but the last forward batch had \(h.lastBatch) elements")
        }
        let n = P.columnCount, m = A.rowCount, b = h.lastBatch
        let dxv = try readBatch(dx, batch: b, width: n, "dx")
        let dyv: [[Double]]? = dy == nil ? nil : try readBatch(dy, batch: b, width: m, "dy")
        let dP = try require(dP, "dP"), dq = try require(dq, "dq"), dA = try require(dA, "dA")
        let dl = try require(dl, "dl"), du = try require(du, "du")
        let results: [(gradients: Gradients, info: BackwardInfo)]
        do throws(QPLayerError) { results = try layer.backward(dx: dxv, dy: dyv) } catch { throw boundaryError(error, handle: h) }
        for (k, r) in results.enumerated() {
            writeGradients(r.gradients, dP: dP + k * P.nonzeroCount, dq: dq + k * n, dA: dA + k * A.nonzeroCount,
                           dl: dl + k * m, du: du + k * m)
            info?[k] = makeBackwardInfo(r.info)
        }
    }
}
