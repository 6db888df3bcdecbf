extension CSCMatrix {
    /// Aᵀ in CSC form (equivalently A in CSR form). O(nnz + m + n).
    public func transposed() -> CSCMatrix {
        let (t, _) = transposedWithMap()
        return t
    }

    /// Aᵀ together with `map`, where `map[p]` is the position in Aᵀ's values of A's entry p,
    /// so that value updates of A can be written into Aᵀ in place: `t.values[map[p]] = a.values[p]`.
    public func transposedWithMap() -> (transpose: CSCMatrix, map: [Int]) {
        let m = rowCount, n = columnCount, nnz = nonzeroCount
        var counts = [Int](repeating: 0, count: m + 1)
        for i in pattern.rowIndices { counts[i + 1] += 1 }
        for i in 0..<m { counts[i + 1] += counts[i] }
        let tp = counts
        var next = counts
        var ti = [Int](repeating: 0, count: nnz)
        var tv = [Double](repeating: 0, count: nnz)
        var map = [Int](repeating: 0, count: nnz)
        for j in 0..<n {
            for p in pattern.range(ofColumn: j) {
                let i = pattern.rowIndices[p]
                let q = next[i]
                next[i] += 1
                ti[q] = j
                tv[q] = values[p]
                map[p] = q
            }
        }
        let pat = SparsityPattern(uncheckedRowCount: n, columnCount: m, columnPointers: tp, rowIndices: ti)
        return (CSCMatrix(uncheckedPattern: pat, values: tv), map)
    }
}
