import Sparse
import Testing
import TestSupport

private func denseColumnNorms(_ d: [[Double]], columns: Int) -> [Double] {
    (0..<columns).map { j in d.reduce(0.0) { max($0, abs($1[j])) } }
}

private func denseRowNorms(_ d: [[Double]]) -> [Double] {
    d.map { $0.reduce(0.0) { max($0, abs($1)) } }
}

@Suite("Norms")
struct NormTests {
    @Test func vectorInfinityNorm() {
        #expect(infinityNorm([]) == 0)
        #expect(infinityNorm([1, -3, 2]) == 3)
        #expect(infinityNorm([-0.0]) == 0)
        #expect(infinityNorm([1, .nan, 5]).isNaN)
        #expect(infinityNorm([.nan, 5]).isNaN)
        #expect(infinityNorm([5, -.infinity]) == .infinity)
        let x: [Double] = [0.5, -7, 6]
        #expect(x.withUnsafeBufferPointer { infinityNorm($0) } == 7)
    }

    @Test func columnAndRowNormsMatchDense() {
        for a in randomMatrices(seed: 21) {
            let d = a.dense()
            #expect(a.columnInfinityNorms() == denseColumnNorms(d, columns: a.columnCount))
            #expect(a.rowInfinityNorms() == denseRowNorms(d))
        }
    }

    @Test func inPlaceNormsOverwrite() {
        let a = sampleMatrix()
        var c = [Double](repeating: 99, count: 4)
        c.withUnsafeMutableBufferPointer { a.columnInfinityNorms(into: $0) }
        #expect(c == [4, 3, 5, 6])
        var r = [Double](repeating: 99, count: 3)
        r.withUnsafeMutableBufferPointer { a.rowInfinityNorms(into: $0) }
        #expect(r == [2, 3, 6])
    }

    @Test func symmetricUpperColumnNormsMatchDense() {
        var g = SeededGenerator(seed: 22)
        for n in [0, 1, 5, 25] {
            let p = randomPSDUpper(n: n, density: 0.3, shift: 0, using: &g)
            let full = denseSymmetric(fromUpper: p)
            #expect(p.symmetricUpperColumnInfinityNorms() == denseColumnNorms(full, columns: n))
            var into = [Double](repeating: -1, count: n)
            into.withUnsafeMutableBufferPointer { p.symmetricUpperColumnInfinityNorms(into: $0) }
            #expect(into == denseColumnNorms(full, columns: n))
        }
    }

    @Test func matrixNormsPropagateNaN() throws {
        let pattern = try SparsityPattern(rowCount: 2, columnCount: 2, columnPointers: [0, 2, 2], rowIndices: [0, 1])
        let a = CSCMatrix(uncheckedPattern: pattern, values: [.nan, 1])
        #expect(a.columnInfinityNorms()[0].isNaN)
        #expect(a.columnInfinityNorms()[1] == 0)
        #expect(a.rowInfinityNorms()[0].isNaN && a.rowInfinityNorms()[1] == 1)
    }
}

@Suite("Scaling")
struct ScalingTests {
    @Test func scaleRowsAndColumnsMatchesDense() {
        var g = SeededGenerator(seed: 23)
        for a in randomMatrices(seed: 23) {
            let e = (0..<a.rowCount).map { _ in g.nextUniform(0.5, 2) }
            let d = (0..<a.columnCount).map { _ in g.nextUniform(0.5, 2) }
            var b = a
            b.scale(rows: e, columns: d)
            #expect(b.pattern == a.pattern)
            let reference = a.dense().enumerated().map { i, row in row.enumerated().map { j, v in e[i] * v * d[j] } }
            #expect(maxAbsDifference(b.dense(), reference) <= 1e-15)
            #expect(a.scaled(rows: e, columns: d) == b)
            // Row then column scaling gives the same matrix up to rounding.
            let rc = a.scaledRows(by: e).scaledColumns(by: d)
            #expect(maxAbsDifference(rc.dense(), reference) <= 1e-15)
        }
    }

    @Test func scaleRowsAndColumnsSeparately() {
        let a = sampleMatrix()
        var r = a
        r.scaleRows(by: [1, 2, -1])
        #expect(r.dense() == [[1, 0, 0, 2], [0, 6, 0, 0], [-4, 0, -5, 6]])
        var c = a
        c.scaleColumns(by: [2, 1, 0, 0.5])
        #expect(c.dense() == [[2, 0, 0, 1], [0, 3, 0, 0], [8, 0, 0, -3]])
        #expect(c.nonzeroCount == a.nonzeroCount) // zeros from scaling stay in the pattern
        var s = a
        s.scale(by: -2)
        #expect(s.values == a.values.map { -2 * $0 })
    }

    @Test func symmetricScalingOfUpperTriangleMatchesFullScaling() throws {
        var g = SeededGenerator(seed: 24)
        let p = randomPSDUpper(n: 20, density: 0.2, shift: 1, using: &g)
        let d = (0..<20).map { _ in g.nextUniform(0.1, 10) }
        var full = try CSCMatrix.symmetricFull(fromUpper: p)
        full.scale(rows: d, columns: d)
        let upper = p.scaled(rows: d, columns: d)
        #expect(upper.pattern == p.pattern)
        // Entries on and above the diagonal are computed by the same formula: exactly equal.
        for j in 0..<20 {
            for q in upper.pattern.range(ofColumn: j) {
                let i = upper.rowIndices[q]
                #expect(full[i, j] == upper.values[q])
                #expect(abs(full[j, i] - upper.values[q]) <= 1e-15 * abs(upper.values[q]))
            }
        }
    }

    @Test func bufferVariant() {
        var a = sampleMatrix()
        let e: [Double] = [2, 2, 2], d: [Double] = [1, 1, 1, 1]
        e.withUnsafeBufferPointer { eb in d.withUnsafeBufferPointer { db in a.scale(rows: eb, columns: db) } }
        #expect(a.values == sampleMatrix().values.map { 2 * $0 })
    }
}
