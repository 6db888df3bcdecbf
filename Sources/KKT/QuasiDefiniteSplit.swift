import Sparse

/// The split of a quasi-definite matrix into the data of the linear system (`LinearSystemFactory.splitQuasiDefinite`).
enum QuasiDefiniteSplit {
    /// Splits the upper triangle of a symmetric quasi-definite matrix
    ///
    ///     K = [H   Bᵀ       ]   (H n×n, B m×n, c > 0)
    ///         [B  −diag(c)  ]
    ///
    /// into the data of the ADMM system: P = upper(H), A = B, ρ = 1/c. Then
    /// `LinearSystemFactory.make(P: P, A: A, parameters: KKTParameters(sigma: 0, rho: rho))` factorizes exactly K
    /// (with either strategy: `.quasiDefinite` assembles K itself, `.reduced` factorizes
    /// H + Bᵀdiag(1/c)B).
    ///
    /// **Detection of n.** The trailing block is the longest suffix of columns n..<n+m such that every
    /// column j in it has a negative diagonal entry and no other nonzero entry in a row ≥ n (the block
    /// is diagonal). Explicit zeros off the diagonal of the trailing block are dropped; everything else
    /// is kept, explicit zeros included. A matrix without negative trailing diagonal gives m = 0.
    ///
    /// **Requirements**, each checked with an explanation in the error:
    /// - `upper` is square (`.dimensionMismatch`), stored as its upper triangle and finite
    ///   (`.invalidParameter`);
    /// - every diagonal entry of H is present and positive (`.strategyUnavailable`): a negative diagonal
    ///   before the trailing block (for example a negative diagonal followed by a positive one), a zero
    ///   or missing diagonal (also one that interrupts the trailing block), or an off-diagonal entry
    ///   that couples two negative-diagonal columns, means the matrix is not of the form above;
    /// - 1/c is finite (a subnormal c overflows; `.strategyUnavailable`).
    ///
    /// Positive diagonals of H are necessary, not sufficient, for H to be positive definite; a
    /// factorization of a matrix that passes the split but is not quasi-definite fails with
    /// `.inertia` (kkt) or `.notPositiveDefinite` (reduced).
    ///
    /// Cost: O(nnz + n + m) time, plus one transpose of B; allocates the three results only.
    static func split(_ upper: CSCMatrix) throws(FactorizationError) -> (P: CSCMatrix, A: CSCMatrix, rho: [Double]) {
        let dim = upper.columnCount
        guard upper.rowCount == dim else {
            throw .dimensionMismatch("matrix is \(upper.rowCount)×\(upper.columnCount), expected square")
        }
        let cp = upper.columnPointers, ri = upper.rowIndices, values = upper.values

        // Diagonal value (nil if missing) and the largest row of a nonzero off-diagonal entry per column.
        var diagonal = [Double?](repeating: nil, count: dim)
        var lastOffDiagonalRow = [Int](repeating: -1, count: dim)
        for j in 0..<dim {
            for p in cp[j]..<cp[j + 1] {
                let i = ri[p], v = values[p]
                guard v.isFinite else { throw .invalidParameter("entry (\(i), \(j)) = \(v) is not finite") }
                if i > j {
                    throw .invalidParameter("entry (\(i), \(j)) lies below the diagonal: the matrix must be stored as its upper triangle")
                } else if i == j {
                    diagonal[j] = v
                } else if v != 0 {
                    lastOffDiagonalRow[j] = max(lastOffDiagonalRow[j], i)
                }
            }
        }

        // Longest feasible suffix. Feasibility is monotone in n (a shorter suffix of a feasible one is
        // feasible), so scan downwards and stop at the first column that cannot join.
        enum Stop { case none, diagonalNotNegative(column: Int), coupling(row: Int, column: Int) }
        var n = dim
        var stop = Stop.none
        var couplingRow = -1, couplingColumn = -1  // the off-diagonal entry of largest row in the suffix
        while n > 0 {
            let j = n - 1
            guard let d = diagonal[j], d < 0 else { stop = .diagonalNotNegative(column: j); break }
            if lastOffDiagonalRow[j] > couplingRow { couplingRow = lastOffDiagonalRow[j]; couplingColumn = j }
            // Columns j+1..<dim joined with their entries in rows < j+1; now they need rows < j.
            if couplingRow >= j, couplingColumn > j {
                stop = .coupling(row: couplingRow, column: couplingColumn)
                break
            }
            n = j
        }
        let m = dim - n

        // The leading block must have a positive diagonal. Report the root cause of the first failure.
        if let j = (0..<n).first(where: { !((diagonal[$0] ?? 0) > 0) }) {
            func entry(_ k: Int) -> String {
                let state = diagonal[k].map { $0 == 0 ? "is zero" : "= \($0)" } ?? "is missing"
                return "diagonal entry (\(k), \(k)) \(state)"
            }
            let block = m > 0 ? "the trailing negative-diagonal block is columns \(n)..<\(dim)" : "there is no trailing negative-diagonal block"
            let detail: String
            switch stop {
            case let .coupling(r, c):
                detail = "entry (\(r), \(c)) = \(upper[r, c]) couples two negative-diagonal columns (the trailing block must be diagonal), so \(block), and \(entry(j)) is not positive although column \(j) belongs to H"
            case let .diagonalNotNegative(s) where !((diagonal[s] ?? 0) > 0):
                detail = "\(entry(s)), but every diagonal entry must be positive (in H) or negative (in the trailing block); \(block)"
                    + (s != j ? ", and \(entry(j)) before it is not positive either" : "")
            case let .diagonalNotNegative(s):
                if let d = diagonal[j], d < 0 {
                    detail = "a negative diagonal followed by a positive one: \(entry(j)) precedes \(entry(s)); \(block), so column \(j) belongs to H, which needs a positive diagonal"
                } else {
                    detail = "\(entry(j)), but H (columns 0..<\(n)) needs a positive diagonal; \(block)"
                }
            case .none:
                detail = "\(entry(j)) is not positive"  // unreachable: stop is .none only when n = 0
            }
            throw .strategyUnavailable("not a quasi-definite matrix [H, Bᵀ; B, −diag(c)] with c > 0: " + detail)
        }

        // P = columns 0..<n (all rows < n because the matrix is upper triangular).
        let pNonzeros = cp[n]
        let P = CSCMatrix(
            uncheckedPattern: SparsityPattern(uncheckedRowCount: n, columnCount: n,
                                              columnPointers: Array(cp[0...n]), rowIndices: Array(ri[0..<pNonzeros])),
            values: Array(values[0..<pNonzeros]))

        // Bᵀ (n×m): column i = column n+i restricted to rows < n (explicit zeros in rows ≥ n dropped).
        var btPointers = [Int](repeating: 0, count: m + 1)
        var btRows = [Int](), btValues = [Double]()
        btRows.reserveCapacity(cp[dim] - pNonzeros)
        btValues.reserveCapacity(cp[dim] - pNonzeros)
        var rho = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let j = n + i
            for p in cp[j]..<cp[j + 1] where ri[p] < n {
                btRows.append(ri[p])
                btValues.append(values[p])
            }
            btPointers[i + 1] = btRows.count
            let c = -(diagonal[j] ?? 0)  // present and negative by construction of the suffix
            let r = 1 / c
            guard r.isFinite, r > 0 else {
                throw .strategyUnavailable("diagonal entry (\(j), \(j)) = \(-c) of the trailing block is too small in magnitude: ρ = 1/\(c) is not finite")
            }
            rho[i] = r
        }
        let Bt = CSCMatrix(
            uncheckedPattern: SparsityPattern(uncheckedRowCount: n, columnCount: m, columnPointers: btPointers, rowIndices: btRows),
            values: btValues)
        return (P, Bt.transposed(), rho)
    }
}
