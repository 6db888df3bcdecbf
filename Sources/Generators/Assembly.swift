// Building blocks of the generators: a column-by-column CSC builder, random sparse matrices with a
// fixed number of entries per column, banded data matrices and the upper triangle of M·Mᵀ.
// Everything is O(nnz) in time and memory apart from M·Mᵀ (O(flops), a dense accumulator of n).

import Sparse
import QP

/// Appends a CSC matrix column by column. Rows within a column must be appended in increasing
/// order (the CSC invariants are checked once on the finished program by `generate`).
struct ColumnAssembler {
    let rowCount: Int
    private var columnPointers: [Int] = [0]
    private var rowIndices: [Int] = []
    private var values: [Double] = []

    init(rowCount: Int, columns: Int, entries: Int) {
        self.rowCount = rowCount
        columnPointers.reserveCapacity(columns + 1)
        rowIndices.reserveCapacity(entries)
        values.reserveCapacity(entries)
    }

    @inline(__always) mutating func append(row: Int, _ value: Double) {
        rowIndices.append(row)
        values.append(value)
    }

    /// Appends the entries of column `column` of `matrix`, row indices shifted by `rowOffset`, values
    /// multiplied by `scale`.
    mutating func append(column: Int, of matrix: CSCMatrix, rowOffset: Int = 0, scale: Double = 1) {
        for p in matrix.pattern.range(ofColumn: column) {
            append(row: matrix.rowIndices[p] + rowOffset, scale * matrix.values[p])
        }
    }

    mutating func endColumn() { columnPointers.append(rowIndices.count) }

    /// The matrix (unchecked here: `generate` validates the final P and A patterns once).
    consuming func build() -> CSCMatrix {
        let pattern = SparsityPattern(uncheckedRowCount: rowCount, columnCount: columnPointers.count - 1,
                                      columnPointers: columnPointers, rowIndices: rowIndices)
        return CSCMatrix(uncheckedPattern: pattern, values: values)
    }
}

/// `count` copies of `value`.
func repeated(_ value: Double, _ count: Int) -> [Double] {
    [Double](repeating: value, count: count)
}

/// A diagonal n×n matrix (entries equal to 0 are left out of the pattern).
func diagonalMatrix(_ d: [Double]) -> CSCMatrix {
    var b = ColumnAssembler(rowCount: d.count, columns: d.count, entries: d.count)
    for (j, v) in d.enumerated() {
        if v != 0 { b.append(row: j, v) }
        b.endColumn()
    }
    return b.build()
}

/// A random `rows × columns` matrix with exactly `min(rows, perColumn)` entries in every column:
/// the rows of a column are a uniform random subset chosen by Floyd's algorithm (one `nextIndex`
/// per entry), sorted, then the values are drawn with `nextNormal()` in increasing row order.
func randomColumns<G: RandomNumberGenerator>(rows: Int, columns: Int, perColumn: Int,
                                             using g: inout G) -> CSCMatrix {
    let count = max(0, min(rows, perColumn))
    var mark = [Int](repeating: -1, count: rows)
    var pointers = [Int](repeating: 0, count: columns + 1)
    var rowIndices: [Int] = []
    var values: [Double] = []
    rowIndices.reserveCapacity(count * columns)
    values.reserveCapacity(count * columns)
    var chosen: [Int] = []
    chosen.reserveCapacity(count)
    for j in 0..<columns {
        chosen.removeAll(keepingCapacity: true)
        // Floyd: for i = rows − count … rows − 1, take a random t ≤ i, or i itself if t is taken.
        for i in (rows - count)..<rows {
            let t = g.nextIndex(below: i + 1)
            let pick = mark[t] == j ? i : t
            mark[pick] = j
            chosen.append(pick)
        }
        chosen.sort()
        for i in chosen {
            rowIndices.append(i)
            values.append(g.nextNormal())
        }
        pointers[j + 1] = rowIndices.count
    }
    let pattern = SparsityPattern(uncheckedRowCount: rows, columnCount: columns,
                                  columnPointers: pointers, rowIndices: rowIndices)
    return CSCMatrix(uncheckedPattern: pattern, values: values)
}

/// `sprandn(rows, columns, density)` as used by these generators: exactly
/// max(1, round(density·rows)) entries per column (at most `rows`), standard normal values.
/// (scipy's `sparse.random` draws the total count and positions globally instead.)
func sprandn<G: RandomNumberGenerator>(rows: Int, columns: Int, density: Double,
                                       using g: inout G) -> CSCMatrix {
    let perColumn = max(1, Int((density * Double(rows)).rounded()))
    return randomColumns(rows: rows, columns: columns, perColumn: perColumn, using: &g)
}

/// The transpose of a banded `rows × columns` data matrix, i.e. one column per data row: row i has
/// `width` consecutive entries starting at clamp(i·columns/rows − width/2, 0, columns − width),
/// values `nextNormal()/√width` drawn row after row. Each column of the data matrix then has at
/// most about 1.5·width·columns/rows entries, whatever the size. Requires width ≤ columns.
func bandedTransposed<G: RandomNumberGenerator>(rows: Int, columns: Int, width: Int,
                                                using g: inout G) -> CSCMatrix {
    let scale = 1 / Double(width).squareRoot()
    var pointers = [Int](repeating: 0, count: rows + 1)
    var indices: [Int] = []
    var values: [Double] = []
    indices.reserveCapacity(rows * width)
    values.reserveCapacity(rows * width)
    for i in 0..<rows {
        let centre = i * columns / rows
        let start = min(max(centre - width / 2, 0), columns - width)
        for j in start..<(start + width) {
            indices.append(j)
            values.append(g.nextNormal() * scale)
        }
        pointers[i + 1] = indices.count
    }
    let pattern = SparsityPattern(uncheckedRowCount: columns, columnCount: rows,
                                  columnPointers: pointers, rowIndices: indices)
    return CSCMatrix(uncheckedPattern: pattern, values: values)
}

/// The upper triangle of M·Mᵀ + shift·I for a square M, built column by column with a dense
/// accumulator: column j is Σₖ M[j,k]·M[:,k] restricted to rows ≤ j, summed in increasing k. The
/// diagonal is always stored (explicitly, even where it is 0). Cost O(flops of M·Mᵀ + n); memory
/// O(nnz of the result + n). (Public for the test support target, which builds MᵀM with it.)
public func gramUpper(_ m: CSCMatrix, shift: Double) -> CSCMatrix {
    let n = m.rowCount
    let rowsOfM = m.transposed() // column j holds row j of M
    var accumulator = [Double](repeating: 0, count: n)
    var mark = [Int](repeating: -1, count: n)
    var touched: [Int] = []
    var b = ColumnAssembler(rowCount: n, columns: n, entries: 2 * m.nonzeroCount + n)
    let mRows = m.rowIndices, mValues = m.values
    for j in 0..<n {
        touched.removeAll(keepingCapacity: true)
        mark[j] = j; accumulator[j] = shift; touched.append(j)
        for p in rowsOfM.pattern.range(ofColumn: j) {
            let k = rowsOfM.rowIndices[p], a = rowsOfM.values[p]
            for q in m.pattern.range(ofColumn: k) {
                let i = mRows[q]
                if i > j { break } // rows are sorted
                if mark[i] != j { mark[i] = j; accumulator[i] = 0; touched.append(i) }
                accumulator[i] += a * mValues[q]
            }
        }
        touched.sort()
        for i in touched { b.append(row: i, accumulator[i]) }
        b.endColumn()
    }
    return b.build()
}

/// max_j |(Mᵀb)_j| for an m×n matrix M and b with m entries.
func maxAbsTransposeProduct(_ m: CSCMatrix, _ b: [Double]) -> Double {
    var best = 0.0
    for j in 0..<m.columnCount {
        var s = 0.0
        for p in m.pattern.range(ofColumn: j) { s += m.values[p] * b[m.rowIndices[p]] }
        best = max(best, abs(s))
    }
    return best
}

extension RandomNumberGenerator {
    /// `count` values of `nextNormal()`.
    mutating func normals(_ count: Int) -> [Double] {
        (0..<count).map { _ in nextNormal() }
    }

    /// `count` values of `nextUnit()`.
    mutating func units(_ count: Int) -> [Double] {
        (0..<count).map { _ in nextUnit() }
    }
}
