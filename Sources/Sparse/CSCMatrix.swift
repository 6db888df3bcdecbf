/// A real sparse matrix in compressed sparse column form: a `SparsityPattern` plus one value per entry.
///
/// Values may be changed in place (`values`) without touching the pattern; this is how data updates
/// reach a factorization that was analysed once for the pattern.
public struct CSCMatrix: Equatable, Sendable {
    public let pattern: SparsityPattern
    /// One value per entry of `pattern`, in pattern order. Explicit zeros are allowed.
    public var values: [Double]

    /// Checked constructor from a pattern and values: the counts must match and values must be finite.
    public init(pattern: SparsityPattern, values: [Double]) throws(SparseFormatError) {
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch("\(values.count) values for a pattern with \(pattern.nonzeroCount) entries")
        }
        for j in 0..<pattern.columnCount {
            for p in pattern.range(ofColumn: j) where !values[p].isFinite {
                throw .nonFiniteValue(row: pattern.rowIndices[p], column: j, value: values[p])
            }
        }
        self.pattern = pattern
        self.values = values
    }

    /// Checked constructor from raw CSC arrays (see `SparsityPattern` for the invariants).
    public init(rowCount: Int, columnCount: Int, columnPointers: [Int], rowIndices: [Int], values: [Double]) throws(SparseFormatError) {
        let pattern = try SparsityPattern(rowCount: rowCount, columnCount: columnCount,
                                          columnPointers: columnPointers, rowIndices: rowIndices)
        try self.init(pattern: pattern, values: values)
    }

    /// Unchecked constructor for internal use; the caller guarantees the invariants and finiteness.
    public init(uncheckedPattern pattern: SparsityPattern, values: [Double]) {
        self.pattern = pattern
        self.values = values
    }

    public var rowCount: Int { pattern.rowCount }
    public var columnCount: Int { pattern.columnCount }
    public var nonzeroCount: Int { pattern.nonzeroCount }
    public var columnPointers: [Int] { pattern.columnPointers }
    public var rowIndices: [Int] { pattern.rowIndices }

    /// The m×n matrix with no entries.
    public static func zeros(rowCount: Int, columnCount: Int) -> CSCMatrix {
        CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnCount,
                                                    columnPointers: Array(repeating: 0, count: columnCount + 1),
                                                    rowIndices: []), values: [])
    }

    /// The n×n identity scaled by `scale`.
    public static func identity(_ n: Int, scale: Double = 1) -> CSCMatrix {
        CSCMatrix(uncheckedPattern: SparsityPattern(uncheckedRowCount: n, columnCount: n,
                                                    columnPointers: Array(0...n), rowIndices: Array(0..<n)),
                  values: Array(repeating: scale, count: n))
    }

    /// The entry at (row, column); 0 if it is not in the pattern.
    public subscript(row: Int, column: Int) -> Double {
        pattern.position(row: row, column: column).map { values[$0] } ?? 0
    }

    /// Dense row-major copy (for tests and small problems only).
    public func dense() -> [[Double]] {
        var d = Array(repeating: Array(repeating: 0.0, count: columnCount), count: rowCount)
        for j in 0..<columnCount {
            for p in pattern.range(ofColumn: j) { d[pattern.rowIndices[p]][j] += values[p] }
        }
        return d
    }

    /// Throws `.nonFiniteValue` for the first NaN/Inf value.
    public func validateFinite() throws(SparseFormatError) {
        for j in 0..<columnCount {
            for p in pattern.range(ofColumn: j) where !values[p].isFinite {
                throw .nonFiniteValue(row: pattern.rowIndices[p], column: j, value: values[p])
            }
        }
    }
}
