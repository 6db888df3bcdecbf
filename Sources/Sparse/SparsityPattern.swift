/// The sparsity pattern of a matrix in compressed sparse column (CSC) form, without values.
///
/// Invariants (checked by `init(rowCount:columnCount:columnPointers:rowIndices:)`):
/// - `rowCount >= 0`, `columnCount >= 0`;
/// - `columnPointers.count == columnCount + 1`, `columnPointers[0] == 0`, non-decreasing,
///   `columnPointers[columnCount] == rowIndices.count`;
/// - within each column, row indices are strictly increasing and in `0..<rowCount`.
///
/// A pattern is shared by many value arrays (a symbolic factorization is computed once per pattern).
public struct SparsityPattern: Hashable, Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public let columnPointers: [Int]
    public let rowIndices: [Int]

    /// Checked constructor: throws if any invariant above is violated.
    public init(rowCount: Int, columnCount: Int, columnPointers: [Int], rowIndices: [Int]) throws(SparseFormatError) {
        guard rowCount >= 0, columnCount >= 0 else {
            throw .dimensionMismatch("negative dimensions \(rowCount)×\(columnCount)")
        }
        guard columnPointers.count == columnCount + 1 else {
            throw .dimensionMismatch("columnPointers has \(columnPointers.count) entries, expected columnCount + 1 = \(columnCount + 1)")
        }
        guard columnPointers[0] == 0 else { throw .columnPointersNotMonotone(column: 0) }
        for j in 0..<columnCount where columnPointers[j + 1] < columnPointers[j] {
            throw .columnPointersNotMonotone(column: j)
        }
        guard columnPointers[columnCount] == rowIndices.count else {
            throw .dimensionMismatch("columnPointers[\(columnCount)] = \(columnPointers[columnCount]) but there are \(rowIndices.count) row indices")
        }
        for j in 0..<columnCount {
            var previous = -1
            for p in columnPointers[j]..<columnPointers[j + 1] {
                let i = rowIndices[p]
                guard i >= 0, i < rowCount else { throw .rowIndexOutOfRange(row: i, column: j, rowCount: rowCount) }
                guard i > previous else { throw .unsortedOrDuplicateIndices(row: i, column: j) }
                previous = i
            }
        }
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnPointers = columnPointers
        self.rowIndices = rowIndices
    }

    /// Unchecked constructor for internal use by code that builds valid patterns by construction.
    /// The invariants above are the caller's responsibility.
    public init(uncheckedRowCount rowCount: Int, columnCount: Int, columnPointers: [Int], rowIndices: [Int]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.columnPointers = columnPointers
        self.rowIndices = rowIndices
    }

    public var nonzeroCount: Int { rowIndices.count }

    /// The range of positions of column `j` in `rowIndices` (and in any value array on this pattern).
    @inlinable public func range(ofColumn j: Int) -> Range<Int> { columnPointers[j]..<columnPointers[j + 1] }

    /// Position of entry (row, column) in the value array, or nil if it is not in the pattern. O(log nnz(column)).
    public func position(row: Int, column: Int) -> Int? {
        guard row >= 0, row < rowCount, column >= 0, column < columnCount else { return nil }
        var lo = columnPointers[column], hi = columnPointers[column + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            let r = rowIndices[mid]
            if r == row { return mid }
            if r < row { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// True if every entry lies on or above the diagonal.
    public var isUpperTriangular: Bool {
        for j in 0..<columnCount {
            let r = range(ofColumn: j)
            if let last = r.last, rowIndices[last] > j { return false }
        }
        return true
    }
}
