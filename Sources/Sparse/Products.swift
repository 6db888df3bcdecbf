// Sequential sparse matrix–vector products. Cost O(nnz) each; no allocation beyond the output.

extension CSCMatrix {
    /// y = A·x (y overwritten). Requires x.count == columnCount, y.count == rowCount.
    public func multiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<rowCount { y[i] = 0 }
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeBufferPointer { v in
                    for j in 0..<columnCount {
                        let xj = x[j]
                        if xj == 0 { continue }
                        for p in cp[j]..<cp[j + 1] { y[ri[p]] += v[p] * xj }
                    }
                }
            }
        }
    }

    /// y = Aᵀ·x (y overwritten). Requires x.count == rowCount, y.count == columnCount.
    public func transposeMultiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeBufferPointer { v in
                    for j in 0..<columnCount {
                        var s = 0.0
                        for p in cp[j]..<cp[j + 1] { s += v[p] * x[ri[p]] }
                        y[j] = s
                    }
                }
            }
        }
    }

    /// y = P·x for a symmetric P stored as its upper triangle (entries with row ≤ column; entries below
    /// the diagonal, if any, are ignored). y overwritten.
    public func symmetricUpperMultiply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<rowCount { y[i] = 0 }
        pattern.columnPointers.withUnsafeBufferPointer { cp in
            pattern.rowIndices.withUnsafeBufferPointer { ri in
                values.withUnsafeBufferPointer { v in
                    for j in 0..<columnCount {
                        let xj = x[j]
                        var s = 0.0
                        for p in cp[j]..<cp[j + 1] {
                            let i = ri[p]
                            if i < j {
                                y[i] += v[p] * xj
                                s += v[p] * x[i]
                            } else if i == j {
                                s += v[p] * xj
                            }
                        }
                        y[j] += s
                    }
                }
            }
        }
    }

    /// Array conveniences (allocate the result).
    public func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { multiply(xb, into: $0) } }
        return y
    }

    public func transposeMultiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: columnCount)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { transposeMultiply(xb, into: $0) } }
        return y
    }

    public func symmetricUpperMultiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rowCount)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { symmetricUpperMultiply(xb, into: $0) } }
        return y
    }

    /// xᵀMx for the symmetric M whose upper triangle this is.
    public func symmetricUpperQuadraticForm(_ x: [Double]) -> Double {
        zip(x, symmetricUpperMultiply(x)).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
