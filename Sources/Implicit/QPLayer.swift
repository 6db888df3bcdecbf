import Foundation
import _Differentiation
import Sparse
import QP
import ADMM

/// The values of one QP on the layer's fixed sparsity patterns: the same five arrays that Swift AD
/// differentiates (`QPData`: values on P's upper-triangle pattern, q, values on A's pattern, l, u).
public typealias QPParameters = QPData

/// Errors of the batched layer.
public enum QPLayerError: Error, Sendable, Equatable {
    /// Setup or update of a solver failed (description of the solver error).
    case solver(item: Int, String)
    /// The derivative of an item failed.
    case derivative(item: Int, DerivativeError)
    /// `backward` before `forward`, or batch sizes that do not match.
    case batchMismatch(String)
}

/// A batched QP layer over one pair of sparsity patterns (P, A).
///
/// `forward` solves a batch of `QPParameters` concurrently on `workers` threads; `backward` returns
/// the gradients of Σ_b (dx_bᵀx*_b + dy_bᵀy*_b) item by item, concurrently as well; `jvp` the
/// forward-mode derivatives (dx*_b, dy*_b) along one data direction per item, likewise. The
/// `…ReportingFailures` variants report each item's failure instead of throwing the first.
///
/// **Determinism.** Each worker owns one `ADMMSolver` set up from the layer's base problem; every
/// item is processed from the same state: values written with `update(PValues:AValues:)` and
/// `update(q:l:u:)` (scaling kept from the base problem), ρ reset to its initial value, no warm start.
/// An item's result therefore does not depend on which worker ran it or in which order: the batch
/// gives bit-identical results to sequential work (`workers: 1`).
///
/// **Symbolic analyses.** One for the whole batch: the workers' solvers are companions
/// (`ADMMSolver.makeCompanion()`) of one solver set up on `base`, and every item and every backward
/// and JVP pass reuses that analysis (numeric factorizations only).
///
/// Not thread-safe itself: call `forward`/`backward`/`jvp` from one thread at a time.
public final class QPLayer {
    public let base: QuadraticProgram
    public let solverSettings: SolverSettings
    public let differentiation: DifferentiationSettings
    public let workers: Int
    /// Differentiators of the last forward batch (prepared: independent of later solver updates),
    /// or why an item has none.
    private var prepared: [Result<Differentiator, QPLayerError>] = []
    /// Symbolic analyses done by the last forward (shared by all workers, items and backward passes: 1).
    public private(set) var symbolicAnalyses = 0

    /// `base` fixes the patterns (and the Ruiz scaling used for every item).
    public init(base: QuadraticProgram, solverSettings: SolverSettings = SolverSettings(),
                differentiation: DifferentiationSettings = DifferentiationSettings(),
                workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.base = base
        var s = solverSettings
        s.warmStart = false
        self.solverSettings = s
        self.differentiation = differentiation
        self.workers = max(1, workers)
    }

    /// Solves every item; keeps what `backward` and `jvp` need. Throws the first failing item (in
    /// index order); then the layer holds no batch to differentiate.
    public func forward(_ batch: [QPParameters]) throws(QPLayerError) -> [Solution] {
        let results = try forwardReportingFailures(batch)
        var solutions: [Solution] = []
        for r in results {
            if let e = r.failure {
                prepared = []
                throw e
            }
            if let s = r.solution { solutions.append(s) }
        }
        return solutions
    }

    /// Solves every item and reports each item's outcome instead of stopping at the first failure:
    /// an item whose values are invalid (no solution), or whose solve cannot be differentiated (not
    /// solved, ...: the solution and its status are kept) has a `failure` with its index; the other
    /// items are solved and can be differentiated. Throws only when the layer itself cannot be set
    /// up (the base problem).
    public func forwardReportingFailures(_ batch: [QPParameters]) throws(QPLayerError) -> [(solution: Solution?, failure: QPLayerError?)] {
        let count = batch.count
        let results = Slots<(solution: Solution?, prepared: Result<Differentiator, QPLayerError>)>(count: count)
        let chunks = min(workers, max(count, 1))
        let settings = solverSettings, diffSettings = differentiation
        let root: ADMMSolver
        var companions: [ADMMSolver] = []
        do {
            root = try ADMMSolver(problem: base, settings: settings)
            for _ in 0..<chunks { companions.append(try root.makeCompanion()) }
        } catch {
            prepared = []
            throw .solver(item: 0, "\(error)")
        }
        let workerSolvers = Slots<ADMMSolver>(count: chunks)
        for w in 0..<chunks { workerSolvers[w] = companions[w] }
        DispatchQueue.concurrentPerform(iterations: chunks) { w in
            let lo = w * count / chunks, hi = (w + 1) * count / chunks
            guard lo < hi, let solver = workerSolvers[w] else { return }
            for k in lo..<hi {
                results[k] = Self.run(batch[k], item: k, solver: solver, settings: settings, differentiation: diffSettings)
            }
        }
        var out: [(solution: Solution?, failure: QPLayerError?)] = []
        var items: [Result<Differentiator, QPLayerError>] = []
        for k in 0..<count {
            guard let r = results[k] else {
                let e = QPLayerError.batchMismatch("internal: item \(k) was not processed")
                out.append((nil, e)); items.append(.failure(e)); continue
            }
            items.append(r.prepared)
            switch r.prepared {
            case .success: out.append((r.solution, nil))
            case .failure(let e): out.append((r.solution, e))
            }
        }
        prepared = items
        symbolicAnalyses = root.profile?.symbolicAnalyses ?? 0
        return out
    }

    /// One item from the reset state (see the type's documentation): its solution (nil when its
    /// values could not be set) and its prepared differentiator or the reason there is none.
    private static func run(_ p: QPParameters, item: Int, solver: ADMMSolver, settings: SolverSettings,
                            differentiation: DifferentiationSettings) -> (solution: Solution?, prepared: Result<Differentiator, QPLayerError>) {
        do {
            // Values and the initial ρ in one numeric factorization (an adapted ρ of the previous
            // item is forgotten), then the vectors (a refactorization only if a row changes kind).
            try solver.update(PValues: p.PValues, AValues: p.AValues, resetRho: true)
            try solver.update(q: p.q, l: p.l, u: p.u)
        } catch {
            return (nil, .failure(.solver(item: item, "\(error)")))
        }
        let solution = solver.solve()
        do {
            let d = try Differentiator(solver: solver, solution: solution, settings: differentiation)
            try d.prepare()
            return (solution, .success(d))
        } catch {
            return (solution, .failure(.derivative(item: item, error)))
        }
    }

    /// Gradients for each item of the last forward batch. `dy` nil means zero. Throws the first
    /// failing item (in index order).
    public func backward(dx: [[Double]], dy: [[Double]]? = nil) throws(QPLayerError) -> [(gradients: Gradients, info: BackwardInfo)] {
        try Self.firstFailure(backwardReportingFailures(dx: dx, dy: dy))
    }

    /// Gradients item by item, each item's failure reported with its index (an item that failed in
    /// `forwardReportingFailures` repeats that failure). Throws only for mismatched batch sizes.
    public func backwardReportingFailures(dx: [[Double]], dy: [[Double]]? = nil) throws(QPLayerError)
        -> [Result<(gradients: Gradients, info: BackwardInfo), QPLayerError>] {
        guard dx.count == prepared.count, dy == nil || dy!.count == prepared.count else {
            throw .batchMismatch("\(dx.count) cotangents for a batch of \(prepared.count)")
        }
        return eachPrepared { k, d throws(DerivativeError) in try d.adjoint(dx: dx[k], dy: dy?[k]) }
    }

    /// Forward mode for each item of the last forward batch: (dx*, dy*) along `directions[k]`, a
    /// tangent in the data of item k (`QPData` convention: an empty array stands for zeros). Same
    /// workers, prepared derivative systems and symbolic analysis as `backward`. Throws the first
    /// failing item (in index order).
    public func jvp(_ directions: [QPParameters]) throws(QPLayerError) -> [(dx: [Double], dy: [Double], info: BackwardInfo)] {
        try Self.firstFailure(jvpReportingFailures(directions))
    }

    /// `jvp` item by item, each item's failure reported with its index. Throws only for a
    /// mismatched batch size.
    public func jvpReportingFailures(_ directions: [QPParameters]) throws(QPLayerError)
        -> [Result<(dx: [Double], dy: [Double], info: BackwardInfo), QPLayerError>] {
        guard directions.count == prepared.count else {
            throw .batchMismatch("\(directions.count) directions for a batch of \(prepared.count)")
        }
        let P = base.P.pattern, A = base.A.pattern
        return eachPrepared { k, d throws(DerivativeError) in
            let t = directions[k]
            if !t.PValues.isEmpty, t.PValues.count != P.nonzeroCount {
                throw .dimensionMismatch("dP has \(t.PValues.count) values, expected nnz(P) = \(P.nonzeroCount)")
            }
            if !t.AValues.isEmpty, t.AValues.count != A.nonzeroCount {
                throw .dimensionMismatch("dA has \(t.AValues.count) values, expected nnz(A) = \(A.nonzeroCount)")
            }
            return try d.jvp(dP: t.PValues.isEmpty ? nil : CSCMatrix(uncheckedPattern: P, values: t.PValues),
                             dq: t.q.isEmpty ? nil : t.q,
                             dA: t.AValues.isEmpty ? nil : CSCMatrix(uncheckedPattern: A, values: t.AValues),
                             dl: t.l.isEmpty ? nil : t.l, du: t.u.isEmpty ? nil : t.u)
        }
    }

    /// Runs `body` on every prepared item (of the last forward batch, or `snapshot`), spread over
    /// the workers like the forward pass.
    private func eachPrepared<R>(_ snapshot: [Result<Differentiator, QPLayerError>]? = nil,
                                 _ body: @escaping @Sendable (Int, Differentiator) throws(DerivativeError) -> R) -> [Result<R, QPLayerError>] {
        let source = snapshot ?? prepared
        let count = source.count
        let items = Slots<Result<Differentiator, QPLayerError>>(count: count)
        for k in 0..<count { items[k] = source[k] }
        let results = Slots<Result<R, QPLayerError>>(count: count)
        let chunks = min(workers, max(count, 1))
        DispatchQueue.concurrentPerform(iterations: chunks) { w in
            let lo = w * count / chunks, hi = (w + 1) * count / chunks
            for k in lo..<hi {
                switch items[k] {
                case .success(let d):
                    do throws(DerivativeError) { results[k] = .success(try body(k, d)) }
                    catch { results[k] = .failure(.derivative(item: k, error)) }
                case .failure(let e): results[k] = .failure(e)
                case nil: continue
                }
            }
        }
        return (0..<count).map { k in results[k] ?? .failure(.batchMismatch("internal: item \(k) was not processed")) }
    }

    private static func firstFailure<R>(_ results: [Result<R, QPLayerError>]) throws(QPLayerError) -> [R] {
        var out: [R] = []
        out.reserveCapacity(results.count)
        for r in results {
            switch r {
            case .success(let v): out.append(v)
            case .failure(let e): throw e
            }
        }
        return out
    }
}

// MARK: - Swift automatic differentiation

extension QPLayer {
    /// x* of every item, differentiable with Swift's AD with respect to the items' data: the
    /// registered pullback is the layer's batched adjoint (`backwardReportingFailures`, dy = 0) at
    /// this call's solutions (one symbolic analysis, items spread over the workers; a later
    /// `forward` does not change it).
    ///
    /// Differentiable functions cannot throw: as with `solveQP`, an item that fails (invalid values,
    /// not solved, derivative failure) has a row of NaN and so has its gradient, and every row is
    /// NaN when the layer itself cannot be set up. Never a gradient at a point the solver did not reach.
    @differentiable(reverse, wrt: batch)
    public func solutions(_ batch: [QPData]) -> [[Double]] {
        solutionsWithPullback(batch).x
    }

    @derivative(of: solutions, wrt: batch)
    public func solutionsVJP(_ batch: [QPData])
        -> (value: [[Double]], pullback: (Array<[Double]>.TangentVector) -> Array<QPData>.TangentVector) {
        let (x, snapshot) = solutionsWithPullback(batch)
        let n = base.n, m = base.m, pCount = base.P.nonzeroCount, aCount = base.A.nonzeroCount
        return (x, { [self] v in
            let dx = (0..<batch.count).map { k in
                var row = [Double](repeating: 0, count: n)
                if k < v.base.count { for j in 0..<min(n, v.base[k].base.count) { row[j] = v.base[k].base[j] } }
                return row
            }
            let results = eachPrepared(snapshot) { k, d throws(DerivativeError) in try d.adjoint(dx: dx[k]) }
            let nan = { (c: Int) in [Double](repeating: .nan, count: c) }
            return Array<QPData>.TangentVector(results.map { r in
                guard case .success(let (g, _)) = r else {
                    return QPData(PValues: nan(pCount), q: nan(n), AValues: nan(aCount), l: nan(m), u: nan(m))
                }
                return QPData(PValues: g.dP.values, q: g.dq, AValues: g.dA.values, l: g.dl, u: g.du)
            })
        })
    }

    /// The solutions (NaN rows for failed items) and the prepared items the pullback differentiates.
    private func solutionsWithPullback(_ batch: [QPData]) -> (x: [[Double]], prepared: [Result<Differentiator, QPLayerError>]) {
        let nanRow = [Double](repeating: .nan, count: base.n)
        guard let results = try? forwardReportingFailures(batch) else {
            return (batch.map { _ in nanRow }, batch.map { _ in .failure(.solver(item: 0, "the layer could not be set up")) })
        }
        return (results.map { $0.failure == nil ? $0.solution?.x ?? nanRow : nanRow }, prepared)
    }
}

/// Per-index result slots written by distinct workers (each index by exactly one worker) under a lock.
final class Slots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    init(count: Int) { storage = .init(repeating: nil, count: count) }
    subscript(i: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return storage[i] }
        set { lock.lock(); storage[i] = newValue; lock.unlock() }
    }
}
