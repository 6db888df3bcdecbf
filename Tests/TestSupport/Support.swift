// Shared helpers for the test targets: a deterministic random generator, random sparse matrices
// (general and positive semidefinite), and dense reference computations.
//
// Everything here depends only on the bits produced by `SeededGenerator.next()` (from Generators),
// never on how the standard library maps random bits to doubles or integers, so a seed gives the
// same matrices on every machine and Swift version.

import Sparse
// `SeededGenerator` (SplitMix64) and the machine-independent conversions `nextUnit`, `nextUniform`,
// `nextIndex` and `nextNormal` live in the Generators library; re-exported so that every target
// importing TestSupport sees them unchanged.
@_exported import Generators

// MARK: - Random numbers

/// `count` values uniform in [-1, 1).
public func randomVector<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> [Double] {
    (0..<count).map { _ in generator.nextUniform(-1, 1) }
}

// MARK: - Random sparse matrices

/// A random `rows × columns` sparse matrix.
///
/// Each column gets ⌊density·rows⌋ or ⌈density·rows⌉ distinct rows chosen uniformly (so the expected
/// number of entries is density·rows·columns), with values uniform in [-1, 1] and never exactly zero.
/// Rows and columns may be empty; `density` is clamped to [0, 1]. Cost O(nnz log(nnz per column) + rows).
public func randomSparse<G: RandomNumberGenerator>(rows: Int, columns: Int, density: Double,
                                                   using generator: inout G) -> CSCMatrix {
    let d = min(max(density, 0), 1)
    let expected = d * Double(rows)
    let base = Int(expected.rounded(.down))
    let fraction = expected - Double(base)
    var mark = [Int](repeating: -1, count: rows)
    var columnPointers = [0]
    columnPointers.reserveCapacity(columns + 1)
    var rowIndices: [Int] = []
    var values: [Double] = []
    var chosen: [Int] = []
    for j in 0..<columns {
        var count = base + (generator.nextUnit() < fraction ? 1 : 0)
        count = min(count, rows)
        chosen.removeAll(keepingCapacity: true)
        if count * 2 <= rows {
            while chosen.count < count {
                let i = generator.nextIndex(below: rows)
                if mark[i] != j { mark[i] = j; chosen.append(i) }
            }
            chosen.sort()
        } else {
            // Dense column: keep each row with the right probability of reaching `count` (selection sampling).
            var needed = count
            for i in 0..<rows where needed > 0 {
                if generator.nextIndex(below: rows - i) < needed { chosen.append(i); needed -= 1 }
            }
        }
        for i in chosen {
            var v = 0.0
            while v == 0 { v = generator.nextUniform(-1, 1) }
            rowIndices.append(i)
            values.append(v)
        }
        columnPointers.append(rowIndices.count)
    }
    let pattern = SparsityPattern(uncheckedRowCount: rows, columnCount: columns,
                                  columnPointers: columnPointers, rowIndices: rowIndices)
    return CSCMatrix(uncheckedPattern: pattern, values: values)
}

/// The upper triangle of P = MᵀM + shift·I for a random sparse n×n matrix M of the given density.
///
/// P is symmetric positive semidefinite, and positive definite when `shift > 0`. The diagonal is
/// always stored (explicitly, even where it is 0 with `shift == 0`). Cost O(flops of MᵀM + n).
public func randomPSDUpper<G: RandomNumberGenerator>(n: Int, density: Double, shift: Double,
                                                     using generator: inout G) -> CSCMatrix {
    let m = randomSparse(rows: n, columns: n, density: density, using: &generator)
    return gramUpper(m.transposed(), shift: shift) // MᵀM = (Mᵀ)(Mᵀ)ᵀ
}

// MARK: - Dense references

/// y = A·x for a dense row-major A (as returned by `CSCMatrix.dense()`).
public func denseMultiply(_ a: [[Double]], _ x: [Double]) -> [Double] {
    a.map { row in
        var s = 0.0
        for (aij, xj) in zip(row, x) { s += aij * xj }
        return s
    }
}

/// The product A·B of dense row-major matrices (`columns` is B's column count, needed when B has no rows).
public func denseMultiply(_ a: [[Double]], _ b: [[Double]], columns: Int) -> [[Double]] {
    a.map { row in
        var out = [Double](repeating: 0, count: columns)
        for (k, aik) in row.enumerated() where aik != 0 {
            for j in 0..<columns { out[j] += aik * b[k][j] }
        }
        return out
    }
}

/// Aᵀ of a dense row-major `rows × columns` matrix.
public func denseTranspose(_ a: [[Double]], columns: Int) -> [[Double]] {
    (0..<columns).map { j in a.map { $0[j] } }
}

/// The dense full symmetric matrix whose upper triangle is `upper` (entries below the diagonal ignored).
public func denseSymmetric(fromUpper upper: CSCMatrix) -> [[Double]] {
    var d = Array(repeating: Array(repeating: 0.0, count: upper.columnCount), count: upper.rowCount)
    for j in 0..<upper.columnCount {
        for p in upper.pattern.range(ofColumn: j) {
            let i = upper.rowIndices[p]
            if i < j { d[i][j] += upper.values[p]; d[j][i] += upper.values[p] }
            if i == j { d[i][i] += upper.values[p] }
        }
    }
    return d
}

/// max |aᵢ − bᵢ|; `.infinity` if the lengths differ; NaN if any difference is NaN.
public func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    var m = 0.0
    for (x, y) in zip(a, b) {
        let d = abs(x - y)
        if d.isNaN { return .nan }
        m = max(m, d)
    }
    return m
}

/// max |aᵢⱼ − bᵢⱼ| over dense matrices; `.infinity` if the shapes differ.
public func maxAbsDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    guard a.count == b.count else { return .infinity }
    var m = 0.0
    for (ra, rb) in zip(a, b) {
        let d = maxAbsDifference(ra, rb)
        if d.isNaN { return .nan }
        m = max(m, d)
    }
    return m
}

/// ‖x − reference‖∞ / ‖reference‖∞ (the absolute difference when the reference is 0).
public func relativeError(_ x: [Double], reference: [Double]) -> Double {
    let scale = reference.reduce(0.0) { max($0, abs($1)) }
    return maxAbsDifference(x, reference) / (scale > 0 ? scale : 1)
}

/// True if both arrays have the same length and identical bit patterns (distinguishes −0 from +0).
public func bitwiseEqual(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}

// MARK: - Row bounds

/// Bounds l ≤ a·x ≤ u around the row values `ax` that cycle by row index through the four row kinds:
/// equality (l = u = ax), lower-bounded only (gap uniform in [minGap, 1)), upper-bounded only (same),
/// two-sided (each side uniform in [0.1, 0.5) away). A point with A·x = ax is feasible.
public func cyclingRowBounds<G: RandomNumberGenerator>(around ax: [Double], minGap: Double,
                                                       using g: inout G) -> (l: [Double], u: [Double]) {
    var l = [Double](repeating: 0, count: ax.count), u = [Double](repeating: 0, count: ax.count)
    for i in 0..<ax.count {
        switch i % 4 {
        case 0: l[i] = ax[i]; u[i] = ax[i]
        case 1: l[i] = ax[i] - g.nextUniform(minGap, 1); u[i] = .infinity
        case 2: l[i] = -.infinity; u[i] = ax[i] + g.nextUniform(minGap, 1)
        default: l[i] = ax[i] - g.nextUniform(0.1, 0.5); u[i] = ax[i] + g.nextUniform(0.1, 0.5)
        }
    }
    return (l, u)
}
