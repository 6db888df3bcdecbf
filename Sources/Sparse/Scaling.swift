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
