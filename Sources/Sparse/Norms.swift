// Infinity norms of vectors, rows and columns (used by Ruiz equilibration and termination checks).
//
// Convention: a NaN anywhere in the input makes the affected norm NaN (it is never silently skipped),
// so divergence shows up in residual checks. Empty rows/columns have norm 0.

/// max |xᵢ| (0 for an empty vector, NaN if any entry is NaN). O(n), no allocation.
public func infinityNorm(_ x: UnsafeBufferPointer<Double>) -> Double {
    var m = 0.0
    for v in x { m = maxAbsolute(m, v) }
    return m
}

/// max |xᵢ| (0 for an empty vector, NaN if any entry is NaN). O(n), no allocation.
public func infinityNorm(_ x: [Double]) -> Double {
    x.withUnsafeBufferPointer { infinityNorm($0) }
}

/// max(m, |v|) where a NaN in either argument wins and stays.
@inline(__always)
func maxAbsolute(_ m: Double, _ v: Double) -> Double {
    let a = v.magnitude
    return (a > m || a.isNaN) ? a : m
}

extension CSCMatrix {
    /// ‖A[:, j]‖∞ for every column j. O(nnz + n).
    public func columnInfinityNorms() -> [Double] {
        var norms = [Double](repeating: 0, count: columnCount)
        norms.withUnsafeMutableBufferPointer { columnInfinityNorms(into: $0) }
        return norms
    }

    /// Writes ‖A[:, j]‖∞ into `norms[j]` (overwritten). Requires `norms.count >= columnCount`.
    /// O(nnz + n), no allocation.
    public func columnInfinityNorms(into norms: UnsafeMutableBufferPointer<Double>) {
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            values.withUnsafeBufferPointer { v in
                for j in 0..<columnCount {
                    var m = 0.0
                    for p in cp[j]..<cp[j + 1] { m = maxAbsolute(m, v[p]) }
                    norms[j] = m
                }
            }
        }
    }

    /// ‖A[i, :]‖∞ for every row i. O(nnz + m).
    public func rowInfinityNorms() -> [Double] {
        var norms = [Double](repeating: 0, count: rowCount)
        norms.withUnsafeMutableBufferPointer { rowInfinityNorms(into: $0) }
        return norms
    }

    /// Writes ‖A[i, :]‖∞ into `norms[i]` (overwritten). Requires `norms.count >= rowCount`.
    /// O(nnz + m), no allocation.
    public func rowInfinityNorms(into norms: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<rowCount { norms[i] = 0 }
        pattern.rowIndices.withUnsafeBufferPointer { ri in
            values.withUnsafeBufferPointer { v in
                for p in 0..<ri.count { norms[ri[p]] = maxAbsolute(norms[ri[p]], v[p]) }
            }
        }
    }

    /// Column infinity norms of the full symmetric matrix P whose upper triangle is stored here
    /// (entries below the diagonal are ignored, as in `symmetricUpperMultiply`). Since P is symmetric
    /// these are also its row norms. O(nnz + n).
    public func symmetricUpperColumnInfinityNorms() -> [Double] {
        var norms = [Double](repeating: 0, count: columnCount)
        norms.withUnsafeMutableBufferPointer { symmetricUpperColumnInfinityNorms(into: $0) }
        return norms
    }

    /// In-place variant of `symmetricUpperColumnInfinityNorms()`: `norms[j]` is overwritten.
    /// Requires a square matrix and `norms.count >= columnCount`. O(nnz + n), no allocation.
    public func symmetricUpperColumnInfinityNorms(into norms: UnsafeMutableBufferPointer<Double>) {
        for j in 0..<columnCount { norms[j] = 0 }
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeBufferPointer { v in
                    for j in 0..<columnCount {
                        for p in cp[j]..<cp[j + 1] {
                            let i = ri[p]
                            if i < j {
                                norms[j] = maxAbsolute(norms[j], v[p])
                                norms[i] = maxAbsolute(norms[i], v[p])
                            } else if i == j {
                                norms[j] = maxAbsolute(norms[j], v[p])
                            }
                        }
                    }
                }
            }
        }
    }
}
