import Foundation
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
/// the gradients of Σ_b (dx_bᵀx*_b + dy_bᵀy*_b) item by item, concurrently as well.
///
/// **Determinism.** Each worker owns one `ADMMSolver` set up from the layer's base problem; every
/// item is processed from the same state: values written with `update(PValues:AValues:)` and
/// `update(q:l:u:)` (scaling kept from the base problem), ρ reset to its initial value, no warm start.
/// An item's result therefore does not depend on which worker ran it or in which order: the batch
/// gives bit-identical results to sequential work (`workers: 1`).
///
/// **Symbolic analyses.** One for the whole batch: the workers' solvers are companions
/// (`ADMMSolver.makeCompanion()`) of one solver set up on `base`, and every item and every backward
/// pass reuses that analysis (numeric factorizations only).
///
/// Not thread-safe itself: call `forward`/`backward` from one thread at a time.
public final class QPLayer {
    public let base: QuadraticProgram
    public let solverSettings: SolverSettings
    public let differentiation: DifferentiationSettings
    public let workers: Int
    /// Differentiators of the last forward batch (prepared: independent of later solver updates).
    private var prepared: [Differentiator] = []
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

    /// Solves every item; keeps what `backward` needs.
    public func forward(_ batch: [QPParameters]) throws(QPLayerError) -> [Solution] {
        let count = batch.count
        let results = Slots<Result<(Solution, Differentiator), QPLayerError>>(count: count)
        let chunks = min(workers, max(count, 1))
        let settings = solverSettings, diffSettings = differentiation
        let root: ADMMSolver
        var companions: [ADMMSolver] = []
        do {
            root = try ADMMSolver(problem: base, settings: settings)
            for _ in 0..<chunks { companions.append(try root.makeCompanion()) }
        } catch {
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
        var solutions: [Solution] = []
        var diffs: [Differentiator] = []
        for k in 0..<count {
            switch results[k] {
            case .success(let (s, d)): solutions.append(s); diffs.append(d)
            case .failure(let e): throw e
            case nil: throw .batchMismatch("internal: item \(k) was not processed")
            }
        }
        prepared = diffs
        symbolicAnalyses = root.profile?.symbolicAnalyses ?? 0
        return solutions
    }

    /// One item from the reset state (see the type's documentation).
    private static func run(_ p: QPParameters, item: Int, solver: ADMMSolver, settings: SolverSettings,
                            differentiation: DifferentiationSettings) -> Result<(Solution, Differentiator), QPLayerError> {
        do {
            // Values and the initial ρ in one numeric factorization (an adapted ρ of the previous
            // item is forgotten), then the vectors (a refactorization only if a row changes kind).
            try solver.update(PValues: p.PValues, AValues: p.AValues, resetRho: true)
            try solver.update(q: p.q, l: p.l, u: p.u)
        } catch {
            return .failure(.solver(item: item, "\(error)"))
        }
        let solution = solver.solve()
        do {
            let d = try Differentiator(solver: solver, solution: solution, settings: differentiation)
            try d.prepare()
            return .success((solution, d))
        } catch {
            return .failure(.derivative(item: item, error))
        }
    }

    /// Gradients for each item of the last forward batch. `dy` nil means zero.
    public func backward(dx: [[Double]], dy: [[Double]]? = nil) throws(QPLayerError) -> [(gradients: Gradients, info: BackwardInfo)] {
        let count = prepared.count
        guard dx.count == count, dy == nil || dy!.count == count else {
            throw .batchMismatch("\(dx.count) cotangents for a batch of \(count)")
        }
        let items = Slots<Differentiator>(count: count)
        for k in 0..<count { items[k] = prepared[k] }
        let results = Slots<Result<(gradients: Gradients, info: BackwardInfo), QPLayerError>>(count: count)
        let chunks = min(workers, max(count, 1))
        DispatchQueue.concurrentPerform(iterations: chunks) { w in
            let lo = w * count / chunks, hi = (w + 1) * count / chunks
            for k in lo..<hi {
                guard let d = items[k] else { continue }
                do throws(DerivativeError) { results[k] = .success(try d.adjoint(dx: dx[k], dy: dy?[k])) }
                catch { results[k] = .failure(.derivative(item: k, error)) }
            }
        }
        var out: [(gradients: Gradients, info: BackwardInfo)] = []
        for k in 0..<count {
            switch results[k] {
            case .success(let r): out.append(r)
            case .failure(let e): throw e
            case nil: throw .batchMismatch("internal: item \(k) was not processed")
            }
        }
        return out
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
