/// A raw CHOLMOD status code with the call that produced it (`Common->status` after the call).
public struct CholmodStatus: Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let function: String

    public var description: String {
        let meaning: String
        switch code {
        case 0: meaning = "ok"
        case -1: meaning = "method not installed"
        case -2: meaning = "out of memory"
        case -3: meaning = "integer overflow (problem too large)"
        case -4: meaning = "invalid input"
        case -5: meaning = "GPU problem"
        case 1: meaning = "matrix not positive definite"
        case 2: meaning = "diagonal entry of D or L is tiny"
        default: meaning = "unknown status"
        }
        return "\(function) returned CHOLMOD status \(code) (\(meaning))"
    }
}

/// Errors of the KKT module: bad input to a factorization, numerical failure, or a CHOLMOD failure.
public enum FactorizationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Arrays or matrices with inconsistent shapes.
    case dimensionMismatch(String)
    /// A parameter outside its documented range (σ < 0, ρ ≤ 0 or non-finite, a non-finite value …).
    case invalidParameter(String)
    /// The LDLᵀ factorization of the quasi-definite matrix did not have exactly `expectedPositive`
    /// positive and `expectedNegative` negative pivots. The (1,1) block P + σI is then not positive
    /// definite (P is not positive semidefinite on the problem, or σ = 0 with P singular), or the
    /// matrix is not quasi-definite.
    case inertia(positive: Int, negative: Int, zero: Int, expectedPositive: Int, expectedNegative: Int)
    /// The Cholesky factorization of the reduced matrix P + σI + Aᵀdiag(ρ)A (or of a matrix given
    /// for LLᵀ) broke down at the given column of the permuted matrix: the matrix is not positive definite.
    case notPositiveDefinite(column: Int)
    /// CHOLMOD reported a failure; the raw status is kept.
    case cholmod(CholmodStatus)
    /// MUMPS reported a failure (INFOG(1) < 0); the code, its detail and the phase are kept.
    case mumps(MUMPSStatus)
    /// The requested strategy cannot be used for this matrix (for example `.reduced` on a matrix
    /// whose (2,2) block is not diagonal).
    case strategyUnavailable(String)

    public var description: String {
        switch self {
        case .dimensionMismatch(let m): return "dimension mismatch: \(m)"
        case .invalidParameter(let m): return "invalid parameter: \(m)"
        case let .inertia(p, n, z, ep, en):
            return "LDLᵀ inertia (\(p) positive, \(n) negative, \(z) zero pivots) differs from the expected (\(ep), \(en)): P + σI is not positive definite (P not positive semidefinite on the problem) or the matrix is not quasi-definite"
        case .notPositiveDefinite(let c): return "Cholesky factorization failed at column \(c): the matrix is not positive definite"
        case .cholmod(let s): return s.description
        case .mumps(let s): return s.description
        case .strategyUnavailable(let m): return "strategy unavailable: \(m)"
        }
    }
}

/// A MUMPS failure: INFOG(1) < 0 with INFO(2) and the phase (JOB) that reported it.
public struct MUMPSStatus: Equatable, Sendable, CustomStringConvertible {
    public enum Phase: String, Sendable {
        case initialization, analysis, factorization, solve
    }

    /// INFOG(1) (negative), or an MPI error code for `.initialization`.
    public let code: Int
    /// INFO(2): the error's detail (a size, a rank, a count of pivots …; see `meaning`).
    public let detail: Int
    public let phase: Phase

    public init(code: Int, detail: Int, phase: Phase) {
        self.code = code
        self.detail = detail
        self.phase = phase
    }

    /// The meaning of the main codes (MUMPS 5.5 user guide, section "Error diagnostics").
    public var meaning: String {
        switch code {
        case -1: return "an error occurred on MPI process \(detail)"
        case -2: return "NNZ (entries of the matrix) is out of range (\(detail))"
        case -3: return "MUMPS was called with an invalid JOB (e.g. a factorization without analysis)"
        case -5: return "not enough memory for the real workspace during analysis (\(detail) requested)"
        case -6: return "the matrix is structurally singular (structural rank \(detail))"
        case -7: return "not enough memory for the integer workspace during analysis (\(detail) requested)"
        case -8: return "the integer workspace of the factorization is too small (ICNTL(14))"
        case -9: return "the real workspace of the factorization is too small (ICNTL(14), ICNTL(23))"
        case -10: return "the matrix is numerically singular (a zero pivot; \(detail) pivots eliminated before it)"
        case -11: return "the real workspace of the solve is too small"
        case -13: return "a memory allocation failed (\(detail) entries requested)"
        case -16: return "N (the matrix dimension) is out of range (\(detail))"
        case -19: return "the working memory limit ICNTL(23) is too small for the factorization"
        case -40: return "the matrix was declared positive definite (SYM = 1) but a non-positive pivot occurred"
        default:
            if phase == .initialization, code > 0 { return "MPI could not be initialized" }
            return "see the MUMPS user guide for INFOG(1) = \(code)"
        }
    }

    public var description: String {
        "MUMPS \(phase.rawValue) failed with INFOG(1) = \(code), INFO(2) = \(detail): \(meaning)"
    }
}
