import Sparse

/// How a `SemidefinitenessTest` decided.
public enum SemidefinitenessMethod: String, Sendable, Equatable {
    /// P has no nonzero entry.
    case zero = "zero"
    /// P is diagonal: its diagonal decides.
    case diagonal = "diagonal"
    /// Every Gershgorin disc of P lies right of −τ·max|Pᵢⱼ|, or a diagonal entry is below it.
    case gershgorin = "gershgorin"
    /// A Cholesky factorization of P + τ·max|Pᵢⱼ|·I (supernodal LLᵀ, AMD ordering) decided.
    case cholesky = "cholesky"
}

/// The verdict of a `SemidefinitenessTest`.
public struct SemidefinitenessVerdict: Sendable, Equatable {
    /// P ⪰ −τ·max|Pᵢⱼ|·I, to the rounding of the test.
    public var isPositiveSemidefinite: Bool
    /// When not: a direction d (‖d‖∞ = 1) with dᵀPd < 0, if the test found one.
    public var negativeCurvatureDirection: [Double]?
    /// dᵀPd for that direction.
    public var curvature: Double?
    public var method: SemidefinitenessMethod
    /// Seconds spent in the test (including a first symbolic analysis, when one was made).
    public var seconds: Double
}

/// Checks that a symmetric matrix P (upper triangle) is positive semidefinite to a relative
/// tolerance τ: P is accepted when P + δI with δ = τ·max|Pᵢⱼ| is positive definite, i.e. when
/// λ_min(P) > −δ up to the rounding of a Cholesky factorization.
///
/// Cheap tests decide first, in O(nnz(P)): P = 0; a diagonal entry below −δ (then eᵢ is a direction
/// of negative curvature); every Gershgorin disc right of −δ (covers diagonal and diagonally
/// dominant P). Otherwise one supernodal Cholesky factorization of P + δI decides. Its symbolic
/// analysis is made on first need and kept, so a test after new values of P (same pattern) costs one
/// numeric factorization. When the Cholesky factorization breaks down, a simplicial LDLᵀ of the same
/// matrix gives a direction d with dᵀ(P + δI)d = D_kk ≤ 0 at its first non-positive pivot.
///
/// Not thread-safe.
public final class SemidefinitenessTest {
    public let n: Int
    public let relativeTolerance: Double
    /// P with its full diagonal, δ added when factorized; `pToM` maps P's entries into it.
    private let pattern: SparsityPattern
    private let shifted: CSCMatrix
    private let pToM: [Int]
    private let diagonalInM: [Int]
    private var cholesky: CholmodFactorization?

    /// - Parameters:
    ///   - upper: the upper triangle of P (square).
    ///   - relativeTolerance: τ ≥ 0.
    public init(upper: CSCMatrix, relativeTolerance: Double) throws(FactorizationError) {
        let n = upper.columnCount
        guard upper.rowCount == n else { throw .dimensionMismatch("P is \(upper.rowCount)×\(n), expected square") }
        guard upper.pattern.isUpperTriangular else { throw .invalidParameter("P must be stored as its upper triangle") }
        guard relativeTolerance.isFinite, relativeTolerance >= 0 else {
            throw .invalidParameter("relative tolerance must be finite and ≥ 0 (got \(relativeTolerance))")
        }
        self.n = n
        self.relativeTolerance = relativeTolerance
        self.pattern = upper.pattern
        // The pattern of P with every diagonal entry present (the shift needs them).
        var pointers = [Int](repeating: 0, count: n + 1)
        var rows: [Int] = []
        rows.reserveCapacity(upper.nonzeroCount + n)
        var pToM = [Int](repeating: 0, count: upper.nonzeroCount)
        var diagonal = [Int](repeating: 0, count: n)
        appendColumnsWithDiagonal(of: upper, rowIndices: &rows, columnPointers: &pointers, positions: &pToM, diagonal: &diagonal)
        do {
            shifted = try CSCMatrix(rowCount: n, columnCount: n, columnPointers: pointers, rowIndices: rows,
                                    values: [Double](repeating: 0, count: rows.count))
        } catch { throw .invalidParameter("P: \(error)") }
        self.pToM = pToM
        self.diagonalInM = diagonal
    }

    /// Tests the given values of P (on the pattern given at `init`).
    public func check(values: [Double]) throws(FactorizationError) -> SemidefinitenessVerdict {
        let t0 = ContinuousClock.now
        func elapsed() -> Double {
            let (s, a) = (ContinuousClock.now - t0).components
            return Double(s) + Double(a) * 1e-18
        }
        guard values.count == pToM.count else {
            throw .dimensionMismatch("\(values.count) values for \(pToM.count) pattern entries of P")
        }
        var scale = 0.0
        for v in values {
            guard v.isFinite else { throw .invalidParameter("P has a non-finite value \(v)") }
            scale = max(scale, abs(v))
        }
        if scale == 0 {
            return SemidefinitenessVerdict(isPositiveSemidefinite: true, method: .zero, seconds: elapsed())
        }
        let delta = relativeTolerance * scale
        // Diagonal and Gershgorin tests on the full symmetric matrix.
        var diagonal = [Double](repeating: 0, count: n)
        var radius = [Double](repeating: 0, count: n)
        var offDiagonal = false
        let rowIndices = pattern.rowIndices
        for j in 0..<n {
            for p in pattern.range(ofColumn: j) {
                let i = rowIndices[p], v = values[p]
                if i == j { diagonal[j] = v } else if v != 0 {
                    offDiagonal = true
                    radius[i] += abs(v)
                    radius[j] += abs(v)
                }
            }
        }
        let method: SemidefinitenessMethod = offDiagonal ? .gershgorin : .diagonal
        if let j = (0..<n).min(by: { diagonal[$0] < diagonal[$1] }), diagonal[j] < -delta {
            var d = [Double](repeating: 0, count: n)
            d[j] = 1
            return SemidefinitenessVerdict(isPositiveSemidefinite: false, negativeCurvatureDirection: d,
                                           curvature: diagonal[j], method: method, seconds: elapsed())
        }
        if (0..<n).allSatisfy({ diagonal[$0] - radius[$0] >= -delta }) {
            return SemidefinitenessVerdict(isPositiveSemidefinite: true, method: method, seconds: elapsed())
        }
        // Cholesky of P + δI. δ = 0 (τ = 0) asks for strict definiteness; a PSD singular P then fails.
        var mValues = [Double](repeating: 0, count: shifted.nonzeroCount)
        for (p, k) in pToM.enumerated() { mValues[k] = values[p] }
        for k in diagonalInM { mValues[k] += delta }
        if cholesky == nil {
            cholesky = try CholmodFactorization(upper: shifted, kind: .supernodalLLT, ordering: .amd)
        }
        guard let cholesky else { throw .invalidParameter("no factorization") }
        let target = cholesky.values
        for k in 0..<mValues.count { target[k] = mValues[k] }
        do {
            try cholesky.factorize()
            return SemidefinitenessVerdict(isPositiveSemidefinite: true, method: .cholesky, seconds: elapsed())
        } catch {
            guard case .notPositiveDefinite = error else { throw error }
        }
        // Not positive definite: a direction from the first non-positive pivot of an LDLᵀ.
        var verdict = SemidefinitenessVerdict(isPositiveSemidefinite: false, method: .cholesky, seconds: 0)
        let ldl = try CholmodFactorization(upper: shifted, kind: .simplicialLDLT, ordering: .amd)
        let ldlValues = ldl.values
        for k in 0..<mValues.count { ldlValues[k] = mValues[k] }
        try ldl.factorize()
        if let (d, _) = ldl.firstNonPositivePivotDirection() {
            let norm = d.reduce(0) { max($0, abs($1)) }
            if norm.isFinite, norm > 0 {
                let unit = d.map { $0 / norm }
                if let matrix = try? CSCMatrix(pattern: pattern, values: values) {
                    let md = matrix.symmetricUpperMultiply(unit)
                    var curvature = 0.0
                    for j in 0..<n { curvature += unit[j] * md[j] }
                    if curvature < 0 {
                        verdict.negativeCurvatureDirection = unit
                        verdict.curvature = curvature
                    }
                }
            }
        }
        verdict.seconds = elapsed()
        return verdict
    }
}
