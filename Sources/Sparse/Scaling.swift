// Diagonal scaling of the values of a CSC matrix (Ruiz equilibration, cost scaling).
// The pattern never changes; every operation is O(nnz + n) and the in-place ones do not allocate.
//
// The scaling vectors are solver-internal data: their lengths are the caller's responsibility
// (`e.count == rowCount`, `d.count == columnCount`); a vector that is too short traps on the bounds check.

extension CSCMatrix {
    /// A ← diag(e)·A·diag(d), i.e. `A[i, j] *= e[i] * d[j]`, in place.
    ///
    /// Each value is multiplied as `(e[i] * a) * d[j]`, so scaling a symmetric upper triangle with
    /// `e == d` gives exactly the upper triangle of the scaled full matrix. O(nnz + n).
    public mutating func scale(rows e: [Double], columns d: [Double]) {
        e.withUnsafeBufferPointer { eb in d.withUnsafeBufferPointer { db in scale(rows: eb, columns: db) } }
    }

    /// Buffer variant of `scale(rows:columns:)`; no allocation.
    public mutating func scale(rows e: UnsafeBufferPointer<Double>, columns d: UnsafeBufferPointer<Double>) {
        let n = columnCount
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeMutableBufferPointer { v in
                    for j in 0..<n {
                        let dj = d[j]
                        for p in cp[j]..<cp[j + 1] { v[p] = (e[ri[p]] * v[p]) * dj }
                    }
                }
            }
        }
    }

    /// A ← diag(e)·A in place. O(nnz).
    public mutating func scaleRows(by e: [Double]) {
        pattern.rowIndices.withUnsafeBufferPointer { ri in
            values.withUnsafeMutableBufferPointer { v in
                for p in 0..<v.count { v[p] *= e[ri[p]] }
            }
        }
    }

    /// A ← A·diag(d) in place. O(nnz + n).
    public mutating func scaleColumns(by d: [Double]) {
        let n = columnCount
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            values.withUnsafeMutableBufferPointer { v in
                for j in 0..<n {
                    let dj = d[j]
                    for p in cp[j]..<cp[j + 1] { v[p] *= dj }
                }
            }
        }
    }

    /// A ← c·A in place. O(nnz).
    public mutating func scale(by c: Double) {
        values.withUnsafeMutableBufferPointer { v in
            for p in 0..<v.count { v[p] *= c }
        }
    }

    /// diag(e)·A·diag(d) as a new matrix on the same pattern. O(nnz + n).
    public func scaled(rows e: [Double], columns d: [Double]) -> CSCMatrix {
        var copy = self
        copy.scale(rows: e, columns: d)
        return copy
    }

    /// diag(e)·A as a new matrix on the same pattern. O(nnz).
    public func scaledRows(by e: [Double]) -> CSCMatrix {
        var copy = self
        copy.scaleRows(by: e)
        return copy
    }

    /// A·diag(d) as a new matrix on the same pattern. O(nnz + n).
    public func scaledColumns(by d: [Double]) -> CSCMatrix {
        var copy = self
        copy.scaleColumns(by: d)
        return copy
    }
}

// Fused scaling + norms: one sweep over the values where Ruiz equilibration would otherwise make
// three (column norms, row norms, scaling) per pass.
extension CSCMatrix {
    /// Column pointers, row indices and mutable values as buffers, for one sweep.
    @inline(__always)
    mutating func withSweepBuffers<R>(_ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeMutableBufferPointer<Double>) -> R) -> R {
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in values.withUnsafeMutableBufferPointer { body(cp, ri, $0) } }
        }
    }

    /// A[i, j] ← A[i, j]·(e[i]·d[j]) (the factors multiplied first), and the ∞-norms of the scaled
    /// columns into `columnNorms[j]` and of the scaled rows into `rowNorms[i]` (both overwritten;
    /// NaN propagates as in `columnInfinityNorms`). One sweep, O(nnz + m + n), no allocation.
    public mutating func scaleComputingInfinityNorms(rows e: UnsafeBufferPointer<Double>, columns d: UnsafeBufferPointer<Double>,
                                                     columnNorms: UnsafeMutableBufferPointer<Double>,
                                                     rowNorms: UnsafeMutableBufferPointer<Double>) {
        let n = columnCount
        for i in 0..<rowCount { rowNorms[i] = 0 }
        withSweepBuffers { cp, ri, v in
            for j in 0..<n {
                var norm = 0.0
                for p in cp[j]..<cp[j + 1] {
                    let i = ri[p]
                    v[p] *= e[i] * d[j]
                    norm = maxAbsolute(norm, v[p])
                    rowNorms[i] = maxAbsolute(rowNorms[i], v[p])
                }
                columnNorms[j] = norm
            }
        }
    }

    /// For the stored upper triangle of a symmetric P: P[i, j] ← P[i, j]·(d[i]·d[j]), and the column
    /// ∞-norms of the scaled full symmetric matrix into `norms` (as `symmetricUpperColumnInfinityNorms`;
    /// entries below the diagonal are scaled but not counted). One sweep, O(nnz + n), no allocation.
    public mutating func scaleSymmetricUpperComputingInfinityNorms(_ d: UnsafeBufferPointer<Double>,
                                                                   norms: UnsafeMutableBufferPointer<Double>) {
        let n = columnCount
        for j in 0..<n { norms[j] = 0 }
        withSweepBuffers { cp, ri, v in
            for j in 0..<n {
                for p in cp[j]..<cp[j + 1] {
                    let i = ri[p]
                    v[p] *= d[i] * d[j]
                    if i <= j { norms[j] = maxAbsolute(norms[j], v[p]) }
                    if i < j { norms[i] = maxAbsolute(norms[i], v[p]) }
                }
            }
        }
    }
}
