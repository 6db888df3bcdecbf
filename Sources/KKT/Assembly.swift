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

    /// Upper triangle of K = [P+σI, Aᵀ; A, −diag(1/ρ)]: columns 0..<n hold P's upper triangle and a
    /// diagonal entry; column n+i holds row i of A (the Aᵀ block) and the diagonal −1/ρ_i.
    static func analyseQuasiDefinite(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix, aToAt: [Int],
                                     parameters: KKTParameters, ordering: OrderingChoice) throws(FactorizationError) -> (CholmodFactorization, Maps) {
        let n = P.columnCount, m = A.rowCount, dim = n + m
        var cp = [Int](repeating: 0, count: dim + 1)
        var ri = [Int](); ri.reserveCapacity(P.nonzeroCount + A.nonzeroCount + dim)
        var pToK = [Int](repeating: 0, count: P.nonzeroCount)
        var aToK = [Int](repeating: 0, count: A.nonzeroCount)
        var atToK = [Int](repeating: 0, count: At.nonzeroCount)
        var diagonal = [Int](repeating: 0, count: dim)
        appendColumnsWithDiagonal(of: P, rowIndices: &ri, columnPointers: &cp, positions: &pToK, diagonal: &diagonal)
        for i in 0..<m {
            for q in At.pattern.range(ofColumn: i) {
                atToK[q] = ri.count
                ri.append(At.rowIndices[q])
            }
            diagonal[n + i] = ri.count
            ri.append(n + i)
            cp[n + i + 1] = ri.count
        }
        for p in 0..<A.nonzeroCount { aToK[p] = atToK[aToAt[p]] }
        let pattern = SparsityPattern(uncheckedRowCount: dim, columnCount: dim, columnPointers: cp, rowIndices: ri)
        let k = CSCMatrix(uncheckedPattern: pattern, values: [Double](repeating: 0, count: ri.count))
        let fact = try CholmodFactorization(upper: k, kind: .simplicialLDLT, ordering: ordering)
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

/// Appends the n columns of P (upper triangle) to a CSC pattern under construction whose first n
/// columns they become, inserting every missing diagonal entry: `positions[p]` receives the slot of
/// P's entry p, `diagonal[j]` the slot of (j, j), `columnPointers[j + 1]` the end of column j.
func appendColumnsWithDiagonal(of P: CSCMatrix, rowIndices ri: inout [Int], columnPointers cp: inout [Int],
                               positions: inout [Int], diagonal: inout [Int]) {
    for j in 0..<P.columnCount {
        var hasDiagonal = false
        for p in P.pattern.range(ofColumn: j) {
            let i = P.rowIndices[p]
            if i == j { hasDiagonal = true; diagonal[j] = ri.count }
            positions[p] = ri.count
            ri.append(i)
        }
        if !hasDiagonal { diagonal[j] = ri.count; ri.append(j) }
        cp[j + 1] = ri.count
    }
}
