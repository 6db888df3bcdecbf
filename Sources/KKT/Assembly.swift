import Sparse

// Assembly of the two factorized matrices with their index maps, and their symbolic analysis.

extension KKTSystem {
    /// Upper bound on the entries of the upper triangle of AᵀA: Σ_k r_k(r_k+1)/2 over the rows of A.
    static func reducedEntryBound(At: CSCMatrix) -> Int {
        var total = 0
        for k in 0..<At.columnCount {
            let r = At.columnPointers[k + 1] - At.columnPointers[k]
            let (half, o1) = (r * (r + 1) / 2).addingReportingOverflow(total)
            if o1 { return Int.max }
            total = half
        }
        return total
    }

    /// Lower triangle of K = [P+σI, Aᵀ; A, −diag(1/ρ)] (stored lower: one permuted transpose per
    /// numeric factorization instead of two, see `CholmodFactorization`): column j < n holds row j
    /// of P's upper triangle (rows ≥ j, the diagonal first) and column j of A (rows n + i, the A
    /// block); column n + i holds only the diagonal −1/ρ_i.
    static func analyseQuasiDefinite(P: CSCMatrix, A: CSCMatrix, ordering: OrderingChoice) throws(FactorizationError) -> (CholmodFactorization, Maps) {
        let n = P.columnCount, m = A.rowCount, dim = n + m
        let (pt, pToPt) = P.transposedWithMap()
        var cp = [Int](repeating: 0, count: dim + 1)
        var ri = [Int](); ri.reserveCapacity(P.nonzeroCount + A.nonzeroCount + dim)
        var ptToK = [Int](repeating: 0, count: pt.nonzeroCount)
        var aToK = [Int](repeating: 0, count: A.nonzeroCount)
        var diagonal = [Int](repeating: 0, count: dim)
        for j in 0..<n {
            let row = pt.pattern.range(ofColumn: j)
            if row.isEmpty || pt.rowIndices[row.lowerBound] != j {
                diagonal[j] = ri.count
                ri.append(j)
            }
            for q in row {
                let i = pt.rowIndices[q]
                if i == j { diagonal[j] = ri.count }
                ptToK[q] = ri.count
                ri.append(i)
            }
            for p in A.pattern.range(ofColumn: j) {
                aToK[p] = ri.count
                ri.append(n + A.rowIndices[p])
            }
            cp[j + 1] = ri.count
        }
        for i in 0..<m {
            diagonal[n + i] = ri.count
            ri.append(n + i)
            cp[n + i + 1] = ri.count
        }
        let pToK = pToPt.map { ptToK[$0] }
        let pattern = SparsityPattern(uncheckedRowCount: dim, columnCount: dim, columnPointers: cp, rowIndices: ri)
        let k = CSCMatrix(uncheckedPattern: pattern, values: [Double](repeating: 0, count: ri.count))
        let fact = try CholmodFactorization(triangle: k, isLower: true, kind: .simplicialLDLT, ordering: ordering)
        return (fact, .quasiDefinite(pToK: pToK, aToK: aToK, diagonal: diagonal))
    }

    /// Upper triangle of M = P + σI + Aᵀdiag(ρ)A: pattern(P) ∪ diagonal ∪ upper(pattern(AᵀA)).
    static func analyseReduced(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix,
                               ordering: OrderingChoice) throws(FactorizationError) -> (CholmodFactorization, Maps) {
        let n = P.columnCount
        var mark = [Int](repeating: -1, count: n)
        var cp = [Int](repeating: 0, count: n + 1)
        var ri = [Int](); ri.reserveCapacity(P.nonzeroCount + n)
        var column = [Int]()
        for j in 0..<n {
            column.removeAll(keepingCapacity: true)
            func add(_ i: Int) { if mark[i] != j { mark[i] = j; column.append(i) } }
            for p in P.pattern.range(ofColumn: j) { add(P.rowIndices[p]) }
            add(j)
            for p in A.pattern.range(ofColumn: j) {
                let k = A.rowIndices[p]
                for q in At.pattern.range(ofColumn: k) {
                    let i = At.rowIndices[q]
                    if i > j { break }
                    add(i)
                }
            }
            column.sort()
            ri.append(contentsOf: column)
            cp[j + 1] = ri.count
        }
        let pattern = SparsityPattern(uncheckedRowCount: n, columnCount: n, columnPointers: cp, rowIndices: ri)
        var pToM = [Int](repeating: 0, count: P.nonzeroCount)
        var diagonal = [Int](repeating: 0, count: n)
        for j in 0..<n {
            guard let d = pattern.position(row: j, column: j) else { throw .invalidParameter("internal: reduced pattern lacks a diagonal") }
            diagonal[j] = d
            for p in P.pattern.range(ofColumn: j) {
                guard let q = pattern.position(row: P.rowIndices[p], column: j) else { throw .invalidParameter("internal: reduced pattern lacks an entry of P") }
                pToM[p] = q
            }
        }
        let mat = CSCMatrix(uncheckedPattern: pattern, values: [Double](repeating: 0, count: ri.count))
        let fact = try CholmodFactorization(upper: mat, kind: .supernodalLLT, ordering: ordering)
        return (fact, .reduced(pToM: pToM, diagonal: diagonal, pattern: pattern))
    }
}
