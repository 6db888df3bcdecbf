import Testing
import _Differentiation
import Sparse
import QP
import ADMM
import Implicit
import TestSupport

/// A random direction in the data of `qp` (all five parts).
func layerDirection(_ qp: QuadraticProgram, using g: inout SeededGenerator) -> QPParameters {
    QPParameters(PValues: randomVector(count: qp.P.nonzeroCount, using: &g), q: randomVector(count: qp.n, using: &g),
                 AValues: randomVector(count: qp.A.nonzeroCount, using: &g), l: randomVector(count: qp.m, using: &g),
                 u: randomVector(count: qp.m, using: &g))
}

@Test("QPLayer.jvp: each item equals its standalone Differentiator.jvp and ⟨w, J t⟩ = ⟨Jᵀw, t⟩ with the layer's backward; workers 1 and 2 agree bit for bit")
func layerJVPMatchesStandaloneAndBackward() throws {
    let qp = try implicitRandomQP(n: 20, m: 16, seed: 61)
    let batch = layerBatch(qp, count: 5, seed: 61)
    var g = SeededGenerator(seed: 62)
    let directions = batch.map { _ in layerDirection(qp, using: &g) }
    let w = (0..<batch.count).map { _ in randomVector(count: qp.n, using: &g) }
    let parallel = QPLayer(base: qp, solverSettings: tightSettings(), workers: 2)
    let sequential = QPLayer(base: qp, solverSettings: tightSettings(), workers: 1)
    _ = try parallel.forward(batch)
    _ = try sequential.forward(batch)
    let jp = try parallel.jvp(directions)
    let js = try sequential.jvp(directions)
    let back = try parallel.backward(dx: w)
    for k in 0..<batch.count {
        #expect(bitwiseEqual(jp[k].dx, js[k].dx) && bitwiseEqual(jp[k].dy, js[k].dy), "item \(k)")
        #expect(jp[k].info.symbolicAnalysesTotal == 1)
        let t = directions[k]
        let grad = back[k].gradients
        let lhs = dot(w[k], jp[k].dx)
        let rhs = dot(grad.dP.values, t.PValues) + dot(grad.dq, t.q) + dot(grad.dA.values, t.AValues) + dot(grad.dl, t.l) + dot(grad.du, t.u)
        #expect(abs(lhs - rhs) <= 1e-7 * max(1, abs(lhs)), "item \(k): \(lhs) vs \(rhs)")
        let item = try QuadraticProgram(P: CSCMatrix(uncheckedPattern: qp.P.pattern, values: batch[k].PValues), q: batch[k].q,
                                        A: CSCMatrix(uncheckedPattern: qp.A.pattern, values: batch[k].AValues), l: batch[k].l, u: batch[k].u)
        let (solver, solution) = try solved(item)
        let reference = try Differentiator(solver: solver, solution: solution).jvp(
            dP: CSCMatrix(uncheckedPattern: qp.P.pattern, values: t.PValues), dq: t.q,
            dA: CSCMatrix(uncheckedPattern: qp.A.pattern, values: t.AValues), dl: t.l, du: t.u)
        #expect(maxAbsDifference(reference.dx, jp[k].dx) <= 1e-7 * max(1, maxAbs(reference.dx)), "item \(k)")
    }
    // Empty arrays are zero directions: only q moves.
    let qOnly = directions.map { QPParameters(PValues: [], q: $0.q, AValues: [], l: [], u: []) }
    let jq = try parallel.jvp(qOnly)
    for k in 0..<batch.count {
        #expect(abs(dot(w[k], jq[k].dx) - dot(back[k].gradients.dq, directions[k].q)) <= 1e-7 * max(1, abs(dot(w[k], jq[k].dx))))
    }
}

@Test("QPLayer.jvp errors: before forward, wrong batch size, wrong direction length (with the item)")
func layerJVPErrors() throws {
    let qp = try implicitRandomQP(n: 8, m: 6, seed: 63)
    let layer = QPLayer(base: qp, solverSettings: tightSettings(), workers: 2)
    #expect(throws: QPLayerError.batchMismatch("1 directions for a batch of 0")) {
        _ = try layer.jvp([QPParameters.zero])
    }
    _ = try layer.forward(layerBatch(qp, count: 3, seed: 63))
    #expect(throws: QPLayerError.batchMismatch("2 directions for a batch of 3")) {
        _ = try layer.jvp([.zero, .zero])
    }
    let bad = QPParameters(PValues: [], q: [1], AValues: [], l: [], u: [])
    #expect(throws: QPLayerError.derivative(item: 1, .dimensionMismatch("dq has 1 entries, expected 8"))) {
        _ = try layer.jvp([.zero, bad, .zero])
    }
    let badP = QPParameters(PValues: [1, 2], q: [], AValues: [], l: [], u: [])
    #expect(throws: QPLayerError.derivative(item: 2, .dimensionMismatch("dP has 2 values, expected nnz(P) = \(qp.P.nonzeroCount)"))) {
        _ = try layer.jvp([.zero, .zero, badP])
    }
}

@Test("QPLayer reporting failures: an item with invalid values fails alone (with its index), the others are solved and differentiated")
func layerReportsFailuresPerItem() throws {
    let qp = try implicitRandomQP(n: 10, m: 8, seed: 64)
    var batch = layerBatch(qp, count: 4, seed: 64)
    // Item 2: an empty interval l > u in row 0 (its values are rejected: an invalid problem).
    batch[2].l[0] = 1
    batch[2].u[0] = 0
    let layer = QPLayer(base: qp, solverSettings: tightSettings(), workers: 2)
    let results = try layer.forwardReportingFailures(batch)
    #expect(results[2].solution == nil)
    guard case .solver(item: 2, let message)? = results[2].failure else {
        Issue.record("item 2: \(String(describing: results[2].failure))"); return
    }
    #expect(message.hasPrefix("invalid problem"), "\(message)")
    for k in [0, 1, 3] { #expect(results[k].failure == nil && results[k].solution?.status == .solved, "item \(k)") }
    var g = SeededGenerator(seed: 65)
    let w = (0..<4).map { _ in randomVector(count: qp.n, using: &g) }
    let back = try layer.backwardReportingFailures(dx: w)
    if case .failure(.solver(item: 2, _)) = back[2] {} else { Issue.record("backward item 2: \(back[2])") }
    let jv = try layer.jvpReportingFailures((0..<4).map { _ in layerDirection(qp, using: &g) })
    for k in [0, 1, 3] {
        #expect((try? back[k].get()) != nil && (try? jv[k].get()) != nil, "item \(k)")
    }
    // The throwing variant stops at item 2 and keeps nothing to differentiate.
    #expect(throws: QPLayerError.self) { _ = try layer.forward(batch) }
    #expect(throws: QPLayerError.batchMismatch("4 cotangents for a batch of 0")) { _ = try layer.backward(dx: w) }
}

@Test("QPLayer.solutions under Swift AD: the gradient of Σ_k w_kᵀx*_k equals the layer's backward; a failing item gets NaN rows and NaN gradients only")
func layerSolutionsDifferentiableWithSwiftAD() throws {
    let qp = try implicitRandomQP(n: 12, m: 9, seed: 66)
    var batch = layerBatch(qp, count: 3, seed: 66)
    var g = SeededGenerator(seed: 67)
    let w = (0..<3).map { _ in randomVector(count: qp.n, using: &g) }
    let layer = QPLayer(base: qp, solverSettings: tightSettings(), workers: 2)
    let (value, pullback) = valueWithPullback(at: batch) { b in layer.solutions(b) }
    let grads = pullback(.init(w.map { .init($0) })).base
    let reference = QPLayer(base: qp, solverSettings: tightSettings(), workers: 1)
    let xs = try reference.forward(batch)
    let back = try reference.backward(dx: w)
    for k in 0..<3 {
        #expect(maxAbsDifference(value[k], xs[k].x) <= 1e-12)
        #expect(maxAbsDifference(grads[k].q, back[k].gradients.dq) <= 1e-12, "item \(k)")
        #expect(maxAbsDifference(grads[k].PValues, back[k].gradients.dP.values) <= 1e-12, "item \(k)")
        #expect(maxAbsDifference(grads[k].u, back[k].gradients.du) <= 1e-12, "item \(k)")
        #expect(maxAbs(grads[k].q) > 1e-3)
    }
    batch[1].l[0] = 1
    batch[1].u[0] = 0  // item 1 invalid (l > u)
    let (broken, brokenPullback) = valueWithPullback(at: batch) { b in layer.solutions(b) }
    let brokenGrads = brokenPullback(.init(w.map { .init($0) })).base
    #expect(broken[1].allSatisfy(\.isNaN) && brokenGrads[1].q.allSatisfy(\.isNaN))
    #expect(bitwiseEqual(broken[0], value[0]) && bitwiseEqual(brokenGrads[2].q, grads[2].q))
}
