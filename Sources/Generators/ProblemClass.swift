import Sparse
import QP

/// The benchmark problem classes: the seven classes of the OSQP benchmark suite
/// (Stellato et al., "OSQP: an operator splitting solver for quadratic programs", 2020; definitions
/// in the public repository osqp/osqp_benchmarks, `problem_classes/*.py`), and a sparse scaling
/// variant of each whose non-zeros per column stay bounded as the size grows and whose KKT matrix
/// factorizes with little fill (banded or local structure), so they reach 10⁶ variables.
///
/// Every instance is a deterministic function of (class, size, seed): the random numbers come from
/// `SeededGenerator`, not numpy, so the values differ from OSQP's Python generators while the
/// structure and the distributions follow their definitions. The deviations are listed on each
/// generator (files `RandomQP.swift`, `Portfolio.swift`, `Regression.swift`, `Control.swift`).
public enum ProblemClass: String, CaseIterable, Sendable {
    case random, eq, portfolio, lasso, huber, svm, control
    case randomSparse = "random-sparse", eqSparse = "eq-sparse", portfolioSparse = "portfolio-sparse",
         lassoSparse = "lasso-sparse", huberSparse = "huber-sparse", svmSparse = "svm-sparse",
         controlSparse = "control-sparse"

    /// What `size` means for this class, in one line.
    public var sizeMeaning: String {
        switch self {
        case .random: return "n variables (m = 10n inequality rows, density 0.15)"
        case .eq: return "n variables (m = n/2 equality rows, density 0.15)"
        case .portfolio: return "k factors (n = 100k assets; variables n + k)"
        case .lasso: return "n features (m = 100n data points; variables 2n + m)"
        case .huber: return "n features (m = 100n data points; variables n + 3m)"
        case .svm: return "n features (m = 100n data points; variables n + m)"
        case .control: return "nx states (nu = nx/2 inputs, horizon T = 10)"
        case .randomSparse: return "n variables (m = 10n rows; 3 entries per column of M, 3 per row of A)"
        case .eqSparse: return "n variables (m = n/2 equality rows; 3 entries per column of M, 3 per row of A)"
        case .portfolioSparse: return "n assets (n/100 sector factors + 1 market factor; variables n + factors)"
        case .lassoSparse: return "n features (m = n banded data rows; variables 2n + m)"
        case .huberSparse: return "n features (m = 2n banded data rows; variables n + 3m = 7n)"
        case .svmSparse: return "n features (m = n banded data rows in two classes; variables n + m)"
        case .controlSparse: return "horizon T (nx = 10 states, nu = 5 inputs; variables 15T + 10)"
        }
    }

    /// The exact number of variables n of the QP generated for `size` (meaningful for valid sizes;
    /// saturates at `Int.max` instead of overflowing).
    public func variableCount(size: Int) -> Int { dimensions(size: size).variables }

    /// The number of variables n and of rows m of A generated for `size` (saturating arithmetic).
    func dimensions(size s: Int) -> (variables: Int, rows: Int) {
        switch self {
        case .random, .randomSparse: return (s, Self.mul(10, s))
        case .eq, .eqSparse: return (s, s / 2)
        case .portfolio: return (Self.mul(101, s), Self.add(Self.mul(101, s), 1))
        case .portfolioSparse:
            let n = Self.add(s, Self.sectorCount(assets: s) + 1)
            return (n, Self.add(n, 1))
        case .lasso: return (Self.mul(102, s), Self.mul(102, s))
        case .huber: return (Self.mul(301, s), Self.mul(300, s))
        case .svm: return (Self.mul(101, s), Self.mul(200, s))
        case .lassoSparse: return (Self.mul(3, s), Self.mul(3, s))
        case .huberSparse: return (Self.mul(7, s), Self.mul(6, s))
        case .svmSparse: return (Self.mul(2, s), Self.mul(2, s))
        case .control, .controlSparse:
            let (nx, nu, t) = self == .control ? (s, s / 2, Self.denseHorizon)
                                               : (Self.sparseStates, Self.sparseInputs, s)
            // Variables: (T+1)·nx states, T·nu inputs. Rows: x_0 and T dynamics blocks ((T+1)·nx),
            // the state boxes ((T+1)·nx) and the input boxes (T·nu).
            let states = Self.mul(Self.add(t, 1), nx), inputs = Self.mul(t, nu)
            return (Self.add(states, inputs), Self.add(Self.mul(2, states), inputs))
        }
    }

    /// The smallest valid size and why.
    var minimumSize: (Int, String) {
        switch self {
        case .eq: return (2, "eq needs n ≥ 2 so that m = n/2 ≥ 1")
        case .control: return (2, "control needs nx ≥ 2 so that nu = nx/2 ≥ 1")
        case .randomSparse, .eqSparse: return (3, "\(rawValue) needs n ≥ 3 (3 entries per column of M and per row of A)")
        case .lassoSparse, .huberSparse, .svmSparse:
            return (Self.bandWidth, "\(rawValue) needs n ≥ \(Self.bandWidth) (the band width of the data matrix)")
        default: return (1, "the size must be positive")
        }
    }

    /// The largest accepted size: dense classes are limited to about 2·10⁸ stored entries (a few GB),
    /// sparse variants to 5·10⁷ variables.
    var maximumSize: Int {
        switch self {
        case .random: return 10_000       // P = MMᵀ is dense: n²/2 entries, A 1.5n²
        case .eq: return 20_000
        case .portfolio: return 2_000     // F: 50k² entries
        case .lasso, .huber, .svm: return 3_000 // data matrix 15n² entries
        case .control: return 1_000       // dense nx×nx blocks, O(nx³) setup
        default:
            // The largest size with at most 5·10⁷ variables (variableCount is increasing).
            let limit = 50_000_000
            var low = 1, high = limit
            while low < high {
                let mid = (low + high + 1) / 2
                if variableCount(size: mid) <= limit { low = mid } else { high = mid - 1 }
            }
            return low
        }
    }

    // Fixed parameters of the families.
    static let denseHorizon = 10
    static let sparseStates = 10
    static let sparseInputs = 5
    static let bandWidth = 8

    /// Sector factors of portfolio-sparse for n assets.
    static func sectorCount(assets n: Int) -> Int { max(1, n / 100) }

    private static func mul(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? .max : r
    }

    private static func add(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? .max : r
    }
}

/// The structure of a control (MPC) instance: x_{t+1} = Ad·x_t + Bd·u_t, x_0 = x0.
public struct ControlInstance: Sendable {
    public let nx: Int, nu: Int, horizon: Int
    /// Ad, nx×nx, row-major `[[row]]`.
    public let dynamics: [[Double]]
    /// Bd, nx×nu, row-major.
    public let input: [[Double]]
    /// The initial state x0 of the instance (the value of l = u on `initialStateRows`).
    public let initialState: [Double]
    /// The rows of A that fix x_0 = x0 (A has +1 at (row, stateIndex(0, i)), l = u = x0[i]).
    public let initialStateRows: Range<Int>

    /// The column of x_t[i], t in 0...horizon: states come first, t·nx + i.
    public func stateIndex(step t: Int, component i: Int) -> Int { t * nx + i }

    /// The column of u_t[k], t in 0..<horizon: after all states, (horizon + 1)·nx + t·nu + k.
    public func inputIndex(step t: Int, component k: Int) -> Int { (horizon + 1) * nx + t * nu + k }
}

/// The parameters of a lasso instance: minimize ‖y‖² + λ‖x‖₁ with y = Ad·x − b.
public struct LassoInstance: Sendable {
    public let lambda: Double
    /// ‖Adᵀb‖∞, the smallest λ for which x = 0 is optimal; `lambda` is lambdaMax/5.
    public let lambdaMax: Double
    /// The columns whose q entry equals λ (the t block, |x| ≤ t).
    public let penaltyColumns: Range<Int>
}

/// One generated instance.
public struct GeneratedProblem: Sendable {
    public let problemClass: ProblemClass
    public let size: Int
    public let seed: UInt64
    /// "\(class.rawValue)_n\(size)_s\(seed)".
    public let name: String
    public let program: QuadraticProgram
    /// Set for control and control-sparse.
    public let control: ControlInstance?
    /// Set for lasso and lasso-sparse.
    public let lasso: LassoInstance?
    /// A point the construction makes feasible (l ≤ Ax ≤ u up to rounding), for tests: see each
    /// generator. For control classes it is the zero-input trajectory, which satisfies the equality
    /// rows but is not guaranteed to stay inside the state box.
    let witness: [Double]
}

/// Errors of `generate`.
public enum GeneratorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The size is outside the class's valid range; the text says why.
    case invalidSize(ProblemClass, Int, String)
    /// The assembled program failed validation (a bug in the generator, never expected).
    case invalidProgram(ProblemClass, QPError)

    public var description: String {
        switch self {
        case .invalidSize(let c, let s, let why): return "invalid size \(s) for class \(c.rawValue): \(why)"
        case .invalidProgram(let c, let e): return "generator for \(c.rawValue) built an invalid program: \(e)"
        }
    }
}

/// Generates the instance of `problemClass` for `size` and `seed` (a deterministic function of the
/// three). Time and memory O(nnz(P) + nnz(A)) for every class except the dense P = MMᵀ of random and
/// eq (O(flops of MMᵀ)) and the O(nx³) setup of control.
public func generate(_ problemClass: ProblemClass, size: Int, seed: UInt64) throws(GeneratorError) -> GeneratedProblem {
    let (minimum, why) = problemClass.minimumSize
    guard size >= minimum else { throw .invalidSize(problemClass, size, why) }
    let maximum = problemClass.maximumSize
    guard size <= maximum else {
        throw .invalidSize(problemClass, size, "the largest accepted size for \(problemClass.rawValue) is \(maximum)")
    }
    var g = SeededGenerator(seed: seed)
    let parts: GeneratedParts
    do {
        switch problemClass {
        case .random: parts = try randomQP(n: size, sparse: false, using: &g)
        case .randomSparse: parts = try randomQP(n: size, sparse: true, using: &g)
        case .eq: parts = try equalityQP(n: size, sparse: false, using: &g)
        case .eqSparse: parts = try equalityQP(n: size, sparse: true, using: &g)
        case .portfolio: parts = try portfolio(factors: size, using: &g)
        case .portfolioSparse: parts = try sectorPortfolio(assets: size, using: &g)
        case .lasso: parts = try lasso(features: size, sparse: false, using: &g)
        case .lassoSparse: parts = try lasso(features: size, sparse: true, using: &g)
        case .huber: parts = try huber(features: size, sparse: false, using: &g)
        case .huberSparse: parts = try huber(features: size, sparse: true, using: &g)
        case .svm: parts = try svm(features: size, sparse: false, using: &g)
        case .svmSparse: parts = try svm(features: size, sparse: true, using: &g)
        case .control:
            parts = try control(states: size, inputs: size / 2, horizon: ProblemClass.denseHorizon, using: &g)
        case .controlSparse:
            parts = try control(states: ProblemClass.sparseStates, inputs: ProblemClass.sparseInputs,
                                horizon: size, using: &g)
        }
    } catch {
        throw .invalidProgram(problemClass, error)
    }
    // The assemblers build unchecked matrices; check the CSC invariants of the result once, O(nnz).
    for matrix in [parts.program.P, parts.program.A] {
        do {
            _ = try SparsityPattern(rowCount: matrix.rowCount, columnCount: matrix.columnCount,
                                    columnPointers: matrix.columnPointers, rowIndices: matrix.rowIndices)
        } catch {
            throw .invalidProgram(problemClass, .sparse(error))
        }
    }
    return GeneratedProblem(problemClass: problemClass, size: size, seed: seed,
                            name: "\(problemClass.rawValue)_n\(size)_s\(seed)",
                            program: parts.program, control: parts.control, lasso: parts.lasso,
                            witness: parts.witness)
}

/// What a class generator returns.
struct GeneratedParts {
    var program: QuadraticProgram
    var witness: [Double]
    var control: ControlInstance? = nil
    var lasso: LassoInstance? = nil
}
