import KKT
import QP

/// Errors of the ADMM solver. Non-convexity and infeasibility are statuses, not errors.
public enum SolverError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSettings(String)
    /// A setting that only matters at setup was changed through `update(settings:)`.
    case settingNotUpdatable(String)
    case invalidProblem(QPError)
    case dimensionMismatch(String)
    case invalidData(String)
    case factorization(FactorizationError)

    public var description: String {
        switch self {
        case .invalidSettings(let m): return "invalid settings: \(m)"
        case .settingNotUpdatable(let m): return "setting cannot be changed after setup: \(m)"
        case .invalidProblem(let e): return "invalid problem: \(e)"
        case .dimensionMismatch(let m): return "dimension mismatch: \(m)"
        case .invalidData(let m): return "invalid data: \(m)"
        case .factorization(let e): return "factorization failed: \(e)"
        }
    }
}
