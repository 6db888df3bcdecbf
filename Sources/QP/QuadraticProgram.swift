import Sparse

/// A convex quadratic program in the form solved by SparseQP:
///
///     minimize    ½ xᵀP x + qᵀx + r
///     subject to  l ≤ A x ≤ u
///
/// with x ∈ ℝⁿ, P symmetric n×n stored as its **upper triangle** (entries with row ≤ column), A m×n,
/// and bounds l, u ∈ (ℝ ∪ {±∞})ᵐ. Variable bounds are ordinary rows of A (identity rows); there is
/// no separate bound vector.
///
/// A value of this type is always valid: the checked initializer establishes
///
/// - P is square, q has n entries, A has n columns, l and u have m entries;
/// - every value of P, A and q, and r, is finite;
/// - l and u contain no NaN, lᵢ ≤ uᵢ, lᵢ ≠ +∞ and uᵢ ≠ −∞ (an infinite side means "no bound");
/// - P has no entry below the diagonal.
///
/// Infinity is `Double.infinity` in memory. File conventions such as "|v| ≥ 1e20 means infinite"
/// belong to the readers (`QPSReader`), not to this type: a finite 1e25 here stays finite.
/// Convexity (P positive semidefinite) is not checked; it is the solver's business.
public struct QuadraticProgram: Equatable, Sendable {
    /// How the `P` passed to the initializer is stored.
    public enum PForm: Equatable, Sendable {
        /// Only entries with row ≤ column; an entry below the diagonal is an error.
        case upperTriangle
        /// The full symmetric matrix; it must be exactly symmetric and its upper triangle is kept.
        case fullSymmetric
    }

    /// The quadratic cost, upper triangle (row ≤ column) of the symmetric n×n matrix.
    public let P: CSCMatrix
    /// The linear cost, n entries.
    public let q: [Double]
    /// The m×n constraint matrix.
    public let A: CSCMatrix
    /// Lower bounds of Ax, m entries (−∞ allowed).
    public let l: [Double]
    /// Upper bounds of Ax, m entries (+∞ allowed).
    public let u: [Double]
    /// The constant r of the objective.
    public let objectiveConstant: Double

    /// Validates and stores a problem. O(nnz(P) + nnz(A) + n + m); with `.fullSymmetric` one extra
    /// transpose of P.
    ///
    /// Checks are made in this order and the first failure is thrown: P square; sizes of q, A, l, u;
    /// finiteness of P, A, q, r; NaN, infinite sides and l ≤ u of every row; the form of P.
    /// The sparsity pattern invariants of `P` and `A` are those of `CSCMatrix` and are not re-checked.
    public init(P: CSCMatrix, q: [Double], A: CSCMatrix, l: [Double], u: [Double],
                objectiveConstant: Double = 0, pForm: PForm = .upperTriangle) throws(QPError) {
        guard P.rowCount == P.columnCount else {
            throw .pNotSquare(rowCount: P.rowCount, columnCount: P.columnCount)
        }
        let n = P.columnCount
        guard q.count == n else { throw .dimensionMismatch(array: "q", expected: n, got: q.count) }
        guard A.columnCount == n else {
            throw .dimensionMismatch(array: "A columns", expected: n, got: A.columnCount)
        }
        let m = A.rowCount
        guard l.count == m else { throw .dimensionMismatch(array: "l", expected: m, got: l.count) }
        guard u.count == m else { throw .dimensionMismatch(array: "u", expected: m, got: u.count) }

        if let (i, j) = Self.firstNonFinite(P) { throw .nonFiniteP(row: i, column: j) }
        if let (i, j) = Self.firstNonFinite(A) { throw .nonFiniteA(row: i, column: j) }
        for k in 0..<n where !q[k].isFinite { throw .nonFiniteQ(index: k) }
        guard objectiveConstant.isFinite else { throw .nonFiniteObjectiveConstant }

        for i in 0..<m {
            let lo = l[i], hi = u[i]
            if lo.isNaN { throw .nanInL(index: i) }
            if hi.isNaN { throw .nanInU(index: i) }
            if lo == .infinity { throw .lIsPlusInfinity(row: i) }
            if hi == -.infinity { throw .uIsMinusInfinity(row: i) }
            if lo > hi { throw .lGreaterThanU(row: i, l: lo, u: hi) }
        }

        switch pForm {
        case .upperTriangle:
            for j in 0..<n {
                let r = P.pattern.range(ofColumn: j)
                if let last = r.last, P.rowIndices[last] > j {
                    throw .pEntryBelowDiagonal(row: P.rowIndices[last], column: j)
                }
            }
            self.P = P
        case .fullSymmetric:
            if let (i, j) = Self.firstAsymmetry(P) { throw .pNotSymmetric(row: i, column: j) }
            self.P = Self.upperTriangle(of: P)
        }
        self.q = q
        self.A = A
        self.l = l
        self.u = u
        self.objectiveConstant = objectiveConstant
    }

    /// Number of variables.
    public var n: Int { P.columnCount }
    /// Number of rows of A (constraints, variable bounds included).
    public var m: Int { A.rowCount }

    /// ½xᵀPx + qᵀx + r. O(nnz(P) + n). Returns NaN when `x.count != n`.
    public func objective(at x: [Double]) -> Double {
        guard x.count == n else { return .nan }
        let px = P.symmetricUpperMultiply(x)
        var quadratic = 0.0, linear = 0.0
        for k in 0..<n {
            quadratic += x[k] * px[k]
            linear += q[k] * x[k]
        }
        return 0.5 * quadratic + linear + objectiveConstant
    }

    // MARK: - Helpers

    private static func firstNonFinite(_ M: CSCMatrix) -> (Int, Int)? {
        for j in 0..<M.columnCount {
            for p in M.pattern.range(ofColumn: j) where !M.values[p].isFinite {
                return (M.rowIndices[p], j)
            }
        }
        return nil
    }

    /// The first (row, column), in column-major order, where M[row, column] ≠ M[column, row]
    /// (an entry absent from the pattern counts as 0).
    private static func firstAsymmetry(_ M: CSCMatrix) -> (Int, Int)? {
        let t = M.transposed()
        for j in 0..<M.columnCount {
            var a = M.pattern.range(ofColumn: j).lowerBound
            let aEnd = M.pattern.range(ofColumn: j).upperBound
            var b = t.pattern.range(ofColumn: j).lowerBound
            let bEnd = t.pattern.range(ofColumn: j).upperBound
            while a < aEnd || b < bEnd {
                let ra = a < aEnd ? M.rowIndices[a] : Int.max
                let rb = b < bEnd ? t.rowIndices[b] : Int.max
                let row = min(ra, rb)
                let va = ra == row ? M.values[a] : 0
                let vb = rb == row ? t.values[b] : 0
                if va != vb { return (row, j) }
                if ra == row { a += 1 }
                if rb == row { b += 1 }
            }
        }
        return nil
    }

    /// The entries of M with row ≤ column.
    private static func upperTriangle(of M: CSCMatrix) -> CSCMatrix {
        var pointers = [Int](repeating: 0, count: M.columnCount + 1)
        var rows: [Int] = []
        var values: [Double] = []
        rows.reserveCapacity(M.nonzeroCount / 2 + M.columnCount)
        values.reserveCapacity(M.nonzeroCount / 2 + M.columnCount)
        for j in 0..<M.columnCount {
            for p in M.pattern.range(ofColumn: j) where M.rowIndices[p] <= j {
                rows.append(M.rowIndices[p])
                values.append(M.values[p])
            }
            pointers[j + 1] = rows.count
        }
        let pattern = SparsityPattern(uncheckedRowCount: M.rowCount, columnCount: M.columnCount,
                                      columnPointers: pointers, rowIndices: rows)
        return CSCMatrix(uncheckedPattern: pattern, values: values)
    }
}
