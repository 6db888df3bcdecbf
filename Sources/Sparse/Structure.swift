// Structural operations: symmetry checks, triangles, mirroring and block concatenation.
// Every operation here is O(nnz + m + n) unless stated otherwise and allocates only its result.

extension CSCMatrix {
    /// True if the matrix is square and equal to its transpose.
    ///
    /// Values are compared exactly. An entry present on one side only counts as equal to its mirror
    /// if it is an explicit zero (patterns may differ by explicit zeros). O(nnz + n), allocates a transpose.
    public var isSymmetric: Bool {
        rowCount == columnCount && firstAsymmetry() == nil
    }

    /// The upper triangle (entries with row ≤ column) of a symmetric matrix, keeping explicit zeros
    /// that lie on or above the diagonal.
    ///
    /// Throws `.dimensionMismatch` if the matrix is not square and `.notSymmetric(row:column:)` at the
    /// first entry (in column-major order) that differs from its mirror; see `isSymmetric` for the exact
    /// comparison. O(nnz + n).
    public func upperTriangle() throws(SparseFormatError) -> CSCMatrix {
        guard rowCount == columnCount else {
            throw .dimensionMismatch("upper triangle of a non-square \(rowCount)×\(columnCount) matrix")
        }
        if let (i, j) = firstAsymmetry() { throw .notSymmetric(row: i, column: j) }
        return upperTrianglePart()
    }

    /// The full symmetric matrix U + Uᵀ − diag(U) whose upper triangle is `upper`.
    ///
    /// Throws `.dimensionMismatch` if `upper` is not square and `.notUpperTriangular(row:column:)` for the
    /// first entry below the diagonal. Explicit zeros are mirrored like any other entry. O(nnz + n).
    public static func symmetricFull(fromUpper upper: CSCMatrix) throws(SparseFormatError) -> CSCMatrix {
        guard upper.rowCount == upper.columnCount else {
            throw .dimensionMismatch("symmetric matrix from a non-square \(upper.rowCount)×\(upper.columnCount) triangle")
        }
        try upper.checkUpperTriangular()
        return mirrorUpper(upper).full
    }

    /// Horizontal concatenation [B₀ B₁ …]. All blocks must have the same row count
    /// (`.dimensionMismatch` otherwise). An empty list gives the 0×0 matrix. O(total nnz + total columns).
    public static func hstack(_ blocks: [CSCMatrix]) throws(SparseFormatError) -> CSCMatrix {
        guard let first = blocks.first else { return .zeros(rowCount: 0, columnCount: 0) }
        let m = first.rowCount
        for (k, b) in blocks.enumerated() where b.rowCount != m {
            throw .dimensionMismatch("hstack: block \(k) has \(b.rowCount) rows, block 0 has \(m)")
        }
        let n = blocks.reduce(0) { $0 + $1.columnCount }
        let nnz = blocks.reduce(0) { $0 + $1.nonzeroCount }
        var cp = [Int](); cp.reserveCapacity(n + 1); cp.append(0)
        var ri = [Int](); ri.reserveCapacity(nnz)
        var vv = [Double](); vv.reserveCapacity(nnz)
        for b in blocks {
            let offset = ri.count
            for j in 0..<b.columnCount { cp.append(b.pattern.columnPointers[j + 1] + offset) }
            ri.append(contentsOf: b.pattern.rowIndices)
            vv.append(contentsOf: b.values)
        }
        let pattern = SparsityPattern(uncheckedRowCount: m, columnCount: n, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pattern, values: vv)
    }

    /// Vertical concatenation [B₀; B₁; …]. All blocks must have the same column count
    /// (`.dimensionMismatch` otherwise). An empty list gives the 0×0 matrix. O(total nnz + blocks · columns).
    public static func vstack(_ blocks: [CSCMatrix]) throws(SparseFormatError) -> CSCMatrix {
        guard let first = blocks.first else { return .zeros(rowCount: 0, columnCount: 0) }
        let n = first.columnCount
        for (k, b) in blocks.enumerated() where b.columnCount != n {
            throw .dimensionMismatch("vstack: block \(k) has \(b.columnCount) columns, block 0 has \(n)")
        }
        let m = blocks.reduce(0) { $0 + $1.rowCount }
        let nnz = blocks.reduce(0) { $0 + $1.nonzeroCount }
        var cp = [Int](); cp.reserveCapacity(n + 1); cp.append(0)
        var ri = [Int](); ri.reserveCapacity(nnz)
        var vv = [Double](); vv.reserveCapacity(nnz)
        for j in 0..<n {
            var rowOffset = 0
            for b in blocks {
                for p in b.pattern.range(ofColumn: j) {
                    ri.append(b.pattern.rowIndices[p] + rowOffset)
                    vv.append(b.values[p])
                }
                rowOffset += b.rowCount
            }
            cp.append(ri.count)
        }
        let pattern = SparsityPattern(uncheckedRowCount: m, columnCount: n, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pattern, values: vv)
    }

    /// The block-diagonal matrix diag(B₀, B₁, …) (blocks may be rectangular). An empty list gives the
    /// 0×0 matrix. O(total nnz + total columns).
    public static func blockDiagonal(_ blocks: [CSCMatrix]) -> CSCMatrix {
        let m = blocks.reduce(0) { $0 + $1.rowCount }
        let n = blocks.reduce(0) { $0 + $1.columnCount }
        let nnz = blocks.reduce(0) { $0 + $1.nonzeroCount }
        var cp = [Int](); cp.reserveCapacity(n + 1); cp.append(0)
        var ri = [Int](); ri.reserveCapacity(nnz)
        var vv = [Double](); vv.reserveCapacity(nnz)
        var rowOffset = 0
        for b in blocks {
            let entryOffset = ri.count
            for j in 0..<b.columnCount { cp.append(b.pattern.columnPointers[j + 1] + entryOffset) }
            for i in b.pattern.rowIndices { ri.append(i + rowOffset) }
            vv.append(contentsOf: b.values)
            rowOffset += b.rowCount
        }
        let pattern = SparsityPattern(uncheckedRowCount: m, columnCount: n, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pattern, values: vv)
    }
}

// MARK: - Internal helpers shared by Structure, MatrixMarket and the parallel operators.

extension CSCMatrix {
    /// The first (row, column), in column-major order, whose value differs from its mirror; nil if the
    /// matrix equals its transpose. Requires a square matrix. O(nnz + n).
    func firstAsymmetry() -> (Int, Int)? {
        let t = transposed()
        let ri = pattern.rowIndices, ti = t.pattern.rowIndices
        for j in 0..<columnCount {
            var p = pattern.columnPointers[j], pEnd = pattern.columnPointers[j + 1]
            var q = t.pattern.columnPointers[j], qEnd = t.pattern.columnPointers[j + 1]
            while p < pEnd || q < qEnd {
                let i = p < pEnd ? ri[p] : Int.max
                let k = q < qEnd ? ti[q] : Int.max
                if i == k {
                    if values[p] != t.values[q] { return (i, j) }
                    p += 1; q += 1
                } else if i < k {
                    if values[p] != 0 { return (i, j) }
                    p += 1
                } else {
                    if t.values[q] != 0 { return (k, j) }
                    q += 1
                }
            }
        }
        return nil
    }

    /// Throws `.notUpperTriangular` for the first entry below the diagonal (column-major order).
    func checkUpperTriangular() throws(SparseFormatError) {
        for j in 0..<columnCount {
            let r = pattern.range(ofColumn: j)
            if let last = r.last, pattern.rowIndices[last] > j {
                // Report the first offending entry of this column.
                for p in r where pattern.rowIndices[p] > j {
                    throw .notUpperTriangular(row: pattern.rowIndices[p], column: j)
                }
            }
        }
    }

    /// Entries with row ≤ column, without any check. O(nnz + n).
    func upperTrianglePart() -> CSCMatrix {
        var cp = [Int](); cp.reserveCapacity(columnCount + 1); cp.append(0)
        var ri = [Int](); ri.reserveCapacity(nonzeroCount)
        var vv = [Double](); vv.reserveCapacity(nonzeroCount)
        for j in 0..<columnCount {
            for p in pattern.range(ofColumn: j) where pattern.rowIndices[p] <= j {
                ri.append(pattern.rowIndices[p]); vv.append(values[p])
            }
            cp.append(ri.count)
        }
        let pat = SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnCount, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pat, values: vv)
    }

    /// Entries with row ≥ column, without any check. O(nnz + n).
    func lowerTrianglePart() -> CSCMatrix {
        var cp = [Int](); cp.reserveCapacity(columnCount + 1); cp.append(0)
        var ri = [Int](); ri.reserveCapacity(nonzeroCount)
        var vv = [Double](); vv.reserveCapacity(nonzeroCount)
        for j in 0..<columnCount {
            for p in pattern.range(ofColumn: j) where pattern.rowIndices[p] >= j {
                ri.append(pattern.rowIndices[p]); vv.append(values[p])
            }
            cp.append(ri.count)
        }
        let pat = SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnCount, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pat, values: vv)
    }

    /// Mirrors a square upper triangle U into the full symmetric F. Entries of U below the diagonal
    /// are ignored. `direct[p]` is the position in F of U's entry p (−1 if ignored); `mirror[p]` is the
    /// position of its mirror image (−1 on the diagonal or if ignored), so that a value update of U
    /// reaches F with `F[direct[p]] = U[p]; F[mirror[p]] = U[p]`. O(nnz + n).
    static func mirrorUpper(_ upper: CSCMatrix) -> (full: CSCMatrix, direct: [Int], mirror: [Int]) {
        let n = upper.columnCount
        let ucp = upper.pattern.columnPointers, uri = upper.pattern.rowIndices
        // Column j of F: U's column j (rows ≤ j), then the strictly upper entries of U's row j (rows > j).
        var counts = [Int](repeating: 0, count: n + 1)
        for j in 0..<n {
            for p in ucp[j]..<ucp[j + 1] {
                let i = uri[p]
                if i < j { counts[j + 1] += 1; counts[i + 1] += 1 } else if i == j { counts[j + 1] += 1 }
            }
        }
        for j in 0..<n { counts[j + 1] += counts[j] }
        let fcp = counts
        var next = counts
        let total = fcp[n]
        var fri = [Int](repeating: 0, count: total)
        var fv = [Double](repeating: 0, count: total)
        var direct = [Int](repeating: -1, count: upper.nonzeroCount)
        var mirror = [Int](repeating: -1, count: upper.nonzeroCount)
        // Pass 1: the upper part of every column, in order.
        for j in 0..<n {
            for p in ucp[j]..<ucp[j + 1] where uri[p] <= j {
                let q = next[j]; next[j] += 1
                fri[q] = uri[p]; fv[q] = upper.values[p]; direct[p] = q
            }
        }
        // Pass 2: mirrored entries; visiting U column by column appends rows j in increasing order.
        for j in 0..<n {
            for p in ucp[j]..<ucp[j + 1] where uri[p] < j {
                let i = uri[p]
                let q = next[i]; next[i] += 1
                fri[q] = j; fv[q] = upper.values[p]; mirror[p] = q
            }
        }
        let pat = SparsityPattern(uncheckedRowCount: n, columnCount: n, columnPointers: fcp, rowIndices: fri)
        return (CSCMatrix(uncheckedPattern: pat, values: fv), direct, mirror)
    }
}

extension CSCMatrix {
    /// The rows `rows` (in that order; each index in 0..<rowCount, repeats allowed) as a
    /// `rows.count × columnCount` matrix. Throws `.dimensionMismatch` for an index outside the matrix.
    /// O(nnz + rowCount + rows.count).
    public func selectingRows(_ rows: [Int]) throws(SparseFormatError) -> CSCMatrix {
        var positions = [[Int]](repeating: [], count: rowCount)
        for (k, i) in rows.enumerated() {
            guard i >= 0 && i < rowCount else { throw .dimensionMismatch("row \(i) selected from a matrix with \(rowCount) rows") }
            positions[i].append(k)
        }
        var cp = [0], ri: [Int] = [], vv: [Double] = []
        for j in 0..<columnCount {
            var column: [(Int, Double)] = []
            for p in pattern.range(ofColumn: j) {
                for k in positions[pattern.rowIndices[p]] { column.append((k, values[p])) }
            }
            column.sort { $0.0 < $1.0 }
            for (k, v) in column { ri.append(k); vv.append(v) }
            cp.append(ri.count)
        }
        let selected = SparsityPattern(uncheckedRowCount: rows.count, columnCount: columnCount, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: selected, values: vv)
    }
}
