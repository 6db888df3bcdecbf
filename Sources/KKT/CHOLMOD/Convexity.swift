import Sparse

/// How a `SemidefinitenessTest` decided.
public enum SemidefinitenessMethod: String, Sendable, Equatable {
    /// P has no nonzero entry.
    case zero = "zero"
    /// P is diagonal: its diagonal decides.
    case diagonal = "diagonal"
    /// Every Gershgorin disc of P lies right of −τ·max|Pᵢⱼ|, or a diagonal entry is below it.
    case gershgorin = "gershgorin"
    /// A factorization of P + τ·max|Pᵢⱼ|·I decided (dense Cholesky of small or dense blocks,
    /// simplicial LDLᵀ with AMD ordering of the others).
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
/// P is block diagonal over the connected components of its off-diagonal non-zeros, and is positive
/// semidefinite iff every block is. Cheap tests decide each block in O(nnz(P)): a diagonal entry
/// below −δ (then eᵢ is a direction of negative curvature), or every Gershgorin disc of the block
/// right of −δ (covers zero, diagonal and diagonally dominant blocks). Only the blocks left undecided
/// are factorized: small or dense ones one by one with a dense Cholesky (`DenseCholesky`), the others
/// together by one simplicial LDLᵀ of their P + δI (AMD ordering; single-threaded, no BLAS, so it can
/// run beside other work), positive definite iff every pivot is positive. Its symbolic analysis is
/// kept while those columns stay the same (a test after new values of P then costs one numeric
/// factorization). When P + δI is not positive definite, the LDLᵀ gives a direction d = L⁻ᵀe_k with
/// dᵀ(P + δI)d = D_kk ≤ 0 at its first non-positive pivot.
///
/// Not thread-safe.
public final class SemidefinitenessTest {
    public let n: Int
    public let relativeTolerance: Double
    private let pattern: SparsityPattern
    /// The analysed submatrix of the undecided columns, kept for the next test.
    private var cached: Submatrix?

    /// P restricted to some columns (and the same rows), with its full diagonal, analysed for LDLᵀ.
    private struct Submatrix {
        let columns: [Int]
        let matrix: CSCMatrix
        /// Slot in `matrix` of each entry of P inside the submatrix (−1 outside it).
        let positions: [Int]
        let diagonal: [Int]
        /// Its simplicial LDLᵀ analysis (AMD).
        let factorization: CholmodFactorization
    }

    /// - Parameters:
    ///   - upper: the upper triangle of P (square); only its pattern is kept.
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
    }

    /// Tests the given values of P (on the pattern given at `init`).
    public func check(values: [Double]) throws(FactorizationError) -> SemidefinitenessVerdict {
        let t0 = ContinuousClock.now
        func verdict(_ psd: Bool, _ method: SemidefinitenessMethod, direction: [Double]? = nil,
                     curvature: Double? = nil) -> SemidefinitenessVerdict {
            let (s, a) = (ContinuousClock.now - t0).components
            return SemidefinitenessVerdict(isPositiveSemidefinite: psd, negativeCurvatureDirection: direction,
                                           curvature: curvature, method: method,
                                           seconds: Double(s) + Double(a) * 1e-18)
        }
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch("\(values.count) values for \(pattern.nonzeroCount) pattern entries of P")
        }
        var scale = 0.0
        for v in values {
            guard v.isFinite else { throw .invalidParameter("P has a non-finite value \(v)") }
            scale = max(scale, abs(v))
        }
        if scale == 0 { return verdict(true, .zero) }
        let delta = relativeTolerance * scale
        // Diagonal, Gershgorin radii and the components of the off-diagonal non-zeros (union–find).
        var diagonal = [Double](repeating: 0, count: n)
        var radius = [Double](repeating: 0, count: n)
        var parent = Array(0..<n)
        func root(_ j: Int) -> Int {
            var r = j
            while parent[r] != r { parent[r] = parent[parent[r]]; r = parent[r] }
            return r
        }
        var offDiagonal = false
        let rowIndices = pattern.rowIndices
        for j in 0..<n {
            for p in pattern.range(ofColumn: j) {
                let i = rowIndices[p], v = values[p]
                if i == j { diagonal[j] = v } else if v != 0 {
                    offDiagonal = true
                    radius[i] += abs(v)
                    radius[j] += abs(v)
                    let (a, b) = (root(i), root(j))
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
        }
        let cheap: SemidefinitenessMethod = offDiagonal ? .gershgorin : .diagonal
        if let j = (0..<n).min(by: { diagonal[$0] < diagonal[$1] }), diagonal[j] < -delta {
            var d = [Double](repeating: 0, count: n)
            d[j] = 1
            return verdict(false, cheap, direction: d, curvature: diagonal[j])
        }
        // A component is decided when all its Gershgorin discs lie right of −δ.
        var undecided = [Bool](repeating: false, count: n)
        for j in 0..<n where diagonal[j] - radius[j] < -delta { undecided[root(j)] = true }
        // Undecided components, each with its columns (ascending) and its number of stored entries.
        var slot = [Int](repeating: -1, count: n)
        var components: [(columns: [Int], entries: Int)] = []
        for j in 0..<n where undecided[root(j)] {
            let r = root(j)
            if slot[r] < 0 { slot[r] = components.count; components.append(([], 0)) }
            components[slot[r]].columns.append(j)
            components[slot[r]].entries += pattern.range(ofColumn: j).count
        }
        if components.isEmpty { return verdict(true, cheap) }
        // Small or dense blocks: one dense Cholesky each; the rest: one sparse LDLᵀ.
        var sparseColumns: [Int] = []
        var local = [Int](repeating: -1, count: n)
        for (columns, entries) in components {
            let b = columns.count
            let dense = b <= Self.denseSizeAlways
                || (b <= Self.denseSizeLimit && Double(entries) >= Self.denseFill * Double(b * (b + 1) / 2))
            guard dense else { sparseColumns += columns; continue }
            if !Self.denseCholeskySucceeds(pattern: pattern, values: values, columns: columns, shift: delta, local: &local) {
                return try nonPositiveDefinite(columns: columns, values: values, delta: delta, verdict: verdict)
            }
        }
        if sparseColumns.isEmpty { return verdict(true, .cholesky) }
        sparseColumns.sort()
        // LDLᵀ of P + δI on the remaining columns: positive definite iff every pivot is positive.
        // δ = 0 (τ = 0) asks for strict definiteness.
        let sub: Submatrix
        if let c = cached, c.columns == sparseColumns { sub = c } else {
            sub = try Self.submatrix(of: pattern, columns: sparseColumns)
            cached = sub
        }
        Self.fill(sub.factorization.values, sub: sub, values: values, shift: delta)
        try sub.factorization.factorize()
        return direction(from: sub.factorization, columns: sparseColumns, values: values, verdict: verdict)
    }

    /// Blocks of at most this many columns are factorized dense whatever their fill (≤ 0.03 ms).
    static let denseSizeAlways = 64
    /// Larger blocks are factorized dense when they have at most this many columns (≈ 3.6 ms at the
    /// kernel's ≈ 6 GFlop/s) and their upper triangle is at least `denseFill` full, so that their
    /// sparse factor would be dense anyway: the dense kernel runs ~6× faster than the simplicial one
    /// and needs no analysis.
    static let denseSizeLimit = 400
    /// The fill (upper-triangle fraction) above which such a block counts as dense.
    static let denseFill = 0.25

    /// The verdict for P + δI not positive definite on `columns` (a union of components, found by
    /// the dense kernel): its simplicial LDLᵀ gives the direction.
    private func nonPositiveDefinite(columns: [Int], values: [Double], delta: Double,
                                     verdict: (Bool, SemidefinitenessMethod, [Double]?, Double?) -> SemidefinitenessVerdict)
        throws(FactorizationError) -> SemidefinitenessVerdict {
        let sub = try Self.submatrix(of: pattern, columns: columns)
        Self.fill(sub.factorization.values, sub: sub, values: values, shift: delta)
        try sub.factorization.factorize()
        let result = direction(from: sub.factorization, columns: columns, values: values, verdict: verdict)
        // Rounding can make the two factorizations disagree at the threshold; the dense one decided.
        return result.isPositiveSemidefinite ? verdict(false, .cholesky, nil, nil) : result
    }

    /// From a simplicial LDLᵀ of P + δI on `columns`: positive semidefinite when every pivot is
    /// positive; otherwise d = L⁻ᵀe_k at the first non-positive pivot (dᵀ(P + δI)d = D_kk ≤ 0), kept
    /// when dᵀPd < 0 checked against P itself.
    private func direction(from ldl: CholmodFactorization, columns: [Int], values: [Double],
                           verdict: (Bool, SemidefinitenessMethod, [Double]?, Double?) -> SemidefinitenessVerdict)
        -> SemidefinitenessVerdict {
        guard let (local, _) = ldl.firstNonPositivePivotDirection() else { return verdict(true, .cholesky, nil, nil) }
        let norm = local.reduce(0) { max($0, abs($1)) }
        guard norm.isFinite, norm > 0 else { return verdict(false, .cholesky, nil, nil) }
        var d = [Double](repeating: 0, count: n)
        for (k, j) in columns.enumerated() { d[j] = local[k] / norm }
        let curvature = CSCMatrix(uncheckedPattern: pattern, values: values).symmetricUpperQuadraticForm(d)
        return curvature < 0 ? verdict(false, .cholesky, d, curvature) : verdict(false, .cholesky, nil, nil)
    }

    /// Writes P's values on the submatrix (δ added on its diagonal) into `target`.
    private static func fill(_ target: UnsafeMutableBufferPointer<Double>, sub: Submatrix, values: [Double], shift: Double) {
        for k in 0..<target.count { target[k] = 0 }
        for (p, k) in sub.positions.enumerated() where k >= 0 { target[k] = values[p] }
        for k in sub.diagonal { target[k] += shift }
    }

    /// Dense Cholesky of P + δI on one component's columns (`DenseCholesky`).
    /// `local` is an n-array of −1 on entry and on return (scratch for the column numbering).
    private static func denseCholeskySucceeds(pattern: SparsityPattern, values: [Double], columns: [Int], shift: Double,
                                              local: inout [Int]) -> Bool {
        let b = columns.count
        for (k, j) in columns.enumerated() { local[j] = k }
        defer { for j in columns { local[j] = -1 } }
        // Column-major upper triangle.
        var a = [Double](repeating: 0, count: b * b)
        for (k, j) in columns.enumerated() {
            for p in pattern.range(ofColumn: j) {
                let i = local[pattern.rowIndices[p]]
                if i >= 0 { a[k * b + i] = values[p] }
            }
            a[k * b + k] += shift
        }
        return a.withUnsafeMutableBufferPointer { DenseCholesky.factorUpper($0, order: b) }
    }

    /// P's pattern restricted to `columns` (ascending, closed under P's off-diagonal pattern), with
    /// every diagonal entry present, and its symbolic analysis.
    private static func submatrix(of pattern: SparsityPattern, columns: [Int]) throws(FactorizationError) -> Submatrix {
        let n = pattern.columnCount, h = columns.count
        var local = [Int](repeating: -1, count: n)
        for (k, j) in columns.enumerated() { local[j] = k }
        var pointers = [Int](repeating: 0, count: h + 1)
        var rows: [Int] = []
        var positions = [Int](repeating: -1, count: pattern.nonzeroCount)
        var diagonal = [Int](repeating: 0, count: h)
        for (k, j) in columns.enumerated() {
            var hasDiagonal = false
            for p in pattern.range(ofColumn: j) {
                let i = local[pattern.rowIndices[p]]
                guard i >= 0 else { continue }
                if i == k { hasDiagonal = true; diagonal[k] = rows.count }
                positions[p] = rows.count
                rows.append(i)
            }
            if !hasDiagonal { diagonal[k] = rows.count; rows.append(k) }
            pointers[k + 1] = rows.count
        }
        let matrix: CSCMatrix
        do {
            matrix = try CSCMatrix(rowCount: h, columnCount: h, columnPointers: pointers, rowIndices: rows,
                                   values: [Double](repeating: 0, count: rows.count))
        } catch { throw .invalidParameter("P: \(error)") }
        let factorization = try CholmodFactorization(upper: matrix, kind: .simplicialLDLT, ordering: .amd)
        return Submatrix(columns: columns, matrix: matrix, positions: positions, diagonal: diagonal, factorization: factorization)
    }
}
