import Sparse

// The two forms of the linear system as assembled matrices (upper triangles) with the index maps
// that turn every update into in-place writes. Independent of the engine that factorizes them.

/// Upper triangle of K = [P+σI, Aᵀ; A, −diag(1/ρ)] ((n+m)×(n+m)): columns 0..<n hold P's upper
/// triangle and a diagonal entry; column n+i holds row i of A (the Aᵀ block) and the diagonal −1/ρ_i.
struct QuasiDefiniteAssembly {
    let pattern: SparsityPattern
    /// Position in K of each P entry, each A entry (in K's Aᵀ block), and the n + m diagonal entries.
    let pToK: [Int]
    let aToK: [Int]
    let diagonal: [Int]

    /// In the quasi-definite matrix a decoupled row (ρ = 0) gets the diagonal −1/rhoFloor: a
    /// diagonal far below any row's, so that ν_i ≈ 0 (the solve then sets ν_i = 0 exactly).
    static let rhoFloor = 1e-12

    init(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix, aToAt: [Int]) {
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
        pattern = SparsityPattern(uncheckedRowCount: dim, columnCount: dim, columnPointers: cp, rowIndices: ri)
        self.pToK = pToK
        self.aToK = aToK
        self.diagonal = diagonal
    }

    /// K's values in the pattern's order from the current P, A, σ and ρ.
    func fill(_ values: UnsafeMutableBufferPointer<Double>, from data: SystemData) {
        let n = data.n, m = data.m, P = data.P, A = data.A, parameters = data.parameters
        for p in 0..<values.count { values[p] = 0 }
        for p in 0..<P.nonzeroCount { values[pToK[p]] += P.values[p] }
        for p in 0..<A.nonzeroCount { values[aToK[p]] = A.values[p] }
        for j in 0..<n { values[diagonal[j]] += parameters.sigma }
        for i in 0..<m { values[diagonal[n + i]] = -1 / max(parameters.rho[i], Self.rhoFloor) }
    }
}

/// Upper triangle of M = P + σI + Aᵀdiag(ρ)A (n×n): pattern(P) ∪ diagonal ∪ upper(pattern(AᵀA)).
struct ReducedAssembly {
    let pattern: SparsityPattern
    /// Position in M of each P entry and of the n diagonal entries.
    let pToM: [Int]
    let diagonal: [Int]

    /// Upper bound on the entries of the upper triangle of AᵀA: Σ_k r_k(r_k+1)/2 over the rows of A.
    static func entryBound(At: CSCMatrix) -> Int {
        var total = 0
        for k in 0..<At.columnCount {
            let r = At.columnPointers[k + 1] - At.columnPointers[k]
            let (half, o1) = (r * (r + 1) / 2).addingReportingOverflow(total)
            if o1 { return Int.max }
            total = half
        }
        return total
    }

    init(P: CSCMatrix, A: CSCMatrix, At: CSCMatrix) throws(FactorizationError) {
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
        self.pattern = pattern
        self.pToM = pToM
        self.diagonal = diagonal
    }

    /// M's values, column by column with the dense accumulator `acc` (n entries): O(Σ_k r_k²/2) flops.
    func fill(_ values: UnsafeMutableBufferPointer<Double>, from data: SystemData, accumulator acc: UnsafeMutableBufferPointer<Double>) {
        let n = data.n, A = data.A, At = data.At, P = data.P, sigma = data.parameters.sigma
        pattern.columnPointers.withUnsafeBufferPointer { mp in
        pattern.rowIndices.withUnsafeBufferPointer { mi in
        A.pattern.columnPointers.withUnsafeBufferPointer { ap in
        A.pattern.rowIndices.withUnsafeBufferPointer { ai in
        A.values.withUnsafeBufferPointer { av in
        At.pattern.columnPointers.withUnsafeBufferPointer { tp in
        At.pattern.rowIndices.withUnsafeBufferPointer { ti in
        At.values.withUnsafeBufferPointer { tv in
        data.parameters.rho.withUnsafeBufferPointer { rho in
            for j in 0..<n {
                for p in mp[j]..<mp[j + 1] { acc[mi[p]] = 0 }
                acc[j] += sigma
                for p in ap[j]..<ap[j + 1] {
                    let k = ai[p]
                    let f = rho[k] * av[p]
                    if f == 0 { continue }
                    for q in tp[k]..<tp[k + 1] {
                        let i = ti[q]
                        if i > j { break }
                        acc[i] += tv[q] * f
                    }
                }
                for p in mp[j]..<mp[j + 1] { values[p] = acc[mi[p]] }
            }
        }}}}}}}}}
        for p in 0..<P.nonzeroCount { values[pToM[p]] += P.values[p] }
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
