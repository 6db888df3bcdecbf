/// Builds a CSC matrix from (row, column, value) triplets (COO). Duplicate entries are summed.
///
/// `build()` validates indices and finiteness and sorts each column: O(nnz + m + n).
public struct TripletBuilder: Sendable {
    public let rowCount: Int
    public let columnCount: Int
    public private(set) var rows: [Int] = []
    public private(set) var columns: [Int] = []
    public private(set) var values: [Double] = []

    public init(rowCount: Int, columnCount: Int) {
        self.rowCount = rowCount
        self.columnCount = columnCount
    }

    public mutating func reserveCapacity(_ n: Int) {
        rows.reserveCapacity(n); columns.reserveCapacity(n); values.reserveCapacity(n)
    }

    /// Adds `value` at (row, column); indices are checked by `build()`.
    public mutating func append(row: Int, column: Int, value: Double) {
        rows.append(row); columns.append(column); values.append(value)
    }

    public var count: Int { values.count }

    /// The matrix, with duplicates summed (an explicit zero stays in the pattern).
    public func build() throws(SparseFormatError) -> CSCMatrix {
        guard rowCount >= 0, columnCount >= 0 else {
            throw .dimensionMismatch("negative dimensions \(rowCount)×\(columnCount)")
        }
        for k in 0..<values.count {
            let i = rows[k], j = columns[k]
            guard j >= 0, j < columnCount else {
                throw .dimensionMismatch("column index \(j) out of range 0..<\(columnCount) (triplet \(k))")
            }
            guard i >= 0, i < rowCount else { throw .rowIndexOutOfRange(row: i, column: j, rowCount: rowCount) }
            guard values[k].isFinite else { throw .nonFiniteValue(row: i, column: j, value: values[k]) }
        }
        // Bucket by row (counting sort), then by column: gives columns with sorted rows.
        var rowStart = [Int](repeating: 0, count: rowCount + 1)
        for i in rows { rowStart[i + 1] += 1 }
        for i in 0..<rowCount { rowStart[i + 1] += rowStart[i] }
        var byRow = [Int](repeating: 0, count: values.count)
        var next = rowStart
        for k in 0..<values.count { byRow[next[rows[k]]] = k; next[rows[k]] += 1 }
        var colStart = [Int](repeating: 0, count: columnCount + 1)
        for j in columns { colStart[j + 1] += 1 }
        for j in 0..<columnCount { colStart[j + 1] += colStart[j] }
        var sorted = [Int](repeating: 0, count: values.count)
        var nextC = colStart
        for k in byRow { sorted[nextC[columns[k]]] = k; nextC[columns[k]] += 1 }
        // Compress duplicates.
        var cp = [Int](repeating: 0, count: columnCount + 1)
        var ri = [Int](); ri.reserveCapacity(values.count)
        var vv = [Double](); vv.reserveCapacity(values.count)
        for j in 0..<columnCount {
            var last = -1
            for q in colStart[j]..<colStart[j + 1] {
                let k = sorted[q]
                if rows[k] == last { vv[vv.count - 1] += values[k] } else {
                    ri.append(rows[k]); vv.append(values[k]); last = rows[k]
                }
            }
            cp[j + 1] = ri.count
        }
        let pat = SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnCount, columnPointers: cp, rowIndices: ri)
        return CSCMatrix(uncheckedPattern: pat, values: vv)
    }
}
